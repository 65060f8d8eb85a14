"""Candidate pairs of the matching: every (prediction, ground truth) pair of
one group whose tIoU reaches the smallest threshold, in linear time.

A prediction ``[s, e]`` of length ``L`` can only reach tIoU ``t > 0`` with
a ground truth that starts in a window ``[s + t * L - min(L / t,
longest), e - t * L]`` (``longest``: the group's longest ground truth).
The ground truths are bucketed by group and start time
(``BUCKETS_PER_GT`` buckets per ground truth, over the span of the group's
starts), and each prediction is paired with every ground truth of the
buckets its window covers; the tIoU of these few pairs is computed and the
pairs below ``t`` dropped. Bucket keys and counts are integers, so sorting
and grouping are radix sorts and cumulative sums; a binary search per
prediction would cost more than all of the matching. With ``t == 0``
every pair of a group is a candidate.
"""
from typing import Optional, Sequence, Tuple

import numpy as np

from .array_ops import repeat_index, stable_argsort

# Resolution of the search for overlapping ground truth: more buckets mean
# fewer pairs to compute a tIoU for, but a larger table.
BUCKETS_PER_GT = 8
# Predictions paired at a time: bounds the temporary arrays of a very
# large evaluation.
CHUNK = 1 << 16


def candidate_pairs(pred_segments: np.ndarray, pred_groups: np.ndarray,
                    gt_segments: np.ndarray, gt_groups: np.ndarray,
                    min_tiou: float
                    ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (prediction, ground truth) pair of one group with tIoU at least
    ``min_tiou``, listed by prediction.

    A ground truth ``[a, b]`` that reaches tIoU ``t > 0`` with a prediction
    ``[s, e]`` of length ``L`` overlaps it by at least ``t * L`` and is at
    most ``L / t`` long, so it starts in ``[s + t * L - min(L / t,
    longest), e - t * L]``: the buckets of that window hold every
    candidate (see the module's docstring).

    Args:
        pred_segments (np.ndarray): float64 ``(P, 2)`` predictions.
        pred_groups (np.ndarray): int64 ``(P, )`` non-negative groups.
        gt_segments (np.ndarray): float64 ``(G, 2)`` ground truth.
        gt_groups (np.ndarray): int64 ``(G, )`` non-negative groups.
        min_tiou (float): The smallest threshold, in [0, 1].

    Returns:
        tuple[np.ndarray]: prediction indices ``(K, )`` (non-decreasing),
        ground-truth indices ``(K, )`` and their tIoU ``(K, )``, the
        official one (``segment_tiou``'s) to the last bit.
    """
    all_gt_segments = gt_segments
    num_ids = int(max(pred_groups.max(), gt_groups.max())) + 1
    gt_per_id = np.bincount(gt_groups, minlength=num_ids)
    # Dense numbering of the groups that have ground truth, and one more
    # group for all the others, which has neither ground truth nor buckets:
    # the tables below are as long as the groups with ground truth.
    has_gt = gt_per_id > 0
    dense_group = has_gt.cumsum() - 1
    num_groups = int(dense_group[-1]) + 1
    gt_group = dense_group[gt_groups]
    dense_group[~has_gt] = num_groups

    if min_tiou > 0:
        # Each group's span of start times is cut into BUCKETS_PER_GT
        # buckets per ground truth of the group; the bucket of a time is
        # clip(time * scale + offset, first, last), rounded down, a
        # monotonic map.
        count = np.bincount(gt_group, minlength=num_groups + 1)
        by_group = stable_argsort(gt_group, num_groups + 1)
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
        np.divide(num_buckets[:-1], np.maximum(span, 1e-280), out=scale[:-1])
        np.minimum(scale[:-1], 1e300 / np.maximum(extent, 1.), out=scale[:-1])
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
        gt_order = stable_argsort(gt_keys, num_keys)
        gt_keys = gt_keys[gt_order]
        gt_order = by_group[gt_order]
    else:
        num_keys = num_groups
        gt_order = stable_argsort(gt_group, num_keys)
        gt_keys = gt_group[gt_order]
        params = None
    # Positions in ``gt_order`` where each key starts, up to key
    # ``num_keys + 1`` (the extra group's): the sorted keys are ``k``
    # from ``first_of_key[k]`` to ``first_of_key[k + 1]``.
    first_of_key = np.full(num_keys + 2, len(gt_keys), dtype=np.int64)
    first_of_key[0] = 0
    np.cumsum(
        np.bincount(gt_keys, minlength=num_keys)[:num_keys - 1],
        out=first_of_key[1:num_keys])
    gt_segments = all_gt_segments.take(gt_order, axis=0, mode='wrap')

    # ``mode='wrap'`` takes skip NumPy's bounds check (every index is in
    # range); chunks of predictions bound the temporary arrays.
    found = []
    for start in range(0, len(pred_segments), CHUNK):
        chunk = slice(start, start + CHUNK)
        group = dense_group.take(pred_groups[chunk], mode='wrap')
        pair_pred, slot, tiou = _chunk_pairs(pred_segments[chunk], group,
                                             gt_segments, first_of_key, params,
                                             min_tiou)
        pair_pred += start
        found.append((pair_pred, gt_order.take(slot, mode='wrap'), tiou))
    if len(found) == 1:
        return found[0]
    return tuple(np.concatenate(parts) for parts in zip(*found))


def _chunk_pairs(pred_segments: np.ndarray, pred_group: np.ndarray,
                 gt_segments: np.ndarray, first_of_key: np.ndarray,
                 params: Optional[Sequence[np.ndarray]],
                 min_tiou: float) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pairs of :func:`candidate_pairs` for some predictions: their
    indices, the positions of their ground truths in bucket order, and
    their tIoUs.

    ``params`` are the per-group tables (``longest``, ``scale``, the
    bucket offset, the offsets widened down and up by the rounding margin,
    the first and last bucket), None when ``min_tiou == 0`` (the keys are
    then the groups). ``first_of_key`` is where each key starts in bucket
    order. The arrays are few and reused in place: at 10**5 predictions
    fresh temporaries cost as much as the arithmetic.
    """
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
        np.minimum(
            reach, longest.take(pred_group, out=param, mode='wrap'), out=reach)
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
        np.maximum(
            window, first.take(pred_group, out=param, mode='wrap'), out=window)
        np.minimum(
            window, last.take(pred_group, out=param, mode='wrap'), out=window)
        del param
        # Non-negative: truncation rounds down.
        keys = window.astype(np.intp)
        del window
    else:
        keys = np.stack([pred_group, pred_group])
    # The ground truths of keys ``low`` to ``high`` inclusive lie between
    # first_of_key[low] and first_of_key[high + 1] in bucket order.
    keys[1] += 1
    # In place: each index is read before its place is written.
    first, counts = first_of_key.take(keys, out=keys, mode='wrap')
    del keys
    counts -= first
    np.maximum(counts, 0, out=counts)

    # One pair per (prediction, ground truth of its window).
    pair_pred = repeat_index(counts)
    # ``first - (pairs before this prediction's)``: plus the pair's place
    # among all pairs, the position of its ground truth.
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
