"""Greedy matching of detections to ground truth, all groups and all
thresholds at once.

The rule (the ActivityNet evaluator's; one prediction at a time in
:func:`~mmgaf.evaluation.functional.reference_map.reference_matches`):
predictions are visited in matching order (by descending score); at each
tIoU threshold independently, a prediction takes the not-yet-taken ground
truth of its group (one video and class) with the highest tIoU, if that
tIoU reaches the threshold, ties going to the ground truth listed first.
Otherwise it is a false positive.

How it is computed, in order, without a loop over predictions:

1. Candidates (:func:`~.candidate_pairs.candidate_pairs`): the pairs
   with tIoU at least the smallest threshold, found through buckets of
   start times in linear time. A pair is a candidate at the
   ``num_valid`` smallest thresholds.
2. Most claims need no search. A prediction with a single candidate wants
   that ground truth at the thresholds where it is valid, and gets it
   where no earlier claimant did. A prediction with several candidates
   that is the first claimant of its best one behaves the same: it takes
   its best wherever that is valid, and elsewhere its other candidates
   (no better tIoU) are not valid either; its other pairs are dropped.
   Among the claimants of one ground truth in matching order, the first
   valid one at a threshold takes it, so claimant ``i`` wins exactly at
   the thresholds from ``max(num_valid of the claimants before i)`` to
   its own ``num_valid``: one running maximum over every ground truth's
   claimants at once (offsets keep the ground truths apart) gives every
   win at every threshold.
3. The rest are contested: the other predictions with several candidates,
   and every claim on a ground truth they want (an independent set of
   predictions and ground truths). :func:`_resolve_conflicts` matches them
   in rounds of proposals, every (threshold, prediction) at once, and
   what a long chain of conflicts leaves after ``MAX_ROUNDS`` rounds goes
   through the plain loop.

The outputs are exact: the same comparisons on the same floats as the
plain loop, the order of every tie kept.
"""
from typing import Tuple

import numpy as np

from .array_ops import repeat_index, run_starts, stable_argsort
from .candidate_pairs import candidate_pairs

# Rounds of vectorised conflict resolution before what is still in
# conflict, if anything, is settled by the plain loop (only long chains of
# conflicts get there).
MAX_ROUNDS = 16


