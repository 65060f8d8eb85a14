from contextlib import nullcontext
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
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

    Classification follows the loss: with a softmax loss
    (``AFSDLoss.use_background_class``, e.g. AFSD's
    :class:`AFSDSoftmaxFocalLoss`) both heads predict K + 1 logits, channel 0
    the background, and the post-processor scores with a softmax
    (``score='softmax'``); otherwise K sigmoid logits.

    The boundary-contrastive loss (AFSD's ``--ssl``, optional): training
    samples with ``ssl_valid`` carry ``ssl_inputs``, their inputs with a
    background stretch inserted into an action, and ``ssl_segments`` (3, 2)
    in window steps (the two parts of the action and the background). They
    run through the backbone, the neck's plain forward and the pyramid to
    the frame-level map and the level-0 boundary features of the two
    refinement branches (AFSD's ``ssl=True`` pass), and
    ``loss_boundary_contrast`` (:class:`AFSDTripletLoss`) adds
    ``loss_triplet``, averaged over those samples (0 without any).

    Args:
        num_classes (int): Number of action classes K; filled into the
            heads and the loss.
        pyramid (dict): Config of the pyramid.
        coarse_head (dict): Config of the coarse head.
        refine_head (dict): Config of the refinement head.
        loss (dict): Config of the loss.
        post_processor (dict): Config of the post-processor (TASK_UTILS).
            Defaults to ``dict(type='AFSDPostProcessor')``.
        loss_boundary_contrast (dict, optional): Config of the
            boundary-contrastive loss; None disables it. Defaults to None.
        backbone (dict, optional): Config of a backbone for frame inputs.
        neck (dict, optional): Config of a neck between backbone (or
            features) and pyramid, with MMAction2's neck contract.
        data_preprocessor (dict, optional): Config of the data preprocessor.
            Defaults to ``dict(type='ActionDataPreprocessor')``.
        init_cfg (dict or list[dict], optional): Initialisation config.

    Example:
        >>> import torch
        >>> from mmgaf.utils import register_all_modules
        >>> from mmgaf.models.localizers import AFSD
        >>> register_all_modules()
        >>> model = AFSD(
        ...     num_classes=3,
        ...     pyramid=dict(type='AFSDPyramid', in_channels=64,
        ...                  feat_channels=32, num_levels=3, frame_scale=4),
        ...     coarse_head=dict(type='AFSDCoarseHead', in_channels=32,
        ...                      feat_channels=32, num_levels=3),
        ...     refine_head=dict(type='AFSDRefineHead', in_channels=32,
        ...                      proposal_channels=32, frame_channels=32),
        ...     loss=dict(type='AFSDLoss'))
        >>> outputs = model(torch.randn(2, 64, 32), mode='tensor')
        >>> # one prediction per position of the 3 levels: 32 + 16 + 8
        >>> outputs['priors'].shape
        torch.Size([56])
        >>> outputs['loc'].shape, outputs['cls'].shape  # (B, P, 2), (B, P, K)
        (torch.Size([2, 56, 2]), torch.Size([2, 56, 3]))
    """

    def __init__(self,
                 num_classes: int,
                 pyramid: dict,
                 coarse_head: dict,
                 refine_head: dict,
                 loss: dict,
                 post_processor: dict = dict(type='AFSDPostProcessor'),
                 loss_boundary_contrast: Optional[dict] = None,
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
        self.loss_module = MODELS.build(
            _with_num_classes(loss, num_classes, 'loss'))
        self.use_background_class = getattr(self.loss_module,
                                            'use_background_class', False)
        self.pyramid = MODELS.build(pyramid)
        self.coarse_head = MODELS.build(
            self._with_classes(coarse_head, 'coarse_head'))
        self.refine_head = MODELS.build(
            self._with_classes(refine_head, 'refine_head'))
        self.post_processor = TASK_UTILS.build(
            self._with_score(post_processor))
        self.loss_boundary_contrast = MODELS.build(
            loss_boundary_contrast) if loss_boundary_contrast else None

    def _with_classes(self, cfg: dict, name: str) -> dict:
        """A head's config with the localizer's classes and the loss's
        classification form filled in."""
        cfg = _with_num_classes(cfg, self.num_classes, name)
        given = cfg.get('use_background_class', self.use_background_class)
        if given != self.use_background_class:
            raise ValueError(
                f'{name}.use_background_class is {given} but the loss '
                f'({type(self.loss_module).__name__}) classifies with '
                f'use_background_class={self.use_background_class}')
        return dict(cfg, use_background_class=self.use_background_class)

    def _with_score(self, cfg: dict) -> dict:
        """The post-processor's config, scoring as the loss classifies."""
        score = 'softmax' if self.use_background_class else 'sigmoid'
        given = cfg.get('score', score)
        if given != score:
            raise ValueError(f"post_processor.score is '{given}' but the loss "
                             f'({type(self.loss_module).__name__}) trains '
                             f"{score} classification (score='{score}')")
        # Sigmoid scoring is the post-processor's default: the key is only
        # needed for the softmax.
        return dict(cfg, score=score) if self.use_background_class else cfg

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
              coarse and refinement stages (K + 1, background first, with
              ``use_background_class``);
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

    def boundary_feats(self, x: Features) -> List[Tensor]:
        """What AFSD's ``ssl=True`` pass returns: the frame-level map (B,
        C_f, F) and the level-0 boundary features (B, 2 C_p, T_0) of the
        localisation and classification branches (see
        :meth:`AFSDRefineHead.boundary_feats`), from neck outputs."""
        levels, frame_feat = self.pyramid(x)
        return [
            frame_feat, *self.refine_head.boundary_feats(
                *self.coarse_head.towers(levels[0]))
        ]

    def loss_boundary_contrast_by_samples(self,
                                          data_samples: Sequence[TADDataSample]
                                          ) -> Dict[str, Tensor]:
        """``loss_triplet`` on the boundary-contrastive inputs of the
        samples with ``ssl_valid`` (see the class docstring): the mean over
        them, or 0 when none is valid."""
        valid = [
            i for i, sample in enumerate(data_samples)
            if bool(sample.get('ssl_valid', False))
        ]
        if not valid:
            return dict(
                loss_triplet=next(self.refine_head.parameters()).new_zeros(()))
        inputs, segments = [], []
        for i in valid:
            sample = data_samples[i]
            for field in ('ssl_inputs', 'ssl_segments'):
                if field not in sample:
                    raise KeyError(f'data_samples[{i}] has ssl_valid but no '
                                   f'{field}')
            seg = sample.ssl_segments
            if not isinstance(seg, Tensor) or seg.shape != (3, 2):
                raise ValueError(
                    f'data_samples[{i}].ssl_segments must be a (3, 2) '
                    'tensor (the two parts of the action and the '
                    f'background), got {_shape(seg)}')
            inputs.append(sample.ssl_inputs)
            segments.append(seg.float())
        # The samples' inputs went through the data preprocessor before the
        # model; the augmented copies have to be normalised the same way.
        ssl_inputs = self.data_preprocessor(
            dict(inputs=inputs, data_samples=None), training=False)['inputs']
        x = self.extract_feat(ssl_inputs)
        if self.with_neck:
            x, _ = self.neck(x)
        segments = torch.stack(segments).to(ssl_inputs.device) * \
            self.pyramid.frames_per_step
        return dict(
            loss_triplet=self.loss_boundary_contrast(
                self.boundary_feats(x), segments))

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
        trains_detector = True
        if self.with_neck and hasattr(self.neck, 'loss_with_detector'):
            trained = []

            def detector_loss(feats, samples, frozen=False):
                trained.append(not frozen)
                return self.loss_by_feat(feats, samples, frozen=frozen)

            losses = self.neck.loss_with_detector(x, data_samples,
                                                  detector_loss)
            # Some phases of the neck do not train the detector (GAF's frame
            # phase trains frame-GAF alone); the boundary-contrastive loss
            # trains it, so it follows the detector's own losses.
            trains_detector = any(trained)
        else:
            losses = dict()
            if self.with_neck:
                x, aux_losses = self.neck(x, data_samples=data_samples)
                losses.update(aux_losses or {})
            detector_losses = self.loss_by_feat(x, data_samples)
            _merge(losses, detector_losses)
        if self.loss_boundary_contrast is not None and trains_detector:
            _merge(losses,
                   self.loss_boundary_contrast_by_samples(data_samples))
        return losses

    def predict(self, inputs: Tensor,
                data_samples: Sequence[TADDataSample]) -> List[TADDataSample]:
        """Detections per window (before the per-video NMS), see
        :class:`AFSDPostProcessor`."""
        outputs = self._forward(inputs)
        return self.post_processor(outputs, self.pyramid.frames_per_step,
                                   data_samples)

    def _forward(
        self,
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


def _merge(losses: Dict, more: Dict) -> None:
    clash = set(losses) & set(more)
    if clash:
        raise KeyError(f'the neck and AFSD both return {sorted(clash)}')
    losses.update(more)


def _shape(value) -> str:
    if isinstance(value, Tensor):
        return f'shape {tuple(value.shape)}'
    return type(value).__name__


def _with_num_classes(cfg: dict, num_classes: int, name: str) -> dict:
    given = cfg.get('num_classes', num_classes)
    if given != num_classes:
        raise ValueError(f'{name}.num_classes is {given} but the localizer '
                         f'has num_classes={num_classes}')
    return dict(cfg, num_classes=num_classes)
