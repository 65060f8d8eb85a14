"""Reading and writing the official ActivityNet detection JSON files, and
evaluating them with :func:`detection_map`.

Ground truth: ``{"database": {video: {"subset", "annotations": [{"label",
"segment": [start, end]}], ...}}}``; segments may be numbers or numeric
strings (THUMOS14's ``thumos_gt.json``). Results: ``{"version", "results":
{video: [{"label", "score", "segment"}]}, "external_data"}``.

In memory both are flat: ``video_names`` (the videos, V), and per instance
``videos`` (int64 ``(N, )`` indices into ``video_names``), ``labels`` (class
names, N), ``segments`` (float64 ``(N, 2)``, seconds) and, for results,
``scores`` (float64 ``(N, )``); ``source`` names the file for messages.

Reading is vectorised: the entries are gathered into flat lists by C-level
iteration (``map``, ``itemgetter``), their types checked as sets and their
values as arrays. Only when a check fails does the per-entry loop run, to
find the first bad entry and name its file, video and field; both paths
accept the same files and give the same arrays.
"""
from itertools import chain
from operator import itemgetter
from typing import Dict, List, Optional, Sequence, Union

import numpy as np

from .detection_map import detection_map
from .fast_json import load_json

_LABEL = itemgetter('label')
_SEGMENT = itemgetter('segment')
_SCORE = itemgetter('score')

SubsetType = Union[str, Sequence[str], None]


def load_anet_ground_truth(source: Union[str, dict],
                           subset: SubsetType = None,
                           name: Optional[str] = None) -> dict:
    """Read the ground truth of some subsets of an ActivityNet-layout file.

    Every video of the subsets is listed in ``video_names``, with or
    without annotations: they all count in the evaluation.

    Args:
        source (str | dict): A JSON file, or its content.
        subset (str | Sequence[str], optional): The subsets to keep, matched
            against each video's ``"subset"``. None keeps every video.
        name (str, optional): What messages call ``source`` when it is a
            dict, e.g. the file it was read from. Defaults to None.

    Returns:
        dict: ``video_names``, ``videos``, ``labels``, ``segments`` and
        ``source``.
    """
    data, found_name = _load_json(source, 'ground truth')
    name = name or found_name
    database = data.get('database') if isinstance(data, dict) else None
    if not isinstance(database, dict):
        raise ValueError(f'{name} has no "database" dict of videos')
    subsets = None if subset is None else (
        {subset} if isinstance(subset, str) else set(subset))
    loaded = _flat_ground_truth(database, subsets)
    if loaded is None:
        loaded = _ground_truth_entry_by_entry(database, subsets, name)
    if not loaded['video_names']:
        raise ValueError(f'{name} has no video of subset {subset!r}')
    return dict(loaded, source=name)


def _flat_ground_truth(database: dict, subsets: Optional[set]):
    """The ground truth of :func:`load_anet_ground_truth`, vectorised; None
    if any check fails."""
    video_names, counts, annotations = [], [], []
    for video, info in database.items():
        if type(info) is not dict:
            return None
        if subsets is not None:
            if type(info.get('subset')) is not str:
                return None
            if info['subset'] not in subsets:
                continue
        if type(info.get('annotations')) is not list:
            return None
        video_names.append(video)
        counts.append(len(info['annotations']))
        annotations.append(info['annotations'])
    instances = _flat_instances(
        list(chain.from_iterable(annotations)), with_scores=False)
    if instances is None:
        return None
    return dict(
        video_names=video_names,
        videos=np.repeat(np.arange(len(video_names), dtype=np.int64), counts),
        **instances)


def _ground_truth_entry_by_entry(database: dict, subsets: Optional[set],
                                 name: str) -> dict:
    """The ground truth of :func:`load_anet_ground_truth`, one annotation
    at a time: raises a ValueError naming the first bad one."""
    video_names, videos, labels, segments = [], [], [], []
    for video, info in database.items():
        if subsets is not None:
            if 'subset' not in info:
                raise ValueError(f'{name}: video {video} has no "subset"')
            if info['subset'] not in subsets:
                continue
        if 'annotations' not in info:
            raise ValueError(f'{name}: video {video} has no "annotations"')
        for i, ann in enumerate(info['annotations']):
            where = f'{name}: video {video}, annotation {i}'
            labels.append(_parse_label(ann, where))
            segments.append(_parse_segment(ann, where))
            videos.append(len(video_names))
        video_names.append(video)
    return dict(
        video_names=video_names,
        videos=np.asarray(videos, dtype=np.int64),
        labels=labels,
        segments=np.asarray(segments, dtype=np.float64).reshape(-1, 2))


