"""TADDataset: one dataset for temporal action detection over features or
frames, windowed or rescaled.

Over 400 lines for a reason: the annotation reading, the start-up checks
that name file, video and field, and the two ways of cutting a video into
samples are one contract (the time map each sample carries, see
docs/architecture.md) that is easier to check in one place; the window
arithmetic itself lives in ./windowing.py and the full file checks in
./validation.py."""
import logging
import math
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmaction.datasets import BaseActionDataset
from mmengine.fileio import exists, isdir, join_path, list_from_file
from mmengine.logging import print_log
from mmengine.utils import is_abs

from mmgaf.fileio import load_json_strict
from mmgaf.registry import DATASETS
from .transforms.loading import FEATURE_LAYOUTS, open_features
from .validation import check_coverage
from .windowing import (WINDOW_GT_RULES, clip_to_window, sliding_window_starts,
                        window_borders, window_positions)

INPUT_TYPES = ('feature', 'video', 'img')
FRAME_COUNTS = ('ceil', 'floor')

# Segment ends written from durations rounded elsewhere may exceed the
# duration by float noise; more than this is an annotation error.
_DURATION_TOLERANCE = 1e-6
# Frame counts and positions computed in floats land on integers with
# rounding error (e.g. 336.99999 frames); this keeps floor / ceil on them.
_STEP_EPS = 1e-6


