import json
import logging
import os.path as osp
from collections import OrderedDict
from typing import List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log
from mmengine.utils import mkdir_or_exist

from mmgaf.registry import METRICS, TASK_UTILS
from ..functional import (PROTOCOLS, anet_detection_map,
                          detection_summary_table, format_anet_results,
                          load_anet_ground_truth, summarize_detection_map,
                          tiou_name)

WINDOW_KEYS = ('video_name', 'duration', 'time_scale', 'time_shift')


@METRICS.register_module()
class TADMetric(BaseMetric):
    """Temporal action detection mAP, by the ActivityNet protocol.

    The model's outputs are windows (``TADDataSample`` with
    ``pred_instances`` in window steps). The windows of each video are
    merged by :class:`~mmgaf.models.task_modules.WindowMerger`: mapped to
    seconds, clipped to the video (segments wholly outside it are dropped),
    pooled, per-class NMS or soft-NMS, best ``max_per_video`` kept.
    The detections are evaluated against the ground truth of ``subset`` in
    ``ann_file``; every ground-truth video of the subset counts, predicted
    or not (a missing video only lowers recall).

    Videos predicted but absent from the ground-truth subset count as false
    positives by the official protocol and are named in a warning. They
    usually mean that ``ann_file`` / ``subset`` do not match the dataset,
    but published THUMOS14 numbers are computed with such videos: the 212
    test videos that AFSD and G-TAD run on include two that
    ``thumos_gt.json`` leaves out. AFSD's and GAF's numbers come from
    AFSD's copy of the evaluator, which leaves those detections out
    (``protocol='afsd'``, see :func:`anet_detection_map`).

    ``ann_file`` is read on its own, so the metric scores against exactly
    the published ground truth (e.g. all 3311 test instances of
    ``thumos_gt.json``) whatever the dataset's windows keep for training.

    Metrics: ``mAP@0.50`` etc. for each of ``iou_thrs``, ``mAP`` averaging
    the mAPs at ``average_iou_thrs``, and with ``classwise`` each class's AP
    (averaged like ``mAP``) as ``AP/<class>``. A class without ground truth
    in the subset has no AP and no part in the mAP, whatever it predicts.
    The per-class table is logged.

    Args:
        ann_file (str): Ground truth in the ActivityNet layout
            (``{"database": {video: {"subset", "annotations": [{"label",
            "segment"}]}}}``); segments in seconds, numbers or numeric
            strings, as in THUMOS14's ``thumos_gt.json``. Labels are class
            names of ``dataset_meta['classes']``.
        subset (str | Sequence[str], optional): Subsets of ``ann_file`` to
            evaluate on; None for every video. Defaults to ``'test'``.
        iou_thrs (Sequence[float]): tIoU thresholds reported one by one.
            Defaults to THUMOS14's ``(0.3, 0.4, 0.5, 0.6, 0.7)``.
        average_iou_thrs (Sequence[float], optional): Thresholds averaged
            into ``mAP``; need not be among ``iou_thrs`` (ActivityNet
            reports 0.5, 0.75 and 0.95 and averages 0.5:0.05:0.95).
            Defaults to ``iou_thrs``.
        nms_cfg (dict, optional): ``type='nms'`` (with ``iou_thr``),
            ``type='soft_nms'`` (with ``sigma``, ``min_score``) or None; see
            :class:`~mmgaf.models.task_modules.WindowMerger`.
        max_per_video (int): Detections kept per video. Defaults to 200.
        score_thr (float): Detections scoring below it are dropped before
            NMS. Defaults to 0.
        clip_to_duration (bool): Whether segments are clipped to their
            video (AFSD's ``test.py`` does not); see
            :class:`~mmgaf.models.task_modules.WindowMerger`. Defaults to
            True.
        protocol (str): ``'official'`` or ``'afsd'``, see above. Defaults
            to ``'official'``.
        out_file (str, optional): Where to write the detections in the
            official results layout (``{"version", "results",
            "external_data"}``), plus a ``"metrics"`` entry with the
            numbers, per-class APs included. Defaults to None.
        classwise (bool): Whether to return each class's AP as a metric.
            Defaults to False.
        collect_device (str): ``'cpu'`` or ``'gpu'``. Defaults to ``'cpu'``.
        prefix (str, optional): Prefix of the metric names. Defaults to
            ``'tad'``.
    """
    default_prefix = 'tad'

    def __init__(self,
                 ann_file: str,
                 subset: Union[str, Sequence[str], None] = 'test',
                 iou_thrs: Sequence[float] = (0.3, 0.4, 0.5, 0.6, 0.7),
                 average_iou_thrs: Optional[Sequence[float]] = None,
                 nms_cfg: Optional[dict] = dict(
                     type='soft_nms', sigma=0.5, min_score=0.001),
                 max_per_video: int = 200,
                 score_thr: float = 0.0,
                 clip_to_duration: bool = True,
                 protocol: str = 'official',
                 out_file: Optional[str] = None,
                 classwise: bool = False,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = 'tad') -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.iou_thrs = self._check_thrs(iou_thrs, 'iou_thrs')
        self.average_iou_thrs = self.iou_thrs if average_iou_thrs is None \
            else self._check_thrs(average_iou_thrs, 'average_iou_thrs')
        # Through the registry, which imports mmgaf.models only now: the
        # evaluation package stays light for tools that only read files.
        self.merger = TASK_UTILS.build(
            dict(
                type='mmgaf.WindowMerger',
                nms_cfg=nms_cfg,
                max_per_video=max_per_video,
                score_thr=score_thr,
                clip_to_duration=clip_to_duration))
        if protocol not in PROTOCOLS:
            raise ValueError(f'protocol must be one of {PROTOCOLS}, got '
                             f'{protocol!r}')
        self.protocol = protocol
        self.ann_file = ann_file
        self.ground_truth = load_anet_ground_truth(ann_file, subset)
        self.out_file = out_file
        self.classwise = classwise

    @staticmethod
    def _check_thrs(thrs: Sequence[float], name: str) -> List[float]:
        thrs = [float(thr) for thr in thrs]
        if not thrs or any(not 0 <= thr <= 1 for thr in thrs):
            raise ValueError(f'{name} must be non-empty values in [0, 1], '
                             f'got {thrs}')
        names = [tiou_name(thr) for thr in thrs]
        if len(set(names)) != len(names):
            raise ValueError(f'{name} has duplicate thresholds: {thrs}')
        return thrs

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Keep each window's predictions and its time map.

        Args:
            data_batch (dict): The batch from the dataloader (unused).
            data_samples (Sequence[dict]): The model's ``TADDataSample``
                outputs as dicts, with ``pred_instances`` (``segments``
                ``(K, 2)``, ``scores`` ``(K, )``, ``labels`` ``(K, )``, in
                window steps) and the metainfo keys ``video_name``,
                ``duration``, ``time_scale`` and ``time_shift``.
        """
        for sample in data_samples:
            video = sample.get('video_name', '<unnamed>')
            missing = [
                key for key in WINDOW_KEYS + ('pred_instances', )
                if key not in sample
            ]
            if missing:
                raise KeyError(f'the output of video {video} lacks {missing}')
            preds = sample['pred_instances']
            window = {key: sample[key] for key in WINDOW_KEYS}
            for key in ('segments', 'scores', 'labels'):
                if key not in preds:
                    raise KeyError(f'pred_instances of video {video} lacks '
                                   f'"{key}"')
                window[key] = torch.as_tensor(preds[key]).detach().cpu()
            self.results.append(window)

    def compute_metrics(self, results: list) -> dict:
        """Merge the windows per video and evaluate.

        Args:
            results (list[dict]): The windows kept by :meth:`process`, from
                every rank.

        Returns:
            dict: ``mAP@<thr>`` for each of ``iou_thrs``, ``mAP``, and with
            ``classwise`` ``AP/<class>``.
        """
        if not self.dataset_meta or 'classes' not in self.dataset_meta:
            raise ValueError('TADMetric needs dataset_meta["classes"], the '
                             'class names in label order')
        classes = list(self.dataset_meta['classes'])
        detections = self._merge_videos(results, classes)

        evaluated_thrs = sorted(set(self.iou_thrs + self.average_iou_thrs))
        evaluation = anet_detection_map(
            self.ground_truth,
            detections,
            evaluated_thrs,
            class_names=classes,
            protocol=self.protocol)
        summary = summarize_detection_map(evaluation, self.iou_thrs,
                                          self.average_iou_thrs)
        self._log(summary, detections)
        if self.out_file is not None:
            out = format_anet_results(detections)
            out['metrics'] = summary
            mkdir_or_exist(osp.dirname(osp.abspath(self.out_file)))
            with open(self.out_file, 'w') as file:
                json.dump(out, file)
            print_log(
                f'detections and metrics written to {self.out_file}',
                logger='current')

        metrics = OrderedDict(summary['metrics'])
        if self.classwise:
            for name, entry in summary['per_class'].items():
                if entry['AP'] is not None:
                    metrics[f'AP/{name}'] = entry['AP']
        return metrics

    def _merge_videos(self, results: list, classes: List[str]) -> dict:
        """Detections in seconds, flat as ``load_anet_results`` returns
        them, one merged set per video in order of first appearance."""
        windows, durations = OrderedDict(), {}
        for window in results:
            video = window['video_name']
            duration = float(window['duration'])
            if durations.setdefault(video, duration) != duration:
                raise ValueError(f'the windows of video {video} disagree on '
                                 f'its duration: {durations[video]} and '
                                 f'{duration}')
            if not float(window['time_scale']) > 0:
                raise ValueError(f'a window of video {video} has time_scale '
                                 f'{window["time_scale"]}; it must be > 0')
            windows.setdefault(video, []).append(window)

        videos, labels, segments, scores = [], [], [], []
        for index, (video, video_windows) in enumerate(windows.items()):
            merged = self.merger(video_windows, durations[video])
            video_labels = merged['labels'].tolist()
            bad = [
                label for label in video_labels
                if not 0 <= label < len(classes)
            ]
            if bad:
                raise ValueError(f'video {video} has predicted label '
                                 f'{bad[0]}, outside [0, {len(classes)})')
            labels += [classes[label] for label in video_labels]
            videos += [index] * len(video_labels)
            segments.append(merged['segments'].numpy())
            scores.append(merged['scores'].double().numpy())
        return dict(
            video_names=list(windows),
            videos=np.asarray(videos, dtype=np.int64),
            labels=labels,
            segments=np.concatenate(segments) if segments else np.zeros(
                (0, 2)),
            scores=np.concatenate(scores) if scores else np.zeros(0),
            source='the model outputs')

    def _log(self, summary: dict, detections: dict) -> None:
        unknown = summary['unknown_videos']
        if unknown:
            fate = ('are left out (protocol "afsd")'
                    if self.protocol == 'afsd' else 'count as false positives')
            print_log(
                f'{len(unknown)} predicted video(s) are not in the ground '
                f'truth of {self.ann_file}; their detections {fate}: '
                f'{", ".join(unknown[:10])}' +
                (' ...' if len(unknown) > 10 else ''),
                logger='current',
                level=logging.WARNING)
        predicted = set(detections['video_names'])
        missing = [
            video for video in self.ground_truth['video_names']
            if video not in predicted
        ]
        if missing:
            print_log(
                f'{len(missing)} of {len(self.ground_truth["video_names"])} '
                'ground-truth videos have no prediction (their ground truth '
                'still counts)',
                logger='current',
                level=logging.WARNING)
        print_log(
            'tIoU thresholds averaged into mAP: ' +
            ', '.join(tiou_name(thr) for thr in self.average_iou_thrs),
            logger='current')
        print_log('\n' + detection_summary_table(summary), logger='current')
