from typing import Optional, Sequence, Tuple

import numpy as np

# Resolution of the search for overlapping ground truth: more buckets mean
# fewer candidate pairs to check but a larger table.
BUCKETS_PER_GT = 8
# Rounds of vectorised conflict resolution before what is still in conflict,
# if anything, is settled by the plain loop (only long chains of conflicts
# get there).
MAX_ROUNDS = 16
# Predictions paired with ground truth at a time (bounds the temporary
# arrays of a very large evaluation).
CHUNK = 1 << 16


def match_detections(pred_segments: np.ndarray, pred_groups: np.ndarray,
                     gt_segments: np.ndarray, gt_groups: np.ndarray,
                     iou_thrs: Sequence[float]) -> np.ndarray:
    """Greedy matching of detections to ground truth, the ActivityNet way.

    Predictions are visited in the order given (the caller sorts them by
    descending score). At each tIoU threshold independently, a prediction
    takes the not-yet-matched ground truth of its group with the highest
    tIoU, if that tIoU is at least the threshold; ground truth already taken
    is skipped, so the next best is tried. Otherwise the prediction is a
    false positive, as is every prediction of a group without ground truth.
    Ground truths with equal tIoU are tried in their input order.

    A group is one (video, class) pair: the greedy choice of a prediction
    only depends on the earlier predictions of its group, so all groups and
    all thresholds are matched at once (see :func:`greedy_true_positives`).

    Args:
        pred_segments (np.ndarray): ``(P, 2)`` predicted segments, in the
            order they are matched.
        pred_groups (np.ndarray): ``(P, )`` non-negative integer group of
            each prediction. Tables as long as the largest group id are
            built, so keep ids compact, e.g. ``label * num_videos + video``.
        gt_segments (np.ndarray): ``(G, 2)`` ground-truth segments.
        gt_groups (np.ndarray): ``(G, )`` group of each ground truth.
        iou_thrs (Sequence[float]): ``(T, )`` tIoU thresholds.

    Returns:
        np.ndarray: int64 ``(T, P)``: the index of the ground truth each
        prediction matches at each threshold, ``-1`` for a false positive.
    """
    iou_thrs = np.asarray(iou_thrs, dtype=np.float64).reshape(-1)
    pred_segments = np.asarray(pred_segments, dtype=np.float64)
    gt_segments = np.asarray(gt_segments, dtype=np.float64)
    pred_groups = np.asarray(pred_groups, dtype=np.int64)
    gt_groups = np.asarray(gt_groups, dtype=np.int64)
    for name, groups, segments in (('pred', pred_groups, pred_segments),
                                   ('gt', gt_groups, gt_segments)):
        if segments.ndim != 2 or segments.shape[1] != 2:
            raise ValueError(f'{name}_segments must have shape (N, 2), got '
                             f'{segments.shape}')
        if groups.shape != segments.shape[:1]:
            raise ValueError(f'{name}_groups {groups.shape} does not match '
                             f'{name}_segments {segments.shape}')
        if len(groups) and groups.min() < 0:
            raise ValueError(f'{name}_groups must be non-negative')
    num_thrs, num_preds = len(iou_thrs), len(pred_segments)
    matches = np.full((num_thrs, num_preds), -1, dtype=np.int64)
    if num_preds == 0 or len(gt_segments) == 0 or num_thrs == 0:
        return matches
    # Matching at a threshold only depends on its value: each distinct
    # value is matched once, in increasing order. (No tIoU reaches NaN.)
    thrs = np.unique(iou_thrs[~np.isnan(iou_thrs)])
    if len(thrs) == 0:
        return matches
    pair_pred, pair_gt, items = greedy_true_positives(
        pred_segments, pred_groups, gt_segments, gt_groups, thrs)
    tp_thr, tp_pair = np.divmod(items, max(len(pair_pred), 1))
    distinct = np.full((len(thrs) + 1, num_preds), -1, dtype=np.int64)
    distinct[tp_thr, pair_pred[tp_pair]] = pair_gt[tp_pair]
    # NaN sorts last: the row of -1 after the distinct thresholds.
    return distinct[np.searchsorted(thrs, iou_thrs)]


