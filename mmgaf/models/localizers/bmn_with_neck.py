from typing import Dict, Optional, Sequence, Union

import torch
from mmaction.models.localizers import BMN
from mmaction.utils import SampleList
from mmengine.registry import DefaultScope
from torch import Tensor

from mmgaf.models.necks.gaf import GAFRecognitionFeatures
from mmgaf.registry import MODELS


@MODELS.register_module()
class BMNWithNeck(BMN):
    """MMAction2's BMN with a neck between its input features and its
    boundary-matching network, e.g. :class:`GAFNeck`.

    MMAction2's BMN has no neck slot: it feeds the features it is given to
    its temporal evaluation and proposal modules. This subclass runs the
    neck on the batch first, with MMAction2's neck contract
    ``x, aux_losses = neck(x, data_samples=...)``, and hands the result to
    BMN's own ``loss``, ``predict`` and tensor ``forward``, so the
    boundary-matching network, its labels, its loss and its post-processing
    stay MMAction2's. The neck's auxiliary losses (GAF's L_CVAE and L_R) are
    added to BMN's loss.

    With ``GAFNeck(return_background=True)`` the neck hands over the
    foreground and background maps; BMN trains on the foreground (eq. 11's
    action features) and, in phase ``frame`` of the alternating updates,
    where the neck hands over no maps, BMN's loss is not computed, so the
    frame optimizer's log shows L_CVAE only. The background map is not
    used: BMN's label generation needs at least one action per video, so it
    has no loss for a video without action (GAF's L_n-ai); build the neck
    with ``loss_detection=None``.

    Args:
        neck (dict, optional): The neck, built in this package's scope.
            None gives MMAction2's BMN. Defaults to None.
        **kwargs: :class:`BMN`'s arguments (``temporal_dim``, ``feat_dim``,
            ``num_samples``, ``loss_cls``...).

    Example:
        >>> import torch
        >>> model = BMNWithNeck(
        ...     neck=dict(type='GAFNeck', in_channels=32,
        ...               attention=dict(type='SegmentAttention',
        ...                              hidden_channels=32),
        ...               cvae=None, loss_cvae=None, loss_recon=None,
        ...               loss_detection=None),
        ...     temporal_dim=16, boundary_ratio=0.5, num_samples=4,
        ...     num_samples_per_bin=2, feat_dim=32, soft_nms_alpha=0.4,
        ...     soft_nms_low_threshold=0.5, soft_nms_high_threshold=0.9,
        ...     post_process_top_k=10, hidden_dim_1d=16, hidden_dim_2d=16,
        ...     hidden_dim_3d=16).eval()
        >>> confidence_map, start, end = model([torch.randn(32, 16)] * 2)
        >>> confidence_map.shape, start.shape
        (torch.Size([2, 2, 16, 16]), torch.Size([2, 16]))
    """

    def __init__(self, neck: Optional[dict] = None, **kwargs) -> None:
        super().__init__(**kwargs)
        # this package's scope also inside a model of scope 'mmaction' (a
        # config inherited with `mmaction::`)
        with DefaultScope.overwrite_default_scope('mmgaf'):
            self.neck = MODELS.build(neck) if neck is not None else None

    def forward(self,
                inputs: Union[Sequence[Tensor], Tensor],
                data_samples: Optional[SampleList] = None,
                mode: str = 'tensor',
                **kwargs):
        """BMN's forward; in mode ``tensor`` on the neck's features.

        Args:
            inputs (list[Tensor] | Tensor): ``(feat_dim, temporal_dim)``
                per video, which BMN stacks.
            data_samples (list[ActionDataSample], optional): The batch.
            mode (str): ``'tensor'``, ``'predict'`` or ``'loss'``.
                Defaults to ``'tensor'``.
        """
        if mode == 'tensor' and self.neck is not None:
            feats, _ = self.neck(torch.stack(list(inputs)))
            inputs = list(feats)
        return super().forward(inputs, data_samples, mode, **kwargs)

    def loss(self, batch_inputs: Tensor, batch_data_samples: SampleList,
             **kwargs) -> Dict[str, Tensor]:
        """BMN's loss on the neck's features plus the neck's losses.

        Args:
            batch_inputs (Tensor): ``(B, feat_dim, temporal_dim)``.
            batch_data_samples (list[ActionDataSample]): With
                ``gt_instances['gt_bbox']``, as BMN.

        Returns:
            dict[str, Tensor]: ``loss`` (BMN's) and the neck's losses.
        """
        if self.neck is None:
            return super().loss(batch_inputs, batch_data_samples, **kwargs)
        feats, losses = self.neck(
            batch_inputs, data_samples=batch_data_samples)
        losses = dict(losses)
        if isinstance(feats, GAFRecognitionFeatures):
            feats = feats.foreground
            if feats is None:
                return losses
        losses.update(super().loss(feats, batch_data_samples, **kwargs))
        return losses

    def predict(self, batch_inputs: Tensor, batch_data_samples: SampleList,
                **kwargs) -> list:
        """BMN's proposals from the neck's features.

        Args:
            batch_inputs (Tensor): ``(1, feat_dim, temporal_dim)``.
            batch_data_samples (list[ActionDataSample]): With BMN's
                metainfo (``video_name``, ``duration_second``...).

        Returns:
            list[dict]: BMN's ``video_name`` and ``proposal_list``.
        """
        if self.neck is not None:
            batch_inputs, _ = self.neck(batch_inputs)
        return super().predict(batch_inputs, batch_data_samples, **kwargs)