@DATASETS.register_module()
class TADDataset(BaseActionDataset):
    """Windows of untrimmed videos for temporal action detection.

    The annotation file (ActivityNet style; times in seconds, numbers may be
    numeric strings; ``fps`` is the video's frame rate, optional)::

        {"database": {"video_test_0000004": {
            "subset": "test", "duration": 33.73, "fps": 30.0,
            "annotations": [{"label": "CricketBowling",
                             "segment": [0.2, 1.1]}, ...]}, ...}}

    ``tools/data/*/convert_annotations.py`` write it from the published
    layouts.

    Each sample is one window of a video (docs/architecture.md, "Units").
    The key of ``data_prefix`` chooses what a step is:

    - ``dict(feature=DIR)``: ``DIR/<video>.npy``, a 2-D array in
      ``feature_layout``; step ``i`` is the feature of the clip of
      ``feature_clip_len`` frames starting at frame ``i * feature_stride``,
      centred at ``(i * feature_stride + feature_clip_len / 2) / fps``
      seconds;
    - ``dict(video=DIR)``: ``DIR/<video><video_suffix>``, decoded (e.g. by
      MMAction2's ``DecordInit``/``DecordDecode`` after
      :class:`SampleWindowFrames`); step ``k`` is the frame shown at
      ``k / sample_fps`` seconds;
    - ``dict(img=DIR)``: rawframe folders ``DIR/<video>/`` named by
      ``filename_tmpl`` from ``start_index`` (read with
      :class:`RawFrameInit` and ``RawFrameDecode``); steps as for videos.

    Windows either slide (``window_stride``), the last one aligned to the
    end of the video and a video shorter than a window padded, or cover the
    whole video rescaled to ``window_size`` steps (``rescale=True``). Each
    sample dict holds ``video_name``, ``duration``, ``fps``,
    ``window_start``, ``window_size``, ``valid_len``, ``num_steps`` (steps in
    the video), ``time_scale``, ``time_shift``, ``ann_segments`` (``(N, 2)``
    seconds), ``ann_labels`` (``(N,)``), ``min_kept_ratio``,
    ``window_gt_rule``, ``min_gt_len`` (float: the video's shortest instance
    in window steps, from which :class:`BoundaryContrast` derives AFSD's
    ``th``: the least of ``window_size``, the lengths of the instances its
    windows keep and, when the video has a single window, of all its
    instances) and the input's
    location: ``feature_path``, ``feature_layout``, ``feature_dim``,
    ``feature_time_scale``, ``feature_time_shift`` (seconds of feature ``i``
    are ``i * feature_time_scale + feature_time_shift``) / ``filename`` /
    ``frame_dir``, ``filename_tmpl``.

    Args:
        ann_file (str): The annotation file.
        pipeline (list[dict | callable]): Transforms from the sample dict to
            the packed inputs (ending in :class:`PackTADInputs`).
        window_size (int): Steps per window (padding included); with
            ``rescale`` the number of steps a whole video is resampled to.
        window_stride (int, optional): Steps between sliding windows.
            Required unless ``rescale``.
        rescale (bool): One window per video, resampled to ``window_size``
            steps (``time_scale = duration / window_size``). Defaults to
            False.
        subset (str | Sequence[str], optional): The ``subset`` values of the
            videos to read; None reads every video. Defaults to None.
        class_file (str, optional): Class names, one per line; a label's
            index is its line's. Relative to ``data_root``. Otherwise
            ``metainfo=dict(classes=(...))``.
        data_prefix (dict): One of ``feature``, ``video``, ``img`` (see
            above), relative to ``data_root``. Defaults to
            ``dict(feature='')``.
        fps (float, optional): Frame rate the features were extracted at;
            None takes each video's ``fps`` from the annotation file.
            Features only.
        feature_stride (int, optional): Frames between two feature clips.
            Required for features.
        feature_clip_len (int, optional): Frames a feature clip sees; the
            feature is centred ``feature_clip_len / 2`` frames after the
            clip's first frame. Required for features.
        feature_layout (str): ``'TC'`` or ``'CT'``. Defaults to ``'TC'``.
        feature_sample_stride (int): Use every k-th stored feature as a step
            (OpenTAD's ``sample_stride``): a step is then ``k *
            feature_stride`` frames, so a window of a given number of steps
            spans k times longer. Defaults to 1.
        feature_dim (int, optional): Expected channels; checked on every
            file when given. Defaults to None.
        sample_fps (float, optional): Steps per second for frames; required
            for sliding windows over frames.
        video_suffix (str): Defaults to ``'.mp4'``.
        filename_tmpl (str): Rawframe names. Defaults to
            ``'img_{:05}.jpg'``.
        frame_count (str): Steps of a video of ``duration`` seconds over
            frames: ``'ceil'``, every frame shown before its end,
            ``ceil(duration * sample_fps)``; ``'floor'``, only whole
            sampling periods, ``floor(duration * sample_fps)``, the frames
            AFSD's ``video2npy`` keeps (``sample_count`` of its
            ``video_info.csv``). Frames only. Defaults to ``'ceil'``.
        min_kept_ratio (float): An instance cut by a window border is kept
            when at least this fraction of it lies in the window. Defaults
            to 0.5 (AFSD).
        window_gt_rule (str): Where the window borders lie
            (:func:`mmgaf.datasets.windowing.window_borders`): ``'mmgaf'``,
            the window's real steps, the video's own start and end cutting
            nothing; ``'afsd'``, AFSD's ``split_videos``: positions ``[1,
            window_size]`` of every window, and a training window is kept
            (``drop_empty_windows``) only when it holds an instance whole.
            Defaults to ``'mmgaf'``.
        drop_empty_windows (bool, optional): Drop windows without any kept
            instance (``'afsd'``: without a whole one). Defaults to ``not
            test_mode``.
        skip_bad_videos (bool): Skip (count and report) a video whose
            annotations or input files are bad, instead of raising the error
            that names them. The checks at start-up read each feature file's
            header (``tools/misc/check_dataset.py`` reads every value).
            Defaults to False.
        test_mode (bool): Defaults to False.
        **kwargs: ``data_root``, ``metainfo``, ``start_index`` ... of
            MMAction2's ``BaseActionDataset``.
    """

    def __init__(self,
                 ann_file: str,
                 pipeline: List[Union[dict, Callable]],
                 window_size: int,
                 window_stride: Optional[int] = None,
                 rescale: bool = False,
                 subset: Union[str, Sequence[str], None] = None,
                 class_file: Optional[str] = None,
                 data_prefix: Dict[str, str] = dict(feature=''),
                 fps: Optional[float] = None,
                 feature_stride: Optional[int] = None,
                 feature_clip_len: Optional[int] = None,
                 feature_layout: str = 'TC',
                 feature_sample_stride: int = 1,
                 feature_dim: Optional[int] = None,
                 sample_fps: Optional[float] = None,
                 video_suffix: str = '.mp4',
                 filename_tmpl: str = 'img_{:05}.jpg',
                 frame_count: str = 'ceil',
                 min_kept_ratio: float = 0.5,
                 window_gt_rule: str = 'mmgaf',
                 drop_empty_windows: Optional[bool] = None,
                 skip_bad_videos: bool = False,
                 test_mode: bool = False,
                 **kwargs) -> None:
        inputs = [key for key in INPUT_TYPES if key in data_prefix]
        if len(inputs) != 1 or len(data_prefix) != 1:
            raise ValueError('data_prefix must have exactly one of the keys '
                             f'{INPUT_TYPES}, got {dict(data_prefix)}')
        self.input_type = inputs[0]
        if not (isinstance(window_size, int) and window_size > 0):
            raise ValueError(
                f'window_size must be a positive int, got {window_size!r}')
        if rescale == (window_stride is not None):
            raise ValueError('give window_stride for sliding windows or '
                             'rescale=True for whole videos, not both')
        if window_stride is not None and window_stride <= 0:
            raise ValueError(
                f'window_stride must be positive, got {window_stride}')
        if self.input_type == 'feature':
            if not feature_stride or not feature_clip_len:
                raise ValueError(
                    'features need feature_stride and feature_clip_len (in '
                    'frames) to place their steps in time')
            if not (isinstance(feature_sample_stride, int)
                    and feature_sample_stride >= 1):
                raise ValueError('feature_sample_stride must be an int >= 1, '
                                 f'got {feature_sample_stride!r}')
            if feature_layout not in FEATURE_LAYOUTS:
                raise ValueError(f'feature_layout must be one of '
                                 f'{FEATURE_LAYOUTS}, got {feature_layout!r}')
        elif not rescale and not sample_fps:
            raise ValueError('sliding windows over frames need sample_fps')
        if not 0 <= min_kept_ratio <= 1:
            raise ValueError(
                f'min_kept_ratio must be in [0, 1], got {min_kept_ratio}')
        if frame_count not in FRAME_COUNTS:
            raise ValueError(f'frame_count must be one of {FRAME_COUNTS}, '
                             f'got {frame_count!r}')
        if window_gt_rule not in WINDOW_GT_RULES:
            raise ValueError(f'window_gt_rule must be one of '
                             f'{WINDOW_GT_RULES}, got {window_gt_rule!r}')

        self.window_size = window_size
        self.window_stride = window_stride
        self.rescale = rescale
        if isinstance(subset, str):
            subset = (subset, )
        self.subset = None if subset is None else tuple(subset)
        self.fps = fps
        self.feature_stride = feature_stride
        self.feature_clip_len = feature_clip_len
        self.feature_layout = feature_layout
        self.feature_sample_stride = feature_sample_stride
        self.feature_dim = feature_dim
        self.sample_fps = sample_fps
        self.video_suffix = video_suffix
        self.filename_tmpl = filename_tmpl
        self.frame_count = frame_count
        self.min_kept_ratio = min_kept_ratio
        self.window_gt_rule = window_gt_rule
        self.drop_empty_windows = (not test_mode if drop_empty_windows is None
                                   else drop_empty_windows)
        self.skip_bad_videos = skip_bad_videos
        kwargs['metainfo'] = self._class_metainfo(class_file,
                                                  kwargs.get('metainfo'),
                                                  kwargs.get('data_root', ''))
        super().__init__(
            ann_file,
            pipeline=pipeline,
            data_prefix=data_prefix,
            test_mode=test_mode,
            **kwargs)

    @staticmethod
    def _class_metainfo(class_file: Optional[str], metainfo: Optional[dict],
                        data_root: str) -> dict:
        metainfo = dict(metainfo or {})
        if class_file is not None:
            if 'classes' in metainfo:
                raise ValueError('give the classes either in class_file or in '
                                 'metainfo, not both')
            if data_root and not is_abs(class_file):
                class_file = join_path(data_root, class_file)
            if not exists(class_file):
                raise FileNotFoundError(
                    f'class file {class_file} does not exist')
            metainfo['classes'] = [
                line.strip() for line in list_from_file(class_file)
            ]
            while metainfo['classes'] and not metainfo['classes'][-1]:
                metainfo['classes'].pop()
            source = f'class file {class_file}'
        else:
            source = 'metainfo["classes"]'
        classes = tuple(metainfo.get('classes') or ())
        if not classes:
            raise ValueError('TADDataset needs its classes: give class_file '
                             'or metainfo=dict(classes=(...))')
        for index, name in enumerate(classes):
            if not isinstance(name, str) or not name:
                raise ValueError(f'{source}: class {index} is empty')
            if classes.index(name) != index:
                raise ValueError(f'{source}: class {name!r} is listed twice')
        metainfo['classes'] = classes
        return metainfo

    def load_data_list(self) -> List[dict]:
        """Read the annotation file into one sample dict per window."""
        if not exists(self.ann_file):
            raise FileNotFoundError(
                f'annotation file {self.ann_file} does not exist')
        content = load_json_strict(self.ann_file)
        if not isinstance(content, dict) or not isinstance(
                content.get('database'), dict):
            raise ValueError(
                f'{self.ann_file}: expected {{"database": {{video: {{...}}}}}}'
                '; the converters in tools/data write this layout')
        label_ids = {
            name: index
            for index, name in enumerate(self.metainfo['classes'])
        }
        data_list, num_videos, num_windows = [], 0, 0
        skipped: Dict[str, str] = {}
        for video_name, video in content['database'].items():
            if not isinstance(video, dict):
                raise ValueError(f'{self.ann_file}: video {video_name!r} is '
                                 'not an object')
            if self.subset is not None and video.get(
                    'subset') not in self.subset:
                continue
            num_videos += 1
            try:
                windows = self._video_windows(
                    self._parse_video(video_name, video, label_ids))
            except (ValueError, FileNotFoundError) as error:
                if not self.skip_bad_videos:
                    raise
                skipped[video_name] = str(error)
                continue
            num_windows += len(windows)
            data_list.extend(self._kept_windows(windows))
        if num_videos == 0:
            present = sorted({
                str(video.get('subset'))
                for video in content['database'].values()
            })
            raise ValueError(f'{self.ann_file}: no video of subset '
                             f'{self.subset}; its subsets are {present}')
        subsets = ', '.join(self.subset) if self.subset else 'all subsets'
        if skipped:
            print_log(
                f'{self.ann_file} ({subsets}): skipped {len(skipped)} of '
                f'{num_videos} videos (skip_bad_videos=True):\n' +
                '\n'.join(f'  {reason}' for reason in skipped.values()),
                logger='current',
                level=logging.WARNING)
            if len(skipped) == num_videos:
                raise ValueError(f'{self.ann_file}: every video of subset '
                                 f'{self.subset} was skipped, the first: '
                                 f'{next(iter(skipped.values()))}')
        message = (f'{self.ann_file} ({subsets}): '
                   f'{num_videos - len(skipped)} videos, '
                   f'{len(data_list)} windows')
        if num_windows > len(data_list):
            message += (f' ({num_windows - len(data_list)} without ground '
                        'truth dropped)')
        print_log(message, logger='current')
        return data_list

    def _parse_video(self, video_name: str, video: dict,
                     label_ids: Dict[str, int]) -> dict:
        where = f'{self.ann_file}: video {video_name!r}'
        duration = _positive_number(video, 'duration', where)
        fps = None if video.get('fps') is None else _positive_number(
            video, 'fps', where)
        segments, labels = [], []
        for index, ann in enumerate(video.get('annotations') or []):
            field = f'{where} annotations[{index}]'
            label = ann.get('label') if isinstance(ann, dict) else None
            if label not in label_ids:
                raise ValueError(f'{field}: label {label!r} is not one of the '
                                 f'{len(label_ids)} classes of the dataset')
            segment = ann.get('segment')
            try:
                start, end = (float(time) for time in segment)
            except (TypeError, ValueError):
                raise ValueError(f'{field}: segment {segment!r} is not '
                                 '[start, end] in seconds') from None
            if not end > start:
                raise ValueError(f'{field}: segment {segment!r} ends at or '
                                 'before its start')
            if start < 0 or end > duration + _DURATION_TOLERANCE:
                raise ValueError(
                    f'{field}: segment {segment!r} is outside the video '
                    f'[0, {duration}] s (the converters in tools/data clip '
                    'such segments and report them)')
            segments.append((start, end))
            labels.append(label_ids[label])
        return dict(
            video_name=video_name,
            duration=duration,
            fps=fps,
            ann_segments=np.array(segments, dtype=np.float64).reshape(-1, 2),
            ann_labels=np.array(labels, dtype=np.int64))

    def _video_windows(self, video: dict) -> List[dict]:
        """The windows of one video, before dropping empty ones."""
        source, num_steps = self._locate_input(video)
        if self.input_type == 'feature':
            # features shorter than the annotated span would train and
            # score the missing part as if it were there
            for problem in check_coverage(dict(video, **source), num_steps):
                raise ValueError(str(problem))
        if self.rescale:
            num_steps, starts = self.window_size, [0]
        else:
            starts = sliding_window_starts(num_steps, self.window_size,
                                           self.window_stride)
        windows = []
        for start in starts:
            if self.rescale:
                time_scale = video['duration'] / self.window_size
                time_shift = 0.
            elif self.input_type == 'feature':
                time_scale = source['feature_time_scale']
                time_shift = start * time_scale + source['feature_time_shift']
            else:
                time_scale = 1 / self.sample_fps
                time_shift = start / self.sample_fps
            windows.append(
                dict(
                    video,
                    **source,
                    window_start=start,
                    window_size=self.window_size,
                    valid_len=min(self.window_size, num_steps - start),
                    num_steps=num_steps,
                    time_scale=time_scale,
                    time_shift=time_shift,
                    min_kept_ratio=self.min_kept_ratio,
                    window_gt_rule=self.window_gt_rule))
        return windows

    def _kept_windows(self, windows: List[dict]) -> List[dict]:
        """The windows of a video that ``drop_empty_windows`` keeps, after
        setting the video's ``min_gt_len`` on all of them."""
        shortest = float(self.window_size)
        if len(windows) == 1 and len(windows[0]['ann_segments']):
            # AFSD's th of a one-window video counts every instance
            positions = window_positions(windows[0]['ann_segments'],
                                         windows[0]['time_scale'],
                                         windows[0]['time_shift'])
            shortest = min(shortest, float(np.diff(positions).min()))
        kept = []
        for window in windows:
            positions = window_positions(window['ann_segments'],
                                         window['time_scale'],
                                         window['time_shift'])
            low, high = window_borders(self.window_gt_rule,
                                       window['window_start'],
                                       window['valid_len'],
                                       window['num_steps'], self.window_size)
            clipped, keep = clip_to_window(positions, (low, high),
                                           self.min_kept_ratio)
            if keep.any():
                shortest = min(shortest, float(np.diff(clipped[keep]).min()))
            if self.window_gt_rule == 'afsd':
                # AFSD trains on a window only when an instance lies whole
                # in it (its ioa >= 1)
                keep &= (positions[:, 0] >= low - _STEP_EPS) & (
                    positions[:, 1] <= high + _STEP_EPS)
            if keep.any() or not self.drop_empty_windows:
                kept.append(window)
        for window in windows:
            window['min_gt_len'] = shortest
        return kept

    def _locate_input(self, video: dict) -> Tuple[dict, Optional[int]]:
        """Where a video's steps are read from, and how many it has (None
        for frames without a ``sample_fps``)."""
        name = video['video_name']
        prefix = self.data_prefix[self.input_type]
        if self.input_type == 'feature':
            fps = self.fps or video['fps']
            if fps is None:
                raise ValueError(
                    f'{self.ann_file}: video {name!r} has no "fps", and the '
                    'dataset has no fps for its features')
            path = join_path(prefix, name + '.npy')
            num_steps = open_features(path, self.feature_layout,
                                      self.feature_dim, name,
                                      self.feature_sample_stride).shape[1]
            if num_steps == 0:
                raise ValueError(f'features of video {name!r} ({path}) have '
                                 'no steps')
            return dict(
                feature_path=path,
                feature_layout=self.feature_layout,
                feature_dim=self.feature_dim,
                feature_sample_stride=self.feature_sample_stride,
                feature_time_scale=self.feature_sample_stride *
                self.feature_stride / fps,
                feature_time_shift=self.feature_clip_len / 2 / fps), num_steps

        if self.input_type == 'video':
            path = join_path(prefix, name + self.video_suffix)
            if not exists(path):
                raise FileNotFoundError(
                    f'video {name!r}: {path} does not exist')
            source = dict(filename=path)
        else:
            path = join_path(prefix, name)
            if not isdir(path):
                raise FileNotFoundError(
                    f'video {name!r}: frame folder {path} does not exist')
            source = dict(frame_dir=path, filename_tmpl=self.filename_tmpl)
        if not self.sample_fps:
            return source, None
        frames = video['duration'] * self.sample_fps
        if self.frame_count == 'floor':
            return source, max(1, math.floor(frames + _STEP_EPS))
        return source, max(1, math.ceil(frames - _STEP_EPS))


def _positive_number(video: dict, key: str, where: str) -> float:
    if key not in video:
        raise ValueError(f'{where}: no "{key}" field')
    try:
        number = float(video[key])
    except (TypeError, ValueError):
        raise ValueError(
            f'{where}: "{key}" {video[key]!r} is not a number') from None
    if not number > 0 or math.isinf(number):
        raise ValueError(f'{where}: "{key}" must be positive, got '
                         f'{video[key]!r}')
    return number