def greedy_true_positives(
    pred_segments: np.ndarray, pred_groups: np.ndarray,
    gt_segments: np.ndarray, gt_groups: np.ndarray, thrs: np.ndarray
) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The true positives of :func:`match_detections`, as a list of pairs.

    Only the predictions with a candidate (a ground truth of the group with
    tIoU at least the smallest threshold) are looked at, and nearly all of
    them compete in the simplest way: each has a single candidate, or is
    sure to win its best one, and so are the other claimants of that
    ground truth. At each threshold, the first of them in matching order
    whose tIoU reaches the threshold takes it: one running maximum over
    each ground truth's claimants tells, for all thresholds at once, where
    each wins. The rest go through the rounds of :func:`_resolve_conflicts`.

    Args:
        pred_segments (np.ndarray): float64 ``(P, 2)`` predicted segments,
            in matching order.
        pred_groups (np.ndarray): int64 ``(P, )`` non-negative groups.
        gt_segments (np.ndarray): float64 ``(G, 2)`` ground truth.
        gt_groups (np.ndarray): int64 ``(G, )`` non-negative groups.
        thrs (np.ndarray): ``(T, )`` distinct thresholds, increasing.

    Returns:
        tuple[np.ndarray]: The candidate pairs, prediction and ground-truth
        indices ``(K, )`` (by prediction, and by rank of the candidate for
        the prediction); then the matched pairs as items ``thr * K +
        pair`` ``(M, )``, in no particular order.
    """
    num_thrs, num_gts = len(thrs), len(gt_segments)
    pair_pred, pair_gt, pair_tiou = _candidate_pairs(pred_segments,
                                                     pred_groups, gt_segments,
                                                     gt_groups, thrs[0])
    if len(pair_pred) == 0:
        return pair_pred, pair_gt, np.zeros(0, dtype=np.int64)
    # A prediction with several candidates has a pair equal to its
    # neighbour: these pairs go in order of preference (highest tIoU, then
    # first ground truth).
    several = np.zeros(len(pair_pred), dtype=bool)
    np.equal(pair_pred[1:], pair_pred[:-1], out=several[1:])
    several[:-1] |= several[1:]
    multi = several.nonzero()[0]
    if len(multi):
        ranked = multi[np.lexsort(
            (pair_gt[multi], -pair_tiou[multi], pair_pred[multi]))]
        pair_gt[multi] = pair_gt[ranked]
        pair_tiou[multi] = pair_tiou[ranked]
    # The pair is a candidate at the ``num_valid`` smallest thresholds (all
    # pairs are at the smallest).
    num_valid = np.ones(len(pair_tiou), dtype=np.int64)
    for thr in thrs[1:]:
        num_valid += pair_tiou >= thr
    # Claims on each ground truth, in matching order.
    by_gt = _stable_argsort(pair_gt, num_gts)

    hard_items = None
    if len(multi):
        best = np.ones(len(multi), dtype=bool)
        np.not_equal(pair_pred[multi[1:]], pair_pred[multi[:-1]],
                     out=best[1:])
        # A prediction that has the first claim on its best candidate
        # takes it wherever it is a candidate, and never anything else
        # (its other candidates have no larger tIoU): its other pairs go.
        first_claim = np.zeros(len(pair_pred), dtype=bool)
        first_claim[by_gt[_run_starts(pair_gt[by_gt])]] = True
        sure = first_claim[multi[best]][best.cumsum() - 1]
        alive = np.ones(len(pair_pred), dtype=bool)
        alive[multi[sure & ~best]] = False
        # Every ground truth that the other predictions with several
        # candidates want, and every pair on it, needs the rounds.
        contested = np.zeros(num_gts, dtype=bool)
        contested[pair_gt[multi[~sure]]] = True
        hard = contested[pair_gt]
        hard &= alive
        hard_pairs = hard.nonzero()[0]
        if len(hard_pairs):
            thr, pair = _resolve_conflicts(pair_pred[hard_pairs],
                                           pair_gt[hard_pairs],
                                           num_valid[hard_pairs], num_thrs,
                                           num_gts)
            hard_items = thr * len(pair_pred)
            hard_items += hard_pairs[pair]
            alive[hard_pairs] = False
        by_gt = by_gt[alive[by_gt]]

    # Claimants of each ground truth in matching order: each wins at the
    # thresholds from the largest ``num_valid`` of the earlier ones up to
    # its own. Offsetting the claimants of each ground truth above those of
    # the ground truths before lets one running maximum restart at each.
    offset = pair_gt.take(by_gt, mode='wrap')
    offset *= num_thrs + 1
    num_valid = num_valid.take(by_gt, mode='wrap')
    running = num_valid + offset
    np.maximum.accumulate(running, out=running)
    first_thr = np.zeros(len(by_gt), dtype=np.int64)
    np.subtract(running[:-1], offset[1:], out=first_thr[1:])
    np.maximum(first_thr, 0, out=first_thr)
    wins = (num_valid > first_thr).nonzero()[0]
    first_thr = first_thr.take(wins, mode='wrap')
    count = num_valid.take(wins, mode='wrap')
    count -= first_thr
    ends = count.cumsum()
    # Threshold of each win: its first, plus its place in the run of wins.
    first_thr += count
    first_thr -= ends
    # Items ``thr * num_pairs + pair``.
    first_thr *= len(pair_pred)
    first_thr += by_gt.take(wins, mode='wrap')
    items = np.arange(0, int(count.sum()) * len(pair_pred), len(pair_pred))
    items += first_thr.take(_repeat_index(count), mode='wrap')
    if hard_items is not None:
        items = np.concatenate((items, hard_items))
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
        proposals = _run_starts(items[1])
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


def _candidate_pairs(
        pred_segments: np.ndarray, pred_groups: np.ndarray,
        gt_segments: np.ndarray, gt_groups: np.ndarray,
        min_tiou: float) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (prediction, ground truth) pair of one group with tIoU at least
    ``min_tiou``, ordered by prediction.

    For ``min_tiou = t > 0``, a ground truth ``[a, b]`` with tIoU at least
    ``t`` with a prediction ``[s, e]`` of length ``L`` overlaps it by at
    least ``t * L`` and is at most ``L / t`` long, so it starts in ``[s +
    t * L - min(L / t, longest), e - t * L]``, where ``longest`` is the
    group's longest ground truth. Ground truths are bucketed by group and
    start time, and each prediction is paired with the buckets its window
    covers: linear time, where a binary search per prediction would cost
    more than all the rest of the matching. For ``min_tiou == 0`` every
    pair of a group qualifies.

    Returns:
        tuple[np.ndarray]: prediction indices ``(K, )`` (non-decreasing),
        ground-truth indices ``(K, )`` and their tIoU ``(K, )``.
    """
    gt_segments_in = gt_segments
    num_ids = int(max(pred_groups.max(), gt_groups.max())) + 1
    gt_per_id = np.bincount(gt_groups, minlength=num_ids)
    # Dense numbering of the groups that have ground truth, and one more
    # group for all the others, which has neither ground truth nor buckets.
    has_gt = gt_per_id > 0
    dense = has_gt.cumsum() - 1
    num_groups = int(dense[-1]) + 1
    gt_group = dense[gt_groups]
    dense[~has_gt] = num_groups

    if min_tiou > 0:
        # Each group's span of start times is cut into BUCKETS_PER_GT
        # buckets per ground truth of the group; the bucket of a time is
        # clip(time * scale + offset, first, last), rounded down, a
        # monotonic map.
        count = np.bincount(gt_group, minlength=num_groups + 1)
        by_group = _stable_argsort(gt_group, num_groups + 1)
        gt_segments = gt_segments.take(by_group, axis=0, mode='wrap')
        gt_starts, gt_ends = gt_segments.T
        gt_group = gt_group[by_group]
        group_first = (count.cumsum() - count)[:num_groups]
        # Per group: first and last start, largest |end|, longest.
        stats = np.empty((4, num_groups))
        np.minimum.reduceat(gt_starts, group_first, out=stats[0])
        np.maximum.reduceat(gt_starts, group_first, out=stats[1])
        np.maximum.reduceat(np.abs(gt_ends), group_first, out=stats[2])
        np.maximum.reduceat(gt_ends - gt_starts, group_first, out=stats[3])
        origin, span, extent, _ = stats
        span -= origin
        np.maximum(extent, np.abs(origin), out=extent)
        num_buckets = BUCKETS_PER_GT * count
        num_keys = int(num_buckets.sum())
        params = np.zeros((7, num_groups + 1))
        longest, scale, offset, low_offset, high_offset, first, last = params
        longest[:-1] = stats[3]
        np.cumsum(num_buckets[:-1], out=first[1:])
        np.add(first, num_buckets, out=last)
        last -= 1
        # The extra group: its only bucket is one past the real ones.
        first[-1] = last[-1] = num_keys
        # Finite and positive; |origin * scale| <= 1e300: no NaN.
        np.divide(num_buckets[:-1], np.maximum(span, 1e-280),
                  out=scale[:-1])
        np.minimum(scale[:-1], 1e300 / np.maximum(extent, 1.),
                   out=scale[:-1])
        scale[-1] = 1.
        np.multiply(origin, scale[:-1], out=offset[:-1])
        np.subtract(first, offset, out=offset)
        # The window bounds, as computed, may be off by a few ulps of the
        # times and lengths involved, and the computed tIoU by a few ulps,
        # and so may the buckets by a few ulps of their sums: a margin
        # covers all that for any prediction that can overlap a ground
        # truth of the group by ``t`` of its length. The windows widen by
        # it in the offsets of their ends (finite: no NaN).
        with np.errstate(over='ignore'):
            margin = longest[:-1] / min_tiou
            margin += extent
            margin *= scale[:-1]
        margin *= 1e-8
        np.minimum(margin, 1e300, out=margin)
        np.subtract(offset[:-1], margin, out=low_offset[:-1])
        np.add(offset[:-1], margin, out=high_offset[:-1])
        gt_keys = _bucket(gt_starts, gt_group, scale, offset, first, last)
        gt_order = _stable_argsort(gt_keys, num_keys)
        gt_keys = gt_keys[gt_order]
        gt_order = by_group[gt_order]
    else:
        num_keys = num_groups
        gt_order = _stable_argsort(gt_group, num_keys)
        gt_keys = gt_group[gt_order]
        params = None
    # Positions in ``gt_order`` where each key starts, up to key
    # ``num_keys + 1`` (the extra group's): the sorted keys are ``k``
    # from ``first_of_key[k]`` to ``first_of_key[k + 1]``.
    first_of_key = np.full(num_keys + 2, len(gt_keys), dtype=np.int64)
    first_of_key[0] = 0
    np.cumsum(np.bincount(gt_keys, minlength=num_keys)[:num_keys - 1],
              out=first_of_key[1:num_keys])
    gt_segments = gt_segments_in.take(gt_order, axis=0, mode='wrap')

    # Chunks of predictions bound the temporary arrays.
    found = []
    for start in range(0, len(pred_segments), CHUNK):
        chunk = slice(start, start + CHUNK)
        group = dense.take(pred_groups[chunk], mode='wrap')
        pair_pred, slot, tiou = _chunk_pairs(pred_segments[chunk], group,
                                             gt_segments, first_of_key,
                                             params, min_tiou)
        pair_pred += start
        found.append((pair_pred, gt_order.take(slot, mode='wrap'), tiou))
    if len(found) == 1:
        return found[0]
    return tuple(np.concatenate(parts) for parts in zip(*found))


