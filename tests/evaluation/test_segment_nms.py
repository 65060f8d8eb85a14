import math

import pytest
import torch

from mmgaf.models.task_modules import (batched_segment_nms,
                                       batched_segment_soft_nms)

# Class 0: A = [0,10] 0.9, B = [0,10] 0.8 (tIoU 1 with A), C = [5,15] 0.7
# (tIoU 1/3 with A and B); class 1: D = [0,10] 0.6.
SEGMENTS = torch.tensor([[0., 10.], [0., 10.], [5., 15.], [0., 10.]])
SCORES = torch.tensor([0.9, 0.8, 0.7, 0.6])
LABELS = torch.tensor([0, 0, 0, 1])


def test_soft_nms_by_hand():
    scores, keep = batched_segment_soft_nms(
        SEGMENTS, SCORES, LABELS, sigma=0.5, min_score=0.001)
    # Step 1 keeps A (and D in class 1): B -> 0.8 e^{-2} = 0.108, C -> 0.7
    # e^{-(1/3)^2 / 0.5} = 0.560. Step 2 keeps C, B decays by the same
    # factor to 0.087; step 3 keeps B.
    c = 0.7 * math.exp(-1 / 4.5)
    b = 0.8 * math.exp(-2) * math.exp(-1 / 4.5)
    torch.testing.assert_close(scores, torch.tensor([0.9, 0.6, c, b]))
    assert keep.tolist() == [0, 3, 2, 1]


def test_soft_nms_min_score_and_max_per_class():
    # B ends at 0.087 < 0.1 after step 2: dropped.
    _, keep = batched_segment_soft_nms(
        SEGMENTS, SCORES, LABELS, sigma=0.5, min_score=0.1)
    assert keep.tolist() == [0, 3, 2]
    # D is below 0.65 from the start, and C decays below it in step 1.
    _, keep = batched_segment_soft_nms(
        SEGMENTS, SCORES, LABELS, min_score=0.65)
    assert keep.tolist() == [0]
    _, keep = batched_segment_soft_nms(
        SEGMENTS, SCORES, LABELS, min_score=0.55)
    assert keep.tolist() == [0, 3, 2]
    _, keep = batched_segment_soft_nms(
        SEGMENTS, SCORES, LABELS, max_per_class=1)
    assert keep.tolist() == [0, 3]


def test_single_candidate_is_kept():
    # AFSD's loop would return nothing for a class with one candidate.
    scores, keep = batched_segment_soft_nms(SEGMENTS[:1], SCORES[:1],
                                            LABELS[:1])
    assert keep.tolist() == [0] and scores.tolist() == [pytest.approx(0.9)]


def test_soft_nms_afsd_stopping_rule():
    # keep_last=False selects only while two or more candidates remain:
    # class 0 keeps A and C (B is the last one left), class 1 (D alone)
    # keeps nothing.
    c = 0.7 * math.exp(-1 / 4.5)
    scores, keep = batched_segment_soft_nms(
        SEGMENTS, SCORES, LABELS, sigma=0.5, min_score=0.001, keep_last=False)
    assert keep.tolist() == [0, 2]
    torch.testing.assert_close(scores, torch.tensor([0.9, c]))
    # With max_per_class reached first, nothing is left out.
    _, keep = batched_segment_soft_nms(
        SEGMENTS, SCORES, LABELS, max_per_class=2, keep_last=False)
    assert keep.tolist() == [0, 2]
    _, keep = batched_segment_soft_nms(
        SEGMENTS, SCORES, LABELS, max_per_class=1, keep_last=False)
    assert keep.tolist() == [0]
    # With min_score 0.1, B and C both remain after step 1, C is selected
    # and B decays below 0.1: the same as with keep_last.
    _, keep = batched_segment_soft_nms(
        SEGMENTS, SCORES, LABELS, min_score=0.1, keep_last=False)
    assert keep.tolist() == [0, 2]


def test_hard_nms_by_hand():
    # tIoU(A, B) = 1 and tIoU(A, C) = 1/3 > 0.3: both go.
    scores, keep = batched_segment_nms(SEGMENTS, SCORES, LABELS, iou_thr=0.3)
    assert keep.tolist() == [0, 3]
    torch.testing.assert_close(scores, torch.tensor([0.9, 0.6]))
    # 1/3 <= 0.5: C stays; suppression needs tIoU strictly above.
    _, keep = batched_segment_nms(SEGMENTS, SCORES, LABELS, iou_thr=0.5)
    assert keep.tolist() == [0, 2, 3]
    _, keep = batched_segment_nms(SEGMENTS, SCORES, LABELS, iou_thr=1 / 3)
    assert keep.tolist() == [0, 2, 3]


def test_equal_scores_select_the_first():
    segments = torch.tensor([[0., 10.], [1., 10.], [0., 9.]])
    scores = torch.tensor([0.5, 0.7, 0.7])
    _, keep = batched_segment_nms(segments, scores, torch.zeros(3), 0.5)
    assert keep.tolist() == [1]


def plain_soft_nms(segments, scores, sigma, min_score):
    """One class, one segment at a time, in Python floats."""
    alive = [i for i in range(len(scores)) if scores[i] >= min_score]
    scores = list(scores)
    kept = []
    while alive:
        best = max(alive, key=lambda i: (scores[i], -i))
        kept.append((best, scores[best]))
        alive.remove(best)
        for i in alive:
            inter = max(
                min(segments[i][1], segments[best][1]) -
                max(segments[i][0], segments[best][0]), 0)
            union = (segments[i][1] - segments[i][0]) + (
                segments[best][1] - segments[best][0]) - inter
            tiou = inter / union if union > 0 else 0.
            scores[i] *= math.exp(-tiou**2 / sigma)
        alive = [i for i in alive if scores[i] >= min_score]
    return kept