def load_anet_results(source: Union[str, dict]) -> dict:
    """Read detections in the official results layout.

    Args:
        source (str | dict): A JSON file, or its content.

    Returns:
        dict: ``video_names``, ``videos``, ``labels``, ``segments``,
        ``scores`` and ``source``.
    """
    data, name = _load_json(source, 'results')
    results = data.get('results') if isinstance(data, dict) else None
    if not isinstance(results, dict):
        raise ValueError(f'{name} has no "results" dict of videos')
    loaded = None
    if all(type(detections) is list for detections in results.values()):
        loaded = _flat_instances(
            list(chain.from_iterable(results.values())), with_scores=True)
    if loaded is None:
        loaded = _results_entry_by_entry(results, name)
    else:
        loaded['videos'] = np.repeat(
            np.arange(len(results), dtype=np.int64),
            list(map(len, results.values())))
    return dict(loaded, video_names=list(results), source=name)


def _results_entry_by_entry(results: dict, name: str) -> dict:
    """The detections of :func:`load_anet_results`, one at a time: raises a
    ValueError naming the first bad one."""
    videos, labels, segments, scores = [], [], [], []
    for index, (video, detections) in enumerate(results.items()):
        if not isinstance(detections, list):
            raise ValueError(f'{name}: the results of video {video} are not '
                             'a list')
        for i, det in enumerate(detections):
            where = f'{name}: video {video}, detection {i}'
            labels.append(_parse_label(det, where))
            segments.append(_parse_segment(det, where))
            scores.append(_parse_score(det, where))
            videos.append(index)
    return dict(
        videos=np.asarray(videos, dtype=np.int64),
        labels=labels,
        segments=np.asarray(segments, dtype=np.float64).reshape(-1, 2),
        scores=np.asarray(scores, dtype=np.float64))


def _flat_instances(entries: list, with_scores: bool) -> Optional[dict]:
    """``labels``, ``segments`` (and ``scores``) of annotations or
    detections, or None if any entry would fail :func:`_parse_label`,
    :func:`_parse_segment` or :func:`_parse_score` (which accept the same
    values: strings, pairs of numbers or numeric strings, numbers but not
    booleans; subclasses and other odd types are left to them)."""
    if not set(map(type, entries)) <= {dict}:
        return None
    try:
        labels = list(map(_LABEL, entries))
        pairs = list(map(_SEGMENT, entries))
        scores = list(map(_SCORE, entries)) if with_scores else []
    except KeyError:
        return None
    well_typed = (
        set(map(type, labels)) <= {str},
        set(map(type, pairs)) <= {list, tuple},
        set(map(len, pairs)) <= {2},
        set(map(type, scores)) <= {int, float},
    )
    if not all(well_typed):
        return None
    try:
        # float() of each value, as _parse_segment and _parse_score take
        # them (numeric strings included).
        segments = np.fromiter(
            map(float, chain.from_iterable(pairs)), np.float64,
            2 * len(pairs)).reshape(-1, 2)
        scores = np.fromiter(map(float, scores), np.float64, len(scores))
    except (TypeError, ValueError, OverflowError):
        return None
    if not np.isfinite(segments).all() or not np.isfinite(scores).all():
        return None
    if (segments[:, 1] < segments[:, 0]).any():
        return None
    instances = dict(labels=labels, segments=segments)
    if with_scores:
        instances['scores'] = scores
    return instances


def format_anet_results(results: dict, version: str = 'VERSION 1.3') -> dict:
    """The official results layout of detections held as
    :func:`load_anet_results` returns them; every video of
    ``results['video_names']`` gets a list, possibly empty."""
    per_video: Dict[str, List[dict]] = {
        video: []
        for video in results['video_names']
    }
    for video, label, segment, score in zip(results['videos'].tolist(),
                                            results['labels'],
                                            results['segments'].tolist(),
                                            results['scores'].tolist()):
        per_video[results['video_names'][video]].append(
            dict(label=label, score=score, segment=segment))
    return dict(version=version, results=per_video, external_data={})


PROTOCOLS = ('official', 'afsd')


