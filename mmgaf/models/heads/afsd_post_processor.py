from typing import Dict, List, Optional, Sequence

import torch
from mmengine.structures import InstanceData
from torch import Tensor

from mmgaf.registry import TASK_UTILS
from mmgaf.structures import TADDataSample

SCORES = ('sigmoid', 'softmax')
CLAMPS = ('valid', 'window')


@TASK_UTILS.register_module()
class AFSDPostProcessor:
    """Turns AFSD's raw outputs into detections per window (AFSD's
    ``test.py`` before its NMS).

    Per position: the refined segment is the coarse one with its distances
    moved by ``prop_loc`` times half the coarse width; the score of class k
    is the mean of the coarse and refined class probabilities times the
    sigmoid of the centerness. Segments are mapped from the frame-level grid
    to window steps and clamped to ``[0, valid_len]`` (``clamp='valid'``) or
    to the whole window (``clamp='window'``, AFSD's ``clamp_(0,
    clip_length)``, which lets the segments of a video shorter than a window
    reach into its padding). (Position, class) pairs scoring above
    ``score_thr`` are kept: with ``max_per_window`` the best that many, best
    first; without it all, by position and then class (the order in which
    AFSD hands each class's candidates to its NMS). The NMS is the metric's,
    per video.

    AFSD's ``test.py`` is ``score='softmax', score_thr=0.01,
    max_per_window=None, clamp='window'``.

    Args:
        score (str): Class probabilities: ``'sigmoid'`` of K logits, or
            ``'softmax'`` over K + 1 logits whose channel 0 is the
            background (class c is channel c + 1; AFSD's). Defaults to
            ``'sigmoid'``.
        score_thr (float): Scores must be above it. Defaults to 0.01
            (AFSD's ``conf_thresh``).
        max_per_window (int, optional): Most detections per window; None
            for no limit (AFSD's). Defaults to 2000.
        clamp (str): ``'valid'`` or ``'window'``, see above. Defaults to
            ``'valid'``.
    """

    def __init__(self,
                 score: str = 'sigmoid',
                 score_thr: float = 0.01,
                 max_per_window: Optional[int] = 2000,
                 clamp: str = 'valid') -> None:
        if score not in SCORES:
            raise ValueError(f'score must be one of {SCORES}, got {score!r}')
        if max_per_window is not None and max_per_window < 1:
            raise ValueError('max_per_window must be positive or None, got '
                             f'{max_per_window}')
        if clamp not in CLAMPS:
            raise ValueError(f'clamp must be one of {CLAMPS}, got {clamp!r}')
        self.score = score
        self.score_thr = score_thr
        self.max_per_window = max_per_window
        self.clamp = clamp

    @staticmethod
    def decode(loc: Tensor, prop_loc: Tensor, priors: Tensor) -> Tensor:
        """Refined segments ``(B, P, 2)`` on the frame-level grid, start
        before end.

        Args:
            loc (Tensor): (B, P, 2) coarse distances to start and end.
            prop_loc (Tensor): (B, P, 2) refinement offsets, in half widths
                of the coarse segment.
            priors (Tensor): (P,) position centres.
        """
        refined = loc + 0.5 * loc.sum(-1, keepdim=True) * prop_loc
        segments = torch.stack(
            [priors - refined[..., 0], priors + refined[..., 1]], dim=-1)
        # Large negative offsets can cross the two ends over.
        return segments.sort(dim=-1).values

    def scores(self, outputs: Dict[str, Tensor]) -> Tensor:
        """(B, P, K) detection scores."""
        cls, prop_cls = outputs['cls'].float(), outputs['prop_cls'].float()
        if cls.shape != prop_cls.shape:
            raise ValueError(f'outputs "cls" {tuple(cls.shape)} and '
                             f'"prop_cls" {tuple(prop_cls.shape)} differ')
        if self.score == 'softmax':
            if cls.size(-1) < 2:
                raise ValueError('score="softmax" needs K + 1 >= 2 channels '
                                 'in outputs "cls", background first; got '
                                 f'{cls.size(-1)}')
            cls = (cls.softmax(-1) + prop_cls.softmax(-1))[..., 1:] / 2.
        else:
            cls = (cls.sigmoid() + prop_cls.sigmoid()) / 2.
        return cls * outputs['centerness'].float().sigmoid()[..., None]

    def __call__(self, outputs: Dict[str, Tensor], frames_per_step: float,
                 data_samples: Sequence[TADDataSample]) -> List[TADDataSample]:
        """
        Args:
            outputs (dict): Raw outputs of :meth:`AFSD.forward_feats`
                (``loc``, ``prop_loc``, ``cls``, ``prop_cls``,
                ``centerness``, ``priors``, ``frame_feat``).
            frames_per_step (float): Frame-level positions per window step.
            data_samples (Sequence[TADDataSample]): The windows; their
                ``valid_len`` (or ``window_size``) bounds the segments
                with ``clamp='valid'``.

        Returns:
            list[TADDataSample]: ``data_samples``, each with
            ``pred_instances``: ``segments`` (N, 2) in window steps,
            ``scores`` (N,) and ``labels`` (N,).
        """
        segments = self.decode(outputs['loc'].float(),
                               outputs['prop_loc'].float(),
                               outputs['priors']) / frames_per_step
        scores = self.scores(outputs)
        if len(data_samples) != scores.size(0):
            raise ValueError(f'{len(data_samples)} data samples for a batch '
                             f'of {scores.size(0)}')
        window = outputs['frame_feat'].size(-1) / frames_per_step
        num_classes = scores.size(-1)
        for sample, seg, score in zip(data_samples, segments, scores):
            end = window
            if self.clamp == 'valid':
                end = sample.metainfo.get(
                    'valid_len', sample.metainfo.get('window_size', window))
            score = score.flatten()
            keep = (score > self.score_thr).nonzero()[:, 0]
            score = score[keep]
            if self.max_per_window is not None:
                score, order = score.topk(min(self.max_per_window, len(score)))
                keep = keep[order]
            sample.pred_instances = InstanceData(
                segments=seg[keep // num_classes].clamp(0, float(end)),
                scores=score,
                labels=keep % num_classes)
        return list(data_samples)
