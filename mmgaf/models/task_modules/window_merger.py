import inspect
from typing import Optional, Sequence

import torch

from mmgaf.registry import TASK_UTILS
from .segment_nms import batched_segment_nms, batched_segment_soft_nms

NMS_TYPES = dict(nms=batched_segment_nms, soft_nms=batched_segment_soft_nms)


@TASK_UTILS.register_module()
class WindowMerger:
    """Merges the detections of the windows of one video into the video's
    detections, in seconds.

    Each window's segments are mapped from window steps to seconds
    (``seconds = position * time_scale + time_shift``). With
    ``clip_to_duration`` they are clipped to ``[0, duration]`` and the
    segments left without length, wholly outside the video (or empty), are
    dropped. Scores below ``score_thr`` are dropped. The windows are pooled,
    per-class NMS or soft-NMS removes the duplicates that overlapping
    windows produce, and the ``max_per_video`` best remain.

    AFSD's ``test.py`` is ``nms_cfg=dict(type='soft_nms', sigma=0.5,
    min_score=0.001, max_per_class=5000, keep_last=False)``,
    ``max_per_video=-1``, ``clip_to_duration=False``: its segments are only
    clamped to their window, whose end may lie past a short video's end.

    Args:
        nms_cfg (dict, optional): ``dict(type='nms', iou_thr=...)`` for
            :func:`batched_segment_nms`, ``dict(type='soft_nms', sigma=...,
            min_score=..., keep_last=...)`` for
            :func:`batched_segment_soft_nms`, either with ``max_per_class``
            (most detections per class and video, AFSD's ``top_k``), or
            None to keep every detection. Defaults to soft-NMS with AFSD's
            ``sigma=0.5`` and ``min_score=0.001``.
        max_per_video (int): Detections kept per video; -1 for all.
            Defaults to 200.
        score_thr (float): Detections scoring below it are dropped before
            NMS. Defaults to 0 (keep all).
        clip_to_duration (bool): Whether to clip the segments to the video
            and drop those left empty. Defaults to True.
    """

    def __init__(self,
                 nms_cfg: Optional[dict] = dict(
                     type='soft_nms', sigma=0.5, min_score=0.001),
                 max_per_video: int = 200,
                 score_thr: float = 0.0,
                 clip_to_duration: bool = True) -> None:
        if nms_cfg is not None:
            nms_cfg = dict(nms_cfg)
            nms_type = nms_cfg.pop('type', None)
            if nms_type not in NMS_TYPES:
                raise ValueError(f'nms_cfg type must be one of '
                                 f'{sorted(NMS_TYPES)}, got {nms_type!r}')
            nms = NMS_TYPES[nms_type]
            try:
                inspect.signature(nms).bind_partial(None, None, None,
                                                    **nms_cfg)
            except TypeError as error:
                raise ValueError(
                    f'bad nms_cfg for {nms_type!r}: {error}') from None
            max_per_class = nms_cfg.pop('max_per_class', -1)
            _check_limit(max_per_class, 'nms_cfg.max_per_class')
            self.nms, self.nms_kwargs = nms, nms_cfg
        else:
            self.nms, self.nms_kwargs = None, {}
            max_per_class = -1
        _check_limit(max_per_video, 'max_per_video')
        self.max_per_video = max_per_video
        # Both NMS kinds select a class's detections by non-increasing
        # score, so the first max_per_video of every class hold the video's
        # best max_per_video: the rest need not be computed.
        self.max_per_class = min(
            (limit for limit in (max_per_class, max_per_video) if limit > 0),
            default=-1)
        self.score_thr = score_thr
        self.clip_to_duration = clip_to_duration

    def __call__(self, windows: Sequence[dict], duration: float) -> dict:
        """Merge the windows of one video.

        Args:
            windows (Sequence[dict]): One dict per window: ``segments``
                ``(K, 2)`` in window steps, ``scores`` ``(K, )``,
                ``labels`` ``(K, )``, ``time_scale`` and ``time_shift``.
            duration (float): The video's length in seconds.

        Returns:
            dict: ``segments`` float64 ``(M, 2)`` in seconds, ``scores``
            ``(M, )`` (after soft-NMS decay) and ``labels`` ``(M, )``, by
            descending score.
        """
        segments, scores, labels = [], [], []
        for window in windows:
            window_segments = torch.as_tensor(
                window['segments']).double().reshape(-1, 2)
            segments.append(window_segments * float(window['time_scale']) +
                            float(window['time_shift']))
            scores.append(torch.as_tensor(window['scores']).reshape(-1))
            labels.append(torch.as_tensor(window['labels']).reshape(-1))
        if not segments:
            return dict(
                segments=torch.zeros(0, 2, dtype=torch.float64),
                scores=torch.zeros(0),
                labels=torch.zeros(0, dtype=torch.long))
        segments = torch.cat(segments)
        scores = torch.cat(scores)
        labels = torch.cat(labels).long()
        valid = scores >= self.score_thr
        if self.clip_to_duration:
            segments = segments.clamp(0, float(duration))
            valid &= segments[:, 1] > segments[:, 0]
        segments, scores = segments[valid], scores[valid]
        labels = labels[valid]

        if self.nms is not None:
            scores, keep = self.nms(
                segments,
                scores,
                labels,
                max_per_class=self.max_per_class,
                **self.nms_kwargs)
        else:
            scores, keep = scores.sort(descending=True, stable=True)
        if self.max_per_video > 0:
            scores = scores[:self.max_per_video]
            keep = keep[:self.max_per_video]
        return dict(
            segments=segments[keep], scores=scores, labels=labels[keep])


def _check_limit(limit: int, name: str) -> None:
    if isinstance(limit, bool) or not isinstance(limit, int) or (limit == 0 or
                                                                 limit < -1):
        raise ValueError(f'{name} must be a positive int or -1, got '
                         f'{limit!r}')
