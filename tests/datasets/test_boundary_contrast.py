import numpy as np
import pytest

from mmgaf.datasets.transforms import (BoundaryContrast, background_regions,
                                       contrast_actions, insert_background,
                                       split_steps)


def test_insert_background_after_the_action():
    steps = np.arange(10.)[None]
    # action [1, 6] split at 3; background [7, 9) after it
    out, segments = insert_background(steps, [1., 6.], 3, 7, 2)
    # the background at 3-4, the action's steps 3-6 moved to 5-8
    np.testing.assert_array_equal(out, [[0, 1, 2, 7, 8, 3, 4, 5, 6, 9]])
    np.testing.assert_array_equal(segments, [[1, 3], [5, 8], [4, 4]])
    assert segments.dtype == np.float32
    np.testing.assert_array_equal(steps, [np.arange(10.)])  # not in place


def test_insert_background_before_the_action():
    steps = np.arange(10.)[None, :, None, None] * np.ones((2, 1, 3, 3))
    # action [5, 9] split at 7; background [1, 3) before it
    out, segments = insert_background(steps, [5., 9.], 7, 1, 2)
    np.testing.assert_array_equal(out[0, :, 0, 0],
                                  [0, 3, 4, 5, 6, 1, 2, 7, 8, 9])
    np.testing.assert_array_equal(out[1], out[0])
    np.testing.assert_array_equal(segments, [[3, 5], [7, 9], [6, 6]])


def test_candidates():
    segments = np.array([[10., 20.], [30.5, 40.], [50., 57.]])
    # longer than twice the length
    assert contrast_actions(segments, 3) == [0, 1, 2]
    assert contrast_actions(segments, 4) == [0, 1]
    assert contrast_actions(segments, 5) == []
    # from ceil(start) + floor(length) to before ceil(len - length) + ...
    assert split_steps([30.5, 40.], 3) == range(34, 38)
    assert split_steps([10., 20.], 2.5) == range(12, 18)
    # the gaps 0-10, 20-30.5, 40-50, 57-63 in whole steps, longer than 6
    assert background_regions(segments, 6, 64) == [(0, 10), (20, 30), (40, 50)]
    assert background_regions(segments, 5, 64) == [(0, 10), (20, 30), (40, 50),
                                                   (57, 63)]
    assert background_regions(segments, 10, 64) == []


def test_overlapping_instances_as_afsd():
    """Regions between the borders of nested instances are candidates, as
    in AFSD's get_bg; only the instances themselves are not."""
    segments = np.array([[0., 40.], [10., 20.]])
    assert background_regions(segments, 5, 64) == [(0, 10), (20, 40), (40, 63)]


def window(segments, length, size=64):
    return dict(
        feats=np.arange(2. * size).reshape(2, size),
        window_size=size,
        valid_len=size,
        gt_segments=np.array(segments, np.float32).reshape(-1, 2),
        min_gt_len=length)


def test_transform_draws_the_candidates(monkeypatch):
    draws = iter([0, 2, 2, 3])  # action, split, region, background offset
    monkeypatch.setattr(np.random, 'randint', lambda n: next(draws))
    results = BoundaryContrast()(window([[10., 30.], [40., 44.]], 5))
    # action [10, 30] split at 10 + 5 + 2; regions (0, 10), (30, 40),
    # (44, 63): the third, from 44 + 3
    expected, segments = insert_background(
        window([], 0)['feats'], [10., 30.], 17, 47, 5)
    assert results['ssl_valid']
    np.testing.assert_array_equal(results['ssl_inputs'], expected)
    np.testing.assert_array_equal(results['ssl_segments'], segments)
    np.testing.assert_array_equal(segments, [[10, 17], [22, 35], [18, 21]])


@pytest.mark.parametrize(
    'segments, length',
    [
        ([[10., 20.]], 5),  # no action longer than 10 steps
        ([[0., 30.], [33., 63.]], 5),  # no gap longer than 5 steps
        (np.zeros((0, 2)), 5),  # no instance
    ])
def test_transform_gives_up(segments, length):
    results = BoundaryContrast()(window(segments, length))
    assert not results['ssl_valid']
    np.testing.assert_array_equal(results['ssl_inputs'],
                                  window([], 0)['feats'])
    np.testing.assert_array_equal(results['ssl_segments'], np.zeros((3, 2)))


def test_transform_pads_frames():
    # a fixed draw: with a background starting exactly at the action's end
    # (about 2 % of the draws here) AFSD's test `end < background_start`
    # takes the other branch and the window is no rotation; kept for parity
    np.random.seed(0)
    frames = [np.full((2, 2, 3), index + 1, np.float32) for index in range(40)]
    results = BoundaryContrast()(
        dict(
            imgs=frames,
            window_size=64,
            valid_len=40,
            gt_segments=np.array([[5., 30.]], np.float32),
            min_gt_len=4))
    assert results['ssl_inputs'].shape == (3, 64, 2, 2)
    assert results['ssl_valid']
    # a rotation of the padded window's steps (the background may be
    # padding, zeros, as AFSD pads before it augments)
    padded = np.concatenate([np.arange(1., 41.), np.zeros(24)])
    np.testing.assert_array_equal(
        np.sort(results['ssl_inputs'][0, :, 0, 0]), np.sort(padded))


def test_background_length():
    # AFSD's THUMOS14 th: the shortest instance rounded up, float noise
    # aside; its ActivityNet one: rounded down, then a quarter of it
    thumos = BoundaryContrast()
    assert [thumos.background_length(x)
            for x in (2.5, 14.0000000001, 13.99)] == [3, 14, 14]
    anet = BoundaryContrast(rounding='floor', divisor=4)
    assert [anet.background_length(x)
            for x in (30.9, 31.9999999999, 3.5)] == [7, 8, 0]
    with pytest.raises(ValueError, match='rounding'):
        BoundaryContrast(rounding='round')
    with pytest.raises(ValueError, match='divisor'):
        BoundaryContrast(divisor=0)


def test_inclusive_accepts_actions_of_twice_the_length():
    segments = np.array([[0., 10.], [20., 31.]])
    assert contrast_actions(segments, 5) == [1]
    assert contrast_actions(segments, 5, inclusive=True) == [0, 1]


def test_pad_value_and_moves_that_do_not_fit(monkeypatch):
    results = BoundaryContrast(pad_value=-3.)(
        dict(
            feats=np.ones((1, 50), np.float32),
            window_size=64,
            valid_len=50,
            gt_segments=np.zeros((0, 2), np.float32),
            min_gt_len=5.))
    assert (results['ssl_inputs'][:, 50:] == -3).all()
    # an instance past the window, split past its end: the background
    # cannot move there; AFSD's ActivityNet gives up, so does the transform
    draws = iter([0, 8, 0, 0])  # [40, 80] split at 40 + 5 + 8 = 53...
    monkeypatch.setattr(np.random, 'randint', lambda n: next(draws))
    results = BoundaryContrast()(
        dict(
            feats=np.ones((1, 64), np.float32),
            window_size=64,
            valid_len=64,
            gt_segments=np.array([[40., 80.]], np.float32),
            min_gt_len=5.))
    assert results['ssl_valid']  # [0, 40] before it: the split fits
    draws = iter([0, 25, 0, 0])  # ... or at 65, past the window's 64
    results = BoundaryContrast()(
        dict(
            feats=np.ones((1, 64), np.float32),
            window_size=64,
            valid_len=64,
            gt_segments=np.array([[40., 80.]], np.float32),
            min_gt_len=5.))
    assert not results['ssl_valid']
    assert not results['ssl_segments'].any()
