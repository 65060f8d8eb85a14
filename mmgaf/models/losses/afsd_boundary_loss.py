from typing import List, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmgaf.registry import MODELS


@MODELS.register_module()
class AFSDBoundaryLoss(nn.Module):
    """AFSD's boundary consistency loss (``calc_bce_loss`` in AFSD's
    training script).

    A boundary feature map ``(B, C, T)`` whose first channel half describes
    starts and second half ends becomes two probabilities per position,
    ``mean_c tanh(feature)`` of each half, trained with binary cross-entropy
    against start and end targets. The targets are derived from the ground
    truth: 1 within ``max(length / 10, 2)`` (centred, rounded to positions)
    of each start, respectively end, 0 elsewhere.

    The loss combines the frame-level map (weight 1) with the level-0 maps
    of the refinement branches before boundary pooling (weight
    ``proposal_weight`` each, AFSD's 0.1), whose targets are the frame-level
    ones sampled (nearest) at their resolution.

    Args:
        proposal_weight (float): Weight of each level-0 branch map.
            Defaults to 0.1.
        loss_weight (float): Weight of both losses. Defaults to 1.0.
    """

    def __init__(self,
                 proposal_weight: float = 0.1,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        self.proposal_weight = proposal_weight
        self.loss_weight = loss_weight

    @staticmethod
    def get_targets(gt_segments: Sequence[Tensor],
                    length: int) -> Tuple[Tensor, Tensor]:
        """Start and end targets on a grid of ``length`` positions.

        Args:
            gt_segments (Sequence[Tensor]): Per sample, (N, 2) action
                segments in grid positions.
            length (int): Positions of the grid.

        Returns:
            tuple[Tensor, Tensor]: start and end targets, (B, length) float
            in {0, 1}.
        """
        starts, ends = [], []
        for segments in gt_segments:
            positions = torch.arange(length, device=segments.device)
            starts.append(_near(segments[:, 0], segments, positions, length))
            ends.append(_near(segments[:, 1], segments, positions, length))
        return torch.stack(starts), torch.stack(ends)

    def forward(self, frame_feat: Tensor, proposal_feats: List[Tensor],
                gt_segments: Sequence[Tensor]) -> Tuple[Tensor, Tensor]:
        """
        Args:
            frame_feat (Tensor): (B, C, F) frame-level boundary features.
            proposal_feats (list[Tensor]): (B, C', T_0) level-0 boundary
                features of the refinement branches.
            gt_segments (Sequence[Tensor]): Per sample, (N, 2) action
                segments in frame-level positions.

        Returns:
            tuple[Tensor, Tensor]: the start and the end loss.
        """
        if len(gt_segments) != frame_feat.size(0):
            raise ValueError(f'{len(gt_segments)} ground truths for a batch '
                             f'of {frame_feat.size(0)}')
        start_target, end_target = self.get_targets(gt_segments,
                                                    frame_feat.size(-1))
        loss_start, loss_end = _boundary_bce(frame_feat, start_target,
                                             end_target)
        for feat in proposal_feats:
            start, end = _boundary_bce(
                feat,
                *(F.interpolate(target[:, None], size=feat.size(-1))[:, 0]
                  for target in (start_target, end_target)))
            loss_start = loss_start + self.proposal_weight * start
            loss_end = loss_end + self.proposal_weight * end
        return self.loss_weight * loss_start, self.loss_weight * loss_end


def _near(points: Tensor, segments: Tensor, positions: Tensor,
          length: int) -> Tensor:
    """(length,) 1 at positions within ``max(len / 10, 2)`` of a point."""
    if points.numel() == 0:
        return positions.new_zeros(length, dtype=torch.float32)
    radius = ((segments[:, 1] - segments[:, 0]) / 10.).clamp(min=2.) / 2.
    # AFSD rounds each bound (half to even, like Python's round) and clamps
    # it into the grid; both ends are included.
    low = (points - radius).round().clamp(0, length - 1)
    high = (points + radius).round().clamp(0, length - 1)
    inside = (positions[None] >= low[:, None]) & (
        positions[None] <= high[:, None])
    return inside.any(0).float()


def _boundary_bce(feat: Tensor, start_target: Tensor,
                  end_target: Tensor) -> Tuple[Tensor, Tensor]:
    half = feat.size(1) // 2
    prob = torch.tanh(feat.float())
    start = prob[:, :half].mean(1)
    end = prob[:, half:].mean(1)
    # binary_cross_entropy refuses to run under autocast; probabilities are
    # float32 here anyway.
    with torch.autocast(device_type=feat.device.type, enabled=False):
        return (F.binary_cross_entropy(start, start_target),
                F.binary_cross_entropy(end, end_target))