def anet_detection_map(ground_truth: dict,
                       results: dict,
                       iou_thrs: Sequence[float],
                       class_names: Optional[Sequence[str]] = None,
                       protocol: str = 'official') -> dict:
    """:func:`detection_map` of detections against ground truth, both as
    :func:`load_anet_ground_truth` and :func:`load_anet_results` return
    them.

    Two protocols. ``'official'`` (the ActivityNet evaluator's): detections
    of videos that are not in the ground truth count as false positives,
    and a label that is not one of ``class_names`` is an error. ``'afsd'``
    (the copy in AFSD's ``AFSD/evaluation/eval_detection.py``, which
    AFSD's and GAF's published THUMOS14 numbers come from): detections are
    left out unless their video has at least one ground-truth instance and
    their label is one of the ground truth's labels. Everything else is
    the same: AFSD's copy only adds those two filters to its prediction
    reader.

    Args:
        ground_truth (dict): The ground truth.
        results (dict): The detections.
        iou_thrs (Sequence[float]): ``(T, )`` tIoU thresholds.
        class_names (Sequence[str], optional): The classes, in the order of
            the returned ``ap`` columns. Every label of the ground truth
            (and, by the official protocol, of the results) must be one of
            them (a class without ground truth gets NaN AP). Defaults to
            the ground truth's labels in order of appearance, so that, as
            the official evaluator, a detection labelled otherwise is an
            error.
        protocol (str): ``'official'`` or ``'afsd'``. Defaults to
            ``'official'``.

    Returns:
        dict: :func:`detection_map`'s dict plus ``class_names``,
        ``unknown_videos`` (result videos absent from the ground truth),
        ``protocol`` and ``num_dropped`` (detections the protocol left out).
    """
    if protocol not in PROTOCOLS:
        raise ValueError(f'protocol must be one of {PROTOCOLS}, got '
                         f'{protocol!r}')
    num_dropped = 0
    if protocol == 'afsd':
        kept = _afsd_kept(ground_truth, results)
        num_dropped = int(len(kept) - kept.sum())
        results = dict(
            results,
            videos=results['videos'][kept],
            labels=[label for label, k in zip(results['labels'], kept) if k],
            segments=results['segments'][kept],
            scores=results['scores'][kept])
    if class_names is None:
        # as the official evaluator: a detection's label must be a class of
        # the ground truth (_encode_labels names the offending video)
        class_names = list(dict.fromkeys(ground_truth['labels']))
    class_index = {name: i for i, name in enumerate(class_names)}
    video_index = {
        name: i
        for i, name in enumerate(ground_truth['video_names'])
    }
    unknown_videos = [
        name for name in results['video_names'] if name not in video_index
    ]
    for name in unknown_videos:
        video_index[name] = len(video_index)
    result_videos = np.asarray(
        [video_index[name] for name in results['video_names']], dtype=np.int64)
    ground_truth_arrays = dict(
        segments=ground_truth['segments'],
        labels=_encode_labels(ground_truth, class_index),
        videos=ground_truth['videos'])
    result_arrays = dict(
        segments=results['segments'],
        scores=results['scores'],
        labels=_encode_labels(results, class_index),
        videos=result_videos[results['videos']])
    evaluation = detection_map(ground_truth_arrays, result_arrays, iou_thrs,
                               len(class_names))
    evaluation.update(
        class_names=list(class_names),
        unknown_videos=unknown_videos,
        protocol=protocol,
        num_dropped=num_dropped)
    return evaluation


def _afsd_kept(ground_truth: dict, results: dict) -> np.ndarray:
    """Which detections AFSD's evaluator reads: bool ``(N, )``."""
    annotated = {
        ground_truth['video_names'][video]
        for video in ground_truth['videos'].tolist()
    }
    known_labels = set(ground_truth['labels'])
    video_kept = np.array(
        [name in annotated for name in results['video_names']], dtype=bool)
    label_kept = np.array(
        [label in known_labels for label in results['labels']],
        dtype=bool).reshape(-1)
    return video_kept[results['videos']] & label_kept


def _encode_labels(instances: dict, class_index: Dict[str, int]) -> np.ndarray:
    encoded = list(map(class_index.get, instances['labels']))
    if None not in encoded:
        return np.asarray(encoded, dtype=np.int64).reshape(-1)
    i = encoded.index(None)
    video = instances['video_names'][instances['videos'][i]]
    raise ValueError(
        f'{instances.get("source", "the input")}: video {video} has '
        f'label {instances["labels"][i]!r}, which is not one of the classes')


def _load_json(source: Union[str, dict], what: str):
    if not isinstance(source, str):
        return source, f'the {what}'
    return load_json(source), source


def _parse_label(entry: dict, where: str) -> str:
    if not isinstance(entry, dict) or not isinstance(entry.get('label'), str):
        raise ValueError(f'{where} has no string "label"')
    return entry['label']


def _parse_segment(entry: dict, where: str) -> List[float]:
    segment = entry.get('segment')
    try:
        if not isinstance(segment, (list, tuple)) or len(segment) != 2:
            raise TypeError
        start, end = float(segment[0]), float(segment[1])
    except (TypeError, ValueError):
        raise ValueError(f'{where}: "segment" must be two numbers (or '
                         f'numeric strings), got {segment!r}') from None
    if not (np.isfinite(start) and np.isfinite(end)) or end < start:
        raise ValueError(f'{where}: bad segment [{start}, {end}]')
    return [start, end]


def _parse_score(entry: dict, where: str) -> float:
    score = entry.get('score')
    if isinstance(score, bool) or not isinstance(score, (int, float)):
        raise ValueError(f'{where} has no numeric "score", got {score!r}')
    if not np.isfinite(score):
        raise ValueError(f'{where}: score {score} is not finite')
    return float(score)
