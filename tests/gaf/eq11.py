"""Paper eq. 11 as written, pooled over time: the definition the neck's
per-step form (:func:`mmgaf.models.necks.weighted_map`) is tested against."""
from torch import Tensor

from mmgaf.models.gaf.temporal_projection import broadcast_over


def weighted_temporal_mean(x: Tensor,
                           weights: Tensor,
                           eps: float = 1e-6) -> Tensor:
    """Paper eq. 11: ``Σ_t w_t f_t / Σ_t w_t`` (per channel for per-channel
    weights).

    Args:
        x (Tensor): (B, C, T[, H, W]).
        weights (Tensor): (B, T) or (B, C, T), e.g. λ for f_ai or 1 - λ for
            f_n-ai.

    Returns:
        Tensor: (B, C[, H, W]).
    """
    weights = broadcast_over(weights, x)
    return (x * weights).sum(dim=2) / weights.sum(dim=2).clamp(min=eps)
