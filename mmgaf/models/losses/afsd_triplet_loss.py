from typing import Sequence

import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmgaf.registry import MODELS
from ..heads.afsd_refine_head import boundary_regions
from ..ops import boundary_max_pooling


@MODELS.register_module()
class AFSDTripletLoss(nn.Module):
    """AFSD's boundary-contrastive loss (``--ssl``; the ``ssl=True`` pass of
    ``BDNet.forward`` and the triplet term of ``train.py``).

    The input is a clip where a background stretch has been inserted into
    an action (AFSD's ``augment_``), and three segments on it: the first
    part of the split action, its second part, and the inserted background.
    Each feature map is max-pooled over the boundary regions of the three
    segments (:func:`boundary_regions` on the frame-level grid, divided by
    the map's ``scale``); then the *end* features of the first part (anchor)
    should be nearer the *start* features of the second part (positive)
    than the start features of the background (negative):
    ``max(|a - p| - |a - n| + margin, 0)`` (``nn.TripletMarginLoss``),
    averaged over samples, weighted per map and summed.

    Args:
        level_weights (Sequence[float]): Weight of each feature map: AFSD's
            frame-level map and the level-0 boundary features of the
            localisation and classification branches. Defaults to
            (1.0, 0.1, 0.1).
        scales (Sequence[float]): Frame-level positions per position of
            each map; the pooling regions are divided by it (not rounded:
            the pooling truncates). Defaults to (1, 4, 4), AFSD's
            ``BDNet.scales``.
        margin (float): Margin of the triplet loss. Defaults to 1.0.
        p (float): Norm of the distances. Defaults to 2.0.
        eps (float): Added to the differences before the norm.
            Defaults to 1e-6.
        loss_weight (float): Weight of the loss, AFSD's ``--ssl``.
            Defaults to 0.1.
    """

    def __init__(self,
                 level_weights: Sequence[float] = (1.0, 0.1, 0.1),
                 scales: Sequence[float] = (1.0, 4.0, 4.0),
                 margin: float = 1.0,
                 p: float = 2.0,
                 eps: float = 1e-6,
                 loss_weight: float = 0.1) -> None:
        super().__init__()
        if len(level_weights) != len(scales):
            raise ValueError(f'{len(level_weights)} level_weights but '
                             f'{len(scales)} scales')
        if any(scale <= 0 for scale in scales):
            raise ValueError(f'scales must be positive, got {scales}')
        self.level_weights = tuple(float(w) for w in level_weights)
        self.scales = tuple(float(s) for s in scales)
        self.margin = margin
        self.p = p
        self.eps = eps
        self.loss_weight = loss_weight

    def triplets(self, feats: Sequence[Tensor], segments: Tensor) -> tuple:
        """Anchor, positive and negative features of every map.

        Args:
            feats (Sequence[Tensor]): (B, C_i, T_i) per map, C_i even (start
                features, then end features).
            segments (Tensor): (B, 3, 2) the first part of the action, its
                second part and the background, on the frame-level grid.

        Returns:
            tuple[list[Tensor]]: anchors, positives and negatives, each a
            list of (B, C_i / 2) per map.
        """
        if len(feats) != len(self.scales):
            raise ValueError(f'AFSDTripletLoss was built for '
                             f'{len(self.scales)} feature maps, got '
                             f'{len(feats)}')
        if segments.dim() != 3 or segments.shape[1:] != (3, 2):
            raise ValueError('AFSDTripletLoss: segments must be (B, 3, 2), '
                             f'got {tuple(segments.shape)}')
        start, end = segments.detach().float().unbind(-1)
        # AFSD counts the frame-level length inclusively (+1), as for the
        # refinement's frame-level regions.
        regions = boundary_regions(start, end, end - start + 1.)
        anchors, positives, negatives = [], [], []
        for feat, scale in zip(feats, self.scales):
            pooled = boundary_max_pooling(feat, regions / scale)
            half = pooled.size(1) // 2
            anchors.append(pooled[:, half:, 0])
            positives.append(pooled[:, :half, 1])
            negatives.append(pooled[:, :half, 2])
        return anchors, positives, negatives

    def forward(self, feats: Sequence[Tensor], segments: Tensor) -> Tensor:
        """
        Args:
            feats (Sequence[Tensor]): (B, C_i, T_i) per map, see
                :meth:`triplets`.
            segments (Tensor): (B, 3, 2) on the frame-level grid.

        Returns:
            Tensor: The weighted loss, a scalar.
        """
        loss = 0.
        for weight, anchor, positive, negative in zip(
                self.level_weights, *self.triplets(feats, segments)):
            loss = loss + weight * F.triplet_margin_loss(
                anchor,
                positive,
                negative,
                margin=self.margin,
                p=self.p,
                eps=self.eps)
        return self.loss_weight * loss
