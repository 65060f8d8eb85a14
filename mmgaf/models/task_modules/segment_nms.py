"""Per-class greedy NMS and Gaussian soft-NMS of 1-D segments.

Hard NMS runs MMCV's compiled ``nms`` once per class on the segments as
boxes ``[s, 0, e, 1]`` with ``offset=0`` (no +1 in the lengths), whose IoU
is the tIoU (MMCV's ``batched_nms`` would compare all pairs of all classes
and shift the coordinates by class, losing float32 precision).

Soft-NMS keeps a plain-PyTorch path, because MMCV's ``soft_nms`` computes
something else here: it runs in float32 only (the merger works in float64
seconds), keeps a class's last candidate where AFSD's ``softnms_v2`` does
not, has no per-class ``top_k``, and gives NaN scores to coincident
zero-length segments (0 / 0 tIoU). The path walks all classes at once:
every step selects the highest-scoring remaining segment of every class
(the first one on equal scores) and decays the other remaining segments of
that class; each step is a few tensor operations over a ``(classes,
segments)`` table, on the segments' device.
"""
from typing import Callable, Tuple

import torch
from mmcv.ops import nms
from torch import Tensor


def batched_segment_nms(segments: Tensor,
                        scores: Tensor,
                        labels: Tensor,
                        iou_thr: float = 0.5,
                        max_per_class: int = -1) -> Tuple[Tensor, Tensor]:
    """Per-class greedy NMS of segments, by MMCV's compiled ``nms``.

    Rule: in each class, repeatedly keep the highest-scoring remaining
    segment (the first one on equal scores) and discard every remaining
    segment whose tIoU with it is greater than ``iou_thr``. tIoU is
    computed in float32 (MMCV's kernel); a zero union keeps both segments.

    Args:
        segments (Tensor): ``(N, 2)`` segments ``[start, end]``.
        scores (Tensor): ``(N, )`` scores.
        labels (Tensor): ``(N, )`` integer classes.
        iou_thr (float): Suppression threshold. Defaults to 0.5.
        max_per_class (int): Keep at most this many segments per class
            (the first ones selected); -1 for no limit. Defaults to -1.

    Returns:
        tuple[Tensor]: ``scores`` ``(K, )`` of the kept segments (unchanged)
        and ``keep`` ``(K, )``, their indices in the input, by descending
        score (equal scores in input order).
    """
    segments = _check_inputs(segments, scores, labels)
    if segments.size(0) == 0:
        return scores.new_zeros(0), labels.new_zeros(0, dtype=torch.long)
    # Per class, by descending score (equal scores in input order): MMCV's
    # kernel compares every pair of boxes it is given, so one call per
    # class costs sum(n_c^2) instead of N^2. It also sorts the scores
    # itself, not stably; strictly decreasing ranks as its scores fix the
    # order (greedy NMS depends only on the order, not on the values).
    by_score = torch.argsort(scores, descending=True, stable=True)
    order = by_score[torch.argsort(labels[by_score], stable=True)]
    counts = torch.unique_consecutive(labels[order], return_counts=True)[1]
    boxes = torch.stack([
        segments[order, 0].float(),
        segments.new_zeros(len(order), dtype=torch.float32),
        segments[order, 1].float(),
        segments.new_ones(len(order), dtype=torch.float32)
    ], 1)
    ranks = torch.arange(
        len(order), 0, -1, dtype=torch.float32, device=order.device)
    selected, first = [], 0
    for count in counts.tolist():
        _, kept = nms(
            boxes[first:first + count],
            ranks[first:first + count],
            iou_thr,
            offset=0)
        kept = kept.to(order.device).sort().values
        if max_per_class >= 0:
            kept = kept[:max_per_class]
        selected.append(kept + first)
        first += count
    keep = order[torch.cat(selected)]
    # by descending score, equal scores in input order
    keep = keep[torch.argsort(by_score.argsort()[keep], stable=True)]
    return scores[keep], keep


def batched_segment_soft_nms(segments: Tensor,
                             scores: Tensor,
                             labels: Tensor,
                             sigma: float = 0.5,
                             min_score: float = 0.001,
                             max_per_class: int = -1,
                             keep_last: bool = True) -> Tuple[Tensor, Tensor]:
    """Per-class Gaussian soft-NMS of segments (plain PyTorch, see the
    module's docstring for why not MMCV's ``soft_nms``).

    Rule (that of AFSD's ``softnms_v2``): segments scoring below
    ``min_score`` are dropped; then, in each class, repeatedly keep the
    highest-scoring remaining segment with its current score, multiply the
    score of every other remaining segment of the class by
    ``exp(-tiou ** 2 / sigma)`` (``tiou`` with the kept one), and drop those
    now below ``min_score``. A class stops when nothing remains or after
    ``max_per_class`` selections (AFSD's ``top_k``; AFSD uses ``sigma=0.5``
    and ``min_score=0.001``).

    AFSD's loop runs while *more than one* candidate remains, so it never
    keeps a class's last remaining candidate (a class with a single
    candidate keeps nothing): ``keep_last=False`` does the same. AFSD also
    clamps the selected segment's length to at least 1e-5 inside the tIoU,
    where here a zero union gives tIoU 0; the two differ only for a
    selected segment shorter than 1e-5 (zero-length ones give 0 in both).

    Args:
        segments (Tensor): ``(N, 2)`` segments ``[start, end]``.
        scores (Tensor): ``(N, )`` scores.
        labels (Tensor): ``(N, )`` integer classes.
        sigma (float): Gaussian decay parameter. Defaults to 0.5.
        min_score (float): Lowest score a segment may keep. Defaults to
            0.001.
        max_per_class (int): Most selections per class; -1 for no limit.
            Defaults to -1.
        keep_last (bool): Whether a class's last remaining candidate is
            selected too; False stops a class as soon as one candidate is
            left, as AFSD's ``softnms_v2``. Defaults to True.

    Returns:
        tuple[Tensor]: the decayed ``scores`` ``(K, )`` of the kept segments
        and ``keep`` ``(K, )``, their indices in the input, by descending
        score (equal scores in selection order).
    """
    if sigma <= 0:
        raise ValueError(f'sigma must be positive, got {sigma}')

    def decay(scores: Tensor, alive: Tensor, tiou: Tensor) -> Tensor:
        scores.mul_(torch.exp(-tiou.square() / sigma))
        return alive & (scores >= min_score)

    return _greedy_select(segments, scores, labels, decay, min_score,
                          max_per_class, 1 if keep_last else 2)


