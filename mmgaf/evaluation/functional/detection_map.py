"""Average precision and mAP of temporal detections, by the protocol of
the official ActivityNet detection evaluator, vectorised.

What is computed, in order (the definition, one prediction at a time, is
:mod:`~mmgaf.evaluation.functional.reference_map`):

1. The inputs are checked and the predictions sorted by class, then by
   descending score (:func:`_class_score_order`: radix sorts of integer
   keys, where a float sort costs several times more; ties keep their
   input order).
2. Every (video, class) is one group of :func:`~.matching.
   greedy_true_positives`, which matches all groups at every distinct
   threshold at once and returns the true positives as
   ``(threshold, pair)`` items.
3. The items, sorted, are the true positives of each (threshold, class)
   row in rank order; the k-th of a row, at rank r, has precision
   ``k / (r + 1)`` and moves recall by ``k / npos - (k - 1) / npos``.
   False positives need no array: they move no recall and never raise the
   interpolated precision.
4. :func:`~.interpolated_ap.envelope_area` sums the interpolated AP of
   all rows together.

Every AP is the same float as the plain loop's: the same comparisons, and
each sum added in the same order.
"""
from typing import Dict, Optional, Sequence

import numpy as np

from .interpolated_ap import envelope_area
from .matching import greedy_true_positives


def average_precision_at_tiou(ground_truth: Dict[str, np.ndarray],
                              predictions: Dict[str, np.ndarray],
                              iou_thrs: Sequence[float],
                              num_classes: Optional[int] = None) -> np.ndarray:
    """Average precision of each class at each tIoU threshold, by the
    protocol of the official ActivityNet detection evaluator.

    Per class, predictions are ranked by descending score; the sort is
    stable, so predictions with equal scores keep their input order (the
    official code leaves that order to NumPy's unstable ``argsort``). They
    are matched greedily to ground truth (see :mod:`~.matching`);
    recall is normalised by the number of ground-truth instances of the
    class. AP is the area under the interpolated precision (the running
    maximum of precision from the right), summed over the points where
    recall changes, as in VOC 2011 and later.

    Args:
        ground_truth (dict): ``segments`` ``(G, 2)`` in seconds, ``labels``
            ``(G, )`` class indices and ``videos`` ``(G, )`` video indices.
        predictions (dict): ``segments`` ``(P, 2)``, ``scores`` ``(P, )``,
            ``labels`` ``(P, )`` and ``videos`` ``(P, )``, the video indices
            in the same numbering as the ground truth's. A prediction in a
            video without ground truth of its class is a false positive.
        iou_thrs (Sequence[float]): ``(T, )`` tIoU thresholds in [0, 1],
            at least one.
        num_classes (int, optional): Number of classes ``C``. Defaults to
            the largest label plus one.

    Returns:
        np.ndarray: float64 ``(T, C)``. A class without ground truth has no
        defined AP and gets NaN, whatever its predictions; a class with
        ground truth and no true positive gets 0.
    """
    gt = _check_instances(ground_truth, 'ground_truth', with_scores=False)
    preds = _check_instances(predictions, 'predictions', with_scores=True)
    iou_thrs = _check_iou_thrs(iou_thrs)
    if num_classes is None:
        num_classes = int(
            max(gt['labels'].max(initial=-1),
                preds['labels'].max(initial=-1))) + 1
    for name, instances in dict(ground_truth=gt, predictions=preds).items():
        largest = instances['labels'].max(initial=-1)
        if largest >= num_classes:
            raise ValueError(f'{name}["labels"] has label {largest}, but '
                             f'num_classes is {num_classes}')
    num_gt = np.bincount(gt['labels'], minlength=num_classes)
    ap = np.zeros((len(iou_thrs), num_classes))
    ap[:, num_gt == 0] = np.nan
    num_preds = len(preds['labels'])
    if num_preds == 0 or len(gt['labels']) == 0:
        return ap

    # Sorted by class, then by descending score: each class is a run, and
    # the order inside a (video, class) group is the matching order.
    order = _class_score_order(preds['labels'], preds['scores'], num_classes)
    num_videos = int(
        max(gt['videos'].max(initial=-1), preds['videos'].max(initial=-1))) + 1
    # Each distinct threshold is matched once, in increasing order.
    thrs = np.array(sorted(set(iou_thrs.tolist())))
    num_thrs = len(thrs)
    labels = preds['labels'][order]
    segments = preds['segments'].take(order, axis=0, mode='wrap')
    groups = preds['videos'][order]
    del order
    groups += labels * num_videos
    pair_pred, _, items = greedy_true_positives(
        segments, groups, gt['segments'],
        gt['labels'] * num_videos + gt['videos'], thrs)
    del segments, groups
    if len(items) == 0:
        return ap
    # The matched items ``thr * num_pairs + pair`` in order (a radix sort,
    # or a table): by threshold, then in matching order (pairs are listed
    # by prediction), that is the true positives of each (threshold,
    # class) row in rank order, rows one after another.
    num_pairs = len(pair_pred)
    if num_thrs * num_pairs <= 1 << 16:
        items = items[items.astype(np.uint16).argsort(kind='stable')]
    else:
        is_tp = np.zeros(num_thrs * num_pairs, dtype=bool)
        is_tp[items] = True
        items = is_tp.nonzero()[0]
    tp_row = items // num_pairs
    items -= tp_row * num_pairs
    tp_pred = pair_pred[items]
    tp_class = labels[tp_pred]
    tp_row *= num_classes
    tp_row += tp_class

    # The k-th true positive of its row has precision k / rank, and moves
    # recall from (k - 1) / npos to k / npos.
    length = np.bincount(tp_row, minlength=num_thrs * num_classes)
    row_start = length.cumsum()
    row_start -= length
    k = np.arange(1, len(tp_row) + 1)
    k -= row_start[tp_row]
    class_start = labels.searchsorted(np.arange(num_classes))
    # Counted from 1: the number of the class's predictions up to it.
    rank = tp_pred - class_start[tp_class]
    rank += 1
    npos = num_gt[tp_class]
    # As the official code's differences of recalls, not 1 / npos: the
    # same float.
    recall_step = k / npos
    recall_step -= (k - 1) / npos
    area = envelope_area(tp_row, length, k, k / rank, recall_step)
    ap = area.reshape(num_thrs, num_classes)
    ap[:, num_gt == 0] = np.nan
    if thrs.tolist() != iou_thrs.tolist():
        ap = ap[np.searchsorted(thrs, iou_thrs)]
    return ap


