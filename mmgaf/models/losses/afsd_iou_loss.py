from typing import Optional

import torch
import torch.nn as nn
from mmdet.models.losses.utils import weight_reduce_loss
from torch import Tensor

from mmgaf.registry import MODELS


def distance_iou(pred: Tensor, target: Tensor) -> Tensor:
    """tIoU of segments given as distances from a shared position.

    AFSD regresses, at every temporal position, the distances to the start
    and to the end of the action; two such segments share that position, so
    their intersection is ``min(l, l') + min(r, r')``.

    Args:
        pred (Tensor): (..., 2) distances ``(left, right)``.
        target (Tensor): (..., 2) distances ``(left, right)``.

    Returns:
        Tensor: (...,) the tIoU.
    """
    eps = torch.finfo(torch.float32).eps
    inter = torch.minimum(pred[..., 0], target[..., 0]) + torch.minimum(
        pred[..., 1], target[..., 1])
    union = pred.sum(-1) + target.sum(-1) - inter
    return inter / union.clamp(min=eps)


@MODELS.register_module()
class AFSDIoULoss(nn.Module):
    """AFSD's coarse localisation loss, ``1 - tIoU`` of segments given as
    distances ``(left, right)`` from each position (:func:`distance_iou`).

    AFSD computes it as a GIoU loss; for two segments around the same
    position the smallest enclosing segment is their union
    (``max(l, l') + max(r, r') = l + r + l' + r' - inter``), so the GIoU
    penalty vanishes and the loss is the tIoU loss.

    Args:
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``.
            Defaults to ``'mean'``.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    def __init__(self,
                 reduction: str = 'mean',
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        self.reduction = reduction
        self.loss_weight = loss_weight

    def forward(self,
                pred: Tensor,
                target: Tensor,
                weight: Optional[Tensor] = None,
                avg_factor: Optional[float] = None) -> Tensor:
        """
        Args:
            pred (Tensor): (N, 2) predicted distances.
            target (Tensor): (N, 2) target distances.
            weight (Tensor, optional): (N,) weight of each segment.
            avg_factor (float, optional): Divisor of the sum for ``'mean'``.

        Returns:
            Tensor: The loss, (N,) with ``reduction='none'``, else a scalar.
        """
        if pred.shape != target.shape or pred.shape[-1:] != (2, ):
            raise ValueError('AFSDIoULoss: pred and target must both be '
                             f'(N, 2), got {tuple(pred.shape)} and '
                             f'{tuple(target.shape)}')
        loss = 1. - distance_iou(pred, target)
        return self.loss_weight * weight_reduce_loss(
            loss, weight, self.reduction, avg_factor)
