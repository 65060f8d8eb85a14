import copy
from typing import Callable, Dict, List, NamedTuple, Optional, Sequence, Union

import torch
from mmengine.model import BaseModule, ModuleList
from mmengine.registry import DefaultScope
from torch import Tensor

from mmgaf.models.gaf.phase import GAFPhase
from mmgaf.models.gaf.temporal_projection import broadcast_over
from mmgaf.models.utils import frozen_parameters
from mmgaf.registry import MODELS

Features = Union[Tensor, Sequence[Tensor]]


class GAFLevelOutput(NamedTuple):
    """Segment-GAF's output for one level: λ per step ``(B, T)``, the
    foreground / background maps, each the shape of the level's input (the
    background map is None where it was not asked for), and the weights
    that made them: λ itself for a per-step head, ``(B, C, T)`` for a
    per-channel-and-step head (then ``attention`` is their mean over
    channels, the step's actionness)."""
    attention: Tensor
    foreground: Tensor
    background: Optional[Tensor]
    weights: Tensor


class GAFRecognitionFeatures(NamedTuple):
    """What :class:`GAFNeck` built with ``return_background=True`` hands a
    recognition head in training (:class:`GAFRecognitionHead`): the
    foreground and background maps, each structured like the neck's input;
    both None in phase ``frame``, where no head loss is trained."""
    foreground: Optional[Features]
    background: Optional[Features]


def weighted_map(x: Tensor, weights: Tensor, eps: float = 1e-6) -> Tensor:
    """The per-step form of eq. 11 for dense heads:
    ``f'_t = w_t f_t / mean_t(w)``, so that ``mean_t f'_t`` is eq. 11's
    pooled feature, and uniform weights leave ``x`` unchanged. Per-channel
    weights ``(B, C, T)`` are normalised channel by channel.

    Args:
        x (Tensor): (B, C, T[, H, W]).
        weights (Tensor): (B, T) or (B, C, T).

    Returns:
        Tensor: The shape of ``x``.
    """
    normalised = weights / weights.mean(dim=-1, keepdim=True).clamp(min=eps)
    return x * broadcast_over(normalised, x)