def _chunk_pairs(pred_segments: np.ndarray, pred_group: np.ndarray,
                 gt_segments: np.ndarray, first_of_key: np.ndarray,
                 params: Optional[Sequence[np.ndarray]],
                 min_tiou: float) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pairs of :func:`_candidate_pairs` for some predictions: their
    indices, the positions of the ground truths in bucket order, and the
    tIoUs."""
    num_preds = len(pred_segments)
    if params is not None:
        longest, scale, _, low_offset, high_offset, first, last = params
        starts, ends = pred_segments.T
        # One buffer for the parameters of each prediction's group, one
        # after the other: fewer fresh arrays, fewer cache misses.
        param = np.empty(num_preds)
        length = ends - starts
        # (No overflow but for lengths beyond 1e300 * min_tiou.)
        reach = length / min_tiou
        np.minimum(reach, longest.take(pred_group, out=param, mode='wrap'),
                   out=reach)
        overlap = length
        overlap *= min_tiou
        window = np.empty((2, num_preds))
        low, high = window
        np.add(starts, overlap, out=low)
        low -= reach
        np.subtract(ends, overlap, out=high)
        del length, reach, overlap
        # The buckets of the window's ends, widened by the margin.
        window *= scale.take(pred_group, out=param, mode='wrap')
        low += low_offset.take(pred_group, out=param, mode='wrap')
        high += high_offset.take(pred_group, out=param, mode='wrap')
        del low, high
        np.maximum(window, first.take(pred_group, out=param, mode='wrap'),
                   out=window)
        np.minimum(window, last.take(pred_group, out=param, mode='wrap'),
                   out=window)
        del param
        # Non-negative: truncation rounds down.
        keys = window.astype(np.intp)
        del window
    else:
        keys = np.stack([pred_group, pred_group])
    keys[1] += 1
    # In place: each index is read before its place is written.
    first, counts = first_of_key.take(keys, out=keys, mode='wrap')
    del keys
    counts -= first
    np.maximum(counts, 0, out=counts)

    pair_pred = _repeat_index(counts)
    ends = counts.cumsum()
    first -= ends
    first += counts
    del counts, ends
    # Position of each pair's ground truth in bucket order.
    slot = first.take(pair_pred, mode='wrap')
    slot += np.arange(len(slot))
    del first
    # segment_tiou(is_aligned=True), step by step, mostly in place.
    pred_starts, pred_ends = pred_segments.take(
        pair_pred, axis=0, mode='wrap').T
    gt_starts, gt_ends = gt_segments.take(slot, axis=0, mode='wrap').T
    inter = np.minimum(pred_ends, gt_ends)
    gt_ends -= gt_starts
    np.maximum(pred_starts, gt_starts, out=gt_starts)
    inter -= gt_starts
    if min_tiou == 0:
        np.maximum(inter, 0., out=inter)
    pred_ends -= pred_starts
    # The lengths of the prediction and the ground truth, minus inter.
    union = gt_ends
    union += pred_ends
    union -= inter
    del pred_starts, pred_ends, gt_starts, gt_ends
    if min_tiou == 0:
        # Every pair; two points have tIoU 0, as in the official code.
        tiou = np.divide(
            inter, union, out=np.zeros_like(inter), where=union > 0)
        return pair_pred, slot, tiou
    # A pair that does not overlap (``inter <= 0``, left unclipped, so the
    # union differs from the official one) has a tIoU below ``min_tiou``
    # either way; one that does has the official tIoU. Only two points
    # have a union of 0: the smallest positive float keeps 0 / 0 out.
    np.maximum(union, 5e-324, out=union)
    inter /= union
    keep = (inter >= min_tiou).nonzero()[0]
    return (pair_pred.take(keep, mode='wrap'), slot.take(keep, mode='wrap'),
            inter.take(keep, mode='wrap'))


def _bucket(times: np.ndarray, group: np.ndarray, scale: np.ndarray,
            offset: np.ndarray, first: np.ndarray,
            last: np.ndarray) -> np.ndarray:
    """Bucket ``clip(times * scale + offset, first, last)``, rounded down,
    of each time ``(N, )``, with the parameters of its ``group``."""
    # Rounding keeps a monotonic map monotonic, so a time inside a window
    # never lands in a bucket outside it.
    index = times * scale[group]
    index += offset[group]
    np.maximum(index, first[group], out=index)
    np.minimum(index, last[group], out=index)
    # Non-negative: truncation rounds down.
    return index.astype(np.intp)


def _repeat_index(counts: np.ndarray) -> np.ndarray:
    """``np.arange(len(counts)).repeat(counts)`` for non-negative
    ``counts``: at each place, the number of indices whose run ends at or
    before it, a running sum of the ends, where ``repeat`` pays a copy
    call per element."""
    ends = counts.cumsum()
    marks = np.zeros(int(ends[-1]) + 1 if len(ends) else 1, dtype=np.intp)
    np.add.at(marks, ends, 1)
    return marks[:-1].cumsum()


def _stable_argsort(values: np.ndarray, upper: int) -> np.ndarray:
    """Stable argsort of non-negative integers ``(N, )`` below ``upper``."""
    # NumPy radix-sorts 16-bit integers: linear time, where the sort of
    # wider integers is a merge sort.
    if upper <= 1 << 16:
        return values.astype(np.uint16).argsort(kind='stable')
    if upper <= 1 << 32:
        order = values.astype(np.uint16).argsort(kind='stable')
        high = (values[order] >> 16).astype(np.uint16)
        return order[high.argsort(kind='stable')]
    return values.argsort(kind='stable')


def _run_starts(keys: np.ndarray) -> np.ndarray:
    """Positions where a run of equal values starts in ``keys`` ``(K, )``."""
    starts = np.ones(len(keys), dtype=bool)
    np.not_equal(keys[1:], keys[:-1], out=starts[1:])
    return starts.nonzero()[0]
