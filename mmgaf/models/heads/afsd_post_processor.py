from typing import Dict, List, Sequence

import torch
from mmengine.structures import InstanceData
from torch import Tensor

from mmgaf.registry import TASK_UTILS
from mmgaf.structures import TADDataSample


@TASK_UTILS.register_module()
class AFSDPostProcessor:
    """Turns AFSD's raw outputs into detections per window (AFSD's
    ``test.py`` before its NMS).

    Per position: the refined segment is the coarse one with its distances
    moved by ``prop_loc`` times half the coarse width; the score of class k
    is the mean of the coarse and refined class probabilities times the
    sigmoid of the centerness. Segments are mapped from the frame-level grid
    to window steps and clamped to ``[0, valid_len]``; (position, class)
    pairs scoring above ``score_thr`` are kept, at most ``max_per_window``
    of them, best first. The NMS is the metric's, per video.

    Args:
        score_thr (float): Lowest score kept. Defaults to 0.01 (AFSD's).
        max_per_window (int): Most detections per window. Defaults to 2000.
    """

    def __init__(self,
                 score_thr: float = 0.01,
                 max_per_window: int = 2000) -> None:
        if max_per_window < 1:
            raise ValueError(
                f'max_per_window must be positive, got {max_per_window}')
        self.score_thr = score_thr
        self.max_per_window = max_per_window

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

    @staticmethod
    def scores(outputs: Dict[str, Tensor]) -> Tensor:
        """(B, P, K) detection scores."""
        cls = (outputs['cls'].float().sigmoid() +
               outputs['prop_cls'].float().sigmoid()) / 2.
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
                ``valid_len`` (or ``window_size``) bounds the segments.

        Returns:
            list[TADDataSample]: ``data_samples``, each with
            ``pred_instances``: ``segments`` (K, 2) in window steps,
            ``scores`` (K,) and ``labels`` (K,).
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
            valid_len = sample.metainfo.get(
                'valid_len', sample.metainfo.get('window_size', window))
            score = score.flatten()
            keep = (score > self.score_thr).nonzero()[:, 0]
            score = score[keep]
            score, order = score.topk(min(self.max_per_window, len(score)))
            keep = keep[order]
            sample.pred_instances = InstanceData(
                segments=seg[keep // num_classes].clamp(0, float(valid_len)),
                scores=score,
                labels=keep % num_classes)
        return list(data_samples)