def _check_inputs(segments: Tensor, scores: Tensor, labels: Tensor) -> Tensor:
    """Check the shapes; returns ``segments`` as floating point."""
    if segments.dim() != 2 or segments.size(-1) != 2:
        raise ValueError('segments must have shape (N, 2), got '
                         f'{tuple(segments.shape)}')
    num = segments.size(0)
    if scores.shape != (num, ) or labels.shape != (num, ):
        raise ValueError(f'scores {tuple(scores.shape)} and labels '
                         f'{tuple(labels.shape)} must have shape ({num}, )')
    return segments if segments.is_floating_point() else segments.float()


def _tiou_to(start: Tensor, end: Tensor, starts: Tensor,
             ends: Tensor) -> Tensor:
    """tIoU of segments ``[start, end]`` ``(R, 1)`` with ``[starts, ends]``
    ``(R, L)``: ``(R, L)``. A zero union gives 0."""
    inter = (torch.minimum(ends, end) -
             torch.maximum(starts, start)).clamp(min=0)
    union = (ends - starts) + (end - start) - inter
    return inter / union.clamp(min=torch.finfo(union.dtype).tiny)


def _greedy_select(segments: Tensor, scores: Tensor, labels: Tensor,
                   update: Callable[[Tensor, Tensor, Tensor],
                                    Tensor], min_score, max_per_class: int,
                   min_alive: int) -> Tuple[Tensor, Tensor]:
    """The selection loop of soft-NMS; ``update(scores, alive, tiou)`` may
    change the ``(R, L)`` scores in place and returns the new ``alive``
    mask. A class selects while at least ``min_alive`` of its candidates
    remain."""
    segments = _check_inputs(segments, scores, labels)
    num = segments.size(0)
    if num == 0:
        return scores.new_zeros(0), labels.new_zeros(0, dtype=torch.long)

    # (classes, L) tables: row = class, columns = its segments in input
    # order, padded; ``alive`` marks the candidates still in play.
    classes, row, counts = torch.unique(
        labels, return_inverse=True, return_counts=True)
    by_row = torch.argsort(row, stable=True)
    row_start = torch.cumsum(counts, 0) - counts
    column = torch.empty_like(by_row)
    column[by_row] = torch.arange(
        num, device=labels.device) - row_start[row[by_row]]
    shape = (len(classes), int(counts.max()))
    index_table = labels.new_full(shape, -1, dtype=torch.long)
    index_table[row, column] = torch.arange(num, device=labels.device)
    starts = segments.new_zeros(shape)
    starts[row, column] = segments[:, 0]
    ends = segments.new_zeros(shape)
    ends[row, column] = segments[:, 1]
    score_table = segments.new_zeros(shape)
    score_table[row, column] = scores.to(segments.dtype)
    alive = index_table >= 0
    if min_score is not None:
        alive &= score_table >= min_score

    steps = shape[1] if max_per_class < 0 else min(shape[1], max_per_class)
    kept_index, kept_score = [], []
    for _ in range(steps):
        active = alive.sum(dim=1) >= min_alive
        if not bool(active.all()):
            if not bool(active.any()):
                break
            # Finished classes leave the tables for good.
            index_table, starts, ends, score_table, alive = (
                table[active]
                for table in (index_table, starts, ends, score_table, alive))
        rows = torch.arange(len(alive), device=alive.device)
        best_score, best = torch.where(alive, score_table,
                                       -torch.inf).max(dim=1)
        kept_index.append(index_table[rows, best])
        kept_score.append(best_score)
        alive[rows, best] = False
        tiou = _tiou_to(starts[rows, best, None], ends[rows, best, None],
                        starts, ends)
        alive = update(score_table, alive, tiou)

    if not kept_index:
        return scores.new_zeros(0), labels.new_zeros(0, dtype=torch.long)
    keep = torch.cat(kept_index)
    kept_scores = torch.cat(kept_score).to(scores.dtype)
    kept_scores, order = kept_scores.sort(descending=True, stable=True)
    return kept_scores, keep[order]
