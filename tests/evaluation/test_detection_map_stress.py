"""Adversarial cases for the fast paths of the evaluator, against the plain
loop of mmgaf/evaluation/functional/reference_map.py: many conflicts, long
chains of them, ties, duplicates, empty groups, extreme scores and sizes,
every threshold set."""
import importlib
import importlib.util
import os.path as osp

import numpy as np
import pytest
from matching_helpers import match_detections

from mmgaf.evaluation.functional import detection_map
from mmgaf.evaluation.functional.reference_map import (reference_detection_map,
                                                       reference_matches)

# The modules themselves (the package exports a function named
# detection_map).
matching = importlib.import_module('mmgaf.evaluation.functional.matching')
detection_map_module = importlib.import_module(
    'mmgaf.evaluation.functional.detection_map')

THRESHOLD_SETS = (
    [0.5],
    [0.3, 0.4, 0.5, 0.6, 0.7],
    list(np.round(np.arange(0.1, 0.96, 0.05), 2)),
    # Unsorted, repeated, and the extremes.
    [0.7, 0.3, 0.5, 0.3, 1.0, 0.0],
    [1e-9, 0.2],
)


def assert_same(gt, preds, thrs, num_classes):
    result = detection_map(gt, preds, thrs, num_classes)
    expected = reference_detection_map(gt, preds, thrs, num_classes)
    # The same floats, not just close ones.
    np.testing.assert_array_equal(result['ap'], expected['ap'])
    np.testing.assert_array_equal(result['map'], expected['map'])
    assert (result['average_map'] == expected['average_map']
            or np.isnan(result['average_map'])
            and np.isnan(expected['average_map']))
    return result


def crowded_case(rng):
    """Dense, overlapping ground truth and predictions on coarse grids:
    many predictions with several candidates, copies of ground truth,
    equal tIoUs and equal scores, points (zero length), groups without
    ground truth."""
    num_videos, num_classes = rng.integers(1, 4), rng.integers(1, 4)
    num_gt, num_preds = rng.integers(0, 40), rng.integers(0, 150)
    grid = rng.choice([0.25, 0.5, 1.0])
    starts = rng.integers(0, 20, num_gt) * grid
    gt = dict(
        segments=np.stack([starts, starts + rng.integers(0, 6, num_gt) * grid],
                          1),
        labels=rng.integers(0, num_classes, num_gt),
        videos=rng.integers(0, num_videos, num_gt))
    starts = rng.integers(0, 24, num_preds) * grid
    segments = np.stack(
        [starts, starts + rng.integers(0, 8, num_preds) * grid], 1)
    if num_gt:
        copies = rng.random(num_preds) < 0.3
        segments[copies] = gt['segments'][rng.integers(0, num_gt,
                                                       copies.sum())]
    scores = (
        rng.choice([0.1, 0.5, 0.9, 0.0, -0.0, 1.0, -2.0], num_preds)
        if rng.random() < 0.5 else rng.random(num_preds))
    preds = dict(
        segments=segments,
        labels=rng.integers(0, num_classes, num_preds),
        videos=rng.integers(0, num_videos + 1, num_preds),
        scores=scores)
    return gt, preds, int(num_classes)


@pytest.mark.parametrize('thrs', THRESHOLD_SETS)
@pytest.mark.parametrize('first_seed', [0, 300])
def test_crowded_cases(first_seed, thrs):
    rng = np.random.default_rng(first_seed)
    for _ in range(300):
        assert_same(*crowded_case(rng)[:2], thrs, 3)


def chain(length: int, shuffle: bool, rng):
    """Ground truth [10i, 10i + 10]; prediction i (in score order) overlaps
    ground truth i - 1 most and ground truth i less: at tIoU 0.2 each
    prediction loses its best candidate to the one before and takes its
    second, a chain of conflicts as long as the group."""
    starts = np.arange(length) * 10.
    gt_segments = np.stack([starts, starts + 10], 1)
    pred_segments = np.concatenate([[[0., 10.]],
                                    np.stack([starts[1:] - 8, starts[1:] + 4],
                                             1)])
    order = rng.permutation(length) if shuffle else np.arange(length)
    zeros = np.zeros(length, dtype=int)
    gt = dict(segments=gt_segments[order], labels=zeros, videos=zeros)
    preds = dict(
        segments=pred_segments,
        labels=zeros,
        videos=zeros,
        scores=1 - np.arange(length) / length)
    return gt, preds


@pytest.mark.parametrize('length', [3, 17, 60, 300])
@pytest.mark.parametrize('shuffle', [False, True])
def test_long_chains_of_conflicts(length, shuffle):
    # Longer than MAX_ROUNDS: the plain loop finishes them.
    gt, preds = chain(length, shuffle, np.random.default_rng(length))
    for thrs in ([0.2], [0.1, 0.2, 0.5, 0.6]):
        result = assert_same(gt, preds, thrs, 1)
        if thrs == [0.2]:
            assert result['ap'][0, 0] == 1.0


