from typing import List, Optional, Sequence, Tuple, Union

import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor

from mmgaf.registry import MODELS
from ..backbones.tf_same_padding import tf_same_padding

#: Temporal padding of the pyramid's 1-D convolutions.
PADDINGS = ('symmetric', 'tf_same')


class ConvModule1dTFSame(ConvModule):
    """MMCV's conv-norm-activation module for ``(B, C, T)`` inputs with
    TensorFlow's ``'SAME'`` padding computed from each input, as AFSD's
    ``Unit1D``: ``ceil(T / stride)`` outputs, the odd padding position after
    the input. A stride-2, size-3 kernel on an even length pads (0, 1)
    where ``padding=1`` pads (1, 1), so output ``i`` reads inputs ``2i`` to
    ``2i + 2`` instead of ``2i - 1`` to ``2i + 1``.

    Takes the arguments of :class:`mmcv.cnn.ConvModule`; ``padding`` must
    stay 0.
    """

    def __init__(self, *args, **kwargs) -> None:
        if kwargs.get('padding', 0) != 0:
            raise ValueError('ConvModule1dTFSame computes its padding from '
                             f'the input; got padding={kwargs["padding"]}')
        super().__init__(*args, **kwargs)

    def forward(self, x: Tensor, **kwargs) -> Tensor:
        """``(B, C, T)`` -> ``(B, C', ceil(T / stride))``."""
        pad = tf_same_padding(
            x.size(-1), self.conv.kernel_size[0], self.conv.stride[0])
        return super().forward(F.pad(x, pad), **kwargs)


