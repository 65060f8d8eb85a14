from typing import Tuple

import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmgaf.registry import MODELS


def gaussian_kl_to_unit_variance(mean: Tensor, log_var: Tensor,
                                 prior_mean: Tensor) -> Tensor:
    """Elementwise KL(N(mean, exp(log_var)) || N(prior_mean, 1)).

    ``0.5 * (σ² + (μ - m)² - 1 - log σ²)``; all inputs share one shape.
    """
    return 0.5 * (log_var.exp() + (mean - prior_mean).pow(2) - 1. - log_var)


@MODELS.register_module()
class CVAELoss(nn.Module):
    """L_CVAE of frame-GAF (paper eq. 7), one Monte-Carlo sample (L = 1):
    ``‖f - f̂‖² + β · KL(q(z | f, λ) ‖ p(z | λ))``, with p(z | λ) = N(λ, I).

    Both terms are means over their elements, as in the authors' code, and
    are returned separately so that both are logged.

    Args:
        beta (float): β, the weight of the KL term. Defaults to 0.1.
        loss_weight (float): Weight of the whole loss. Defaults to 1.0.
    """

    def __init__(self, beta: float = 0.1, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.beta = beta
        self.loss_weight = loss_weight

    def forward(self, reconstruction: Tensor, target: Tensor, mean: Tensor,
                log_var: Tensor, prior_mean: Tensor) -> Tuple[Tensor, Tensor]:
        """
        Args:
            reconstruction (Tensor): f̂, the shape of ``target``.
            target (Tensor): f, (B, C, T[, H, W]).
            mean, log_var (Tensor): q(z | f, λ), (B, Z, T).
            prior_mean (Tensor): λ broadcast to (B, Z, T).

        Returns:
            tuple[Tensor, Tensor]: the weighted reconstruction and KL terms.
        """
        reconstruction_term = F.mse_loss(reconstruction, target)
        kl_term = gaussian_kl_to_unit_variance(mean, log_var,
                                               prior_mean).mean()
        return (self.loss_weight * reconstruction_term,
                self.loss_weight * self.beta * kl_term)


__all__ = ['CVAELoss', 'gaussian_kl_to_unit_variance']
