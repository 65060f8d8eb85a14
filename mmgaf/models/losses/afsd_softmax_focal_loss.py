from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmdet.models.losses.utils import weight_reduce_loss
from torch import Tensor

from mmgaf.registry import MODELS


@MODELS.register_module()
class AFSDSoftmaxFocalLoss(nn.Module):
    """AFSD's classification loss: a focal loss on a softmax over K+1
    channels, channel 0 the background and channel ``c + 1`` class ``c``
    (``FocalLoss_Ori`` of AFSD's ``multisegment_loss.py``).

    With ``p_t`` the softmax probability of the target channel plus
    ``eps``, each row costs ``-alpha_t * (1 - p_t) ** gamma * log(p_t)``,
    where ``alpha_t`` is ``alpha`` for background rows and ``1 - alpha`` for
    action rows (AFSD's ``alpha=0.25, balance_index=0``: actions weigh three
    times background, the reverse of RetinaNet's sigmoid focal loss).

    ``eps`` is added to the probability rather than taking a log-softmax,
    as AFSD does: it bounds ``-log(p_t)`` by ``-log(eps)`` (13.8 for AFSD's
    1e-6), which a log-softmax would not, so the losses and gradients of
    confidently wrong rows equal AFSD's.

    Args:
        gamma (float): Focusing exponent. Defaults to 2.0.
        alpha (float): Weight of background rows; action rows weigh
            ``1 - alpha``. Defaults to 0.25.
        eps (float): Added to the target probability before its log.
            Defaults to 1e-6.
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``.
            Defaults to ``'mean'``.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    #: Tells :class:`AFSDLoss` to give class indices with a background
    #: channel, not one-hot sigmoid targets (mmdet's losses name it so).
    use_sigmoid = False

    def __init__(self,
                 gamma: float = 2.0,
                 alpha: float = 0.25,
                 eps: float = 1e-6,
                 reduction: str = 'mean',
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if not 0 < alpha < 1:
            raise ValueError(f'alpha must be in (0, 1), got {alpha}')
        if gamma < 0:
            raise ValueError(f'gamma must be >= 0, got {gamma}')
        if reduction not in ('none', 'mean', 'sum'):
            raise ValueError(
                f"reduction must be 'none', 'mean' or 'sum', got {reduction}")
        self.gamma = gamma
        self.alpha = alpha
        self.eps = eps
        self.reduction = reduction
        self.loss_weight = loss_weight

    def forward(self,
                pred: Tensor,
                target: Tensor,
                weight: Optional[Tensor] = None,
                avg_factor: Optional[float] = None) -> Tensor:
        """
        Args:
            pred (Tensor): (N, K+1) logits, channel 0 the background.
            target (Tensor): (N,) long, 0 for background and ``c + 1`` for
                class ``c``.
            weight (Tensor, optional): (N,) weight of each row.
            avg_factor (float, optional): Divisor of the sum for ``'mean'``.

        Returns:
            Tensor: The loss, (N,) with ``reduction='none'``, else a scalar.
        """
        if pred.dim() != 2 or target.shape != pred.shape[:1]:
            raise ValueError('AFSDSoftmaxFocalLoss: pred must be (N, K+1) and '
                             f'target (N,), got {tuple(pred.shape)} and '
                             f'{tuple(target.shape)}')
        if target.is_floating_point():
            raise ValueError('AFSDSoftmaxFocalLoss: target must hold class '
                             f'indices, got {target.dtype}')
        if target.numel() and (target.min() < 0
                               or target.max() >= pred.size(1)):
            raise ValueError(
                'AFSDSoftmaxFocalLoss: target must be in [0, '
                f'{pred.size(1)}) (0 = background), got values in '
                f'[{int(target.min())}, {int(target.max())}]')
        prob = F.softmax(pred.float(), dim=1)
        p_t = prob.gather(1, target[:, None]).squeeze(1) + self.eps
        alpha_t = torch.where(target == 0, p_t.new_tensor(self.alpha),
                              p_t.new_tensor(1. - self.alpha))
        loss = -alpha_t * (1. - p_t).pow(self.gamma) * p_t.log()
        return self.loss_weight * weight_reduce_loss(
            loss, weight, self.reduction, avg_factor)
