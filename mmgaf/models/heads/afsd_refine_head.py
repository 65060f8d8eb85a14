from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor

from mmgaf.registry import MODELS
from ..ops import boundary_max_pooling


def boundary_regions(start: Tensor, end: Tensor, length: Tensor) -> Tensor:
    """AFSD's pooling regions around a segment's boundaries.

    The start region is ``[start - out, start + in]`` and the end region
    ``[end - in, end + out]`` with ``in = max(length / 4, 1)`` and ``out =
    max(length / 10, 1)``, rounded to positions.

    Args:
        start (Tensor): (...,) segment starts.
        end (Tensor): (...,) segment ends.
        length (Tensor): (...,) segment lengths that size the regions.

    Returns:
        Tensor: (..., 4) ``[s0, s1, s2, s3]`` as
        :func:`boundary_max_pooling` reads them.
    """
    inner = (length / 4.).clamp(min=1.)
    outer = (length / 10.).clamp(min=1.)
    return torch.stack(
        [start - outer, start + inner, end - inner, end + outer],
        dim=-1).round()


class AFSDProposalBranch(nn.Module):
    """One refinement branch of AFSD (``ProposalBranch``): fuses, at every
    position, its own feature with boundary-pooled features of its level and
    of the frame-level map.

    Args:
        in_channels (int): Channels of the level features C.
        proposal_channels (int): Channels of the branch C_p.
        frame_channels (int): Channels of the frame-level map.
        norm_cfg (dict): Config of the normalisation layers.
    """

    def __init__(self, in_channels: int, proposal_channels: int,
                 frame_channels: int, norm_cfg: dict) -> None:
        super().__init__()

        def conv1x1(in_ch, out_ch):
            return ConvModule(
                in_ch,
                out_ch,
                1,
                bias=True,
                conv_cfg=dict(type='Conv1d'),
                norm_cfg=norm_cfg)

        self.point_conv = conv1x1(in_channels, proposal_channels)
        self.boundary_conv = conv1x1(in_channels, 2 * proposal_channels)
        self.frame_conv = conv1x1(frame_channels, proposal_channels)
        self.fuse_conv = conv1x1(4 * proposal_channels, in_channels)

    def fuse(self, feat: Tensor, level_pooled: Tensor,
             frame_pooled: Tensor) -> Tensor:
        """
        Args:
            feat (Tensor): (B, C, T) the level's tower output.
            level_pooled (Tensor): (B, 2 C_p, T) ``boundary_conv(feat)``
                boundary-pooled over the level's regions.
            frame_pooled (Tensor): (B, C_f, T) the frame-level map
                boundary-pooled over the frame-level regions.

        Returns:
            Tensor: (B, C, T) the proposal feature.
        """
        return self.fuse_conv(
            torch.cat([
                self.frame_conv(frame_pooled), level_pooled,
                self.point_conv(feat)
            ],
                      dim=1))


