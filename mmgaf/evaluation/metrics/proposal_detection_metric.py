from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from mmgaf.fileio import load_json_strict
from mmgaf.registry import METRICS
from ..functional import (anet_detection_map, detection_summary_table,
                          load_anet_ground_truth, summarize_detection_map)

ACTIVITYNET_IOU_THRS = (0.5, 0.75, 0.95)
ACTIVITYNET_AVERAGE_IOU_THRS = tuple(np.linspace(0.5, 0.95, 10).round(2))


@METRICS.register_module()
class ProposalDetectionMetric(BaseMetric):
    """Detection mAP of class-agnostic proposals (MMAction2's BMN, BSN),
    each proposal classified by its video's labels.

    A proposal detector finds *where* actions are, not *which*; its
    detection mAP, as MMAction2's BMN documentation reports it, comes from
    video-level classification: every proposal of a video becomes one
    detection per class the video is given, scored
    ``proposal score * class score``. The classes come from

    - ``video_labels``, a classifier's video-level results in ActivityNet's
      classification layout (``{"results": {video: [{"label", "score"}]}}``,
      e.g. the CUHK classifier's results used for ActivityNet), the
      ``top_k`` best classes of each video; or
    - the ground truth (``video_labels=None``): every class a video has,
      with score 1. This measures localisation alone, as if the classifier
      were perfect; say so where such numbers are quoted.

    The mAP is the ActivityNet protocol's
    (:func:`~mmgaf.evaluation.functional.anet_detection_map`), computed
    against ``ann_file``, the annotation file of MMAction2's BMN layout the
    dataset reads (``{video: {"annotations": [{"segment", "label"}],
    ...}}``). Every video of it counts, predicted or not.

    Metrics (with ``prefix``): ``mAP@0.50`` etc. for each of ``iou_thrs``
    and ``mAP``, the mean over ``average_iou_thrs``.

    Args:
        ann_file (str): The ground truth, MMAction2's BMN layout.
        video_labels (str, optional): The classifier's results; None for
            the ground truth's labels. Defaults to None.
        top_k (int): Classes per video taken from ``video_labels``.
            Defaults to 1.
        iou_thrs (Sequence[float]): tIoU thresholds reported one by one.
            Defaults to ActivityNet's ``(0.5, 0.75, 0.95)``.
        average_iou_thrs (Sequence[float]): Thresholds averaged into
            ``mAP``. Defaults to ActivityNet's 0.5:0.05:0.95.
        collect_device (str): ``'cpu'`` or ``'gpu'``. Defaults to ``'cpu'``.
        prefix (str, optional): Prefix of the metric names. Defaults to
            ``'tad'``.

    Example:
        >>> import json, os.path as osp, tempfile
        >>> ann_file = osp.join(tempfile.mkdtemp(), 'anno.json')
        >>> with open(ann_file, 'w') as file:
        ...     json.dump({'v_a': dict(annotations=[
        ...         dict(segment=[2., 6.], label='jump')])}, file)
        >>> metric = ProposalDetectionMetric(ann_file, iou_thrs=[0.5],
        ...                                  average_iou_thrs=[0.5])
        >>> metric.process({}, [dict(video_name='v_a', proposal_list=[
        ...     dict(segment=[2.5, 6.], score=0.9)])])
        >>> metric.compute_metrics(metric.results)['mAP']
        1.0
    """
    default_prefix = 'tad'

    def __init__(
            self,
            ann_file: str,
            video_labels: Optional[str] = None,
            top_k: int = 1,
            iou_thrs: Sequence[float] = ACTIVITYNET_IOU_THRS,
            average_iou_thrs: Sequence[float] = ACTIVITYNET_AVERAGE_IOU_THRS,
            collect_device: str = 'cpu',
            prefix: Optional[str] = 'tad') -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if top_k < 1:
            raise ValueError(f'top_k must be >= 1, got {top_k}')
        self.iou_thrs = [float(thr) for thr in iou_thrs]
        self.average_iou_thrs = [float(thr) for thr in average_iou_thrs]
        self.ann_file = ann_file
        self.ground_truth = load_anet_ground_truth(
            _as_activitynet_layout(ann_file), name=ann_file)
        self.ground_truth_classes = _video_classes(self.ground_truth)
        self.top_k = top_k
        self.video_labels = video_labels
        self.classifier = None if video_labels is None else \
            _read_classifier(video_labels)

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Keep each video's proposals.

        Args:
            data_batch (dict): The batch from the dataloader (unused).
            data_samples (Sequence[dict]): The model's outputs, MMAction2's
                localizers' ``{"video_name", "proposal_list": [{"segment":
                [start, end] (seconds), "score"}]}``.
        """
        for sample in data_samples:
            video = sample.get('video_name')
            if video is None or 'proposal_list' not in sample:
                raise KeyError('a proposal output lacks "video_name" or '
                               f'"proposal_list" (video {video})')
            proposals = sample['proposal_list']
            segments = np.asarray([p['segment'] for p in proposals],
                                  dtype=np.float64).reshape(-1, 2)
            scores = np.asarray([p['score'] for p in proposals],
                                dtype=np.float64)
            self.results.append((str(video), segments, scores))

    def compute_metrics(self, results: list) -> dict:
        """Classify the proposals and evaluate.

        Args:
            results (list[tuple]): ``(video, segments (P, 2), scores (P, ))``
                of every video, from every rank.

        Returns:
            dict: ``mAP@<thr>`` for each of ``iou_thrs``, and ``mAP``.
        """
        detections = self.detections(results)
        class_names = list(dict.fromkeys(self.ground_truth['labels']))
        class_names += sorted(set(detections['labels']) - set(class_names))
        evaluation = anet_detection_map(
            self.ground_truth,
            detections,
            sorted(set(self.iou_thrs + self.average_iou_thrs)),
            class_names=class_names)
        summary = summarize_detection_map(evaluation, self.iou_thrs,
                                          self.average_iou_thrs)
        source = 'the ground truth (a perfect classifier)' \
            if self.classifier is None else self.video_labels
        print_log(
            f'proposals classified by the video labels of {source}\n' +
            detection_summary_table(summary),
            logger='current')
        return OrderedDict(summary['metrics'])

    def detections(self, results: list) -> dict:
        """The detections of the proposals, flat as
        :func:`~mmgaf.evaluation.functional.load_anet_results` gives them.

        Args:
            results (list[tuple]): As :meth:`compute_metrics`.

        Returns:
            dict: ``video_names``, ``videos``, ``labels``, ``segments`` and
            ``scores``.
        """
        names, videos, labels, segments, scores = [], [], [], [], []
        for video, video_segments, video_scores in results:
            index = len(names)
            names.append(video)
            for label, class_score in self._classes_of(video):
                videos.append(np.full(len(video_scores), index))
                labels += [label] * len(video_scores)
                segments.append(video_segments)
                scores.append(video_scores * class_score)
        return dict(
            video_names=names,
            videos=np.concatenate(videos).astype(np.int64)
            if videos else np.zeros(0, dtype=np.int64),
            labels=labels,
            segments=np.concatenate(segments) if segments else np.zeros(
                (0, 2)),
            scores=np.concatenate(scores) if scores else np.zeros(0),
            source='the proposals')

    def _classes_of(self, video: str) -> List[Tuple[str, float]]:
        if self.classifier is None:
            return [(label, 1.)
                    for label in self.ground_truth_classes.get(video, [])]
        for key in (video, video[2:] if video.startswith('v_') else None):
            if key in self.classifier:
                return self.classifier[key][:self.top_k]
        raise KeyError(f'{self.video_labels} has no results for video '
                       f'{video}')


def _as_activitynet_layout(ann_file: str) -> dict:
    """MMAction2's BMN annotation file as the ActivityNet layout of
    :func:`load_anet_ground_truth`."""
    videos = load_json_strict(ann_file)
    if not isinstance(videos, dict) or 'database' in videos:
        raise ValueError(f'{ann_file}: expected MMAction2\'s BMN layout, '
                         '{video: {"annotations": [...], ...}}')
    database = {}
    for video, info in videos.items():
        if not isinstance(info, dict):
            raise ValueError(f'{ann_file}: video {video} is not an object')
        database[video] = dict(
            subset='all', annotations=info.get('annotations', []))
    return dict(database=database)


def _video_classes(ground_truth: dict) -> Dict[str, List[str]]:
    """The distinct classes of each video, in order of appearance."""
    classes: Dict[str, List[str]] = {}
    for index, label in zip(ground_truth['videos'], ground_truth['labels']):
        video_classes = classes.setdefault(ground_truth['video_names'][index],
                                           [])
        if label not in video_classes:
            video_classes.append(label)
    return classes


def _read_classifier(path: str) -> Dict[str, List[Tuple[str, float]]]:
    """Each video's ``(label, score)`` from a classification results file,
    best first."""
    data = load_json_strict(path)
    results = data.get('results') if isinstance(data, dict) else None
    if not isinstance(results, dict):
        raise ValueError(f'{path}: no "results" object of videos (expected '
                         'ActivityNet\'s classification layout)')
    classifier = {}
    for video, entries in results.items():
        if not isinstance(entries, list) or not entries:
            raise ValueError(f'{path}: video {video}: "results" must be a '
                             'non-empty list of {"label", "score"}')
        ranked = []
        for index, entry in enumerate(entries):
            where = f'{path}: video {video}, entry {index}'
            if not isinstance(entry, dict) or not isinstance(
                    entry.get('label'), str):
                raise ValueError(f'{where}: field "label" must be a string')
            score = entry.get('score')
            if isinstance(score, bool) or not isinstance(
                    score, (int, float)) or not np.isfinite(score):
                raise ValueError(f'{where}: field "score" must be a finite '
                                 f'number, got {score!r}')
            ranked.append((entry['label'], float(score)))
        classifier[video] = sorted(ranked, key=lambda item: -item[1])
    return classifier