def detection_map(ground_truth: Dict[str, np.ndarray],
                  predictions: Dict[str, np.ndarray],
                  iou_thrs: Sequence[float],
                  num_classes: Optional[int] = None) -> dict:
    """Mean average precision of temporal detections (ActivityNet protocol).

    The mean at a threshold is over the classes that have ground truth;
    predictions of the other classes affect no number. See
    :func:`average_precision_at_tiou` for the inputs.

    Returns:
        dict: ``ap`` ``(T, C)`` (NaN for classes without ground truth),
        ``num_gt`` ``(C, )``, ``map`` ``(T, )``, ``average_map`` (the mean
        over the thresholds) and ``iou_thrs`` ``(T, )``. With no ground
        truth at all the means are NaN.
    """
    ap = average_precision_at_tiou(ground_truth, predictions, iou_thrs,
                                   num_classes)
    num_gt = np.bincount(
        np.asarray(ground_truth['labels'], dtype=np.int64).reshape(-1),
        minlength=ap.shape[1])
    evaluated = ap[:, num_gt > 0]
    if evaluated.size:
        # What row.mean() computes (the same pairwise sum), for less.
        map_per_thr = np.array([row.sum() / len(row) for row in evaluated])
    else:
        map_per_thr = np.full(len(ap), np.nan)
    return dict(
        ap=ap,
        num_gt=num_gt,
        map=map_per_thr,
        average_map=float(map_per_thr.mean()),
        iou_thrs=_check_iou_thrs(iou_thrs))


def _check_iou_thrs(iou_thrs: Sequence[float]) -> np.ndarray:
    iou_thrs = np.asarray(iou_thrs, dtype=np.float64)
    if iou_thrs.ndim > 1:
        raise ValueError(f'iou_thrs must be 1-D, got shape {iou_thrs.shape}')
    iou_thrs = iou_thrs.reshape(-1)
    # A few values: Python is quicker than NumPy. NaN fails both tests.
    if not len(iou_thrs) or not all(0 <= thr <= 1
                                    for thr in iou_thrs.tolist()):
        raise ValueError(f'iou_thrs must be values in [0, 1], got {iou_thrs}')
    return iou_thrs


