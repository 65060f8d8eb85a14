from typing import Dict

import torch
from mmaction.models.heads import I3DHead
from mmaction.utils import SampleList
from torch import Tensor

from mmgaf.models.necks.gaf import GAFRecognitionFeatures
from mmgaf.registry import MODELS


@MODELS.register_module()
class GAFRecognitionHead(I3DHead):
    """MMAction2's I3D head with GAF's classification loss for recognition
    (paper eq. 12 and its footnote 2):
    ``L_clf = -log p(c | f_ai) - log p(0 | f_n-ai)``.

    The classifier has ``num_classes + 1`` outputs; the last one,
    ``num_classes``, is the background (the paper's class 0). In training
    the head takes :class:`GAFNeck`'s foreground and background maps
    (``GAFNeck(return_background=True)``, a
    :class:`GAFRecognitionFeatures`), pools each as :class:`I3DHead` does
    (so the pooled foreground is eq. 11's f_ai), and classifies the
    foreground with the true class (``loss_cls``, with top-k accuracy, as
    :class:`I3DHead`) and the background with the background class
    (``loss_cls_bg``, ``background_weight`` times ``loss_cls``'s loss). In
    phase ``frame`` of the alternating updates the neck hands over no maps
    and the head adds no loss: frame-GAF's optimizer trains neither the
    classifier nor what feeds it, so its log shows L_CVAE only. At test time
    the neck gives the foreground and the head scores the ``num_classes``
    actions only (every clip of a recognition set holds one), so
    ``AccMetric`` and clip averaging see MMAction2's usual scores.

    Why a head: MMAction2's ``Recognizer3D`` hands the neck's output and
    nothing else to ``cls_head.loss``, and only the head has the classifier
    that must score both maps, so the head is the one extension point where
    eq. 12 fits without forking the recognizer. A background class of its
    own, rather than e.g. uniform scores over the actions, is the paper's
    ``p(0 | f_n-ai)``; it gives the classifier one extra row, which the
    background term trains (with the attention and the backbone through
    f_n-ai).

    Args:
        num_classes (int): Number of action classes.
        in_channels (int): Channels of the input feature.
        background_weight (float): Weight of the background term relative to
            ``loss_cls``. Defaults to 1.0 (eq. 12).
        **kwargs: :class:`I3DHead`'s other arguments (``loss_cls``,
            ``spatial_type``, ``dropout_ratio``, ``init_std``,
            ``average_clips``...).

    Example:
        >>> import torch
        >>> from mmgaf.models.necks.gaf import GAFRecognitionFeatures
        >>> head = GAFRecognitionHead(num_classes=3, in_channels=8)
        >>> head.fc_cls.out_features
        4
        >>> feats = GAFRecognitionFeatures(
        ...     torch.randn(2, 8, 2, 3, 3), torch.randn(2, 8, 2, 3, 3))
        >>> head(feats).shape
        torch.Size([2, 4])
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 background_weight: float = 1.0,
                 **kwargs) -> None:
        super().__init__(num_classes + 1, in_channels, **kwargs)
        self.background_label = num_classes
        self.background_weight = background_weight

    def forward(self, x, **kwargs) -> Tensor:
        """Scores of the foreground map.

        Args:
            x (Tensor | GAFRecognitionFeatures): ``(N, C, T, H, W)``, or the
                neck's maps in training.

        Returns:
            Tensor: ``(N, num_classes + 1)``, the background last.
        """
        if isinstance(x, GAFRecognitionFeatures):
            x = x.foreground
        return super().forward(x, **kwargs)

    def loss(self, feats, data_samples: SampleList,
             **kwargs) -> Dict[str, Tensor]:
        """``loss_cls`` (and top-k accuracy) on the foreground with the true
        classes, ``loss_cls_bg`` on the background with the background class;
        nothing in phase ``frame``.

        Args:
            feats (GAFRecognitionFeatures): The neck's maps, each
                ``(N, C, T, H, W)``.
            data_samples (list[ActionDataSample]): The batch, with
                ``gt_labels``.

        Returns:
            dict[str, Tensor]: The losses (empty in phase ``frame``).
        """
        if not isinstance(feats, GAFRecognitionFeatures):
            raise TypeError(
                'GAFRecognitionHead trains on the foreground and background '
                'maps of GAFNeck(return_background=True), got '
                f'{type(feats).__name__}; without GAF use I3DHead')
        if feats.foreground is None:
            return {}
        losses = self.loss_by_feat(super().forward(feats.foreground, **kwargs),
                                   data_samples)
        losses['loss_cls_bg'] = self.background_weight * self.loss_background(
            super().forward(feats.background, **kwargs))
        return losses

    def loss_background(self, cls_scores: Tensor) -> Tensor:
        """``loss_cls`` of background scores against the background class,
        ``-log p(0 | f_n-ai)`` for a cross-entropy ``loss_cls``.

        Args:
            cls_scores (Tensor): ``(N, num_classes + 1)``.

        Returns:
            Tensor: The loss, reduced as ``loss_cls`` reduces.
        """
        labels = torch.full((cls_scores.shape[0], ),
                            self.background_label,
                            dtype=torch.long,
                            device=cls_scores.device)
        loss = self.loss_cls(cls_scores, labels)
        if isinstance(loss, dict):
            raise TypeError('GAFRecognitionHead needs a loss_cls that '
                            'returns one tensor, got the keys '
                            f'{sorted(loss)}')
        return loss

    def predict_by_feat(self, cls_scores: Tensor,
                        data_samples: SampleList) -> SampleList:
        """MMAction2's predictions over the action classes, the background
        score dropped before clip averaging.

        Args:
            cls_scores (Tensor): ``(N * num_segs, num_classes + 1)``.
            data_samples (list[ActionDataSample]): The batch.

        Returns:
            list[ActionDataSample]: With ``pred_scores`` ``(num_classes,)``.
        """
        return super().predict_by_feat(cls_scores[:, :self.background_label],
                                       data_samples)