@MODELS.register_module()
class AFSDPyramid(BaseModule):
    """AFSD's 1-D feature pyramid and frame-level branch.

    Two kinds of input:

    - features ``(B, C, T)`` (``in_channels`` an int): level 0 is a 1x1
      convolution of the features at T positions. AFSD adds the upsampled
      Mixed_5c level into the Mixed_4f one; with a single map, level 1 is a
      stride-2 convolution of level 0 instead, and it is upsampled and added
      into level 0 the same way.
    - the backbone's two 5-D levels, e.g. I3D's ``(Mixed_4f (B, 832, T/4,
      6, 6), Mixed_5c (B, 1024, T/8, 3, 3))`` (``in_channels`` a pair): as
      AFSD, a ``1 x k x k`` convolution without spatial padding reduces
      each to ``(B, C', T_i)`` (``spatial_sizes`` gives k), and level 1 is
      upsampled and added into level 0.
    - one 5-D backbone level (``in_channels`` a 1-sequence), e.g. Mixed_5c
      alone as AFSD's ActivityNet model: its reduction is level 0, nothing
      is added into it.

    The next levels are stride-2 convolutions of the previous level. Every
    convolution is followed by GroupNorm and ReLU. ``padding`` says how the
    1-D convolutions pad: ``'symmetric'`` pads ``kernel_size // 2`` on both
    sides; ``'tf_same'`` pads as AFSD's ``Unit1D`` (TensorFlow's
    ``'SAME'``, :class:`ConvModule1dTFSame`). They differ only for the
    stride-2 convolutions on even lengths, where ``'symmetric'`` shifts the
    downsampled level by half a step towards the start.

    The frame-level branch upsamples level 0 (nearest) to ``frame_scale``
    positions per level-0 position and refines it with three convolutions;
    its first and second channel halves are the start and end boundary
    features.

    Args:
        in_channels (int | Sequence[int]): Channels of the feature input, or
            of the one or two backbone levels.
        feat_channels (int): Channels of every level. Defaults to 512.
        num_levels (int): Levels of the pyramid. Defaults to 6.
        spatial_sizes (Sequence[int]): Spatial size k of each backbone
            level (used with 5-D inputs only). Defaults to (6, 3), I3D's
            Mixed_4f and Mixed_5c for 96x96 crops.
        input_stride (int): Window steps per level-0 position: 1 for
            features, 4 for I3D's Mixed_4f on frames. Defaults to 1.
        frame_scale (int): Frame-level positions per level-0 position.
            Defaults to 4, AFSD's ratio.
        padding (str): Temporal padding of the 1-D convolutions, one of
            :data:`PADDINGS`: ``'tf_same'`` is AFSD's. Defaults to
            ``'symmetric'``.
        norm_cfg (dict): Config of the normalisation layers. Defaults to
            ``dict(type='GN', num_groups=32)``.
        init_cfg (dict or list[dict], optional): Initialisation config.
            Defaults to AFSD's glorot-uniform convolutions with zero biases.
    """

    def __init__(
        self,
        in_channels: Union[int, Sequence[int]],
        feat_channels: int = 512,
        num_levels: int = 6,
        spatial_sizes: Sequence[int] = (6, 3),
        input_stride: int = 1,
        frame_scale: int = 4,
        padding: str = 'symmetric',
        norm_cfg: dict = dict(type='GN', num_groups=32),
        init_cfg: Optional[Union[dict, List[dict]]] = dict(
            type='Xavier',
            layer=['Conv1d', 'Conv3d'],
            distribution='uniform',
            bias=0)
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_levels < 2:
            raise ValueError(
                f'num_levels must be at least 2, got {num_levels}')
        self.from_backbone = not isinstance(in_channels, int)
        if self.from_backbone and len(in_channels) not in (1, 2):
            raise ValueError('in_channels must be an int (features), or one '
                             'or two numbers (backbone levels), got '
                             f'{in_channels}')
        if self.from_backbone and len(spatial_sizes) < len(in_channels):
            raise ValueError(f'spatial_sizes {tuple(spatial_sizes)} must give '
                             f'the size of each of the {len(in_channels)} '
                             'backbone levels')
        if padding not in PADDINGS:
            raise ValueError(f'padding must be one of {PADDINGS}, got '
                             f'{padding!r}')
        self.in_channels = in_channels
        self.feat_channels = feat_channels
        self.num_levels = num_levels
        self.input_stride = input_stride
        self.frame_scale = frame_scale
        self.padding = padding

        def conv1d(in_ch, kernel_size, stride=1):
            if padding == 'tf_same':
                module, pad = ConvModule1dTFSame, 0
            else:
                module, pad = ConvModule, kernel_size // 2
            return module(
                in_ch,
                feat_channels,
                kernel_size,
                stride=stride,
                padding=pad,
                bias=True,
                conv_cfg=dict(type='Conv1d'),
                norm_cfg=norm_cfg)

        # Kept in nn.ModuleList / nn.Sequential: BaseModule.init_weights
        # calls ConvModule.init_weights (kaiming) only on direct children,
        # which would override the glorot init_cfg.
        if self.from_backbone:
            self.spatial_sizes = tuple(spatial_sizes[:len(in_channels)])
            self.input_convs = nn.ModuleList(
                ConvModule(
                    in_ch,
                    feat_channels, (1, size, size),
                    bias=True,
                    conv_cfg=dict(type='Conv3d'),
                    norm_cfg=norm_cfg)
                for in_ch, size in zip(in_channels, spatial_sizes))
        else:
            self.input_convs = nn.ModuleList(
                [conv1d(in_channels, 1),
                 conv1d(feat_channels, 3, stride=2)])
        self.downsample_convs = nn.ModuleList(
            conv1d(feat_channels, 3, stride=2)
            for _ in range(num_levels - len(self.input_convs)))
        self.frame_convs = nn.Sequential(
            conv1d(feat_channels, 3), conv1d(feat_channels, 3),
            conv1d(feat_channels, 1))

    @property
    def frames_per_step(self) -> float:
        """Frame-level positions per window step."""
        return self.frame_scale / self.input_stride

    def _first_levels(self, x) -> List[Tensor]:
        """Level 0 and, but for a single backbone level, level 1 (not yet
        added into level 0)."""
        if not self.from_backbone:
            if not isinstance(x, Tensor) or x.dim() != 3:
                raise ValueError('AFSDPyramid was built for features '
                                 '(B, C, T); got ' + _describe(x))
            level0 = self.input_convs[0](x)
            return [level0, self.input_convs[1](level0)]
        num = len(self.input_convs)
        if num == 1 and isinstance(x, Tensor):
            x = (x, )
        if isinstance(x, Tensor) or len(x) != num or any(level.dim() != 5
                                                         for level in x):
            raise ValueError(f'AFSDPyramid was built for {num} backbone '
                             'level(s) (B, C, T, H, W); got ' + _describe(x))
        levels = []
        for i, (conv, level) in enumerate(zip(self.input_convs, x)):
            out = conv(level)
            if out.shape[-2:] != (1, 1):
                raise ValueError(
                    f'backbone level {i} has spatial size '
                    f'{tuple(level.shape[-2:])}, but AFSDPyramid reduces '
                    f'{self.spatial_sizes[i]}x{self.spatial_sizes[i]} maps '
                    '(spatial_sizes)')
            levels.append(out.flatten(2))
        return levels

    def forward(self, x) -> Tuple[List[Tensor], Tensor]:
        """
        Args:
            x (Tensor | tuple[Tensor]): Features (B, C, T), or the backbone
                levels (B, C_i, T_i, H_i, W_i) (one level: a tensor or a
                1-tuple).

        Returns:
            tuple: the levels, a list of (B, C', T_i) with ``T_0`` the
            input's length (features) or the first backbone level's (e.g.
            Mixed_4f), each next level half
            the previous one (rounded up); and the frame-level features
            (B, C', frame_scale * T_0).
        """
        levels = self._first_levels(x)
        if len(levels) == 2:
            levels[0] = levels[0] + F.interpolate(
                levels[1], size=levels[0].shape[-1], mode='nearest')
        level0 = levels[0]
        for conv in self.downsample_convs:
            levels.append(conv(levels[-1]))
        frame_feat = F.interpolate(
            level0, scale_factor=self.frame_scale, mode='nearest')
        return levels, self.frame_convs(frame_feat)


def _describe(x) -> str:
    if isinstance(x, Tensor):
        return f'a tensor of shape {tuple(x.shape)}'
    if isinstance(x, (list, tuple)):
        return '(' + ', '.join(
            str(tuple(level.shape)) if isinstance(level, Tensor
                                                  ) else type(level).__name__
            for level in x) + ')'
    return type(x).__name__
