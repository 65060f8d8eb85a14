"""The vectorised evaluator against its definition, the plain loop of
mmgaf/evaluation/functional/reference_map.py."""
import numpy as np
import pytest

from mmgaf.evaluation.functional import detection_map
from mmgaf.evaluation.functional.reference_map import reference_detection_map

# With 0 every pair of a group is a candidate; without, only overlapping
# ones are searched for.
THRESHOLD_SETS = ([0.0, 0.1, 0.5, 1.0], [0.1, 0.3, 0.5, 0.55, 0.7, 0.95, 1.0])


def random_case(seed: int):
    """Few videos and classes, coarse grids of times and scores: many
    overlaps, duplicates, equal tIoUs and equal scores."""
    rng = np.random.default_rng(seed)
    num_videos, num_classes = rng.integers(1, 5), rng.integers(1, 4)
    num_gt, num_preds = rng.integers(0, 25), rng.integers(0, 60)
    starts = rng.integers(0, 12, num_gt) * 1.0
    gt = dict(
        segments=np.stack([starts, starts + rng.integers(0, 5, num_gt)], 1),
        labels=rng.integers(0, num_classes, num_gt),
        videos=rng.integers(0, num_videos, num_gt))
    starts = rng.integers(0, 24, num_preds) * 0.5
    preds = dict(
        segments=np.stack(
            [starts, starts + rng.choice([0, .5, 1, 2, 3, 4], num_preds)], 1),
        labels=rng.integers(0, num_classes, num_preds),
        # One video more than the ground truth has: a video without any.
        videos=rng.integers(0, num_videos + 1, num_preds),
        scores=rng.choice([0.1, 0.2, 0.5, 0.9], num_preds))
    return gt, preds, int(num_classes)


@pytest.mark.parametrize('thresholds', THRESHOLD_SETS)
@pytest.mark.parametrize('first_seed', range(0, 600, 200))
def test_identical_to_reference_loop(first_seed, thresholds):
    for seed in range(first_seed, first_seed + 200):
        gt, preds, num_classes = random_case(seed)
        result = detection_map(gt, preds, thresholds, num_classes)
        expected = reference_detection_map(gt, preds, thresholds, num_classes)
        # The same floats, not just close ones: same comparisons, same
        # order of additions.
        assert np.array_equal(
            result['ap'], expected['ap'], equal_nan=True), seed
        assert np.array_equal(
            result['map'], expected['map'], equal_nan=True), seed


@pytest.mark.parametrize('scale, shift', [(1., 0.), (1e-4, 0.), (1., 1e6),
                                          (37., -500.)])
def test_identical_on_continuous_values(scale, shift):
    """Jittered copies of ground truth with a few other classes, at
    several magnitudes of time."""
    rng = np.random.default_rng(7)
    for _ in range(10):
        num_gt, num_preds = 40, 300
        starts = rng.uniform(0, 100, num_gt)
        segments = np.stack([starts, starts + rng.uniform(1, 20, num_gt)], 1)
        gt = dict(
            segments=segments * scale + shift,
            labels=rng.integers(0, 3, num_gt),
            videos=rng.integers(0, 3, num_gt))
        source = rng.integers(0, num_gt, num_preds)
        jitter = rng.normal(0, 2, (num_preds, 2))
        preds = dict(
            segments=np.sort(segments[source] + jitter, axis=1) * scale +
            shift,
            labels=np.where(
                rng.random(num_preds) < 0.8, gt['labels'][source],
                rng.integers(0, 3, num_preds)),
            videos=gt['videos'][source],
            scores=rng.random(num_preds))
        thrs = np.linspace(0.1, 0.9, 9)
        result = detection_map(gt, preds, thrs, 3)
        expected = reference_detection_map(gt, preds, thrs, 3)
        assert np.array_equal(result['ap'], expected['ap'], equal_nan=True)
        assert result['average_map'] == expected['average_map']
        assert expected['average_map'] > 0.1
