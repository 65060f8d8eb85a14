from typing import Optional, Sequence

import torch.nn as nn
from mmengine.model import BaseModule
from torch import Tensor

from mmgaf.registry import MODELS


@MODELS.register_module()
class TemporalReduction(BaseModule):
    """The channel reduction θ of GAF: a feature map to a 1-D sequence.

    ``(B, C, T, H, W)`` maps to ``(B, C', T)`` by a ``1 x H x W`` convolution
    without padding (the paper's ``1 x n x n`` convolution over space);
    ``(B, C, T)`` maps to ``(B, C', T)`` by a 1x1 convolution.

    Args:
        in_channels (int): C.
        out_channels (int): C'.
        spatial_size (Sequence[int], optional): ``(H, W)`` of 5-D inputs;
            None for ``(B, C, T)`` inputs. Defaults to None.
        init_cfg (dict or list[dict], optional): Initialization config.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 spatial_size: Optional[Sequence[int]] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.spatial_size = tuple(spatial_size) if spatial_size else None
        if self.spatial_size is None:
            self.conv = nn.Conv1d(in_channels, out_channels, 1)
        else:
            self.conv = nn.Conv3d(in_channels, out_channels,
                                  (1, ) + self.spatial_size)

    def forward(self, x: Tensor) -> Tensor:
        """(B, C, T[, H, W]) -> (B, C', T)."""
        if self.spatial_size is None:
            return self.conv(x)
        if tuple(x.shape[-2:]) != self.spatial_size:
            raise ValueError(f'expected a spatial size {self.spatial_size}, '
                             f'got a feature map of shape {tuple(x.shape)}')
        return self.conv(x).flatten(2)


@MODELS.register_module()
class TemporalExpansion(BaseModule):
    """The inverse θ' of :class:`TemporalReduction`.

    ``(B, C', T)`` maps back to ``(B, C, T, H, W)`` by a ``1 x H x W``
    transposed convolution, or to ``(B, C, T)`` by a 1x1 convolution.

    Args:
        in_channels (int): C'.
        out_channels (int): C.
        spatial_size (Sequence[int], optional): ``(H, W)`` of the output;
            None for 1-D outputs. Defaults to None.
        init_cfg (dict or list[dict], optional): Initialization config.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 spatial_size: Optional[Sequence[int]] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.spatial_size = tuple(spatial_size) if spatial_size else None
        if self.spatial_size is None:
            self.conv = nn.Conv1d(in_channels, out_channels, 1)
        else:
            self.conv = nn.ConvTranspose3d(in_channels, out_channels,
                                           (1, ) + self.spatial_size)

    def forward(self, x: Tensor) -> Tensor:
        """(B, C', T) -> (B, C, T[, H, W])."""
        if self.spatial_size is None:
            return self.conv(x)
        return self.conv(x[..., None, None])


def broadcast_over(weights: Tensor, feature: Tensor) -> Tensor:
    """Reshape per-step weights ``(B, T)`` to multiply ``feature``
    ``(B, C, T, ...)``: ``(B, 1, T, 1, ...)``."""
    return weights.reshape(weights.shape[:1] + (1, ) + weights.shape[1:] +
                           (1, ) * (feature.dim() - 3))

