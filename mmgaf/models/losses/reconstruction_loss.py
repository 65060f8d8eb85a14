import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmgaf.registry import MODELS


@MODELS.register_module()
class ReconstructionLoss(nn.Module):
    """L_R of GAF (paper eq. 15): ``‖f - f_ψ(λ, z)‖²`` with z ~ p(z | λ).

    It fuses frame- and segment-level attention: with frame-GAF frozen, the
    only way to lower it is to move λ, which receives its gradient through
    the decoder. The authors' code ramps its weight linearly over training;
    :class:`GAFAlternatingHook` supplies that ramp as ``weight_scale``.

    Args:
        loss_weight (float): Weight at the end of the ramp. Defaults to 0.5,
            as the authors' code.
    """

    def __init__(self, loss_weight: float = 0.5) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self,
                reconstruction: Tensor,
                target: Tensor,
                weight_scale: float = 1.0) -> Tensor:
        """Mean squared error of ``reconstruction`` against ``target`` (same
        shape), times ``loss_weight * weight_scale``."""
        return self.loss_weight * weight_scale * F.mse_loss(
            reconstruction, target)
