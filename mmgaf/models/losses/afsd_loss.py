from contextlib import nullcontext
from typing import Dict, NamedTuple, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.dist import all_reduce, get_world_size
from torch import Tensor

from mmgaf.registry import MODELS
from .action_background_loss import BACKGROUND_LABEL
from .afsd_iou_loss import distance_iou


class AFSDTargets(NamedTuple):
    """AFSD's targets for a batch, over the P positions of all levels.

    - ``labels`` (B, P) long: the class of the assigned action, -1 for a
      position inside a background interval, ``num_classes`` elsewhere;
    - ``distances`` (B, P, 2): the distances from the position to the
      start and the end of the assigned segment (frame-level positions),
      meaningful where ``labels != num_classes``.
    """
    labels: Tensor
    distances: Tensor


@MODELS.register_module()
class AFSDLoss(nn.Module):
    """The losses of AFSD (``MultiSegmentLoss`` and ``calc_bce_loss`` of
    AFSD's code).

    Assignment, as AFSD: a position is assigned the shortest ground-truth
    segment that contains it (ends included; on a tie the first); positions
    in none are background. With ``regress_ranges`` (AFSD's ActivityNet
    ``bounds``) a position of level i only takes segments whose larger
    distance from it lies in ``(low_i, high_i]``. Then:

    - coarse stage: ``loss_cls`` (all positions) and ``loss_loc`` (AFSD's
      GIoU loss of the start/end distances, on positives), both averaged
      over the positives;
    - refinement, on positives whose coarse prediction has a tIoU of at least
      ``pos_iou_thr`` with their target: ``loss_prop_loc`` (offsets
      ``(target - coarse) / (coarse width / 2)``) and ``loss_prop_cls``
      (all positions; positives below the threshold are background),
      averaged over those positives;
    - ``loss_centerness``: binary cross-entropy of the centerness logit
      against the tIoU of the refined segment with its target, on
      positives;
    - ``loss_start`` / ``loss_end``: boundary consistency
      (:class:`AFSDBoundaryLoss`).

    Classification has two forms, chosen by ``loss_cls``: a sigmoid loss
    (e.g. MMDetection's focal loss) on K logits with one-hot targets, all
    zero for background; or a softmax loss (``use_sigmoid = False``, e.g.
    :class:`AFSDSoftmaxFocalLoss`, AFSD's) on K+1 logits with class-index
    targets, channel 0 the background and ``c + 1`` class ``c``.
    ``loss_prop_cls`` must take the same form; :attr:`cls_out_channels`
    says how many channels ``cls`` and ``prop_cls`` need.

    A ground-truth instance labelled -1 is a *background interval* (GAF):
    its positions get the background classification target everywhere and
    are positives of ``loss_loc`` only, with weight
    ``background_loc_weight``; with weight 0 they are plain background. They
    count as positives when averaging ``loss_cls`` and ``loss_loc`` (so a
    window of background intervals only gives per-position averages), never
    for the refinement, centerness or boundary losses.

    Args:
        num_classes (int): Number of action classes K.
        pos_iou_thr (float): tIoU of the coarse prediction above which a
            positive trains the refinement (AFSD's ``piou``).
            Defaults to 0.5.
        adaptive_pos_iou_thr (bool): Lower the threshold of each sample to
            the best tIoU among its positives, so every sample with
            positives trains the refinement (AFSD's ActivityNet loss,
            ``min(overlap_thresh, max_iou)``). Defaults to False.
        regress_ranges (Sequence[tuple[float, float]], optional): Per level,
            the range ``(low, high]`` of ``max(left, right)`` (frame-level
            positions) a position of that level may regress. None for no
            limit (AFSD's THUMOS14 loss). Defaults to None.
        detach_centerness_target (bool): Compute the tIoU target of
            ``loss_centerness`` without gradient. AFSD's code lets its
            gradient flow through the target into ``loc`` and ``prop_loc``
            (``d loss / d target = -logit``); False reproduces that.
            Defaults to True.
        background_loc_weight (float): Weight of background-interval
            positions in ``loss_loc``; 0 disables. Defaults to 0.
        loss_cls (dict): Coarse classification loss. Defaults to
            MMDetection's sigmoid focal loss.
        loss_loc (dict): Coarse localisation loss on distance pairs.
            Defaults to ``AFSDIoULoss`` with AFSD's weight ``lw=10``.
        loss_prop_cls (dict): Refined classification loss, of the same form
            as ``loss_cls``. Defaults to MMDetection's sigmoid focal loss.
        loss_prop_loc (dict): Refined offset loss. Defaults to L1 with
            weight 10.
        loss_centerness (dict): Centerness loss on logits and soft targets.
            Defaults to sigmoid cross-entropy.
        loss_boundary (dict): Boundary consistency loss.
            Defaults to ``AFSDBoundaryLoss`` (weights 1 and 0.1).
    """

    def __init__(
        self,
        num_classes: int,
        pos_iou_thr: float = 0.5,
        adaptive_pos_iou_thr: bool = False,
        regress_ranges: Optional[Sequence[Tuple[float, float]]] = None,
        detach_centerness_target: bool = True,
        background_loc_weight: float = 0.,
        loss_cls: dict = dict(
            type='mmdet.FocalLoss',
            use_sigmoid=True,
            gamma=2.0,
            alpha=0.25,
            loss_weight=1.0),
        loss_loc: dict = dict(type='AFSDIoULoss', loss_weight=10.0),
        loss_prop_cls: dict = dict(
            type='mmdet.FocalLoss',
            use_sigmoid=True,
            gamma=2.0,
            alpha=0.25,
            loss_weight=1.0),
        loss_prop_loc: dict = dict(type='mmdet.L1Loss', loss_weight=10.0),
        loss_centerness: dict = dict(
            type='mmdet.CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0),
        loss_boundary: dict = dict(
            type='AFSDBoundaryLoss', proposal_weight=0.1, loss_weight=1.0)
    ) -> None:
        super().__init__()
        if background_loc_weight < 0:
            raise ValueError('background_loc_weight must be >= 0, got '
                             f'{background_loc_weight}')
        if regress_ranges is not None:
            regress_ranges = [tuple(map(float, r)) for r in regress_ranges]
            if any(len(r) != 2 or r[0] >= r[1] for r in regress_ranges):
                raise ValueError('regress_ranges must be (low, high) pairs '
                                 f'with low < high, got {regress_ranges}')
        self.num_classes = num_classes
        self.pos_iou_thr = pos_iou_thr
        self.adaptive_pos_iou_thr = adaptive_pos_iou_thr
        self.regress_ranges = regress_ranges
        self.detach_centerness_target = detach_centerness_target
        self.background_loc_weight = background_loc_weight
        self.loss_cls = MODELS.build(loss_cls)
        self.loss_loc = MODELS.build(loss_loc)
        self.loss_prop_cls = MODELS.build(loss_prop_cls)
        self.loss_prop_loc = MODELS.build(loss_prop_loc)
        self.loss_centerness = MODELS.build(loss_centerness)
        self.loss_boundary = MODELS.build(loss_boundary)
        sigmoid = [
            getattr(loss, 'use_sigmoid', True)
            for loss in (self.loss_cls, self.loss_prop_cls)
        ]
        if sigmoid[0] != sigmoid[1]:
            raise ValueError(
                'loss_cls and loss_prop_cls must both be sigmoid or both '
                f'softmax losses, got {loss_cls["type"]} '
                f'(use_sigmoid={sigmoid[0]}) and {loss_prop_cls["type"]} '
                f'(use_sigmoid={sigmoid[1]})')
        self.use_background_class = not sigmoid[0]

    @property
    def cls_out_channels(self) -> int:
        """Channels of ``cls`` and ``prop_cls``: K+1 with the softmax's
        background channel 0, else K."""
        return self.num_classes + int(self.use_background_class)

    def get_targets(self, priors: Tensor, gt_segments: Sequence[Tensor],
                    gt_labels: Sequence[Tensor]) -> AFSDTargets:
        """Assign every position the shortest segment that contains it.

        Args:
            priors (Tensor): (P,) position centres, frame-level positions,
                level after level.
            gt_segments (Sequence[Tensor]): Per sample, (N, 2) segments in
                frame-level positions.
            gt_labels (Sequence[Tensor]): Per sample, (N,) labels in
                ``[-1, num_classes)``.

        Returns:
            AFSDTargets: labels (B, P) and distances (B, P, 2).
        """
        batch = len(gt_segments)
        most = max([len(segments) for segments in gt_segments] + [1])
        segments = priors.new_zeros(batch, most, 2)
        labels = torch.full((batch, most),
                            self.num_classes,
                            dtype=torch.long,
                            device=priors.device)
        present = torch.zeros(
            batch, most, dtype=torch.bool, device=priors.device)
        for i, (seg, lab) in enumerate(zip(gt_segments, gt_labels)):
            segments[i, :len(seg)] = seg
            labels[i, :len(lab)] = lab
            present[i, :len(seg)] = True
        left = priors[None, :, None] - segments[:, None, :, 0]
        right = segments[:, None, :, 1] - priors[None, :, None]
        inside = (left >= 0) & (right >= 0) & present[:, None]
        if self.regress_ranges is not None:
            low, high = self._prior_ranges(priors)
            reach = torch.maximum(left, right)
            inside &= (reach > low[:, None]) & (reach <= high[:, None])
        length = torch.where(inside, left + right,
                             left.new_tensor(float('inf')))
        shortest, index = length.min(dim=2)
        assigned = torch.isfinite(shortest)
        target_labels = labels.gather(1, index)
        target_labels[~assigned] = self.num_classes
        distances = torch.stack([left, right], dim=-1).gather(
            2, index[..., None, None].expand(-1, -1, 1, 2)).squeeze(2)
        return AFSDTargets(target_labels, distances)

    def _prior_ranges(self, priors: Tensor) -> Tuple[Tensor, Tensor]:
        """(P,) low and high ends of each position's regress range."""
        # Centres rise within a level and fall back (or repeat, for levels
        # of one position) where the next level starts.
        level = F.pad((priors[1:] <= priors[:-1]).long().cumsum(0), (1, 0))
        num_levels = int(level[-1]) + 1 if len(priors) else 0
        if num_levels != len(self.regress_ranges):
            raise ValueError(f'regress_ranges has '
                             f'{len(self.regress_ranges)} levels, the '
                             f'priors {num_levels}')
        ranges = priors.new_tensor(self.regress_ranges)[level]
        return ranges[:, 0], ranges[:, 1]

    def forward(self, outputs: Dict[str,
                                    Tensor], gt_segments: Sequence[Tensor],
                gt_labels: Sequence[Tensor]) -> Dict[str, Tensor]:
        """
        Args:
            outputs (dict): The localizer's raw outputs (see
                :meth:`AFSD.forward_feats`): ``cls`` and ``prop_cls`` (B, P,
                :attr:`cls_out_channels`) logits, ``loc`` and ``prop_loc``
                (B, P, 2), ``centerness`` (B, P), ``priors`` (P,),
                ``frame_feat`` (B, C, F) and ``proposal_feats`` (list of
                (B, C', T_0)).
            gt_segments (Sequence[Tensor]): Per sample, (N, 2) segments in
                frame-level positions.
            gt_labels (Sequence[Tensor]): Per sample, (N,) labels in
                ``[-1, num_classes)``.

        Returns:
            dict[str, Tensor]: ``loss_cls``, ``loss_loc``, ``loss_prop_cls``,
            ``loss_prop_loc``, ``loss_centerness``, ``loss_start`` and
            ``loss_end``.
        """
        loc, cls = outputs['loc'], outputs['cls']
        prop_loc, prop_cls = outputs['prop_loc'], outputs['prop_cls']
        centerness = outputs['centerness']
        for key in ('cls', 'prop_cls'):
            if outputs[key].size(-1) != self.cls_out_channels:
                form = ('softmax with a background channel'
                        if self.use_background_class else 'sigmoid')
                raise ValueError(
                    f"outputs['{key}'] has {outputs[key].size(-1)} channels "
                    f'but the {form} classification of {self.num_classes} '
                    f'classes needs {self.cls_out_channels}')
        with torch.no_grad():
            targets = self.get_targets(outputs['priors'], gt_segments,
                                       gt_labels)
            labels = targets.labels
            foreground = (labels >= 0) & (labels < self.num_classes)
            background_interval = labels == BACKGROUND_LABEL
            coarse = loc.detach().float()
            coarse_iou = distance_iou(coarse, targets.distances)
            refine = foreground & (
                coarse_iou >= self._refine_thr(coarse_iou, foreground))
            half_width = 0.5 * coarse.sum(-1, keepdim=True)
            offsets = (targets.distances - coarse) / half_width

        loc_weight = foreground.float()
        if self.background_loc_weight > 0:
            loc_weight = loc_weight + self.background_loc_weight * \
                background_interval.float()
        # positions of background intervals are instances too (of the
        # background class): without them a background pass would sum its
        # classification loss over every position instead of averaging it.
        # The counts are summed over processes and each process divides by
        # its share of the sum, so that N processes (whose gradients DDP
        # averages) train exactly as one process with their joint batch.
        counts = torch.stack([(loc_weight > 0).sum(),
                              (foreground | background_interval).sum(),
                              foreground.sum(),
                              refine.sum()]).float()
        all_reduce(counts, op='sum')
        counts = (counts.clamp(min=1.) / get_world_size()).tolist()
        num_pos, num_instance, num_fg, num_refine = counts

        losses = dict()
        channels = self.cls_out_channels
        losses['loss_cls'] = self.loss_cls(
            cls.reshape(-1, channels),
            self._cls_targets(labels, foreground),
            avg_factor=num_instance)
        located = loc_weight > 0
        losses['loss_loc'] = self.loss_loc(
            loc[located].float(),
            targets.distances[located],
            weight=loc_weight[located],
            avg_factor=num_pos)
        losses['loss_prop_cls'] = self.loss_prop_cls(
            prop_cls.reshape(-1, channels),
            self._cls_targets(labels, refine),
            avg_factor=num_refine)
        losses['loss_prop_loc'] = self.loss_prop_loc(
            prop_loc[refine].float(), offsets[refine], avg_factor=num_refine)
        with torch.no_grad() if self.detach_centerness_target else nullcontext(
        ):
            coarse_loc = loc[foreground].float()
            refined = coarse_loc + 0.5 * coarse_loc.sum(
                -1, keepdim=True) * prop_loc[foreground].float()
            centerness_target = distance_iou(
                refined, targets.distances[foreground]).clamp(min=0)
        losses['loss_centerness'] = self.loss_centerness(
            centerness[foreground].float(),
            centerness_target,
            avg_factor=num_fg)
        actions = [
            segments[(labels_ >= 0)]
            for segments, labels_ in zip(gt_segments, gt_labels)
        ]
        losses['loss_start'], losses['loss_end'] = self.loss_boundary(
            outputs['frame_feat'], outputs['proposal_feats'], actions)
        return losses

    def _refine_thr(self, coarse_iou: Tensor, foreground: Tensor) -> Tensor:
        """(B, 1) tIoU threshold of the refinement positives."""
        thr = coarse_iou.new_full((coarse_iou.size(0), 1), self.pos_iou_thr)
        if self.adaptive_pos_iou_thr:
            best = torch.where(foreground, coarse_iou,
                               coarse_iou.new_tensor(-float('inf'))).amax(
                                   1, keepdim=True)
            thr = torch.minimum(thr, best)
        return thr

    def _cls_targets(self, labels: Tensor, positive: Tensor) -> Tensor:
        """Targets of the positive positions, background elsewhere: (B * P,
        K) one-hot rows for a sigmoid loss, all zero for background; or
        (B * P,) class indices for a softmax loss, 0 for background."""
        if self.use_background_class:
            return torch.where(positive, labels + 1,
                               labels.new_tensor(0)).reshape(-1)
        classes = torch.where(positive, labels,
                              labels.new_tensor(self.num_classes))
        return F.one_hot(classes, self.num_classes +
                         1)[..., :-1].reshape(-1, self.num_classes)
