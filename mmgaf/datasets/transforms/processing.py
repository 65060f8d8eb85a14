from typing import List

import mmcv
import numpy as np
from mmaction.datasets.transforms import Resize
from mmcv.transforms import BaseTransform

from mmgaf.registry import TRANSFORMS
from ..windowing import window_ground_truth


@TRANSFORMS.register_module()
class CropWindow(BaseTransform):
    """Read a sliding window's steps from the video's features.

    Only the window's slice is read from the memory-mapped file; padding to
    ``window_size`` is left to :class:`PackTADInputs`, which pads frames
    and features alike.

    Required Keys:

        - feats: ``(C, N)`` (from :class:`LoadFeatures`)
        - window_start, valid_len, video_name

    Modified Keys:

        - feats: ``(C, valid_len)`` float32 array
    """

    def transform(self, results: dict) -> dict:
        feats = results['feats']
        start, valid_len = results['window_start'], results['valid_len']
        if start + valid_len > feats.shape[1]:
            raise ValueError(
                f'video {results["video_name"]!r}: the window of steps '
                f'[{start}, {start + valid_len}) is past the {feats.shape[1]} '
                f'steps of {results.get("feature_path", "its features")}; '
                'was the file changed after the dataset was built?')
        # a copy: the slice of a memory map would stay read-only and lazy
        results['feats'] = np.array(
            feats[:, start:start + valid_len], dtype=np.float32, order='C')
        return results


@TRANSFORMS.register_module()
class RescaleFeatures(BaseTransform):
    """Resample a whole video's features to the window's steps by linear
    interpolation.

    Window step ``j`` is at ``t = time_shift + j * time_scale`` seconds (for
    a rescaled video ``time_scale = duration / window_size``); feature ``i``
    of the file is at ``i * feature_time_scale + feature_time_shift``
    seconds. Step ``j`` interpolates the file's features at the fractional
    index of ``t``, clamped to the first and last feature, so the result is
    aligned with the seconds <-> steps map rather than with the array ends.

    Required Keys:

        - feats: ``(C, N)`` (from :class:`LoadFeatures`)
        - time_scale, time_shift, valid_len
        - feature_time_scale, feature_time_shift

    Modified Keys:

        - feats: ``(C, valid_len)`` float32 array
    """

    def transform(self, results: dict) -> dict:
        feats = np.asarray(results['feats'], dtype=np.float32)
        num_feats = feats.shape[1]
        seconds = results['time_shift'] + results['time_scale'] * np.arange(
            results['valid_len'], dtype=np.float64)
        index = (seconds -
                 results['feature_time_shift']) / results['feature_time_scale']
        index = np.clip(index, 0, num_feats - 1)
        left = np.floor(index).astype(np.int64)
        right = np.minimum(left + 1, num_feats - 1)
        weight = (index - left).astype(np.float32)
        results['feats'] = (
            feats[:, left] * (1 - weight) + feats[:, right] * weight)
        return results


@TRANSFORMS.register_module()
class ConvertGtToWindow(BaseTransform):
    """Map the video's ground truth from seconds into the window's steps.

    Instances cut by the window are clipped and kept only when at least
    ``min_kept_ratio`` of them stays inside; see
    :func:`mmgaf.datasets.windowing.window_ground_truth`, whose rules the
    dataset also uses to drop training windows without ground truth.

    Required Keys:

        - ann_segments: ``(N, 2)`` seconds; ann_labels: ``(N,)``
        - time_scale, time_shift, window_start, valid_len, num_steps,
          min_kept_ratio
        - window_gt_rule, window_size (optional, default ``'mmgaf'``)

    Added Keys:

        - gt_segments: ``(K, 2)`` float32 window steps
        - gt_labels: ``(K,)`` int64
    """

    def transform(self, results: dict) -> dict:
        results['gt_segments'], results['gt_labels'] = window_ground_truth(
            results['ann_segments'], results['ann_labels'],
            results['time_scale'], results['time_shift'],
            results['window_start'], results['valid_len'],
            results['num_steps'], results['min_kept_ratio'],
            results.get('window_gt_rule', 'mmgaf'), results.get('window_size'))
        return results


RESIZE_BACKENDS = ('cv2', 'pillow')


@TRANSFORMS.register_module()
class ResizeFrames(Resize):
    """MMAction2's ``Resize`` with a choice of image library.

    ``backend='pillow'`` with ``interpolation='bicubic'`` resizes as AFSD's
    ``video2npy`` (PIL's bicubic filter, which widens its support when it
    shrinks, i.e. antialiases): exactly its pixels, where OpenCV's bilinear
    differs by 1.6-2.1 grey levels on average from 320x240 and 340x256
    frames to 112x112 (OpenCV's bicubic 2.2-2.8, area 0.7-0.8).

    Args:
        backend (str): ``'cv2'`` or ``'pillow'``. Defaults to ``'cv2'``.
        **kwargs: ``scale``, ``keep_ratio``, ``interpolation``, ``lazy`` of
            MMAction2's ``Resize``.
    """

    def __init__(self, backend: str = 'cv2', **kwargs) -> None:
        if backend not in RESIZE_BACKENDS:
            raise ValueError(f'backend must be one of {RESIZE_BACKENDS}, '
                             f'got {backend!r}')
        super().__init__(**kwargs)
        self.backend = backend

    def _resize_imgs(self, imgs: List[np.ndarray], new_w: int,
                     new_h: int) -> List[np.ndarray]:
        return [
            mmcv.imresize(
                img, (new_w, new_h),
                interpolation=self.interpolation,
                backend=self.backend) for img in imgs
        ]

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(scale={self.scale}, '
                f'keep_ratio={self.keep_ratio}, '
                f'interpolation={self.interpolation!r}, '
                f'backend={self.backend!r})')