@pytest.mark.parametrize('max_rounds', [0, 1, 2])
def test_plain_loop_after_any_round(monkeypatch, max_rounds):
    monkeypatch.setattr(matching, 'MAX_ROUNDS', max_rounds)
    rng = np.random.default_rng(max_rounds)
    for i in range(400):
        gt, preds, num_classes = crowded_case(rng)
        assert_same(gt, preds, THRESHOLD_SETS[i % len(THRESHOLD_SETS)],
                    num_classes)


def test_match_detections_against_plain_greedy():
    rng = np.random.default_rng(3)
    for i in range(150):
        gt, preds, _ = crowded_case(rng)
        thrs = THRESHOLD_SETS[i % len(THRESHOLD_SETS)]
        groups = preds['labels'] * 10 + preds['videos']
        gt_groups = gt['labels'] * 10 + gt['videos']
        np.testing.assert_array_equal(
            match_detections(preds['segments'], groups, gt['segments'],
                             gt_groups, thrs),
            reference_matches(preds['segments'], groups, gt['segments'],
                              gt_groups, thrs))


@pytest.mark.parametrize('scores', [
    'equal', 'huge_span', 'tiny_span', 'signed_zeros', 'few_levels', 'float32'
])
def test_extreme_scores(scores):
    rng = np.random.default_rng(5)
    for _ in range(60):
        gt, preds, num_classes = crowded_case(rng)
        num = len(preds['scores'])
        preds['scores'] = {
            'equal': lambda: np.full(num, 0.5),
            'huge_span': lambda: rng.choice([-1e308, 1e308, 0.5], num),
            'tiny_span': lambda: rng.choice([5e-324, 0., 1e-323], num),
            'signed_zeros': lambda: rng.choice([0., -0., 1.], num),
            # Many predictions per quantisation level.
            'few_levels': lambda: rng.choice([0, 1, 1 + 1e-12], num),
            'float32': lambda: rng.random(num).astype(np.float32),
        }[scores]()
        assert_same(gt, preds, [0.1, 0.5], num_classes)


@pytest.mark.parametrize('num_classes', [3, 300, 40000, 70000])
def test_class_score_order(num_classes):
    """Stable by class, then by descending score, whatever the key width
    (24 or 32 bits, or the plain sort beyond 2**16 classes)."""
    rng = np.random.default_rng(num_classes)
    for scores in (rng.random(5000), rng.choice([0.2, 0.7], 5000),
                   np.zeros(5000), rng.normal(0, 1e300, 5000)):
        labels = rng.integers(0, num_classes, 5000)
        order = detection_map_module._class_score_order(
            labels, scores, num_classes)
        np.testing.assert_array_equal(order, np.lexsort((-scores, labels)))


def test_many_classes_and_thresholds():
    # 300 classes: a 32-bit sort key; thousands of (threshold, class) rows
    # of true positives: several chunks of the running maximum.
    rng = np.random.default_rng(1)
    num_gt, num_preds = 3000, 20000
    starts = rng.uniform(0, 1000, num_gt)
    gt = dict(
        segments=np.stack([starts, starts + rng.uniform(1, 5, num_gt)], 1),
        labels=rng.integers(0, 300, num_gt),
        videos=rng.integers(0, 3, num_gt))
    source = rng.integers(0, num_gt, num_preds)
    preds = dict(
        segments=gt['segments'][source] + rng.normal(0, .5, (num_preds, 1)),
        labels=gt['labels'][source],
        videos=gt['videos'][source],
        scores=rng.random(num_preds))
    assert_same(gt, preds, np.linspace(0.1, 0.95, 18), 300)


def test_many_ground_truths():
    # Over 2**13 ground truths: more than 2**16 buckets (a two-pass radix
    # sort), and more than 2**16 (threshold, pair) items.
    rng = np.random.default_rng(2)
    num_gt, num_preds = 9000, 30000
    starts = rng.uniform(0, 200, num_gt)
    gt = dict(
        segments=np.stack([starts, starts + rng.uniform(1, 10, num_gt)], 1),
        labels=rng.integers(0, 2, num_gt),
        videos=rng.integers(0, 200, num_gt))
    source = rng.integers(0, num_gt, num_preds)
    preds = dict(
        segments=gt['segments'][source] + rng.normal(0, 1, (num_preds, 1)),
        labels=gt['labels'][source],
        videos=gt['videos'][source],
        scores=rng.random(num_preds))
    assert_same(gt, preds, [0.3, 0.5, 0.7], 2)


def test_benchmark_data(repo_root, shared_data):
    """The benchmark's synthetic detections on the real THUMOS14 test
    ground truth."""
    path = osp.join(repo_root, 'benchmarks', 'bench_detection_map.py')
    spec = importlib.util.spec_from_file_location('bench_detection_map', path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    gt, classes, num_videos = bench.encode_ground_truth(
        osp.join(shared_data, 'thumos14', 'thumos_gt.json'), 'test')
    for seed, num_preds in ((0, 20000), (1, 5000)):
        preds = bench.synthetic_predictions(gt, len(classes), num_videos,
                                            num_preds, seed)
        for thrs in (bench.IOU_THRS, [0.1, 0.2, 0.3, 0.4, 0.5]):
            assert_same(gt, preds, thrs, len(classes))
