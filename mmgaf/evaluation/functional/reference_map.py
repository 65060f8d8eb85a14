"""The ActivityNet detection protocol, one prediction at a time: the
definition the vectorised evaluator (:mod:`.detection_map`,
:mod:`.matching`) must equal, float for float.

Plain Python floats and lists, in the order of the protocol's description
(the official evaluator's ``compute_average_precision_detection``, with its
tie rules made explicit):

- per class, predictions are ranked by descending score; equal scores keep
  their input order (a stable sort);
- tIoU is ``inter / (len1 + len2 - inter)``, 0 when the union is empty;
- at each threshold independently, a prediction takes the not-yet-taken
  ground truth of its video and class with the highest tIoU, if that tIoU
  reaches the threshold (``>=``); equal tIoUs go to the ground truth listed
  first; otherwise the prediction is a false positive;
- AP is the area under the interpolated precision (the running maximum
  from the right), summed left to right over the points where recall
  changes (VOC 2011 and later); the mAP is the mean over the classes with
  ground truth.

It is slow (quadratic in a video's instances) and meant to be obviously
right; the tests compare the fast code with it on random inputs, and
``benchmarks/bench_detection_map.py`` times it. Use
:func:`~.detection_map.detection_map` to evaluate.
"""
from typing import Dict, List, Sequence, Tuple

import numpy as np


def reference_tiou(pred: Sequence[float], gt: Sequence[float]) -> float:
    """tIoU of two ``(start, end)`` pairs; 0 when the union is empty."""
    inter = max(min(pred[1], gt[1]) - max(pred[0], gt[0]), 0.0)
    union = (pred[1] - pred[0]) + (gt[1] - gt[0]) - inter
    return inter / union if union > 0 else 0.0


def reference_matches(pred_segments: np.ndarray, pred_groups: np.ndarray,
                      gt_segments: np.ndarray, gt_groups: np.ndarray,
                      iou_thrs: Sequence[float]) -> np.ndarray:
    """The greedy matching, one threshold and one prediction at a time.

    Args:
        pred_segments (np.ndarray): ``(P, 2)`` predictions, in matching
            order (by descending score).
        pred_groups (np.ndarray): ``(P, )`` group (video and class) of each
            prediction.
        gt_segments (np.ndarray): ``(G, 2)`` ground truth.
        gt_groups (np.ndarray): ``(G, )`` group of each ground truth.
        iou_thrs (Sequence[float]): ``(T, )`` thresholds.

    Returns:
        np.ndarray: int64 ``(T, P)``: the ground truth each prediction
        takes at each threshold, -1 for a false positive.
    """
    pred_segments = np.asarray(pred_segments, dtype=float).tolist()
    gt_segments = np.asarray(gt_segments, dtype=float).tolist()
    gt_of_group: Dict[int, List[int]] = {}
    for j, group in enumerate(np.asarray(gt_groups).tolist()):
        gt_of_group.setdefault(group, []).append(j)
    matches = np.full((len(iou_thrs), len(pred_segments)), -1, np.int64)
    for t, thr in enumerate(iou_thrs):
        taken = set()
        for i, (segment, group) in enumerate(
                zip(pred_segments,
                    np.asarray(pred_groups).tolist())):
            for tiou, j in _ranked_candidates(segment, gt_segments,
                                              gt_of_group.get(group, [])):
                if tiou < thr:
                    break
                if j not in taken:
                    taken.add(j)
                    matches[t, i] = j
                    break
    return matches


def reference_class_ap(gts: List[Tuple[int, float, float]],
                       preds: List[Tuple[int, float, float, float]],
                       iou_thrs: Sequence[float]) -> List[float]:
    """AP of one class at each threshold.

    Args:
        gts (list): ``(video, start, end)`` of the class's ground truth.
        preds (list): ``(video, start, end, score)`` of its predictions.
        iou_thrs (Sequence[float]): The thresholds.

    Returns:
        list[float]: One AP per threshold.
    """
    gt_of_video: Dict[int, List[int]] = {}
    for j, (video, _, _) in enumerate(gts):
        gt_of_video.setdefault(video, []).append(j)
    gt_segments = [(start, end) for _, start, end in gts]
    taken = [[False] * len(gts) for _ in iou_thrs]
    is_tp: List[List[bool]] = [[] for _ in iou_thrs]
    # sorted() is stable: equal scores keep their input order.
    for video, start, end, _ in sorted(preds, key=lambda pred: -pred[3]):
        candidates = _ranked_candidates((start, end), gt_segments,
                                        gt_of_video.get(video, []))
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
    return [reference_interpolated_ap(hits, len(gts)) for hits in is_tp]


def reference_interpolated_ap(is_tp: Sequence[bool], num_gt: int) -> float:
    """Interpolated AP of a ranked list of hits and misses against
    ``num_gt`` ground-truth instances (the official
    ``interpolated_prec_rec``, its sum made left to right)."""
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


def reference_detection_map(ground_truth: Dict[str, np.ndarray],
                            predictions: Dict[str, np.ndarray],
                            iou_thrs: Sequence[float],
                            num_classes: int) -> dict:
    """:func:`~.detection_map.detection_map`, class by class and prediction
    by prediction.

    Args:
        ground_truth (dict): ``segments`` ``(G, 2)``, ``labels`` ``(G, )``
            and ``videos`` ``(G, )``.
        predictions (dict): ``segments`` ``(P, 2)``, ``scores`` ``(P, )``,
            ``labels`` ``(P, )`` and ``videos`` ``(P, )``.
        iou_thrs (Sequence[float]): ``(T, )`` thresholds.
        num_classes (int): Number of classes ``C``.

    Returns:
        dict: ``ap`` ``(T, C)`` (NaN for a class without ground truth),
        ``map`` ``(T, )`` and ``average_map``.

    Example:
        >>> import numpy as np
        >>> gt = dict(segments=np.array([[0., 10.], [20., 30.]]),
        ...           labels=np.array([0, 0]), videos=np.array([0, 0]))
        >>> preds = dict(segments=np.array([[0., 10.], [1., 10.]]),
        ...              scores=np.array([.9, .8]),
        ...              labels=np.array([0, 0]), videos=np.array([0, 0]))
        >>> # A hit, then a duplicate: precision 1 at recall 1/2.
        >>> reference_detection_map(gt, preds, [0.5], 1)['ap']
        array([[0.5]])
    """
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


def _ranked_candidates(segment: Sequence[float],
                       gt_segments: Sequence[Sequence[float]],
                       indices: List[int]) -> List[Tuple[float, int]]:
    """``(tIoU, index)`` of the ground truths ``indices`` against
    ``segment``, highest tIoU first, equal tIoUs in their listed order
    (``sort`` is stable)."""
    candidates = [(reference_tiou(segment, gt_segments[j]), j)
                  for j in indices]
    candidates.sort(key=lambda item: -item[0])
    return candidates
