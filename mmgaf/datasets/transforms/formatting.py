from typing import Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.structures import InstanceData

from mmgaf.registry import TRANSFORMS
from mmgaf.structures import TADDataSample


def window_inputs(results: dict, pad_value: float = 0.) -> np.ndarray:
    """The window's steps in the model's layout, padded to ``window_size``.

    Args:
        results (dict): ``feats`` ``(C, valid_len)`` or ``imgs``
            (``valid_len`` frames ``(H, W, C)``, a list or an array; with
            ``modality='Flow'``, MMAction2's ``RawFrameDecode`` layout:
            ``2 * valid_len`` images ``(H, W)``, x and y of each frame), and
            ``window_size``, ``valid_len``.
        pad_value (float): The padding's value. Defaults to 0.

    Returns:
        np.ndarray: float32 ``(C, window_size)`` for features,
        ``(C, window_size, H, W)`` for frames.
    """
    if 'feats' in results:
        steps = np.asarray(results['feats'], dtype=np.float32)
    elif 'imgs' in results:
        steps = np.stack(results['imgs']).astype(np.float32)
        if results.get('modality') == 'Flow':
            # (2 T, H, W) x, y, x, y... -> (2, T, H, W)
            steps = steps.reshape((-1, 2) + steps.shape[1:])
            steps = steps.transpose(1, 0, 2, 3)
        else:
            # (T, H, W, C) frames -> (C, T, H, W), the model's clip layout
            steps = steps.transpose(3, 0, 1, 2)
    else:
        raise ValueError(
            f'video {results.get("video_name")!r}: the window needs "feats" '
            '(features) or "imgs" (frames) in the results; add a loading '
            'transform before it')
    valid_len, window_size = results['valid_len'], results['window_size']
    if steps.shape[1] != valid_len:
        raise ValueError(
            f'video {results.get("video_name")!r}: the window at step '
            f'{results.get("window_start")} has {steps.shape[1]} steps, '
            f'expected valid_len={valid_len}')
    inputs = np.full(
        (steps.shape[0], window_size) + steps.shape[2:],
        pad_value,
        dtype=np.float32)
    inputs[:, :valid_len] = steps
    return inputs


@TRANSFORMS.register_module()
class PackTADInputs(BaseTransform):
    """Pack a window into the model's inputs and a :class:`TADDataSample`.

    The window's ``valid_len`` steps are padded with ``pad_value`` to
    ``window_size``, so that windows of a batch stack.

    Required Keys:

        - feats: ``(C, valid_len)`` features, or imgs: ``valid_len`` frames
          ``(H, W, C)`` (a list or a ``(valid_len, H, W, C)`` array), or
          ``2 * valid_len`` flow images ``(H, W)`` with ``modality='Flow'``
        - window_size, valid_len and the ``meta_keys``
        - gt_segments, gt_labels (optional, from :class:`ConvertGtToWindow`)
        - ssl_inputs, ssl_segments, ssl_valid (optional, from
          :class:`BoundaryContrast`)

    Returns:
        dict: ``inputs``, a float32 tensor ``(C, window_size)`` for features
        or ``(C, window_size, H, W)`` for frames (``C = 2`` for flow), and
        ``data_samples``, a
        :class:`TADDataSample` with the meta keys and, when the ground truth
        was converted, ``gt_instances`` (``segments`` ``(K, 2)`` float32,
        ``labels`` ``(K,)`` int64) and, after :class:`BoundaryContrast`,
        the data fields ``ssl_inputs`` (float32, the shape of ``inputs``,
        not normalised: the model applies its data preprocessor's
        normalisation), ``ssl_segments`` (``(3, 2)`` float32 window steps)
        and ``ssl_valid`` (bool ``(1,)``).

    Args:
        meta_keys (Sequence[str]): Keys of ``results`` copied into the data
            sample's metainfo.
        pad_value (float): Defaults to 0 (AFSD's THUMOS14 clips; its
            ActivityNet ones pad 127.5, grey, 0 once normalised).
    """

    def __init__(self,
                 meta_keys: Sequence[str] = ('video_name', 'duration',
                                             'window_start', 'window_size',
                                             'valid_len', 'time_scale',
                                             'time_shift'),
                 pad_value: float = 0.) -> None:
        self.meta_keys = tuple(meta_keys)
        self.pad_value = pad_value

    def transform(self, results: dict) -> dict:
        inputs = torch.from_numpy(window_inputs(results, self.pad_value))
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
        if 'ssl_inputs' in results:
            data_sample.set_data(
                dict(
                    ssl_inputs=torch.from_numpy(
                        np.ascontiguousarray(
                            results['ssl_inputs'], dtype=np.float32)),
                    ssl_segments=torch.as_tensor(
                        results['ssl_segments'],
                        dtype=torch.float32).reshape(3, 2),
                    ssl_valid=torch.tensor([bool(results['ssl_valid'])])))
        return dict(inputs=inputs, data_samples=data_sample)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(meta_keys={self.meta_keys}, '
                f'pad_value={self.pad_value})')
