import numpy as np
import pytest

from mmgaf.datasets.windowing import (sliding_window_starts, window_borders,
                                      window_ground_truth)


@pytest.mark.parametrize(
    'num_steps, size, stride, starts',
    [
        (100, 64, 8, [0, 8, 16, 24, 32, 36]),  # last window aligned to the end
        (100, 64, 36, [0, 36]),  # strides end exactly on the last step
        (65, 64, 32, [0, 1]),
        (64, 64, 8, [0]),  # exactly one window
        (30, 64, 8, [0]),  # shorter than a window: padded
    ])
def test_sliding_window_starts(num_steps, size, stride, starts):
    assert sliding_window_starts(num_steps, size, stride) == starts


def convert(positions, window_start, valid_len=20, num_steps=100, ratio=0.5):
    """Run window_ground_truth on positions given in window steps, through
    the seconds map p * 0.5 + 10 and back."""
    seconds = np.asarray(positions, dtype=np.float64) * 0.5 + 10
    labels = np.arange(len(positions))
    return window_ground_truth(seconds, labels, 0.5, 10., window_start,
                               valid_len, num_steps, ratio)


def test_interior_window_clips_and_keeps_by_fraction():
    segments, labels = convert(
        [
            [4, 12],  # inside: unchanged
            [-2, 4],  # 4/6 inside: clipped, kept
            [-4, 4],  # exactly half inside: kept
            [-6, 4],  # 4/10 inside: dropped
            [18, 26],  # 2/8 inside: dropped
            [30, 60],  # outside: dropped
            [14, 23],  # 6/9 inside: clipped at valid_len
        ],
        window_start=10)
    np.testing.assert_allclose(segments, [[4, 12], [0, 4], [0, 4], [14, 20]])
    assert labels.tolist() == [0, 1, 2, 6]
    assert segments.dtype == np.float32 and labels.dtype == np.int64


def test_video_borders_do_not_cut():
    # the first window does not clip below 0, nor the last above valid_len:
    # the video itself ends there, the instance is whole
    segments, _ = convert([[-2, 3]], window_start=0)
    np.testing.assert_allclose(segments, [[-2, 3]])
    segments, _ = convert([[15, 23]], window_start=80)  # 80 + 20 = 100
    np.testing.assert_allclose(segments, [[15, 23]])
    # the same instances in interior windows are cut
    segments, _ = convert([[-2, 3], [15, 23]], window_start=40)
    np.testing.assert_allclose(segments, [[0, 3], [15, 20]])


def test_min_kept_ratio():
    positions = [[-6, 4], [19, 29]]  # 40% and 10% inside
    assert len(convert(positions, 10, ratio=0.5)[0]) == 0
    segments, _ = convert(positions, 10, ratio=0.4)
    np.testing.assert_allclose(segments, [[0, 4]])
    segments, _ = convert(positions, 10, ratio=0.)
    np.testing.assert_allclose(segments, [[0, 4], [19, 20]])
    # touching the window is not overlapping it, whatever the ratio
    assert len(convert([[20, 25]], 10, ratio=0.)[0]) == 0


def test_no_ground_truth():
    segments, labels = window_ground_truth(
        np.zeros((0, 2)), np.zeros(0), 0.5, 0., 0, 10, 10, 0.5)
    assert segments.shape == (0, 2) and labels.shape == (0, )


def test_afsd_borders():
    # AFSD's split_videos: [1, window_size] in every window
    assert window_borders('afsd', 0, 12, 12, 20) == (1., 20.)
    assert window_borders('mmgaf', 0, 12, 12, 20) == (-np.inf, np.inf)
    assert window_borders('mmgaf', 40, 20, 100, 20) == (0., 20.)
    segments, labels = window_ground_truth(
        np.array([[10., 10.6], [10., 20.], [19., 21.]]),
        np.arange(3),
        0.5,
        10.,
        0,
        20,
        100,
        0.5,
        rule='afsd',
        window_size=20)
    # [0, 1.2] is 0.2 of 1.2 inside [1, 20]: dropped; [0, 20] clipped to
    # [1, 20]; [18, 22] kept at [18, 20] even at the window's start
    np.testing.assert_allclose(segments, [[1, 20], [18, 20]])
    assert labels.tolist() == [1, 2]
    with pytest.raises(ValueError, match='needs the window_size'):
        window_borders('afsd', 0, 12, 12)
    with pytest.raises(ValueError, match="window_gt_rule.*'opentad'"):
        window_borders('opentad', 0, 12, 12, 20)
