from typing import Optional

import numpy as np
from mmcv.transforms import BaseTransform
from mmengine.fileio import list_dir_or_file

from mmgaf.registry import TRANSFORMS

FEATURE_LAYOUTS = ('TC', 'CT')


def open_features(path: str,
                  layout: str,
                  feat_dim: Optional[int] = None,
                  video_name: Optional[str] = None,
                  sample_stride: int = 1) -> np.ndarray:
    """Open a video's ``.npy`` features lazily, as a ``(C, T)`` view.

    The file is memory-mapped: nothing but its header is read until the
    caller indexes the view, so a window reads only its own slice.

    Args:
        path (str): A local ``.npy`` file holding a 2-D array.
        layout (str): ``'TC'`` (one row per step) or ``'CT'``.
        feat_dim (int, optional): The expected number of channels ``C``;
            None accepts any.
        video_name (str, optional): Named in error messages.
        sample_stride (int): Keep every k-th step. Defaults to 1.

    Returns:
        np.ndarray: A read-only ``(C, T)`` memory-mapped view.
    """
    if layout not in FEATURE_LAYOUTS:
        raise ValueError(f'feature layout must be one of {FEATURE_LAYOUTS}, '
                         f'got {layout!r}')
    what = (f'features of video {video_name!r} ({path})'
            if video_name is not None else f'features {path}')
    try:
        feats = np.load(path, mmap_mode='r', allow_pickle=False)
    except FileNotFoundError:
        raise FileNotFoundError(f'{what}: no such file') from None
    except EOFError:
        raise ValueError(f'{what}: the file is empty') from None
    except (OSError, ValueError) as error:
        raise ValueError(f'{what}: not a readable .npy array: {error}') \
            from error
    if feats.dtype.kind != 'f':
        raise ValueError(f'{what}: dtype {feats.dtype}, expected '
                         'floating-point features')
    if feats.ndim != 2:
        raise ValueError(f'{what}: expected a 2-D array in layout {layout!r}, '
                         f'got shape {feats.shape}')
    shape = feats.shape
    feats = feats.T if layout == 'TC' else feats
    if feat_dim is not None and feats.shape[0] != feat_dim:
        hint = ''
        if feats.shape[1] == feat_dim:
            other = 'CT' if layout == 'TC' else 'TC'
            hint = f'; the file looks like layout {other!r}'
        raise ValueError(f'{what}: shape {shape} in layout {layout!r} has '
                         f'{feats.shape[0]} channels, expected '
                         f'feature_dim={feat_dim}{hint}')
    return feats[:, ::sample_stride]


@TRANSFORMS.register_module()
class LoadFeatures(BaseTransform):
    """Open the features of the sample's video without reading them.

    Required Keys:

        - feature_path
        - feature_layout
        - video_name
        - feature_dim (optional)
        - feature_sample_stride (optional, default 1)

    Added Keys:

        - feats: a ``(C, N)`` memory-mapped view of the ``N`` steps of the
          video; :class:`CropWindow` or :class:`RescaleFeatures` reads from it.
    """

    def transform(self, results: dict) -> dict:
        results['feats'] = open_features(
            results['feature_path'], results['feature_layout'],
            results.get('feature_dim'), results['video_name'],
            results.get('feature_sample_stride', 1))
        return results


FRAME_RULES = ('shown', 'video2npy')


