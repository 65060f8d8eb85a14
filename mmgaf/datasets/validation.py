"""Checks of a dataset's files before training, each problem named by file,
video and field.

:func:`scan_features` reads a video's features in full (NaN, inf, absurd
magnitudes, too few steps for the annotated span); :func:`check_tad_dataset`
runs it over every video of a :class:`~mmgaf.datasets.TADDataset`
(``tools/misc/check_dataset.py``).
"""
import os
import os.path as osp
from typing import Dict, List, NamedTuple, Optional

import numpy as np

# Features are normalised activations; a value beyond this is corrupt data,
# not a feature (the float32 range is 3e38).
DEFAULT_MAX_ABS = 1e4


class Problem(NamedTuple):
    """One thing wrong with a dataset: where, and what."""
    file: str
    video: Optional[str]
    field: str
    message: str

    def __str__(self) -> str:
        video = f', video {self.video!r}' if self.video is not None else ''
        return f'{self.file}{video}, {self.field}: {self.message}'


def scan_features(path: str,
                  video: Optional[str] = None,
                  layout: str = 'TC',
                  feature_dim: Optional[int] = None,
                  max_abs: float = DEFAULT_MAX_ABS,
                  chunk_steps: int = 4096) -> List[Problem]:
    """Read a ``.npy`` feature file in full and list what is wrong with it.

    Args:
        path (str): The file.
        video (str, optional): Its video, named in the problems.
        layout (str): ``'TC'`` or ``'CT'``. Defaults to ``'TC'``.
        feature_dim (int, optional): Expected channels. Defaults to None.
        max_abs (float): Largest magnitude accepted. Defaults to
            :data:`DEFAULT_MAX_ABS`.
        chunk_steps (int): Steps read at a time. Defaults to 4096.

    Returns:
        list[Problem]: Empty when the file is fine.
    """

    def problem(field, message):
        return [Problem(path, video, field, message)]

    if not osp.isfile(path):
        return problem('file', 'no such file')
    if os.path.getsize(path) == 0:
        return problem('file', 'empty (0 bytes)')
    try:
        feats = np.load(path, mmap_mode='r', allow_pickle=False)
    except (OSError, ValueError, EOFError) as error:
        return problem('file', f'not a readable .npy array: {error}')
    if feats.dtype.kind != 'f':
        return problem('dtype', f'{feats.dtype}, expected floating-point '
                       'features')
    if feats.ndim != 2:
        return problem(
            'shape', f'{feats.shape}, expected a 2-D array in '
            f'layout {layout!r}')
    steps_axis = 0 if layout == 'TC' else 1
    channels = feats.shape[1 - steps_axis]
    if feature_dim is not None and channels != feature_dim:
        return problem(
            'shape', f'{feats.shape} in layout {layout!r} has '
            f'{channels} channels, expected {feature_dim}')
    if feats.shape[steps_axis] == 0:
        return problem('shape', f'{feats.shape}: no steps')
    counts = dict(nan=0, inf=0, large=0)
    first = {}
    for begin in range(0, feats.shape[steps_axis], chunk_steps):
        part = np.asarray(feats[begin:begin + chunk_steps] if steps_axis ==
                          0 else feats[:, begin:begin + chunk_steps].T)
        for kind, mask in (('nan', np.isnan(part)), ('inf', np.isinf(part)),
                           ('large',
                            np.abs(np.nan_to_num(part, posinf=0, neginf=0))
                            > max_abs)):
            found = int(mask.sum())
            if found:
                counts[kind] += found
                first.setdefault(kind, begin + int(np.argwhere(mask)[0, 0]))
    names = dict(nan='NaN', inf='infinite', large=f'|x| > {max_abs:g}')
    return [
        Problem(
            path, video, 'values',
            f'{counts[kind]} {names[kind]} values, the first at step '
            f'{first[kind]}') for kind in ('nan', 'inf', 'large')
        if counts[kind]
    ]


def check_coverage(sample: dict, num_steps: int) -> List[Problem]:
    """Whether a video's features cover its annotated instances.

    The features cover the video up to the end of their last clip, ``(N -
    1) * feature_time_scale + 2 * feature_time_shift`` seconds (the shift is
    half a clip). An instance that ends more than one step after that would
    train and score as if the features saw it.

    Args:
        sample (dict): A sample dict of :class:`TADDataset` (one of the
            video's windows, or the video's fields and its feature source):
            ``video_name``, ``feature_path``, ``feature_time_scale``,
            ``feature_time_shift``, ``ann_segments`` (seconds).
        num_steps (int): Steps of the video's features.
    """
    scale = sample['feature_time_scale']
    covered = (num_steps - 1) * scale + 2 * sample['feature_time_shift']
    segments = np.asarray(sample['ann_segments'], dtype=float).reshape(-1, 2)
    late = segments[segments[:, 1] > covered + scale]
    if not len(late):
        return []
    return [
        Problem(
            sample['feature_path'], sample['video_name'], 'annotations',
            f'{len(late)} instances end after the features do ({num_steps} '
            f'steps cover the video up to {covered:.2f} s; the latest '
            f'instance ends at {late[:, 1].max():.2f} s): features shorter '
            'than the video, or segments past its end')
    ]


def check_tad_dataset(dataset,
                      max_abs: float = DEFAULT_MAX_ABS
                      ) -> Dict[str, List[Problem]]:
    """Every video of a feature-based :class:`TADDataset`, read in full.

    Returns:
        dict[str, list[Problem]]: The problems of each video that has any.
    """
    problems: Dict[str, List[Problem]] = {}
    seen = set()
    for index in range(len(dataset)):
        sample = dataset.get_data_info(index)
        video = sample['video_name']
        if video in seen or 'feature_path' not in sample:
            continue
        seen.add(video)
        found = scan_features(sample['feature_path'], video,
                              sample['feature_layout'],
                              sample.get('feature_dim'), max_abs)
        if not found:
            feats = np.load(sample['feature_path'], mmap_mode='r')
            stored = feats.shape[0 if sample['feature_layout'] == 'TC' else 1]
            stride = sample.get('feature_sample_stride', 1)
            found = check_coverage(sample, -(-stored // stride))
        if found:
            problems[video] = found
    return problems
