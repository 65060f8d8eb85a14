"""The vectorised matching as a ``(T, P)`` table of matches, to compare it
with ``reference_matches`` (the evaluator itself only needs the list of
true positives that ``greedy_true_positives`` returns)."""
import numpy as np

from mmgaf.evaluation.functional.matching import greedy_true_positives


def match_detections(pred_segments, pred_groups, gt_segments, gt_groups,
                     iou_thrs):
    """Same arguments and result as ``reference_matches``: int64 ``(T, P)``
    ground-truth indices, -1 for a false positive."""
    iou_thrs = np.asarray(iou_thrs, dtype=np.float64)
    pred_segments = np.asarray(pred_segments, dtype=np.float64)
    gt_segments = np.asarray(gt_segments, dtype=np.float64)
    matches = np.full((len(iou_thrs), len(pred_segments)), -1, np.int64)
    if len(pred_segments) == 0 or len(gt_segments) == 0:
        return matches
    # Each distinct threshold is matched once, in increasing order.
    thrs = np.unique(iou_thrs)
    pair_pred, pair_gt, items = greedy_true_positives(
        pred_segments, np.asarray(pred_groups, dtype=np.int64), gt_segments,
        np.asarray(gt_groups, dtype=np.int64), thrs)
    thr, pair = np.divmod(items, max(len(pair_pred), 1))
    distinct = np.full((len(thrs), len(pred_segments)), -1, np.int64)
    distinct[thr, pair_pred[pair]] = pair_gt[pair]
    return distinct[np.searchsorted(thrs, iou_thrs)]