def _check_instances(instances: Dict[str, np.ndarray], name: str,
                     with_scores: bool) -> Dict[str, np.ndarray]:
    """Arrays of ``instances`` as float64 / int64, or a ValueError naming
    the field at fault."""
    keys = ['segments', 'labels', 'videos'
            ] + (['scores'] if with_scores else [])
    missing = [key for key in keys if key not in instances]
    if missing:
        raise KeyError(f'{name} lacks the field(s) {missing}')
    segments = np.asarray(instances['segments'], dtype=np.float64)
    if segments.size == 0:
        segments = segments.reshape(0, 2)
    if segments.ndim != 2 or segments.shape[1] != 2:
        raise ValueError(f'{name}["segments"] must have shape (N, 2), got '
                         f'{segments.shape}')
    checked = dict(segments=segments)
    num = len(segments)
    for key in keys[1:]:
        value = np.asarray(instances[key])
        if value.shape != (num, ):
            raise ValueError(f'{name}["{key}"] must have shape ({num}, ) '
                             f'like {name}["segments"], got {value.shape}')
        if key == 'scores':
            checked[key] = value.astype(np.float64, copy=False)
            continue
        if num and not np.issubdtype(value.dtype, np.integer):
            raise ValueError(f'{name}["{key}"] must hold integers, got '
                             f'{value.dtype}')
        if num and value.min() < 0:
            raise ValueError(f'{name}["{key}"] has a negative index at '
                             f'position {int(np.argmin(value))}')
        checked[key] = value.astype(np.int64, copy=False)
    for key in ('segments', 'scores'):
        # The extremes are finite (NaN propagates) if every value is.
        if key in checked and num and not (np.isfinite(checked[key].min()) and
                                           np.isfinite(checked[key].max())):
            bad = np.argwhere(~np.isfinite(checked[key]))[0][0]
            raise ValueError(f'{name}["{key}"] is not finite at position '
                             f'{bad}')
    if num and np.less(segments[:, 1], segments[:, 0]).any():
        reversed_rows = (segments[:, 1] < segments[:, 0]).nonzero()[0]
        raise ValueError(
            f'{name}["segments"] row {reversed_rows[0]} ends before it '
            f'starts: {segments[reversed_rows[0]].tolist()}')
    return checked


def _class_score_order(labels: np.ndarray, scores: np.ndarray,
                       num_classes: int) -> np.ndarray:
    """Stable sort of the predictions by class, then by descending score:
    the permutation ``(P, )``.

    The class and the score, quantised to the levels left, make a 24-bit
    key (32-bit beyond 256 classes), sorted by radix sorts of its 16-bit
    low half and of the rest (NumPy's stable sort of 8- and 16-bit integers
    is a radix sort, where a float sort costs several times more). The few
    predictions of a class that share a level are then sorted by their
    exact score.
    """
    class_bits = max(int(num_classes - 1).bit_length(), 1)
    key_bits = 24 if class_bits <= 8 else 32
    level_bits = key_bits - class_bits
    top = float(scores.max())
    # Python floats: no warning if the span overflows. The scale keeps the
    # levels below 2**level_bits - 1 by more than the rounding of the key.
    span = top - float(scores.min())
    scale = float(2**level_bits - 1) / span * (1 - 2**-40) if span else 0.
    if class_bits > 16 or not 0 < scale < np.inf:
        if span == 0 and class_bits <= 16:
            # Equal scores: the input order is the order.
            return labels.astype(np.uint16).argsort(kind='stable')
        by_score = (-scores).argsort(kind='stable')
        return by_score[labels[by_score].argsort(kind='stable')]
    # label * 2**level_bits + (top - score) * scale, rounded down: each
    # step rounds monotonically, so the keys are in the order of classes,
    # then of descending scores.
    key = labels * float(2**level_bits)
    level = top - scores
    level *= scale
    key += level
    del level
    key = key.astype(np.uint32)
    order = key.astype(np.uint16).argsort(kind='stable')
    high = key >> 16
    high = high.astype(np.uint8 if key_bits == 24 else np.uint16)
    order = order[high[order].argsort(kind='stable')]
    key = key[order]
    tie = key[1:] == key[:-1]
    if tie.any():
        # Runs of equal keys: sort each by descending score, ties in input
        # order (order is stable so far).
        in_run = np.zeros(len(order), dtype=bool)
        in_run[1:] = tie
        in_run[:-1] |= tie
        where = in_run.nonzero()[0]
        members = order[where]
        run_id = np.zeros(len(where), dtype=np.int64)
        np.cumsum(~tie[where[1:] - 1], out=run_id[1:])
        order[where] = members[np.lexsort((-scores[members], run_id))]
    return order
