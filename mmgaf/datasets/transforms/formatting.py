from typing import Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.structures import InstanceData

from mmgaf.registry import TRANSFORMS
from mmgaf.structures import TADDataSample


@TRANSFORMS.register_module()
class PackTADInputs(BaseTransform):
    """Pack a window into the model's inputs and a :class:`TADDataSample`.

    The window's ``valid_len`` steps are padded with zeros to
    ``window_size``, so that windows of a batch stack.

    Required Keys:

        - feats: ``(C, valid_len)`` features, or imgs: ``valid_len`` frames
          ``(H, W, C)`` (a list or a ``(valid_len, H, W, C)`` array)
        - window_size, valid_len and the ``meta_keys``
        - gt_segments, gt_labels (optional, from :class:`ConvertGtToWindow`)

    Returns:
        dict: ``inputs``, a float32 tensor ``(C, window_size)`` for features
        or ``(C, window_size, H, W)`` for frames, and ``data_samples``, a
        :class:`TADDataSample` with the meta keys and, when the ground truth
        was converted, ``gt_instances`` (``segments`` ``(K, 2)`` float32,
        ``labels`` ``(K,)`` int64).

    Args:
        meta_keys (Sequence[str]): Keys of ``results`` copied into the data
            sample's metainfo.
    """

    def __init__(
        self,
        meta_keys: Sequence[str] = ('video_name', 'duration', 'window_start',
                                    'window_size', 'valid_len', 'time_scale',
                                    'time_shift')
    ) -> None:
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: dict) -> dict:
        if 'feats' in results:
            steps = np.asarray(results['feats'], dtype=np.float32)
        elif 'imgs' in results:
            # (T, H, W, C) frames -> (C, T, H, W), the model's clip layout
            steps = np.stack(results['imgs']).astype(np.float32)
            steps = steps.transpose(3, 0, 1, 2)
        else:
            raise ValueError(
                f'video {results.get("video_name")!r}: PackTADInputs needs '
                '"feats" (features) or "imgs" (frames) in the results; add '
                'a loading transform before it')
        valid_len, window_size = results['valid_len'], results['window_size']
        if steps.shape[1] != valid_len:
            raise ValueError(
                f'video {results.get("video_name")!r}: the window at step '
                f'{results.get("window_start")} has {steps.shape[1]} steps, '
                f'expected valid_len={valid_len}')
        inputs = torch.zeros((steps.shape[0], window_size) + steps.shape[2:])
        inputs[:, :valid_len] = torch.from_numpy(np.ascontiguousarray(steps))

        data_sample = TADDataSample(
            metainfo={key: results[key]
                      for key in self.meta_keys})
        if 'gt_segments' in results:
            data_sample.gt_instances = InstanceData(
                segments=torch.as_tensor(
                    results['gt_segments'],
                    dtype=torch.float32).reshape(-1, 2),
                labels=torch.as_tensor(
                    results['gt_labels'], dtype=torch.int64))
        return dict(inputs=inputs, data_samples=data_sample)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(meta_keys={self.meta_keys})'
