from contextlib import nullcontext
from typing import Dict, List, Optional, Sequence, Tuple, Union

from mmengine.model import BaseModel
from torch import Tensor

from mmgaf.models.utils import frozen_parameters
from mmgaf.registry import MODELS, TASK_UTILS
from mmgaf.structures import TADDataSample

Features = Union[Tensor, Sequence[Tensor]]


@MODELS.register_module()
class AFSD(BaseModel):
    """AFSD: anchor-free temporal action localisation with boundary
    refinement (Lin et al., "Learning Salient Boundary Feature for
    Anchor-free Temporal Action Localization", CVPR 2021).

    ``inputs`` -> optional ``backbone`` -> optional ``neck`` -> ``pyramid``
    (:class:`AFSDPyramid`: levels and the frame-level map) ->
    ``coarse_head`` (:class:`AFSDCoarseHead`) -> ``refine_head``
    (:class:`AFSDRefineHead`) -> ``loss`` (:class:`AFSDLoss`) in training,
    ``post_processor`` (:class:`AFSDPostProcessor`) at test time.

    Inputs are features ``(B, C, T)`` over a window of T steps, or frames
    ``(B, C, T, H, W)`` for the backbone. Internally every position is on
    AFSD's frame-level grid of ``frame_scale * T_0`` positions (T_0 the
    length of level 0); the pyramid's ``frames_per_step`` converts the
    ground truth (window steps) to it and the predictions back.

    The GAF protocol (``docs/architecture.md``): :meth:`loss_by_feat`
    computes the losses on any neck output for any targets; when the neck
    has ``loss_with_detector``, :meth:`loss` hands it the features and
    :meth:`loss_by_feat`; otherwise it runs the neck and adds the neck's
    auxiliary losses. A ground-truth instance labelled -1 is a background
    interval (see :class:`AFSDLoss`).

    Args:
        num_classes (int): Number of action classes K; filled into the
            heads and the loss.
        pyramid (dict): Config of the pyramid.
        coarse_head (dict): Config of the coarse head.
        refine_head (dict): Config of the refinement head.
        loss (dict): Config of the loss.
        post_processor (dict): Config of the post-processor (TASK_UTILS).
            Defaults to ``dict(type='AFSDPostProcessor')``.
        backbone (dict, optional): Config of a backbone for frame inputs.
        neck (dict, optional): Config of a neck between backbone (or
            features) and pyramid, with MMAction2's neck contract.
        data_preprocessor (dict, optional): Config of the data preprocessor.
            Defaults to ``dict(type='ActionDataPreprocessor')``.
        init_cfg (dict or list[dict], optional): Initialisation config.
    """

    def __init__(self,
                 num_classes: int,
                 pyramid: dict,
                 coarse_head: dict,
                 refine_head: dict,
                 loss: dict,
                 post_processor: dict = dict(type='AFSDPostProcessor'),
                 backbone: Optional[dict] = None,
                 neck: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='ActionDataPreprocessor')
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.num_classes = num_classes
        if backbone is not None:
            self.backbone = MODELS.build(backbone)
        if neck is not None:
            self.neck = MODELS.build(neck)
        self.pyramid = MODELS.build(pyramid)
        self.coarse_head = MODELS.build(
            _with_num_classes(coarse_head, num_classes, 'coarse_head'))
        self.refine_head = MODELS.build(
            _with_num_classes(refine_head, num_classes, 'refine_head'))
        self.loss_module = MODELS.build(
            _with_num_classes(loss, num_classes, 'loss'))
        self.post_processor = TASK_UTILS.build(post_processor)

    @property
    def with_backbone(self) -> bool:
        return hasattr(self, 'backbone')

    @property
    def with_neck(self) -> bool:
        return hasattr(self, 'neck')

    def extract_feat(self, inputs: Tensor) -> Features:
        """The backbone's output, or the input features without one."""
        return self.backbone(inputs) if self.with_backbone else inputs

    def forward_feats(self, x: Features) -> Dict[str, Tensor]:
        """Pyramid and heads on neck outputs.

        Args:
            x (Tensor | tuple[Tensor]): Features (B, C, T) or backbone levels
                (B, C_i, T_i, H_i, W_i).

        Returns:
            dict[str, Tensor]: AFSD's raw outputs, over the P positions of
            all levels and on the frame-level grid of F positions:

            - ``cls`` (B, P, K), ``prop_cls`` (B, P, K): class logits of the
              coarse and refinement stages;
            - ``loc`` (B, P, 2): coarse distances to start and end;
            - ``prop_loc`` (B, P, 2): refinement offsets (half widths);
            - ``centerness`` (B, P): centerness logits;
            - ``priors`` (P,): position centres;
            - ``frame_feat`` (B, C_f, F): the frame-level map (start
              features, then end features);
            - ``proposal_feats``: the level-0 boundary features of the two
              refinement branches, a list of (B, 2 C_p, T_0).
        """
        levels, frame_feat = self.pyramid(x)
        cls, loc, loc_feats, cls_feats = self.coarse_head(levels)
        priors = self.coarse_head.get_priors(
            [level.size(-1) for level in levels], frame_feat.size(-1),
            loc.device)
        prop_cls, prop_loc, centerness, proposal_feats = self.refine_head(
            frame_feat, loc_feats, cls_feats, loc, priors)
        return dict(
            cls=cls,
            loc=loc,
            prop_cls=prop_cls,
            prop_loc=prop_loc,
            centerness=centerness,
            priors=priors,
            frame_feat=frame_feat,
            proposal_feats=proposal_feats)

    def loss_by_feat(self,
                     x: Features,
                     data_samples: Sequence[TADDataSample],
                     frozen: bool = False) -> Dict:
        """AFSD's losses on any neck output, for the ground truth of
        ``data_samples`` (labels -1 are background intervals).

        Args:
            x (Tensor | tuple[Tensor]): Neck outputs, see
                :meth:`forward_feats`.
            data_samples (Sequence[TADDataSample]): The targets.
            frozen (bool): Treat the pyramid's and heads' parameters as
                constants, so the losses train only what produced ``x``
                (GAF's background pass trains the attention this way).
                Defaults to False.
        """
        with frozen_parameters(self.pyramid, self.coarse_head,
                               self.refine_head) if frozen else nullcontext():
            outputs = self.forward_feats(x)
        segments, labels = self._targets(data_samples)
        return self.loss_module(outputs, segments, labels)

    def loss(self, inputs: Tensor,
             data_samples: Sequence[TADDataSample]) -> Dict:
        x = self.extract_feat(inputs)
        if self.with_neck and hasattr(self.neck, 'loss_with_detector'):
            return self.neck.loss_with_detector(x, data_samples,
                                                self.loss_by_feat)
        losses = dict()
        if self.with_neck:
            x, aux_losses = self.neck(x, data_samples=data_samples)
            losses.update(aux_losses or {})
        detector_losses = self.loss_by_feat(x, data_samples)
        clash = set(losses) & set(detector_losses)
        if clash:
            raise KeyError(f'the neck and AFSD both return {sorted(clash)}')
        losses.update(detector_losses)
        return losses

    def predict(self, inputs: Tensor,
                data_samples: Sequence[TADDataSample]) -> List[TADDataSample]:
        """Detections per window (before the per-video NMS), see
        :class:`AFSDPostProcessor`."""
        outputs = self._forward(inputs)
        return self.post_processor(outputs, self.pyramid.frames_per_step,
                                   data_samples)

    def _forward(self,
                 inputs: Tensor,
                 data_samples: Optional[Sequence[TADDataSample]] = None
                 ) -> Dict[str, Tensor]:
        """The raw outputs (see :meth:`forward_feats`), neck at test
        time."""
        x = self.extract_feat(inputs)
        if self.with_neck:
            x, _ = self.neck(x)
        return self.forward_feats(x)

    def forward(self,
                inputs: Tensor,
                data_samples: Optional[Sequence[TADDataSample]] = None,
                mode: str = 'tensor'):
        """MMEngine's entry: ``'loss'`` returns a dict of losses,
        ``'predict'`` a list of :class:`TADDataSample` with
        ``pred_instances``, ``'tensor'`` the raw outputs dict."""
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self._forward(inputs, data_samples)
        raise RuntimeError(f'Invalid mode "{mode}". Only supports loss, '
                           'predict and tensor mode')

    def _targets(
        self, data_samples: Sequence[TADDataSample]
    ) -> Tuple[List[Tensor], List[Tensor]]:
        """Ground-truth segments on the frame-level grid and labels."""
        scale = self.pyramid.frames_per_step
        segments, labels = [], []
        for i, sample in enumerate(data_samples):
            if 'gt_instances' not in sample:
                raise KeyError(f'data_samples[{i}] has no gt_instances')
            gt = sample.gt_instances
            for field in ('segments', 'labels'):
                if field not in gt:
                    raise KeyError(
                        f'data_samples[{i}].gt_instances has no {field}')
            seg, lab = gt.segments, gt.labels
            if seg.dim() != 2 or seg.size(-1) != 2:
                raise ValueError(
                    f'data_samples[{i}].gt_instances.segments must be '
                    f'(N, 2), got {tuple(seg.shape)}')
            if lab.shape != seg.shape[:1] or lab.is_floating_point():
                raise ValueError(
                    f'data_samples[{i}].gt_instances.labels must be '
                    f'integers of shape ({len(seg)},), got {lab.dtype} '
                    f'{tuple(lab.shape)}')
            if len(lab) and (lab.min() < -1 or lab.max() >= self.num_classes):
                raise ValueError(
                    f'data_samples[{i}].gt_instances.labels must be in '
                    f'[-1, {self.num_classes}), got {lab.tolist()}')
            if len(seg) and bool((seg[:, 1] < seg[:, 0]).any()):
                raise ValueError(
                    f'data_samples[{i}].gt_instances.segments has an end '
                    f'before its start: {seg.tolist()}')
            segments.append(seg.float() * scale)
            labels.append(lab.long())
        return segments, labels


def _with_num_classes(cfg: dict, num_classes: int, name: str) -> dict:
    given = cfg.get('num_classes', num_classes)
    if given != num_classes:
        raise ValueError(f'{name}.num_classes is {given} but the localizer '
                         f'has num_classes={num_classes}')
    return dict(cfg, num_classes=num_classes)
