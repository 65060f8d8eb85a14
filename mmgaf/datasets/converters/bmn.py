"""Writer of mmgaf's feature datasets in the layout of MMAction2's BMN.

MMAction2's BMN reads one ``<video>.csv`` per video (a header line, then
one row of ``C`` values per step, every video rescaled to the same
``temporal_dim`` steps, as ActivityNet's ``csv_mean_100``) and an annotation
file ``{video: {"duration_second", "duration_frame", "feature_frame",
"annotations": [{"segment", "label"}]}}``, video names starting with
``v_`` (``ANetMetric`` strips two characters). The command-line front end
is ``tools/data/convert_to_bmn.py``.
"""
import json
import math
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.utils import ProgressBar, mkdir_or_exist

from mmgaf.fileio import load_json_strict
from .annotation_builder import expect_object, expect_objects

BMN_PREFIX = 'v_'


def bin_means(feats: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Means of step-wise constant features over intervals of positions.

    Step ``p`` holds ``feats[p]`` on positions ``[p - 0.5, p + 0.5)``;
    outside ``[-0.5, T - 0.5]`` the features are undefined, so intervals
    are clipped to it, and an interval that lies wholly outside gets its
    nearest step.

    Args:
        feats (np.ndarray): ``(T, C)`` features.
        edges (np.ndarray): ``(N + 1, )`` increasing positions, the edges
            of ``N`` intervals.

    Returns:
        np.ndarray: float32 ``(N, C)``, the mean over each interval.

    Example:
        >>> feats = np.array([[0.], [2.], [4.]])
        >>> bin_means(feats, np.array([-0.5, 1.0, 2.5]))[:, 0].round(4)
        array([0.6667, 3.3333], dtype=float32)
    """
    feats = np.asarray(feats, dtype=np.float64)
    num_steps = len(feats)
    x = np.clip(np.asarray(edges, dtype=np.float64), -0.5, num_steps - 0.5)
    if np.any(np.diff(x) < 0):
        raise ValueError('edges must be increasing')
    cumulative = np.concatenate(
        [np.zeros((1, feats.shape[1])),
         np.cumsum(feats, axis=0)])
    step = np.clip(np.floor(x + 0.5).astype(np.int64), 0, num_steps - 1)
    # the integral of the features from -0.5 to each edge
    integral = cumulative[step] + (x - step + 0.5)[:, None] * feats[step]
    width = np.diff(x)
    means = feats[step[:-1]].copy()
    inside = width > 0
    means[inside] = (integral[1:] - integral[:-1])[inside] / \
        width[inside, None]
    return means.astype(np.float32)


def rescale_features(feats: np.ndarray, temporal_dim: int, duration: float,
                     fps: float, feature_stride: int,
                     feature_clip_len: int) -> np.ndarray:
    """A video's features on BMN's grid: ``temporal_dim`` equal bins of
    ``[0, duration]`` seconds, each the mean of the features over it.

    Step ``p`` is the feature of the clip centred at
    ``(p * feature_stride + feature_clip_len / 2) / fps`` seconds, as
    mmgaf's datasets time them.

    Args:
        feats (np.ndarray): ``(T, C)`` features.
        temporal_dim (int): Steps of the output.
        duration (float): The video's seconds.
        fps (float): Frames per second the feature timing counts in.
        feature_stride (int): Frames between steps.
        feature_clip_len (int): Frames each step sees.

    Returns:
        np.ndarray: float32 ``(temporal_dim, C)``.
    """
    seconds = np.linspace(0., duration, temporal_dim + 1)
    positions = (seconds * fps - feature_clip_len / 2) / feature_stride
    return bin_means(feats, positions)


def bmn_name(video: str) -> str:
    """The video's name in MMAction2's BMN layout (``v_`` in front)."""
    return video if video.startswith(BMN_PREFIX) else BMN_PREFIX + video


def write_bmn_dataset(ann_file: str,
                      feature_dir: str,
                      out_dir: str,
                      temporal_dim: int,
                      fps: float,
                      feature_stride: int,
                      feature_clip_len: int,
                      subsets: Optional[Sequence[str]] = None,
                      feature_layout: str = 'TC',
                      progress: bool = False) -> Dict[str, int]:
    """Write an mmgaf feature dataset in MMAction2's BMN layout.

    ``out_dir/features/v_<video>.csv`` (``(temporal_dim, C)``, see
    :func:`rescale_features`) and ``out_dir/anno_<subset>.json`` per
    subset. ``duration_frame`` and ``feature_frame`` are both the video's
    frames at ``fps``: the rescaled features cover the whole video.

    Args:
        ann_file (str): mmgaf's annotation file (ActivityNet layout, with
            ``subset`` and ``duration`` per video).
        feature_dir (str): Holds ``<video>.npy`` per video.
        out_dir (str): Created if missing.
        temporal_dim (int): BMN's ``temporal_dim``.
        fps (float): See :func:`rescale_features`. A video's own ``fps``
            entry is not used: the feature timing is the dataset's.
        feature_stride (int): See :func:`rescale_features`.
        feature_clip_len (int): See :func:`rescale_features`.
        subsets (Sequence[str], optional): Subsets to write; None for all.
            Defaults to None.
        feature_layout (str): ``'TC'`` or ``'CT'``, the ``.npy`` arrays'.
            Defaults to ``'TC'``.
        progress (bool): Show a progress bar. Defaults to False.

    Returns:
        dict[str, int]: Videos written per subset.
    """
    if temporal_dim < 2:
        raise ValueError(f'temporal_dim must be >= 2, got {temporal_dim}')
    if feature_layout not in ('TC', 'CT'):
        raise ValueError(
            f"feature_layout must be 'TC' or 'CT', got {feature_layout!r}")
    root = expect_object(load_json_strict(ann_file), ann_file)
    database = expect_object(root.get('database'), f'{ann_file}: database')
    wanted = None if subsets is None else set(subsets)
    videos = [(name, info) for name, info in database.items()
              if wanted is None or info.get('subset') in wanted]
    mkdir_or_exist(osp.join(out_dir, 'features'))
    annotations: Dict[str, dict] = {}
    bar = ProgressBar(len(videos)) if progress else None
    for name, info in videos:
        where = f'{ann_file}: video {name}'
        expect_object(info, where)
        duration = _positive_number(info.get('duration'), where, 'duration')
        feats = _load_features(
            osp.join(feature_dir, name + '.npy'), feature_layout, name)
        rescaled = rescale_features(feats, temporal_dim, duration, fps,
                                    feature_stride, feature_clip_len)
        np.savetxt(
            osp.join(out_dir, 'features',
                     bmn_name(name) + '.csv'),
            rescaled,
            fmt='%.6g',
            delimiter=',',
            header=','.join(f'f{i}' for i in range(rescaled.shape[1])),
            comments='')
        frames = int(round(duration * fps))
        annotations.setdefault(str(info.get('subset')),
                               {})[bmn_name(name)] = dict(
                                   duration_second=duration,
                                   duration_frame=frames,
                                   feature_frame=frames,
                                   fps=fps,
                                   annotations=_instances(info, where))
        if bar is not None:
            bar.update()
    for subset, entries in annotations.items():
        with open(osp.join(out_dir, f'anno_{subset}.json'), 'w') as file:
            json.dump(entries, file)
    return {subset: len(entries) for subset, entries in annotations.items()}


def _positive_number(value, where: str, field: str) -> float:
    """A number or numeric string > 0, else an error naming ``field``."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float('nan')
    if isinstance(value, bool) or not (number > 0 and math.isfinite(number)):
        raise ValueError(f'{where}: field "{field}" must be a positive '
                         f'number, got {value!r}')
    return number


def _load_features(path: str, layout: str, video: str) -> np.ndarray:
    if not osp.isfile(path):
        raise FileNotFoundError(f'video {video}: no feature file {path}')
    feats = np.load(path, mmap_mode='r')
    if feats.ndim != 2 or min(feats.shape) == 0:
        raise ValueError(f'{path} (video {video}): expected a non-empty 2-d '
                         f'feature array, got shape {feats.shape}')
    return np.asarray(feats if layout == 'TC' else feats.T)


def _instances(info: dict, where: str) -> List[dict]:
    instances = []
    for index, entry in enumerate(
            expect_objects(info.get('annotations'), f'{where}: annotations')):
        segment = entry.get('segment')
        if not (isinstance(segment, (list, tuple)) and len(segment) == 2):
            raise ValueError(f'{where}: annotations[{index}] field "segment" '
                             f'must be [start, end], got {segment!r}')
        instances.append(
            dict(
                segment=[float(segment[0]),
                         float(segment[1])],
                label=str(entry.get('label'))))
    return instances