def random_detections(seed, num=120, num_classes=5):
    generator = torch.Generator().manual_seed(seed)
    starts = torch.rand(num, generator=generator, dtype=torch.float64) * 50
    lengths = torch.rand(num, generator=generator, dtype=torch.float64) * 10
    segments = torch.stack([starts, starts + lengths], 1)
    scores = torch.rand(num, generator=generator, dtype=torch.float64)
    labels = torch.randint(num_classes, (num, ), generator=generator)
    return segments, scores, labels


@pytest.mark.parametrize('seed', range(3))
def test_soft_nms_batched_equals_plain_loop_per_class(seed):
    segments, scores, labels = random_detections(seed)
    kept_scores, keep = batched_segment_soft_nms(
        segments, scores, labels, sigma=0.5, min_score=0.05)
    assert torch.all(kept_scores[:-1] >= kept_scores[1:])
    batched = dict(zip(keep.tolist(), kept_scores.tolist()))
    expected = {}
    for label in labels.unique().tolist():
        index = torch.nonzero(labels == label).squeeze(1)
        for i, score in plain_soft_nms(segments[index].tolist(),
                                       scores[index].tolist(), 0.5, 0.05):
            expected[index[i].item()] = score
    assert batched.keys() == expected.keys()
    for i, score in expected.items():
        assert batched[i] == pytest.approx(score, rel=1e-12)


@pytest.mark.parametrize('seed', range(3))
def test_hard_nms_batched_equals_per_class_runs(seed):
    segments, scores, labels = random_detections(seed)
    scores_all, keep_all = batched_segment_nms(
        segments, scores, labels, iou_thr=0.4, max_per_class=7)
    per_class = []
    for label in labels.unique():
        index = torch.nonzero(labels == label).squeeze(1)
        _, keep = batched_segment_nms(
            segments[index],
            scores[index],
            labels[index],
            iou_thr=0.4,
            max_per_class=7)
        per_class += index[keep].tolist()
    assert sorted(keep_all.tolist()) == sorted(per_class)
    torch.testing.assert_close(scores_all, scores[keep_all])
    # What is kept does not overlap above the threshold within a class.
    for label in labels.unique():
        kept = keep_all[labels[keep_all] == label]
        assert len(kept) <= 7
        for i in range(len(kept)):
            for j in range(i):
                a, b = segments[kept[i]], segments[kept[j]]
                inter = max(min(a[1], b[1]) - max(a[0], b[0]), 0)
                union = (a[1] - a[0]) + (b[1] - b[0]) - inter
                assert inter / union <= 0.4


def test_empty_and_bad_inputs():
    scores, keep = batched_segment_soft_nms(
        torch.zeros(0, 2), torch.zeros(0), torch.zeros(0, dtype=torch.long))
    assert scores.shape == (0, ) and keep.shape == (0, )
    with pytest.raises(ValueError, match='segments must have shape'):
        batched_segment_nms(torch.zeros(3), torch.zeros(3), torch.zeros(3))
    with pytest.raises(ValueError, match='must have shape'):
        batched_segment_nms(torch.zeros(3, 2), torch.zeros(2), torch.zeros(3))
    with pytest.raises(ValueError, match='sigma must be positive'):
        batched_segment_soft_nms(SEGMENTS, SCORES, LABELS, sigma=0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_cuda_matches_cpu():
    segments, scores, labels = random_detections(0)
    cpu = batched_segment_soft_nms(segments, scores, labels)
    cuda = batched_segment_soft_nms(segments.cuda(), scores.cuda(),
                                    labels.cuda())
    assert cuda[1].is_cuda
    torch.testing.assert_close(cuda[0].cpu(), cpu[0])
    assert torch.equal(cuda[1].cpu(), cpu[1])


def plain_nms(segments, scores, iou_thr):
    """One class, one segment at a time, in Python floats."""
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    kept = []
    for i in order:
        if all(tiou(segments[i], segments[j]) <= iou_thr for j in kept):
            kept.append(i)
    return kept


def tiou(a, b):
    inter = max(min(a[1], b[1]) - max(a[0], b[0]), 0)
    union = (a[1] - a[0]) + (b[1] - b[0]) - inter
    return inter / union if union > 0 else 0.


@pytest.mark.parametrize('seed', range(3))
def test_hard_nms_equals_plain_greedy_loop(seed):
    """MMCV's compiled nms on ``[s, c, e, c + 1]`` boxes computes the 1-D
    per-class rule, with many equal scores and zero-length segments."""
    segments, scores, labels = random_detections(seed, num=300)
    # ties and degenerate segments, the cases MMCV's sort and 0 / 0 touch
    scores = (scores * 8).round() / 8
    segments[::7, 1] = segments[::7, 0]
    segments[1::7] = segments[0::7][:len(segments[1::7])]
    kept_scores, keep = batched_segment_nms(
        segments, scores, labels, iou_thr=0.45)
    expected = []
    for label in labels.unique().tolist():
        index = torch.nonzero(labels == label).squeeze(1)
        expected += index[plain_nms(segments[index].tolist(),
                                    scores[index].tolist(), 0.45)].tolist()
    assert sorted(keep.tolist()) == sorted(expected)
    # by descending score, equal scores in input order
    order = sorted(keep.tolist(), key=lambda i: (-scores[i].item(), i))
    assert keep.tolist() == order
    assert torch.equal(kept_scores, scores[keep])