@TRANSFORMS.register_module()
class SampleWindowFrames(BaseTransform):
    """Choose the video frames of a window's steps.

    Window step ``k`` is at ``t = time_shift + k * time_scale`` seconds. With
    ``rule='shown'`` it takes the frame shown at that time,
    ``floor(t * avg_fps)`` (a frame ``f`` spans ``[f, f + 1) / avg_fps``
    seconds). With ``rule='video2npy'`` it takes the frame AFSD's
    ``video2npy`` keeps for it: that loop keeps a frame each time its count
    of frames reaches another ``avg_fps * time_scale``, i.e. frame
    ``ceil((t + time_scale) * avg_fps) - 1`` (frames 2, 5, 8... of a 30 fps
    video at 10 fps, 0.067 s after the step's time, which AFSD still maps to
    ``k / 10`` s). Either index is clamped to the frames the video has, so a
    duration rounded up in the annotation file repeats the last frame rather
    than failing.

    Required Keys:

        - time_scale, time_shift, valid_len
        - avg_fps, total_frames: from :class:`DecordInit` or
          :class:`RawFrameInit`
        - start_index

    Added Keys:

        - frame_inds: ``(valid_len,)`` int indices for the decoders
          (``DecordDecode``, ``RawFrameDecode``...), ``start_index`` added
        - clip_len, num_clips, frame_interval: as MMAction2's ``SampleFrames``
          sets them, one clip of ``valid_len`` frames

    Args:
        rule (str): ``'shown'`` or ``'video2npy'`` (AFSD's frames). Defaults
            to ``'shown'``.
    """

    # A step's time times the fps is often an integer computed with rounding
    # error (e.g. 2.9999999 for frame 3); this keeps floor() on the integer.
    _EPS = 1e-6

    def __init__(self, rule: str = 'shown') -> None:
        if rule not in FRAME_RULES:
            raise ValueError(
                f'rule must be one of {FRAME_RULES}, got {rule!r}')
        self.rule = rule

    def transform(self, results: dict) -> dict:
        steps = np.arange(results['valid_len'], dtype=np.float64)
        seconds = results['time_shift'] + steps * results['time_scale']
        if self.rule == 'shown':
            frame_inds = np.floor(seconds * results['avg_fps'] + self._EPS)
        else:
            frame_inds = np.ceil((seconds + results['time_scale']) *
                                 results['avg_fps'] - self._EPS) - 1
        frame_inds = np.clip(frame_inds, 0, results['total_frames'] - 1)
        results['frame_inds'] = (
            frame_inds.astype(np.int64) + results['start_index'])
        results['clip_len'] = results['valid_len']
        results['num_clips'] = 1
        results['frame_interval'] = None
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(rule={self.rule!r})'


@TRANSFORMS.register_module()
class RawFrameInit(BaseTransform):
    """Count the frames of a rawframe folder, for
    :class:`SampleWindowFrames`.

    MMAction2's ``RawFrameDecode`` reads frames by index but leaves counting
    them to the annotation file; a TAD annotation file has durations only.

    Required Keys:

        - frame_dir, filename_tmpl
        - fps (when the transform has none): the video's, from the
          annotation file
        - modality (optional): ``'Flow'`` folders hold an x and a y image
          per frame (e.g. denseflow's ``flow_x_00000.jpg``,
          ``flow_y_00000.jpg``)

    Added Keys:

        - total_frames: files in ``frame_dir`` with the template's extension
          (halved for flow)
        - avg_fps: ``fps``

    Args:
        fps (float, optional): The rate the frames were extracted at (e.g.
            10 for AFSD's THUMOS14 frames); None takes each video's ``fps``
            (flow computed at the videos' own rates). Defaults to None.
    """

    def __init__(self, fps: Optional[float] = None) -> None:
        if fps is not None and fps <= 0:
            raise ValueError(f'fps must be positive, got {fps}')
        self.fps = fps

    def transform(self, results: dict) -> dict:
        fps = self.fps or results.get('fps')
        if not fps:
            raise ValueError(
                f'video {results.get("video_name")!r}: RawFrameInit has no '
                'fps, and the annotation file gives the video no "fps"')
        suffix = '.' + results['filename_tmpl'].rsplit('.', 1)[-1]
        frame_dir = results['frame_dir']
        total = sum(1 for _ in list_dir_or_file(
            frame_dir, list_dir=False, suffix=suffix))
        if results.get('modality') == 'Flow':
            total //= 2
        if total == 0:
            raise FileNotFoundError(
                f'video {results.get("video_name")!r}: no {suffix} frames in '
                f'{frame_dir}')
        results['total_frames'] = total
        results['avg_fps'] = fps
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(fps={self.fps})'
