from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule, Scale
from mmengine.model import BaseModule
from torch import Tensor

from mmgaf.registry import MODELS


@MODELS.register_module()
class AFSDCoarseHead(BaseModule):
    """AFSD's coarse stage: anchor-free detection on every pyramid level.

    Shared over levels: a localisation tower and a classification tower
    (``stacked_convs`` convolutions each, GroupNorm, ReLU), then ``conv_loc``
    predicting the distances from each position to the action's start and
    end (``exp(scale_i * x)``, one learnt scale per level, AFSD's ScaleExp),
    in frame-level positions, and ``conv_cls`` predicting the class logits:
    K for sigmoid classification, or K + 1 for AFSD's softmax with
    ``use_background_class`` (channel 0 background, channel c + 1 class c).

    Position ``c`` of a level of length ``T_i`` is centred at ``(c + 0.5) *
    F / T_i`` on the frame-level grid of ``F`` positions. With
    ``distance_strides`` the distances of level i are ``stride_i * exp(
    scale_i * x)`` (AFSD's ActivityNet model, its ``fpn_strides``).

    Args:
        num_classes (int): Number of action classes K.
        use_background_class (bool): Predict K + 1 logits with the
            background first (AFSD's softmax classification) instead of K.
            Defaults to False.
        in_channels (int): Channels of the pyramid levels. Defaults to 512.
        feat_channels (int): Channels of the towers. Defaults to 512.
        num_levels (int): Pyramid levels. Defaults to 6.
        stacked_convs (int): Convolutions per tower. Defaults to 2.
        distance_strides (Sequence[float], optional): Per level, a factor of
            the predicted distances; None for 1 (AFSD's THUMOS14 model).
            Defaults to None.
        norm_cfg (dict): Config of the normalisation layers. Defaults to
            ``dict(type='GN', num_groups=32)``.
        init_cfg (dict or list[dict], optional): Initialisation config.
            Defaults to AFSD's: glorot-uniform convolutions with zero
            biases, and normal(0, 0.01) for the prediction convolutions;
            ``conv_cls``'s bias starts at the prior probability 0.01
            (RetinaNet's init for sigmoid focal loss; AFSD's zero bias suited
            its softmax).
    """

    def __init__(
        self,
        num_classes: int,
        use_background_class: bool = False,
        in_channels: int = 512,
        feat_channels: int = 512,
        num_levels: int = 6,
        stacked_convs: int = 2,
        distance_strides: Optional[Sequence[float]] = None,
        norm_cfg: dict = dict(type='GN', num_groups=32),
        init_cfg: Optional[Union[dict, List[dict]]] = dict(
            type='Xavier',
            layer='Conv1d',
            distribution='uniform',
            bias=0,
            override=[
                dict(type='Normal', name='conv_loc', std=0.01, bias=0),
                dict(type='Normal', name='conv_cls', std=0.01, bias_prob=0.01)
            ])
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        self.num_classes = num_classes
        self.use_background_class = use_background_class
        self.cls_out_channels = num_classes + int(use_background_class)
        self.num_levels = num_levels
        if distance_strides is not None and len(
                distance_strides) != num_levels:
            raise ValueError(f'distance_strides needs {num_levels} values '
                             f'(one per level), got {distance_strides}')
        self.distance_strides = tuple(
            distance_strides) if distance_strides is not None else None

        def tower():
            return nn.Sequential(*(ConvModule(
                in_channels if i == 0 else feat_channels,
                feat_channels,
                3,
                padding=1,
                bias=True,
                conv_cfg=dict(type='Conv1d'),
                norm_cfg=norm_cfg) for i in range(stacked_convs)))

        self.loc_tower = tower()
        self.cls_tower = tower()
        self.conv_loc = nn.Conv1d(feat_channels, 2, 3, padding=1)
        self.conv_cls = nn.Conv1d(
            feat_channels, self.cls_out_channels, 3, padding=1)
        self.scales = nn.ModuleList(Scale(1.0) for _ in range(num_levels))

    @staticmethod
    def get_priors(level_sizes: Sequence[int], frame_num: int,
                   device: torch.device) -> Tensor:
        """(P,) centres of the positions of all levels, level after level,
        in frame-level positions (``P = sum(level_sizes)``)."""
        return torch.cat([
            (torch.arange(size, device=device, dtype=torch.float32) + 0.5) *
            (frame_num / size) for size in level_sizes
        ])

    def towers(self, level: Tensor) -> Tuple[Tensor, Tensor]:
        """The localisation and classification tower outputs (B, C', T_i)
        of one level (B, C, T_i)."""
        return self.loc_tower(level), self.cls_tower(level)

    def forward(
        self, levels: Sequence[Tensor]
    ) -> Tuple[Tensor, Tensor, List[Tensor], List[Tensor]]:
        """
        Args:
            levels (Sequence[Tensor]): (B, C, T_i) per level.

        Returns:
            tuple: ``cls`` (B, P, K) logits ((B, P, K + 1) with
            ``use_background_class``) and ``loc`` (B, P, 2) distances
            to start and end (frame-level positions, float32), over the
            positions of all levels; and the tower outputs per level,
            ``loc_feats`` and ``cls_feats`` (B, C', T_i), which the
            refinement stage reads.
        """
        if len(levels) != self.num_levels:
            raise ValueError(f'AFSDCoarseHead was built for '
                             f'{self.num_levels} levels, got {len(levels)}')
        cls_scores, loc_preds, loc_feats, cls_feats = [], [], [], []
        for i, (level, scale) in enumerate(zip(levels, self.scales)):
            loc_feat, cls_feat = self.towers(level)
            # exp in float32: half precision overflows past ~11.
            loc = scale(self.conv_loc(loc_feat)).float().exp()
            if self.distance_strides is not None:
                loc = loc * self.distance_strides[i]
            loc_preds.append(loc)
            cls_scores.append(self.conv_cls(cls_feat))
            loc_feats.append(loc_feat)
            cls_feats.append(cls_feat)
        cls = torch.cat(cls_scores, dim=2).transpose(1, 2)
        loc = torch.cat(loc_preds, dim=2).transpose(1, 2)
        return cls, loc, loc_feats, cls_feats