@MODELS.register_module()
class AFSDRefineHead(BaseModule):
    """AFSD's refinement stage with boundary max pooling.

    Each coarse segment defines start and end regions
    (:func:`boundary_regions`) on its pyramid level and on the frame-level
    grid. Two branches (:class:`AFSDProposalBranch`), one from the
    localisation tower and one from the classification tower, max-pool their
    level features and the frame-level map over these regions (first channel
    half around the start, second half around the end) and fuse the result
    with the position's own feature. From the fused features, ``conv_loc``
    predicts offsets of the start and end (in half widths of the coarse
    segment), ``conv_cls`` the class logits (K, or K + 1 with the background
    first with ``use_background_class``) and ``conv_centerness`` (on the
    localisation branch) a centerness logit.

    Args:
        num_classes (int): Number of action classes K.
        use_background_class (bool): Predict K + 1 logits with the
            background first (AFSD's softmax classification) instead of K.
            Defaults to False.
        in_channels (int): Channels of the pyramid levels and towers.
            Defaults to 512.
        proposal_channels (int): Channels C_p of each branch. Defaults to 512.
        frame_channels (int): Channels of the frame-level map.
            Defaults to 512.
        norm_cfg (dict): Config of the normalisation layers. Defaults to
            ``dict(type='GN', num_groups=32)``.
        init_cfg (dict or list[dict], optional): Initialisation config.
            Defaults to AFSD's: glorot-uniform convolutions with zero
            biases, and normal(0, 0.01) for the prediction convolutions;
            ``conv_cls``'s bias starts at the prior probability 0.01 of
            sigmoid focal loss.
    """

    def __init__(
        self,
        num_classes: int,
        use_background_class: bool = False,
        in_channels: int = 512,
        proposal_channels: int = 512,
        frame_channels: int = 512,
        norm_cfg: dict = dict(type='GN', num_groups=32),
        init_cfg: Optional[Union[dict, List[dict]]] = dict(
            type='Xavier',
            layer='Conv1d',
            distribution='uniform',
            bias=0,
            override=[
                dict(type='Normal', name='conv_loc', std=0.01, bias=0),
                dict(type='Normal', name='conv_cls', std=0.01, bias_prob=0.01),
                dict(type='Normal', name='conv_centerness', std=0.01, bias=0)
            ])
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        self.num_classes = num_classes
        self.use_background_class = use_background_class
        self.cls_out_channels = num_classes + int(use_background_class)
        self.loc_branch = AFSDProposalBranch(in_channels, proposal_channels,
                                             frame_channels, norm_cfg)
        self.cls_branch = AFSDProposalBranch(in_channels, proposal_channels,
                                             frame_channels, norm_cfg)
        self.conv_loc = nn.Conv1d(in_channels, 2, 1)
        self.conv_cls = nn.Conv1d(in_channels, self.cls_out_channels, 1)
        self.conv_centerness = nn.Conv1d(in_channels, 1, 3, padding=1)

    @staticmethod
    def regions(loc: Tensor, priors: Tensor, level_sizes: Sequence[int],
                frame_num: int) -> Tuple[List[Tensor], Tensor]:
        """Pooling regions of the coarse segments, as AFSD computes them.

        Args:
            loc (Tensor): (B, P, 2) coarse distances to start and end
                (frame-level positions).
            priors (Tensor): (P,) position centres (frame-level positions).
            level_sizes (Sequence[int]): T_i of each level.
            frame_num (int): F, positions of the frame-level grid.

        Returns:
            tuple: per level, (B, T_i, 4) regions in positions of that level;
            and (B, P, 4) regions on the frame-level grid.
        """
        level_regions = []
        for loc_i, size in zip(
                loc.split(list(level_sizes), dim=1), level_sizes):
            dist = loc_i * (size / frame_num)
            centre = torch.arange(size, device=loc.device, dtype=loc.dtype)
            level_regions.append(
                boundary_regions(centre - dist[..., 0], centre + dist[..., 1],
                                 dist.sum(-1)))
        start = priors - loc[..., 0]
        end = priors + loc[..., 1]
        # AFSD counts the frame-level length inclusively (+1).
        frame_regions = boundary_regions(start, end, end - start + 1.)
        return level_regions, frame_regions

    def boundary_feats(self, loc_feat: Tensor,
                       cls_feat: Tensor) -> Tuple[Tensor, Tensor]:
        """The features the two branches pool, ``boundary_conv`` of the
        tower outputs: (B, 2 C_p, T_i) each, start features then end
        features (AFSD's ``lr_conv``)."""
        return (self.loc_branch.boundary_conv(loc_feat),
                self.cls_branch.boundary_conv(cls_feat))

    def forward(self, frame_feat: Tensor, loc_feats: Sequence[Tensor],
                cls_feats: Sequence[Tensor], loc: Tensor,
                priors: Tensor) -> Tuple[Tensor, Tensor, Tensor, List[Tensor]]:
        """
        Args:
            frame_feat (Tensor): (B, C_f, F) frame-level features.
            loc_feats, cls_feats (Sequence[Tensor]): (B, C, T_i) tower
                outputs of the coarse head, per level.
            loc (Tensor): (B, P, 2) coarse distances (frame-level
                positions); no gradient flows back through the regions.
            priors (Tensor): (P,) position centres (frame-level positions).

        Returns:
            tuple: ``prop_cls`` (B, P, K) logits ((B, P, K + 1) with
            ``use_background_class``), ``prop_loc`` (B, P, 2)
            offsets, ``centerness`` (B, P) logits, and ``proposal_feats``:
            the level-0 ``boundary_conv`` outputs (B, 2 C_p, T_0) of the
            localisation and classification branches (their halves are start
            and end features for the boundary loss).
        """
        if len(loc_feats) != len(cls_feats):
            raise ValueError(f'{len(loc_feats)} localisation levels but '
                             f'{len(cls_feats)} classification levels')
        sizes = [feat.size(-1) for feat in loc_feats]
        if sum(sizes) != loc.size(1) or priors.numel() != loc.size(1):
            raise ValueError(f'levels of sizes {sizes} do not match '
                             f'{loc.size(1)} coarse predictions and '
                             f'{priors.numel()} priors')
        batch = frame_feat.size(0)
        level_regions, frame_regions = self.regions(loc.detach(), priors,
                                                    sizes, frame_feat.size(-1))
        # The frame-level map and its regions are the same for both branches
        # and all levels: pool once.
        frame_pooled = boundary_max_pooling(frame_feat, frame_regions)
        prop_cls, prop_loc, centerness = [], [], []
        proposal_feats = []
        for i, (loc_feat, cls_feat, regions, frame_i) in enumerate(
                zip(loc_feats, cls_feats, level_regions,
                    frame_pooled.split(sizes, dim=2))):
            loc_boundary, cls_boundary = self.boundary_feats(
                loc_feat, cls_feat)
            # Both branches share the regions: one pooling call over a batch
            # of two.
            pooled = boundary_max_pooling(
                torch.cat([loc_boundary, cls_boundary]),
                regions.repeat(2, 1, 1))
            loc_prop = self.loc_branch.fuse(loc_feat, pooled[:batch], frame_i)
            cls_prop = self.cls_branch.fuse(cls_feat, pooled[batch:], frame_i)
            if i == 0:
                proposal_feats = [loc_boundary, cls_boundary]
            prop_loc.append(self.conv_loc(loc_prop))
            prop_cls.append(self.conv_cls(cls_prop))
            centerness.append(self.conv_centerness(loc_prop))
        return (torch.cat(prop_cls, dim=2).transpose(1, 2),
                torch.cat(prop_loc, dim=2).transpose(1, 2).float(),
                torch.cat(centerness, dim=2)[:, 0], proposal_feats)
