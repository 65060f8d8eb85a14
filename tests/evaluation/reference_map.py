"""A plain loop over predictions implementing the ActivityNet detection
protocol, to check the vectorised evaluator (tests and the benchmark).

Everything is Python floats and lists, one prediction at a time, in the
order of the protocol's description; it is slow and meant to be obviously
right.
"""
import numpy as np


def reference_tiou(pred, gt):
    """tIoU of two ``(start, end)`` pairs; 0 when the union is empty."""
    inter = max(min(pred[1], gt[1]) - max(pred[0], gt[0]), 0.0)
    union = (pred[1] - pred[0]) + (gt[1] - gt[0]) - inter
    return inter / union if union > 0 else 0.0


def reference_class_ap(gts, preds, iou_thrs):
    """AP of one class at each threshold.

    Args:
        gts (list): ``(video, start, end)`` of the class's ground truth.
        preds (list): ``(video, start, end, score)`` of its predictions.
        iou_thrs (list[float]): The thresholds.

    Returns:
        list[float]: One AP per threshold.
    """
    gt_of_video = {}
    for j, (video, start, end) in enumerate(gts):
        gt_of_video.setdefault(video, []).append((j, start, end))
    taken = [[False] * len(gts) for _ in iou_thrs]
    is_tp = [[] for _ in iou_thrs]
    # sorted() is stable: equal scores keep their input order.
    for video, start, end, _ in sorted(preds, key=lambda pred: -pred[3]):
        candidates = [(reference_tiou((start, end), (gt_start, gt_end)), j)
                      for j, gt_start, gt_end in gt_of_video.get(video, [])]
        # Highest tIoU first; equal tIoU in ground-truth order.
        candidates.sort(key=lambda item: -item[0])
        for t, thr in enumerate(iou_thrs):
            hit = False
            for tiou, j in candidates:
                if tiou < thr:
                    break
                if taken[t][j]:
                    continue
                taken[t][j] = True
                hit = True
                break
            is_tp[t].append(hit)
    return [_interpolated_ap(hits, len(gts)) for hits in is_tp]


def _interpolated_ap(is_tp, num_gt):
    precision, recall, tp = [], [], 0
    for i, hit in enumerate(is_tp):
        tp += hit
        precision.append(tp / (i + 1))
        recall.append(tp / num_gt)
    precision = [0.0] + precision + [0.0]
    recall = [0.0] + recall + [1.0]
    for i in range(len(precision) - 2, -1, -1):
        precision[i] = max(precision[i], precision[i + 1])
    ap = 0.0
    for i in range(1, len(recall)):
        if recall[i] != recall[i - 1]:
            ap += (recall[i] - recall[i - 1]) * precision[i]
    return ap


def reference_detection_map(ground_truth, predictions, iou_thrs, num_classes):
    """Same inputs and outputs as ``mmgaf``'s ``detection_map`` (``ap``,
    ``map``, ``average_map``), computed class by class and prediction by
    prediction."""
    gt_rows = list(
        zip(
            np.asarray(ground_truth['labels']).tolist(),
            np.asarray(ground_truth['videos']).tolist(),
            np.asarray(ground_truth['segments'], dtype=float).tolist()))
    pred_rows = list(
        zip(
            np.asarray(predictions['labels']).tolist(),
            np.asarray(predictions['videos']).tolist(),
            np.asarray(predictions['segments'], dtype=float).tolist(),
            np.asarray(predictions['scores'], dtype=float).tolist()))
    iou_thrs = [float(thr) for thr in iou_thrs]
    ap = np.full((len(iou_thrs), num_classes), np.nan)
    with_gt = []
    for label in range(num_classes):
        gts = [(video, seg[0], seg[1]) for lab, video, seg in gt_rows
               if lab == label]
        if not gts:
            continue
        with_gt.append(label)
        preds = [(video, seg[0], seg[1], score)
                 for lab, video, seg, score in pred_rows if lab == label]
        ap[:, label] = reference_class_ap(gts, preds, iou_thrs)
    if with_gt:
        maps = np.array([np.mean(ap[t, with_gt]) for t in range(len(ap))])
    else:
        maps = np.full(len(iou_thrs), np.nan)
    return dict(ap=ap, map=maps, average_map=float(np.mean(maps)))
