from typing import Callable, Dict, List, Optional, Sequence

import torch
import torch.nn as nn
from mmengine.structures import InstanceData
from torch import Tensor

from mmgaf.registry import MODELS
from mmgaf.structures import TADDataSample

#: The label of a background interval in ``gt_instances.labels``.
BACKGROUND_LABEL = -1


def background_intervals(segments: Tensor,
                         length: float,
                         min_length: float = 0.) -> Tensor:
    """The complement of ground-truth segments inside ``[0, length]``.

    Overlapping or touching segments are merged first, so every returned
    interval is free of action. Intervals not longer than ``min_length`` are
    dropped.

    Args:
        segments (Tensor): ``(N, 2)`` ``[start, end]`` in window steps.
        length (float): The end of the window's valid part.
        min_length (float): Shortest interval kept. Defaults to 0.

    Returns:
        Tensor: ``(M, 2)`` background intervals, sorted, same dtype/device.
    """
    segments = segments.reshape(-1, 2).clamp(0, length)
    segments = segments[segments[:, 1] > segments[:, 0]]
    segments = segments[segments[:, 0].argsort()]
    # a gap opens where a segment starts after every earlier one has ended
    covered_until = torch.cummax(segments[:, 1], dim=0).values
    starts = torch.cat([segments.new_zeros(1), covered_until])
    ends = torch.cat([segments[:, 0], segments.new_full((1, ), length)])
    keep = ends - starts > min_length
    return torch.stack([starts[keep], ends[keep]], dim=1)


@MODELS.register_module()
class ActionBackgroundLoss(nn.Module):
    """The detection loss L_d of GAF on the action and the non-action
    features (paper eqs. 12-14).

    The detector's own loss runs twice: on the foreground (λ-weighted)
    features with the true targets (L_ai), and on the background ((1-λ)-
    weighted) features with the complement of the ground truth as
    *background intervals* (label -1, see ``docs/architecture.md``): the
    detector should find no action there and, where its loss supports it,
    regress the action-free intervals (L_n-ai). Foreground losses keep the
    detector's key names; background ones get a ``bg_`` prefix.

    By default L_n-ai trains the attention only: the detector runs with its
    parameters frozen (``detector_loss(..., frozen=True)``), as the paper
    motivates the term ("to optimize λ"). The authors' code lets it train
    the detector too (``background_trains_detector=True``) and sums the
    background classification over every prior (``'sum'``). On the
    built-in dataset the summed, 35-times weighted term dominates the
    detector's own loss, training the detector or not: AFSD + GAF lost
    about 17 points of average mAP to AFSD on the one seed tried each way
    (README, "Accuracy"), hence the defaults: averaged over the background
    intervals' positions, training λ only.

    Args:
        action_weight (float): Weight of L_ai. Defaults to 1.0.
        background_weight (float): Weight of L_n-ai; the authors' code uses
            35. Defaults to 35.0.
        background_loss_keys (Sequence[str], optional): Which of the
            detector's losses count in L_n-ai (the authors' code keeps the
            coarse localisation and classification terms of AFSD). None keeps
            all. Defaults to None.
        min_background_length (float): Shortest background interval, in
            window steps. Defaults to 0.
        background_trains_detector (bool): Whether L_n-ai also trains the
            detector (the authors' code) rather than the attention only.
            Defaults to False.
        background_reduction (str): ``'interval_mean'`` or ``'sum'`` (the
            authors' code), see above. Defaults to ``'interval_mean'``.
    """

    REDUCTIONS = ('interval_mean', 'sum')

    def __init__(self,
                 action_weight: float = 1.0,
                 background_weight: float = 35.0,
                 background_loss_keys: Optional[Sequence[str]] = None,
                 min_background_length: float = 0.,
                 background_trains_detector: bool = False,
                 background_reduction: str = 'interval_mean') -> None:
        super().__init__()
        if background_reduction not in self.REDUCTIONS:
            raise ValueError(f'background_reduction must be one of '
                             f'{self.REDUCTIONS}, got '
                             f'{background_reduction!r}')
        self.background_reduction = background_reduction
        self.background_trains_detector = background_trains_detector
        self.action_weight = action_weight
        self.background_weight = background_weight
        self.background_loss_keys = (None if background_loss_keys is None else
                                     tuple(background_loss_keys))
        self.min_background_length = min_background_length

    def background_samples(self, data_samples: List[TADDataSample]
                           ) -> List[TADDataSample]:
        """Copies of ``data_samples`` whose ground truth is the complement of
        the original one, labelled :data:`BACKGROUND_LABEL`; without any
        instance for ``background_reduction='sum'``."""
        if self.background_reduction == 'sum':
            return [_without_instances(sample) for sample in data_samples]
        samples = []
        for sample in data_samples:
            length = sample.metainfo.get('valid_len',
                                         sample.metainfo.get('window_size'))
            if length is None:
                raise KeyError(
                    f'data sample of video {sample.get("video_name")!r} has '
                    'neither valid_len nor window_size in its metainfo')
            gaps = background_intervals(sample.gt_instances.segments,
                                        float(length),
                                        self.min_background_length)
            background = sample.clone()
            background.gt_instances = InstanceData(
                segments=gaps,
                labels=gaps.new_full((len(gaps), ),
                                     BACKGROUND_LABEL,
                                     dtype=torch.long))
            samples.append(background)
        return samples

    def forward(self, detector_loss: Callable, foreground, background,
                data_samples: List[TADDataSample]) -> Dict:
        """
        Args:
            detector_loss (Callable): ``(features, data_samples) -> dict`` of
                the detector's losses; with ``frozen=True`` it must leave the
                detector's parameters without gradients.
            foreground, background: The λ- and (1-λ)-weighted features, in
                the structure the detector takes (a tensor or a tuple).
            data_samples (list[TADDataSample]): The batch's ground truth.
        """
        losses = {}
        if self.action_weight:
            for key, value in detector_loss(foreground, data_samples).items():
                losses[key] = _scale(value, self.action_weight)
        if self.background_weight:
            frozen = {} if self.background_trains_detector else dict(
                frozen=True)
            background_losses = detector_loss(
                background, self.background_samples(data_samples), **frozen)
            keys = self.background_loss_keys or background_losses.keys()
            for key in keys:
                if key not in background_losses:
                    raise KeyError(
                        f'background_loss_keys names {key!r}, but the '
                        f'detector returns {sorted(background_losses)}')
                losses[f'bg_{key}'] = _scale(background_losses[key],
                                             self.background_weight)
        return losses


def _without_instances(sample: TADDataSample) -> TADDataSample:
    """A copy of ``sample`` whose ground truth is empty: background
    everywhere."""
    segments = sample.gt_instances.segments
    background = sample.clone()
    background.gt_instances = InstanceData(
        segments=segments.new_zeros((0, 2)),
        labels=torch.zeros(0, dtype=torch.long, device=segments.device))
    return background


def _scale(value, weight: float):
    """Scale a loss entry: a tensor or a list of tensors (MMEngine's
    ``parse_losses`` accepts both)."""
    if isinstance(value, (list, tuple)):
        return [weight * item for item in value]
    return weight * value
