"""Small cases of the ActivityNet protocol, worked out by hand."""
import numpy as np
import pytest
from matching_helpers import match_detections

from mmgaf.evaluation.functional import (average_precision_at_tiou,
                                         detection_map)


def gt_of(*rows):
    """Rows ``(video, label, start, end)``."""
    rows = np.array(rows, dtype=float).reshape(-1, 4)
    return dict(
        videos=rows[:, 0].astype(int),
        labels=rows[:, 1].astype(int),
        segments=rows[:, 2:])


def preds_of(*rows):
    """Rows ``(video, label, start, end, score)``."""
    rows = np.array(rows, dtype=float).reshape(-1, 5)
    return dict(
        videos=rows[:, 0].astype(int),
        labels=rows[:, 1].astype(int),
        segments=rows[:, 2:4],
        scores=rows[:, 4])


# Video 0, class 0: two instances far apart.
TWO_GT = gt_of((0, 0, 0, 10), (0, 0, 20, 30))


def test_duplicate_and_tie_keep_input_order():
    # p0 takes [0,10]; p1 overlaps it by 0.9 but it is taken, and [20,30]
    # does not overlap: false positive. p1 and p2 tie on 0.8 and keep
    # their input order: TP, FP, TP -> precision 1, 1/2, 2/3 at recall
    # 1/2, 1/2, 1 -> AP = 1/2 * 1 + 1/2 * 2/3 = 5/6.
    preds = preds_of((0, 0, 0, 10, .9), (0, 0, 1, 10, .8), (0, 0, 20, 30, .8))
    ap = average_precision_at_tiou(TWO_GT, preds, [0.5])
    assert ap[0, 0] == pytest.approx(5 / 6)
    # Listed the other way round the tie ranks the hit first: AP 1.
    swapped = preds_of((0, 0, 0, 10, .9), (0, 0, 20, 30, .8),
                       (0, 0, 1, 10, .8))
    assert average_precision_at_tiou(TWO_GT, swapped, [0.5])[0, 0] == 1.0


def test_second_best_ground_truth_after_the_best_is_taken():
    gt = gt_of((0, 0, 0, 10), (0, 0, 4, 14))
    # p0 = [0,10] takes [0,10]. p1 = [1,11]: tIoU 9/11 with the taken
    # [0,10], 7/13 = 0.538 with [4,14]: a hit at 0.5, a miss at 0.6.
    preds = preds_of((0, 0, 0, 10, .9), (0, 0, 1, 11, .8))
    matches = match_detections(preds['segments'], np.zeros(2, int),
                               gt['segments'], np.zeros(2, int), [0.5, 0.6])
    np.testing.assert_array_equal(matches, [[0, 1], [0, -1]])
    ap = average_precision_at_tiou(gt, preds, [0.5, 0.6])
    np.testing.assert_allclose(ap[:, 0], [1.0, 0.5])


def test_threshold_is_inclusive():
    gt = gt_of((0, 0, 0, 10))
    # [0,5] has tIoU exactly 1/2: a hit at 0.5 (the official test is
    # "tiou < thr -> miss"), a miss just above.
    preds = preds_of((0, 0, 0, 5, .9))
    ap = average_precision_at_tiou(gt, preds, [0.3, 0.5, 0.500001, 1.0])
    np.testing.assert_array_equal(ap[:, 0], [1., 1., 0., 0.])
    exact = preds_of((0, 0, 0, 10, .9))
    assert average_precision_at_tiou(gt, exact, [1.0])[0, 0] == 1.0


def test_video_without_ground_truth_and_outside_the_video():
    # A top-scored detection in video 1 (no ground truth) and one outside
    # video 0's annotations are false positives ranked first and third:
    # FP, TP, FP, TP -> precision at the hits 1/2 and 2/4 -> AP 1/2.
    preds = preds_of((1, 0, 0, 10, .95), (0, 0, 0, 10, .9),
                     (0, 0, 100, 110, .85), (0, 0, 20, 30, .8))
    ap = average_precision_at_tiou(TWO_GT, preds, [0.5])
    assert ap[0, 0] == pytest.approx(0.5)


def test_class_without_ground_truth_is_left_out_of_the_mean():
    # Class 1 has predictions but no ground truth: NaN AP, no part in the
    # mean, and its predictions change nothing else.
    gt = gt_of((0, 0, 0, 10), (1, 2, 0, 10), (1, 2, 20, 30))
    preds = preds_of((0, 0, 0, 10, .9), (1, 2, 0, 10, .7))
    extra = preds_of((0, 0, 0, 10, .9), (1, 2, 0, 10, .7), (0, 1, 0, 10, 1.),
                     (1, 1, 20, 30, 1.))
    for predictions in (preds, extra):
        result = detection_map(gt, predictions, [0.5, 0.7], num_classes=3)
        np.testing.assert_array_equal(result['num_gt'], [1, 0, 2])
        assert np.isnan(result['ap'][:, 1]).all()
        # Class 0: AP 1. Class 2: one hit of two -> AP 1/2.
        np.testing.assert_allclose(result['ap'][:, [0, 2]],
                                   [[1., .5], [1., .5]])
        np.testing.assert_allclose(result['map'], [0.75, 0.75])
        assert result['average_map'] == pytest.approx(0.75)


