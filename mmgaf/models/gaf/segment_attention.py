from typing import Optional, Sequence

import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor

from mmgaf.registry import MODELS
from .temporal_projection import TemporalReduction


@MODELS.register_module()
class SegmentAttention(BaseModule):
    """Segment-GAF's attention head: the temporal attention λ ∈ [0, 1].

    θ reduces the feature map to a sequence; a temporal convolution relates
    neighbouring steps (the segment-level dependencies of the paper) and a
    1x1 convolution with a sigmoid gives one weight per step. The last bias
    starts at 0, so λ starts at 0.5 everywhere and the foreground map of
    :class:`GAFNeck` starts as the identity.

    :class:`ChannelTimeAttention` is the authors' variant, one weight per
    channel and step.

    Args:
        in_channels (int): Channels of the input map.
        hidden_channels (int): Channels after θ. Defaults to 512.
        spatial_size (Sequence[int], optional): ``(H, W)`` of 5-D inputs,
            None for ``(B, C, T)`` inputs. Defaults to None.
        kernel_size (int): Temporal kernel of the hidden convolution.
            Defaults to 3.
        norm_cfg (dict): Normalisation of the hidden convolution.
            Defaults to ``dict(type='GN', num_groups=32)``.
        init_cfg (dict or list[dict], optional): Initialization config.
    """

    #: λ has one weight per step, shared by all channels
    attention_channels = 1

    def __init__(self,
                 in_channels: int,
                 hidden_channels: int = 512,
                 spatial_size: Optional[Sequence[int]] = None,
                 kernel_size: int = 3,
                 norm_cfg: dict = dict(type='GN', num_groups=32),
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.reduction = TemporalReduction(in_channels, hidden_channels,
                                           spatial_size)
        self.temporal_conv = ConvModule(
            hidden_channels,
            hidden_channels,
            kernel_size,
            padding=kernel_size // 2,
            conv_cfg=dict(type='Conv1d'),
            norm_cfg=norm_cfg,
            act_cfg=dict(type='ReLU'))
        self.attention_logit = nn.Conv1d(hidden_channels, 1, 1)

    def init_weights(self) -> None:
        super().init_weights()
        nn.init.normal_(self.attention_logit.weight, std=0.01)
        nn.init.zeros_(self.attention_logit.bias)

    def forward(self, x: Tensor) -> Tensor:
        """(B, C, T[, H, W]) -> λ (B, T)."""
        hidden = self.temporal_conv(self.reduction(x))
        return self.attention_logit(hidden).squeeze(1).sigmoid()
