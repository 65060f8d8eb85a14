"""Window arithmetic shared by :class:`TADDataset` and its transforms.

A video is a sequence of ``num_steps`` steps; a window holds the steps
``[window_start, window_start + valid_len)`` and is padded to ``window_size``.
Positions inside a window are float steps counted from its first step, and
``seconds = position * time_scale + time_shift`` (docs/architecture.md).
"""
from typing import List, Tuple

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


def window_ground_truth(
        segments: np.ndarray, labels: np.ndarray, time_scale: float,
        time_shift: float, window_start: int, valid_len: int, num_steps: int,
        min_kept_ratio: float) -> Tuple[np.ndarray, np.ndarray]:
    """Map a video's ground truth from seconds into one window's steps.

    A window's borders that lie inside the video cut the instances crossing
    them: the cut instance is clipped to the window and kept only when at
    least ``min_kept_ratio`` of its length remains. The video's own start and
    end are no cut (the instance is whole there), so the first and the last
    window of a video do not clip on that side: a position there may be
    slightly below 0 or above ``valid_len`` when the step grid does not reach
    the video's borders (e.g. the centre of the first feature clip lies
    after 0 s).

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

    Returns:
        tuple[np.ndarray, np.ndarray]: ``(K, 2)`` float32 segments in window
        steps and their ``(K,)`` int64 labels.
    """
    positions = (np.asarray(segments, dtype=np.float64).reshape(-1, 2) -
                 time_shift) / time_scale
    low = -np.inf if window_start == 0 else 0.
    high = np.inf if window_start + valid_len >= num_steps else valid_len
    clipped = np.clip(positions, low, high)
    kept_len = clipped[:, 1] - clipped[:, 0]
    full_len = positions[:, 1] - positions[:, 0]
    keep = (kept_len > 0) & (
        kept_len >= (min_kept_ratio - _RATIO_EPS) * full_len)
    return (clipped[keep].astype(np.float32),
            np.asarray(labels, dtype=np.int64)[keep])
