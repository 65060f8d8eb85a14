"""Window arithmetic shared by :class:`TADDataset` and its transforms.

A video is a sequence of ``num_steps`` steps; a window holds the steps
``[window_start, window_start + valid_len)`` and is padded to ``window_size``.
Positions inside a window are float steps counted from its first step, and
``seconds = position * time_scale + time_shift`` (docs/architecture.md).
"""
from typing import List, Optional, Tuple

import numpy as np

# Tolerance of the kept-fraction test, so that an instance cut exactly at the
# threshold (e.g. half of it inside a window) is kept despite float rounding.
_RATIO_EPS = 1e-6


def sliding_window_starts(num_steps: int, window_size: int,
                          window_stride: int) -> List[int]:
    """First steps of the windows that cover a video.

    Windows start every ``window_stride`` steps; when the strides do not end
    exactly on the video's last step, one more window is aligned to the end,
    so that every step is covered. A video shorter than a window has a single
    window at step 0 (padded by the pipeline).

    Args:
        num_steps (int): Steps in the video.
        window_size (int): Steps in a window.
        window_stride (int): Steps between the starts of two windows.

    Returns:
        list[int]: The window starts, increasing.
    """
    if num_steps <= window_size:
        return [0]
    last = num_steps - window_size
    starts = list(range(0, last + 1, window_stride))
    if starts[-1] != last:
        starts.append(last)
    return starts


# How instances cut by a window border are clipped and kept (see
# window_borders); 'afsd' is AFSD's split_videos.
WINDOW_GT_RULES = ('mmgaf', 'afsd')


def window_positions(segments: np.ndarray, time_scale: float,
                     time_shift: float) -> np.ndarray:
    """Map ``(N, 2)`` segments from seconds into window steps (float64)."""
    return (np.asarray(segments, dtype=np.float64).reshape(-1, 2) -
            time_shift) / time_scale


def window_borders(rule: str,
                   window_start: int,
                   valid_len: int,
                   num_steps: int,
                   window_size: Optional[int] = None) -> Tuple[float, float]:
    """The window positions instances are clipped to and measured against.

    - ``'mmgaf'``: ``[0, valid_len]``, except that the video's own start and
      end are no cut (the instance is whole there), so the first window is
      open below and the last one above: a position there may be slightly
      below 0 or above ``valid_len`` when the step grid does not reach the
      video's borders (e.g. the centre of the first feature clip lies after
      0 s).
    - ``'afsd'``: ``[1, window_size]`` for every window, video borders and
      padding included: AFSD's ``split_videos`` measures an instance against
      the frames ``offset + 1 .. offset + clip_length`` and clips it to
      ``[1, clip_length]`` in the window.

    Args:
        rule (str): One of :data:`WINDOW_GT_RULES`.
        window_start (int): The window's first step in the video.
        valid_len (int): Steps of real data in the window.
        num_steps (int): Steps in the whole video.
        window_size (int, optional): Steps in the window, padding included;
            required by ``'afsd'``. Defaults to None.

    Returns:
        tuple[float, float]: The lower and upper border, in window steps.
    """
    if rule == 'afsd':
        if window_size is None:
            raise ValueError("window_gt_rule 'afsd' needs the window_size")
        return 1., float(window_size)
    if rule != 'mmgaf':
        raise ValueError(f'window_gt_rule must be one of {WINDOW_GT_RULES}, '
                         f'got {rule!r}')
    low = -np.inf if window_start == 0 else 0.
    high = np.inf if window_start + valid_len >= num_steps else valid_len
    return low, high


def clip_to_window(positions: np.ndarray, borders: Tuple[float, float],
                   min_kept_ratio: float) -> Tuple[np.ndarray, np.ndarray]:
    """Clip window positions to the borders and choose the kept instances.

    Args:
        positions (np.ndarray): ``(N, 2)`` segments in window steps.
        borders (tuple[float, float]): From :func:`window_borders`.
        min_kept_ratio (float): The least fraction of an instance's length
            that must stay inside the borders to keep it.

    Returns:
        tuple[np.ndarray, np.ndarray]: The clipped ``(N, 2)`` positions and
        the ``(N,)`` bool mask of the kept instances.
    """
    clipped = np.clip(positions, *borders)
    kept_len = clipped[:, 1] - clipped[:, 0]
    full_len = positions[:, 1] - positions[:, 0]
    keep = (kept_len > 0) & (
        kept_len >= (min_kept_ratio - _RATIO_EPS) * full_len)
    return clipped, keep


def window_ground_truth(segments: np.ndarray,
                        labels: np.ndarray,
                        time_scale: float,
                        time_shift: float,
                        window_start: int,
                        valid_len: int,
                        num_steps: int,
                        min_kept_ratio: float,
                        rule: str = 'mmgaf',
                        window_size: Optional[int] = None
                        ) -> Tuple[np.ndarray, np.ndarray]:
    """Map a video's ground truth from seconds into one window's steps.

    A window's borders (:func:`window_borders`) cut the instances crossing
    them: the cut instance is clipped to the borders and kept only when at
    least ``min_kept_ratio`` of its length remains.

    Args:
        segments (np.ndarray): ``(N, 2)`` ``[start, end]`` in seconds.
        labels (np.ndarray): ``(N,)`` class indices.
        time_scale (float): Seconds per window step.
        time_shift (float): Seconds of the window's position 0.
        window_start (int): The window's first step in the video.
        valid_len (int): Steps of real data in the window.
        num_steps (int): Steps in the whole video.
        min_kept_ratio (float): The least fraction of an instance's length
            that must stay inside the window to keep it.
        rule (str): The borders, ``'mmgaf'`` or ``'afsd'``. Defaults to
            ``'mmgaf'``.
        window_size (int, optional): Steps in the window, padding included;
            required by ``'afsd'``. Defaults to None.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``(K, 2)`` float32 segments in window
        steps and their ``(K,)`` int64 labels.
    """
    clipped, keep = clip_to_window(
        window_positions(segments, time_scale, time_shift),
        window_borders(rule, window_start, valid_len, num_steps, window_size),
        min_kept_ratio)
    return (clipped[keep].astype(np.float32),
            np.asarray(labels, dtype=np.int64)[keep])
