from typing import Optional, Sequence

import torch.nn as nn
from mmcv.cnn import build_activation_layer, build_norm_layer
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
        norm_cfg (dict, optional): Normalisation after the convolution (the
            authors' code: ``dict(type='GN', num_groups=32)``). Defaults to
            None.
        act_cfg (dict, optional): Activation after it (the authors' code:
            ReLU). Defaults to None.
        init_cfg (dict or list[dict], optional): Initialization config.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 spatial_size: Optional[Sequence[int]] = None,
                 norm_cfg: Optional[dict] = None,
                 act_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.spatial_size = tuple(spatial_size) if spatial_size else None
        if self.spatial_size is None:
            self.conv = nn.Conv1d(in_channels, out_channels, 1)
        else:
            self.conv = nn.Conv3d(in_channels, out_channels,
                                  (1, ) + self.spatial_size)
        self.post = _norm_act(out_channels, norm_cfg, act_cfg)

    def forward(self, x: Tensor) -> Tensor:
        """(B, C, T[, H, W]) -> (B, C', T)."""
        if self.spatial_size is None:
            return self.post(self.conv(x))
        if tuple(x.shape[-2:]) != self.spatial_size:
            raise ValueError(f'expected a spatial size {self.spatial_size}, '
                             f'got a feature map of shape {tuple(x.shape)}')
        return self.post(self.conv(x).flatten(2))


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
        norm_cfg (dict, optional): Normalisation after the convolution.
            Defaults to None.
        act_cfg (dict, optional): Activation after it. Defaults to None.
        init_cfg (dict or list[dict], optional): Initialization config.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 spatial_size: Optional[Sequence[int]] = None,
                 norm_cfg: Optional[dict] = None,
                 act_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.spatial_size = tuple(spatial_size) if spatial_size else None
        if self.spatial_size is None:
            self.conv = nn.Conv1d(in_channels, out_channels, 1)
        else:
            self.conv = nn.ConvTranspose3d(in_channels, out_channels,
                                           (1, ) + self.spatial_size)
        self.post = _norm_act(out_channels, norm_cfg, act_cfg)

    def forward(self, x: Tensor) -> Tensor:
        """(B, C', T) -> (B, C, T[, H, W])."""
        if self.spatial_size is None:
            return self.post(self.conv(x))
        return self.post(self.conv(x[..., None, None]))


def _norm_act(channels: int, norm_cfg: Optional[dict],
              act_cfg: Optional[dict]) -> nn.Module:
    """The optional normalisation and activation after θ or θ' (an identity
    without either, so that checkpoints of plain θ keep their keys)."""
    layers = []
    if norm_cfg is not None:
        layers.append(build_norm_layer(norm_cfg, channels)[1])
    if act_cfg is not None:
        layers.append(build_activation_layer(act_cfg))
    return nn.Sequential(*layers) if layers else nn.Identity()


def broadcast_over(weights: Tensor, feature: Tensor) -> Tensor:
    """Reshape weights to multiply ``feature`` ``(B, C, T, ...)``: per-step
    weights ``(B, T)`` to ``(B, 1, T, 1, ...)``, per-channel-and-step weights
    ``(B, C, T)`` to ``(B, C, T, 1, ...)``."""
    if weights.dim() == 2:
        weights = weights.unsqueeze(1)
    if weights.dim() != 3 or weights.size(1) not in (1, feature.size(1)):
        raise ValueError(f'weights of shape {tuple(weights.shape)} do not '
                         'fit a feature map of shape '
                         f'{tuple(feature.shape)}: expected (B, T) or '
                         f'(B, {feature.size(1)}, T)')
    return weights.reshape(weights.shape + (1, ) * (feature.dim() - 3))
