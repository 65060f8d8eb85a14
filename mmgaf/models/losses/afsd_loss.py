from typing import Dict, NamedTuple, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
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
    segment that contains it (ends included); positions in none are
    background. Then:

    - coarse stage: ``loss_cls`` (focal, all positions; background is the
      all-zero target) and ``loss_loc`` (AFSD's GIoU loss of the start/end
      distances, on positives), both averaged over the positives;
    - refinement, on positives whose coarse prediction has a tIoU of at least
      ``pos_iou_thr`` with their target: ``loss_prop_loc`` (L1 of the offsets
      ``(target - coarse) / (coarse width / 2)``) and ``loss_prop_cls``
      (focal, all positions), averaged over those positives;
    - ``loss_centerness``: binary cross-entropy of the centerness logit
      against the tIoU of the refined segment with its target, on
      positives;
    - ``loss_start`` / ``loss_end``: boundary consistency
      (:class:`AFSDBoundaryLoss`).

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
        background_loc_weight (float): Weight of background-interval
            positions in ``loss_loc``; 0 disables. Defaults to 0.
        loss_cls (dict): Coarse classification loss, a sigmoid loss on
            (N, K) logits and one-hot targets. Defaults to MMDetection's
            focal loss.
        loss_loc (dict): Coarse localisation loss on distance pairs.
            Defaults to ``AFSDIoULoss`` with AFSD's weight ``lw=10``.
        loss_prop_cls (dict): Refined classification loss.
        loss_prop_loc (dict): Refined offset loss. Defaults to L1 with
            weight 10.
        loss_centerness (dict): Centerness loss on logits and soft targets.
            Defaults to sigmoid cross-entropy.
        loss_boundary (dict): Boundary consistency loss.
            Defaults to ``AFSDBoundaryLoss`` (weights 1 and 0.1).
    """

    def __init__(self,
                 num_classes: int,
                 pos_iou_thr: float = 0.5,
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
                 loss_prop_loc: dict = dict(
                     type='mmdet.L1Loss', loss_weight=10.0),
                 loss_centerness: dict = dict(
                     type='mmdet.CrossEntropyLoss',
                     use_sigmoid=True,
                     loss_weight=1.0),
                 loss_boundary: dict = dict(
                     type='AFSDBoundaryLoss',
                     proposal_weight=0.1,
                     loss_weight=1.0)) -> None:
        super().__init__()
        if background_loc_weight < 0:
            raise ValueError('background_loc_weight must be >= 0, got '
                             f'{background_loc_weight}')
        self.num_classes = num_classes
        self.pos_iou_thr = pos_iou_thr
        self.background_loc_weight = background_loc_weight
        self.loss_cls = MODELS.build(loss_cls)
        self.loss_loc = MODELS.build(loss_loc)
        self.loss_prop_cls = MODELS.build(loss_prop_cls)
        self.loss_prop_loc = MODELS.build(loss_prop_loc)
        self.loss_centerness = MODELS.build(loss_centerness)
        self.loss_boundary = MODELS.build(loss_boundary)

    def get_targets(self, priors: Tensor, gt_segments: Sequence[Tensor],
                    gt_labels: Sequence[Tensor]) -> AFSDTargets:
        """Assign every position the shortest segment that contains it.

        Args:
            priors (Tensor): (P,) position centres, frame-level positions.
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
        length = torch.where(inside, left + right,
                             left.new_tensor(float('inf')))
        shortest, index = length.min(dim=2)
        assigned = torch.isfinite(shortest)
        target_labels = labels.gather(1, index)
        target_labels[~assigned] = self.num_classes
        distances = torch.stack([left, right], dim=-1).gather(
            2, index[..., None, None].expand(-1, -1, 1, 2)).squeeze(2)
        return AFSDTargets(target_labels, distances)

    def forward(self, outputs: Dict[str, Tensor],
                gt_segments: Sequence[Tensor],
                gt_labels: Sequence[Tensor]) -> Dict[str, Tensor]:
        """
        Args:
            outputs (dict): The localizer's raw outputs (see
                :meth:`AFSD.forward_feats`): ``cls`` and ``prop_cls`` (B, P,
                K) logits, ``loc`` and ``prop_loc`` (B, P, 2), ``centerness``
                (B, P), ``priors`` (P,), ``frame_feat`` (B, C, F) and
                ``proposal_feats`` (list of (B, C', T_0)).
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
        with torch.no_grad():
            targets = self.get_targets(outputs['priors'], gt_segments,
                                       gt_labels)
            labels = targets.labels
            foreground = (labels >= 0) & (labels < self.num_classes)
            background_interval = labels == BACKGROUND_LABEL
            coarse = loc.detach().float()
            coarse_iou = distance_iou(coarse, targets.distances)
            refine = foreground & (coarse_iou >= self.pos_iou_thr)
            half_width = 0.5 * coarse.sum(-1, keepdim=True)
            offsets = (targets.distances - coarse) / half_width

        loc_weight = foreground.float()
        if self.background_loc_weight > 0:
            loc_weight = loc_weight + self.background_loc_weight * \
                background_interval.float()
        num_pos = max(float((loc_weight > 0).sum()), 1.)
        # positions of background intervals are instances too (of the
        # background class): without them a background pass would sum its
        # classification loss over every position instead of averaging it
        num_instance = max(float((foreground | background_interval).sum()), 1.)
        num_fg = max(float(foreground.sum()), 1.)
        num_refine = max(float(refine.sum()), 1.)

        losses = dict()
        losses['loss_cls'] = self.loss_cls(
            cls.reshape(-1, self.num_classes),
            self._one_hot(labels, foreground).reshape(-1, self.num_classes),
            avg_factor=num_instance)
        located = loc_weight > 0
        losses['loss_loc'] = self.loss_loc(
            loc[located].float(),
            targets.distances[located],
            weight=loc_weight[located],
            avg_factor=num_pos)
        losses['loss_prop_cls'] = self.loss_prop_cls(
            prop_cls.reshape(-1, self.num_classes),
            self._one_hot(labels, refine).reshape(-1, self.num_classes),
            avg_factor=num_refine)
        losses['loss_prop_loc'] = self.loss_prop_loc(
            prop_loc[refine].float(), offsets[refine], avg_factor=num_refine)
        with torch.no_grad():
            refined = coarse + half_width * prop_loc.detach().float()
            centerness_target = distance_iou(
                refined[foreground],
                targets.distances[foreground]).clamp(min=0)
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

    def _one_hot(self, labels: Tensor, positive: Tensor) -> Tensor:
        """(B, P, K) one-hot targets of the positive positions; all zero
        (background) elsewhere."""
        classes = torch.where(positive, labels,
                              labels.new_tensor(self.num_classes))
        return F.one_hot(classes, self.num_classes + 1)[..., :-1]