@MODELS.register_module()
class GAFNeck(BaseModule):
    """GAF: generative attention on video features (paper §III-B).

    Per input level:

    - segment-GAF (:class:`SegmentAttention`) predicts λ ``(B, T)`` in
      [0, 1] (or, :class:`ChannelTimeAttention` as the authors' code,
      ``(B, C, T)``); the foreground map is ``λ_t f_t / mean(λ)`` and the
      background map ``(1 - λ_t) f_t / mean(1 - λ)`` (eq. 11 kept per step,
      see :func:`weighted_map`); the foreground map is the enhanced feature
      F' passed on to the head, in training and at test time;
    - frame-GAF (:class:`ConditionalVAE`) models f given λ; it is trained
      with L_CVAE (eq. 7) on detached λ and f, and, frozen, gives the
      reconstruction loss L_R (eq. 15) whose gradient reaches λ.

    Training has three phases (set by :class:`GAFAlternatingHook`, see
    :meth:`set_phase`): ``'frame'`` computes only L_CVAE and returns detached
    maps, ``'segment'`` everything but L_CVAE, ``'joint'`` (the default,
    without the hook) all losses in one step.

    Two ways to use it:

    - MMAction2's neck contract, e.g. in ``Recognizer3D``:
      ``x, aux_losses = neck(x, data_samples=...)`` in training and
      ``x, _ = neck(x)`` at test time; aux losses are L_CVAE and L_R.
    - :meth:`loss_with_detector`, which localizers call with their own loss:
      the neck adds L_d on the foreground and background maps
      (:class:`ActionBackgroundLoss`).

    Args:
        in_channels (int | Sequence[int]): Channels of each input level.
        spatial_sizes (Sequence, optional): ``(H, W)`` of each level for 5-D
            inputs ``(B, C, T, H, W)``; None (or a None entry) for
            ``(B, C, T)`` levels. Defaults to None.
        attention (dict): Config of the per-level attention head,
            :class:`SegmentAttention` or :class:`ChannelTimeAttention`
            (``in_channels`` and ``spatial_size`` are filled in); its
            ``attention_channels`` (1 where absent) says how many weights
            it gives every step.
        cvae (dict, optional): Config of the per-level
            :class:`ConditionalVAE` (``in_channels``, ``spatial_size`` and
            ``condition_channels``, the channels of the level's λ, are
            filled in); None removes frame-GAF (then neither L_CVAE nor L_R
            exists).
        loss_cvae (dict, optional): L_CVAE; None switches it off.
        loss_recon (dict, optional): L_R; None switches it off.
        loss_detection (dict, optional): L_d on foreground and background
            (:class:`ActionBackgroundLoss`), used by
            :meth:`loss_with_detector`. Defaults to the authors' weights.
        return_background (bool): Whether :meth:`forward` hands a
            recognition head both maps in training
            (:class:`GAFRecognitionFeatures`, for
            :class:`GAFRecognitionHead`'s non-action term), and none in phase
            ``frame``. Defaults to False (the foreground map, any head).
        init_cfg (dict or list[dict], optional): Initialization config.

    Example:
        >>> import torch
        >>> from mmgaf.models.necks import GAFNeck
        >>> neck = GAFNeck(
        ...     in_channels=64,
        ...     attention=dict(type='SegmentAttention', hidden_channels=32),
        ...     cvae=dict(type='ConditionalVAE', hidden_channels=32,
        ...               latent_channels=8)).eval()
        >>> x = torch.randn(2, 64, 32)  # (B, C, T)
        >>> enhanced, _ = neck(x)  # the foreground map F'
        >>> enhanced.shape
        torch.Size([2, 64, 32])
        >>> neck.attend(x)[0].attention.shape  # λ, (B, T)
        torch.Size([2, 32])
    """

    PHASES = tuple(phase.value for phase in GAFPhase)

    def __init__(self,
                 in_channels: Union[int, Sequence[int]],
                 spatial_sizes: Optional[Sequence] = None,
                 attention: dict = dict(
                     type='SegmentAttention', hidden_channels=512),
                 cvae: Optional[dict] = dict(
                     type='ConditionalVAE',
                     hidden_channels=512,
                     latent_channels=256),
                 loss_cvae: Optional[dict] = dict(type='CVAELoss', beta=0.1),
                 loss_recon: Optional[dict] = dict(
                     type='ReconstructionLoss', loss_weight=0.5),
                 loss_detection: Optional[dict] = dict(
                     type='ActionBackgroundLoss',
                     action_weight=1.0,
                     background_weight=35.0),
                 return_background: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        in_channels = [in_channels] if isinstance(in_channels,
                                                  int) else list(in_channels)
        spatial_sizes = list(spatial_sizes) if spatial_sizes is not None \
            else [None] * len(in_channels)
        if len(spatial_sizes) != len(in_channels):
            raise ValueError(f'{len(in_channels)} levels in in_channels but '
                             f'{len(spatial_sizes)} in spatial_sizes')
        self.num_levels = len(in_channels)
        # this package's scope for the parts, also when the neck is built
        # inside a model of another scope (`_scope_='mmaction'` of a model
        # inherited with `mmaction::`), where 'SegmentAttention' is unknown
        with DefaultScope.overwrite_default_scope('mmgaf'):
            self._build_parts(in_channels, spatial_sizes, attention, cvae,
                              loss_cvae, loss_recon, loss_detection)
        self.return_background = return_background
        self.phase = GAFPhase.JOINT.value
        self.recon_weight_scale = 1.0

    def _build_parts(self, in_channels: List[int], spatial_sizes: list,
                     attention: dict, cvae: Optional[dict],
                     loss_cvae: Optional[dict], loss_recon: Optional[dict],
                     loss_detection: Optional[dict]) -> None:
        """Build the per-level attention heads and CVAEs and the losses."""

        def build_per_level(cfg, extras=None):
            extras = extras or [{}] * self.num_levels
            return ModuleList(
                MODELS.build(
                    dict(
                        copy.deepcopy(cfg),
                        in_channels=channels,
                        spatial_size=size,
                        **extra)) for channels, size, extra in zip(
                            in_channels, spatial_sizes, extras))

        self.attention_heads = build_per_level(attention)
        # frame-GAF is conditioned on every weight the head gives a step
        self.cvaes = build_per_level(cvae, [
            dict(condition_channels=getattr(head, 'attention_channels', 1))
            for head in self.attention_heads
        ]) if cvae is not None else None
        self.loss_cvae = MODELS.build(loss_cvae) \
            if loss_cvae is not None and cvae is not None else None
        self.loss_recon = MODELS.build(loss_recon) \
            if loss_recon is not None and cvae is not None else None
        self.loss_detection = MODELS.build(loss_detection) \
            if loss_detection is not None else None

    def set_phase(self, phase: str) -> None:
        """Select the training phase: ``'frame'``, ``'segment'`` or
        ``'joint'``."""
        if phase not in self.PHASES:
            raise ValueError(f'GAF phase must be one of {self.PHASES}, '
                             f'got {phase!r}')
        self.phase = phase

    def set_recon_weight_scale(self, scale: float) -> None:
        """Scale L_R's weight (its ramp over training)."""
        self.recon_weight_scale = float(scale)

    def _levels(self, x: Features) -> List[Tensor]:
        levels = [x] if isinstance(x, Tensor) else list(x)
        if len(levels) != self.num_levels:
            raise ValueError(f'GAFNeck was built for {self.num_levels} '
                             f'level(s), got {len(levels)}')
        return levels

    @staticmethod
    def _like_input(x: Features, levels: List[Tensor]) -> Features:
        return levels[0] if isinstance(x, Tensor) else tuple(levels)

    def attend(self,
               x: Features,
               with_background: bool = True) -> List[GAFLevelOutput]:
        """Segment-GAF on every level of ``x`` (a tensor or a tuple).

        The background maps are only needed by L_n-ai; the neck contract
        (:meth:`forward`) skips them.
        """
        outputs = []
        for level, head in zip(self._levels(x), self.attention_heads):
            weights = head(level)
            background = weighted_map(level, 1. - weights) \
                if with_background else None
            outputs.append(
                GAFLevelOutput(
                    weights if weights.dim() == 2 else weights.mean(1),
                    weighted_map(level, weights), background, weights))
        return outputs

    def generative_losses(self, x: Features,
                          outputs: List[GAFLevelOutput]) -> Dict[str, Tensor]:
        """L_CVAE (phases ``frame`` and ``joint``) and L_R (phases
        ``segment`` and ``joint``), summed over levels."""
        losses = {}
        if self.cvaes is None:
            return losses
        levels = [level.detach() for level in self._levels(x)]
        if self.loss_cvae is not None and self.phase in (GAFPhase.FRAME,
                                                         GAFPhase.JOINT):
            reconstruction_terms, kl_terms = zip(
                *(self._cvae_terms(cvae, level, out.weights)
                  for cvae, level, out in zip(self.cvaes, levels, outputs)))
            losses['loss_cvae_rec'] = sum(reconstruction_terms)
            losses['loss_cvae_kl'] = sum(kl_terms)
        if self.loss_recon is not None and self.phase in (GAFPhase.SEGMENT,
                                                          GAFPhase.JOINT):
            losses['loss_recon'] = sum(
                self._recon_term(cvae, level, out.weights)
                for cvae, level, out in zip(self.cvaes, levels, outputs))
        return losses

    def _recon_term(self, cvae, level: Tensor, attention: Tensor) -> Tensor:
        """L_R of one level: through the decoder, held constant, into λ
        (paper Fig. 2, step 2); in phase ``joint`` the decoder still learns
        from L_CVAE."""
        with frozen_parameters(cvae.decoder):
            generated = cvae.generate(attention)
        return self.loss_recon(generated, level, self.recon_weight_scale)

    def _cvae_terms(self, cvae, level: Tensor, attention: Tensor):
        """L_CVAE of one level; λ is detached, frame-GAF learns with λ
        fixed (paper Fig. 2, step 1)."""
        out = cvae(level, attention.detach())
        return self.loss_cvae(out.reconstruction, level, out.mean, out.log_var,
                              out.prior_mean)

    def forward(self,
                x: Features,
                data_samples: Optional[list] = None) -> tuple:
        """MMAction2's neck contract.

        Args:
            x (Tensor | tuple[Tensor]): (B, C, T[, H, W]) per level.
            data_samples (list, optional): Unused; accepted for the contract.

        Returns:
            tuple: the foreground maps (structured like ``x``) and a dict of
            auxiliary losses (empty at test time). In training with
            ``return_background=True`` the maps are a
            :class:`GAFRecognitionFeatures` of foreground and background
            (None in phase ``frame``).
        """
        frame_phase = self.training and self.phase == GAFPhase.FRAME
        with_background = self.training and self.return_background \
            and not frame_phase
        with torch.set_grad_enabled(torch.is_grad_enabled()
                                    and not frame_phase):
            outputs = self.attend(x, with_background=with_background)
        foreground = self._like_input(x, [out.foreground for out in outputs])
        if not self.training:
            return foreground, {}
        losses = self.generative_losses(x, outputs)
        if not self.return_background:
            return foreground, losses
        if frame_phase:
            return GAFRecognitionFeatures(None, None), losses
        background = self._like_input(x, [out.background for out in outputs])
        return GAFRecognitionFeatures(foreground, background), losses

    def loss_with_detector(self, x: Features, data_samples: list,
                           detector_loss: Callable) -> Dict[str, Tensor]:
        """All GAF training losses of a localizer for the current phase.

        Args:
            x (Tensor | tuple[Tensor]): The localizer's features.
            data_samples (list[TADDataSample]): The batch's ground truth.
            detector_loss (Callable): ``(features, data_samples) -> dict``,
                the localizer's loss on any features (structured like ``x``).

        Returns:
            dict: L_CVAE in phase ``frame`` (the detector does not run);
            otherwise L_d on foreground and background plus L_R (and
            L_CVAE in phase ``joint``).
        """
        if self.loss_detection is None:
            raise RuntimeError('GAFNeck.loss_with_detector needs '
                               'loss_detection')
        with torch.set_grad_enabled(torch.is_grad_enabled()
                                    and self.phase != GAFPhase.FRAME):
            outputs = self.attend(x)
        losses = self.generative_losses(x, outputs)
        if self.phase != GAFPhase.FRAME:
            losses.update(
                self.loss_detection(
                    detector_loss,
                    self._like_input(x, [out.foreground for out in outputs]),
                    self._like_input(x, [out.background for out in outputs]),
                    data_samples))
        return losses
