from typing import Optional, Sequence

import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor

from mmgaf.registry import MODELS
from .temporal_projection import TemporalReduction


@MODELS.register_module()
class ChannelTimeAttention(BaseModule):
    """Segment-GAF's attention as the authors' code computes it: one weight
    per channel and step, λ ``(B, C, T)`` in [0, 1].

    θ pools space (a ``1 x H x W`` convolution, or a 1x1 one for 1-D
    inputs) to ``C'`` channels, then GroupNorm and ReLU; a temporal
    convolution back to the input's C channels (GroupNorm, ReLU); a linear
    map over the window's time axis, so that every step's weight sees the
    whole window; a sigmoid. The authors stretch the time axis to a fixed
    length before the convolution and map it back to T with the linear
    layer; stretching by nearest neighbours is itself linear, so the linear
    map on the T steps spans the same functions without the fixed length.

    Beside :class:`SegmentAttention` (one weight per step), λ here also
    selects channels; :class:`GAFNeck` normalises each channel over time
    (eq. 11 per channel), and frame-GAF is conditioned on all C weights.
    As :class:`SegmentAttention`, the linear map starts near zero, so λ
    starts at 0.5 everywhere and the foreground map as the identity (the
    authors' PyTorch default initialisation starts at random weights
    between about 0.4 and 0.6, which only adds noise to the first
    epochs' features).

    Args:
        in_channels (int): C, channels of the input map and of λ.
        num_steps (int): T, the window's length; the linear map over time
            has T inputs and outputs, so every input must have T steps.
        hidden_channels (int): C', channels after θ. Defaults to 512.
        spatial_size (Sequence[int], optional): ``(H, W)`` of 5-D inputs,
            None for ``(B, C, T)`` inputs. Defaults to None.
        kernel_size (int): Temporal kernel of the convolution. Defaults to
            3, as the authors' code.
        norm_cfg (dict): Normalisation after θ and the convolution.
            Defaults to ``dict(type='GN', num_groups=32)``.
        init_cfg (dict or list[dict], optional): Initialization config.
    """

    def __init__(self,
                 in_channels: int,
                 num_steps: int,
                 hidden_channels: int = 512,
                 spatial_size: Optional[Sequence[int]] = None,
                 kernel_size: int = 3,
                 norm_cfg: dict = dict(type='GN', num_groups=32),
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_steps < 1:
            raise ValueError(f'num_steps must be >= 1, got {num_steps}')
        self.num_steps = num_steps
        self.attention_channels = in_channels
        self.reduction = TemporalReduction(
            in_channels,
            hidden_channels,
            spatial_size,
            norm_cfg=norm_cfg,
            act_cfg=dict(type='ReLU'))
        self.temporal_conv = ConvModule(
            hidden_channels,
            in_channels,
            kernel_size,
            padding=kernel_size // 2,
            conv_cfg=dict(type='Conv1d'),
            norm_cfg=norm_cfg,
            act_cfg=dict(type='ReLU'))
        self.time_mixing = nn.Linear(num_steps, num_steps)

    def init_weights(self) -> None:
        super().init_weights()
        nn.init.normal_(self.time_mixing.weight, std=0.01)
        nn.init.zeros_(self.time_mixing.bias)

    def forward(self, x: Tensor) -> Tensor:
        """(B, C, T[, H, W]) -> λ (B, C, T)."""
        if x.size(2) != self.num_steps:
            raise ValueError(
                f'ChannelTimeAttention was built with num_steps='
                f'{self.num_steps}, got a map of {x.size(2)} steps '
                f'(shape {tuple(x.shape)})')
        hidden = self.temporal_conv(self.reduction(x))
        return self.time_mixing(hidden).sigmoid()