def test_class_without_predictions_scores_zero():
    gt = gt_of((0, 0, 0, 10), (0, 1, 0, 10))
    result = detection_map(gt, preds_of((0, 0, 0, 10, .9)), [0.5])
    np.testing.assert_array_equal(result['ap'], [[1., 0.]])
    assert result['map'][0] == 0.5


def test_each_threshold_matches_independently():
    # Ground truth [0,10], [10,20]. p0 = [0,12]: 10/12 with [0,10], 2/20
    # with [10,20]. p1 = [2,20]: 8/20 with [0,10], 10/18 with [10,20].
    # At 0.5 p0 takes [0,10] and p1 [10,20]; at 0.9 both miss; at 0.05 p0
    # takes [0,10] and p1 still gets [10,20] (its best).
    gt = gt_of((0, 0, 0, 10), (0, 0, 10, 20))
    preds = preds_of((0, 0, 0, 12, .9), (0, 0, 2, 20, .8))
    matches = match_detections(preds['segments'],
                               np.zeros(2, int), gt['segments'],
                               np.zeros(2, int), [0.05, 0.5, 0.9])
    np.testing.assert_array_equal(matches, [[0, 1], [0, 1], [-1, -1]])
    ap = average_precision_at_tiou(gt, preds, [0.05, 0.5, 0.9])
    np.testing.assert_array_equal(ap[:, 0], [1., 1., 0.])


def test_equal_tiou_ground_truths_in_input_order():
    # [0,10] against [0,5] and [5,10]: tIoU 1/2 each; the first listed is
    # taken, the second is left for [5,10].
    gt = gt_of((0, 0, 0, 5), (0, 0, 5, 10))
    preds = preds_of((0, 0, 0, 10, .9), (0, 0, 5, 10, .8))
    matches = match_detections(preds['segments'], np.zeros(2, int),
                               gt['segments'], np.zeros(2, int), [0.5])
    np.testing.assert_array_equal(matches, [[0, 1]])


def test_zero_threshold_matches_without_overlap():
    # At tIoU 0 any free ground truth of the group is a hit, overlapping
    # or not, as in the official code (0 < 0 is false).
    preds = preds_of((0, 0, 50, 60, .9), (0, 0, 70, 80, .8),
                     (0, 0, 90, 95, .7))
    ap = average_precision_at_tiou(TWO_GT, preds, [0., 0.1])
    np.testing.assert_array_equal(ap[:, 0], [1., 0.])


def test_empty_inputs():
    no_preds = preds_of()
    result = detection_map(TWO_GT, no_preds, [0.5])
    np.testing.assert_array_equal(result['ap'], [[0.]])
    no_gt = detection_map(gt_of(), preds_of((0, 0, 0, 1, .5)), [0.5])
    assert np.isnan(no_gt['ap']).all() and np.isnan(no_gt['map']).all()


@pytest.mark.parametrize('field, value, message', [
    ('segments', np.array([[5., 1.]]), 'ends before it starts'),
    ('scores', np.array([np.nan]), 'not finite'),
    ('labels', np.array([-1]), 'negative index'),
    ('labels', np.array([0.5]), 'must hold integers'),
    ('videos', np.array([0, 1]), r'must have shape \(1, \)')
])
def test_bad_predictions_name_the_field(field, value, message):
    preds = preds_of((0, 0, 0, 10, .9))
    preds[field] = value
    with pytest.raises(
            ValueError, match=rf'predictions\["{field}"\].*'
            f'{message}'):
        detection_map(TWO_GT, preds, [0.5])


def test_bad_thresholds_and_missing_fields():
    preds = preds_of((0, 0, 0, 10, .9))
    for thrs in ([0.5, 1.5], []):
        with pytest.raises(ValueError, match='iou_thrs must be values in'):
            detection_map(TWO_GT, preds, thrs)
    del preds['scores']
    with pytest.raises(KeyError, match='predictions lacks'):
        detection_map(TWO_GT, preds, [0.5])
    with pytest.raises(ValueError, match='num_classes is 1'):
        detection_map(gt_of((0, 1, 0, 1)), preds_of(), [0.5], num_classes=1)