def greedy_true_positives(pred_segments: np.ndarray, pred_groups: np.ndarray,
                          gt_segments: np.ndarray, gt_groups: np.ndarray,
                          thrs: np.ndarray
                          ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The true positives of the greedy matching (see the module's
    docstring), as items of a list of candidate pairs.

    Args:
        pred_segments (np.ndarray): float64 ``(P, 2)`` predicted segments,
            in matching order (by descending score).
        pred_groups (np.ndarray): int64 ``(P, )`` non-negative group of
            each prediction, e.g. ``label * num_videos + video``. Tables as
            long as the largest group id are built: keep ids compact.
        gt_segments (np.ndarray): float64 ``(G, 2)`` ground truth.
        gt_groups (np.ndarray): int64 ``(G, )`` non-negative groups.
        thrs (np.ndarray): ``(T, )`` distinct thresholds, increasing.

    Returns:
        tuple[np.ndarray]: The candidate pairs: prediction and ground-truth
        indices ``(K, )``, by prediction, then by preference (highest tIoU,
        then first ground truth); then the true positives as items
        ``thr * K + pair`` ``(M, )``, in no particular order.

    Example:
        >>> import numpy as np
        >>> # One group: ground truth [0, 10] and [4, 14]; the second
        >>> # prediction loses [0, 10] to the first and takes [4, 14]
        >>> # (tIoU 7/13) at threshold 0.5, not at 0.6.
        >>> pair_pred, pair_gt, items = greedy_true_positives(
        ...     np.array([[0., 10.], [1., 11.]]), np.zeros(2, np.int64),
        ...     np.array([[0., 10.], [4., 14.]]), np.zeros(2, np.int64),
        ...     np.array([0.5, 0.6]))
        >>> thr, pair = np.divmod(np.sort(items), len(pair_pred))
        >>> thr, pair_pred[pair], pair_gt[pair]
        (array([0, 0, 1]), array([0, 1, 0]), array([0, 1, 0]))
    """
    num_thrs, num_gts = len(thrs), len(gt_segments)
    pair_pred, pair_gt, pair_tiou = candidate_pairs(pred_segments, pred_groups,
                                                    gt_segments, gt_groups,
                                                    thrs[0])
    num_pairs = len(pair_pred)
    if num_pairs == 0:
        return pair_pred, pair_gt, np.zeros(0, dtype=np.int64)
    # The pairs of a prediction with several candidates (equal
    # neighbours), put in order of preference: highest tIoU, then first
    # ground truth.
    is_multi = np.zeros(num_pairs, dtype=bool)
    np.equal(pair_pred[1:], pair_pred[:-1], out=is_multi[1:])
    is_multi[:-1] |= is_multi[1:]
    multi_pairs = is_multi.nonzero()[0]
    if len(multi_pairs):
        ranked = multi_pairs[np.lexsort(
            (pair_gt[multi_pairs], -pair_tiou[multi_pairs],
             pair_pred[multi_pairs]))]
        pair_gt[multi_pairs] = pair_gt[ranked]
        pair_tiou[multi_pairs] = pair_tiou[ranked]
    # Each pair is a candidate at its ``num_valid`` smallest thresholds.
    num_valid = np.ones(num_pairs, dtype=np.int64)
    for thr in thrs[1:]:
        num_valid += pair_tiou >= thr
    # The claims on each ground truth, in matching order.
    claims = stable_argsort(pair_gt, num_gts)

    contested_items = None
    if len(multi_pairs):
        # Of the multi-candidate pairs, those of each prediction's best.
        is_best = np.ones(len(multi_pairs), dtype=bool)
        np.not_equal(
            pair_pred[multi_pairs[1:]],
            pair_pred[multi_pairs[:-1]],
            out=is_best[1:])
        is_first_claim = np.zeros(num_pairs, dtype=bool)
        is_first_claim[claims[run_starts(pair_gt[claims])]] = True
        # Per multi-candidate pair: does its prediction hold the first
        # claim on its best candidate (then it takes that one, and only
        # that one, wherever it is valid)?
        takes_best = is_first_claim[multi_pairs[is_best]][is_best.cumsum() - 1]
        # The pairs the running maximum below decides; it drops the other
        # candidates of the predictions that take their best.
        by_running_max = np.ones(num_pairs, dtype=bool)
        by_running_max[multi_pairs[takes_best & ~is_best]] = False
        # The ground truths that the other multi-candidate predictions
        # want, and every claim on them, go to the rounds.
        is_contested_gt = np.zeros(num_gts, dtype=bool)
        is_contested_gt[pair_gt[multi_pairs[~takes_best]]] = True
        contested = is_contested_gt[pair_gt]
        contested &= by_running_max
        contested_pairs = contested.nonzero()[0]
        if len(contested_pairs):
            thr, pair = _resolve_conflicts(pair_pred[contested_pairs],
                                           pair_gt[contested_pairs],
                                           num_valid[contested_pairs],
                                           num_thrs, num_gts)
            contested_items = thr * num_pairs
            contested_items += contested_pairs[pair]
            by_running_max[contested_pairs] = False
        claims = claims[by_running_max[claims]]

    # Claimant ``i`` of a ground truth wins from the largest ``num_valid``
    # of the claimants before it up to its own. Adding ``gt * (num_thrs +
    # 1)`` puts each ground truth's claimants above all those of the ground
    # truths before it, so that one running maximum restarts at each.
    gt_offset = pair_gt.take(claims, mode='wrap')
    gt_offset *= num_thrs + 1
    num_valid = num_valid.take(claims, mode='wrap')
    running_max = num_valid + gt_offset
    np.maximum.accumulate(running_max, out=running_max)
    # The first threshold each claimant wins at (taken from the running
    # maximum before it, less its own ground truth's offset).
    first_win = np.zeros(len(claims), dtype=np.int64)
    np.subtract(running_max[:-1], gt_offset[1:], out=first_win[1:])
    np.maximum(first_win, 0, out=first_win)
    winners = (num_valid > first_win).nonzero()[0]
    first_win = first_win.take(winners, mode='wrap')
    num_wins = num_valid.take(winners, mode='wrap')
    num_wins -= first_win
    # Items ``thr * num_pairs + pair`` of every win: each winner's first,
    # repeated over its run of wins, plus the place in the run times
    # ``num_pairs``, all in place: ``first - (wins before) * num_pairs``,
    # then ``arange(total wins) * num_pairs`` added.
    wins_before = num_wins.cumsum()
    wins_before -= num_wins
    first_win -= wins_before
    first_win *= num_pairs
    first_win += claims.take(winners, mode='wrap')
    items = np.arange(0, int(num_wins.sum()) * num_pairs, num_pairs)
    items += first_win.take(repeat_index(num_wins), mode='wrap')
    if contested_items is not None:
        items = np.concatenate((items, contested_items))
    return pair_pred, pair_gt, items


def _resolve_conflicts(pair_pred: np.ndarray, pair_gt: np.ndarray,
                       num_valid: np.ndarray, num_thrs: int,
                       num_gts: int) -> Tuple[np.ndarray, np.ndarray]:
    """Greedy matching of any candidate pairs, all thresholds at once.

    Each round, every unresolved prediction proposes its best free
    candidate; a proposal is final when no earlier unresolved prediction
    of the group still has that ground truth as a candidate. The earliest
    unresolved prediction of every group always qualifies, so each round
    settles at least one prediction per group and threshold; in practice a
    few rounds settle everything. Whatever a long chain of conflicts leaves
    after ``MAX_ROUNDS`` is finished by the plain loop.

    Args:
        pair_pred (np.ndarray): ``(K, )`` prediction of each pair,
            non-decreasing (matching order); a prediction's pairs in order
            of preference.
        pair_gt (np.ndarray): ``(K, )`` its ground truth.
        num_valid (np.ndarray): ``(K, )`` the number of thresholds, from
            the smallest, at which it is a candidate.
        num_thrs (int): Number of thresholds.
        num_gts (int): Number of ground truths (above every ``pair_gt``).

    Returns:
        tuple[np.ndarray]: Threshold and pair indices of the matched pairs.
    """
    num_pairs = len(pair_pred)
    # Predictions numbered 0, 1, ... in matching order.
    new_pred = np.ones(num_pairs, dtype=bool)
    np.not_equal(pair_pred[1:], pair_pred[:-1], out=new_pred[1:])
    pred_id = new_pred.cumsum() - 1
    num_preds = int(pred_id[-1]) + 1

    # Items (threshold, pair) by threshold, prediction and preference: the
    # first of a (threshold, prediction) is its proposal, the first of a
    # (threshold, ground truth) the first claim on it. Rows: item id
    # ``t * num_pairs + k``, then the indices in ``done`` of its
    # (threshold, prediction) and of its (threshold, ground truth).
    thr, pair = (num_valid > np.arange(num_thrs)[:, None]).nonzero()
    items = np.empty((3, len(pair)), dtype=np.int64)
    np.multiply(thr, num_pairs, out=items[0])
    items[0] += pair
    np.multiply(thr, num_preds, out=items[1])
    items[1] += pred_id.take(pair)
    np.multiply(thr, num_gts, out=items[2])
    items[2] += pair_gt.take(pair)
    items[2] += num_thrs * num_preds
    # Resolved (threshold, prediction) then taken (threshold, ground truth).
    done = np.zeros(num_thrs * (num_preds + num_gts), dtype=bool)
    # The place of the first claim on each (threshold, ground truth), in
    # the same numbering.
    first = np.full(len(done), len(pair), dtype=np.int64)
    matched = []
    for _ in range(MAX_ROUNDS):
        proposals = run_starts(items[1])
        place = np.arange(items.shape[1])
        np.minimum.at(first, items[2], place)
        final = proposals.compress(
            first.take(items[2].take(proposals)) == proposals)
        first[items[2]] = len(pair)
        matched.append(items[0].take(final))
        if len(final) == len(proposals):
            # Every proposal won: no prediction is left with a candidate.
            items = items[:, :0]
            break
        done[items[1:].take(final, axis=1)] = True
        items = items.compress(~done[items[1:]].any(0), axis=1)
        if not items.shape[1]:
            break
    if items.shape[1]:
        # The plain loop over what is left, in matching order: a
        # prediction takes its first candidate that nobody took.
        last = []
        done = done.tolist()
        for item, pred, gt in items.T.tolist():
            if not (done[pred] or done[gt]):
                done[pred] = done[gt] = True
                last.append(item)
        matched.append(np.array(last, dtype=np.int64))
    return np.divmod(np.concatenate(matched), num_pairs)
