"""Readers of THUMOS14's published temporal annotation layouts.

Each ``add_*`` function adds one source's videos and instances to a
:class:`TADAnnotationBuilder`, which validates them. THUMOS14's detection
benchmark trains on its validation videos and tests on its test videos; the
subsets written are ``'validation'`` and ``'test'``.
"""
from typing import Dict, List, Sequence

from mmengine.fileio import join_path, list_dir_or_file

from mmgaf.fileio import load_json_strict
from .annotation_builder import (TADAnnotationBuilder, expect_object,
                                 expect_objects, parse_number, parse_positive,
                                 read_csv_rows, read_lines)

AMBIGUOUS = 'Ambiguous'
# thumos_gt.json (AFSD, G-TAD) calls the validation videos "train"
GT_JSON_SUBSETS = {
    'train': 'validation',
    'validation': 'validation',
    'test': 'test'
}


def read_class_index(path: str) -> List[str]:
    """The detection classes, in the file's order.

    Args:
        path (str): ``class_index_detection.txt`` (lines ``<UCF101 index>
            <Name>``) or a plain list of names, one per line.

    Returns:
        list[str]: Class names; a label's index is its position.
    """
    names = []
    for number, line in enumerate(read_lines(path), 1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) > 2 or (len(fields) == 2 and not fields[0].isdigit()):
            raise ValueError(f'{path} line {number}: expected "<index> '
                             f'<Name>" or "<Name>", got {line!r}')
        names.append(fields[-1])
    if not names:
        raise ValueError(f'{path}: no class names')
    return names


def read_video_info(path: str) -> Dict[str, dict]:
    """Durations and frame rates of the videos of one split.

    Args:
        path (str): A ``video,fps,sample_fps,count,sample_count`` CSV
            (``val_video_info.csv``, ``test_video_info.csv``); ``count`` is
            the video's frames at ``fps``, ``sample_count`` (optional) the
            frames AFSD extracted at ``sample_fps`` (optional).

    Returns:
        dict[str, dict]: ``{video: dict(duration, fps, count, where)}``,
        duration ``count / fps`` seconds, with ``sample_fps`` and
        ``sample_count`` when the file has them.
    """
    info = {}
    for where, row in read_csv_rows(path, ('video', 'fps', 'count')):
        name = row['video']
        if name in info:
            raise ValueError(f'{where}: video {name!r} is listed twice '
                             f'(first at {info[name]["where"]})')
        fps = parse_positive(row['fps'], f'{where}: video {name!r} fps')
        count = parse_positive(row['count'], f'{where}: video {name!r} count')
        info[name] = dict(
            duration=count / fps, fps=fps, count=count, where=where)
        for key in ('sample_fps', 'sample_count'):
            if row.get(key):
                info[name][key] = parse_positive(
                    row[key], f'{where}: video {name!r} {key}')
    return info


def merge_video_info(*infos: Dict[str, dict]) -> Dict[str, dict]:
    """One video info of several splits; a video in two is an error."""
    merged: Dict[str, dict] = {}
    for info in infos:
        for name, video in info.items():
            if name in merged:
                raise ValueError(
                    f'{video["where"]}: video {name!r} is listed twice '
                    f'(first at {merged[name]["where"]})')
            merged[name] = video
    return merged


def add_videos(builder: TADAnnotationBuilder, info: Dict[str, dict],
               subset: str) -> None:
    """Add every video of a :func:`read_video_info` result."""
    for name, video in info.items():
        builder.add_video(name, subset, video['duration'], video['fps'],
                          video['where'])


def add_thumos14_csv(builder: TADAnnotationBuilder,
                     ann_file: str,
                     info: Dict[str, dict],
                     subset: str,
                     frame_times: bool = False) -> None:
    """Add a split from its annotation CSV.

    Args:
        builder (TADAnnotationBuilder): Receives the videos and instances.
        ann_file (str): ``video,type,type_idx,start,end,startFrame,endFrame``
            (``val_Annotation.csv`` with Ambiguous instances,
            ``val_Annotation_ours.csv`` without), seconds in start/end.
        info (dict): The split's :func:`read_video_info`; its videos are
            the split's videos.
        subset (str): ``'validation'`` or ``'test'``.
        frame_times (bool): Take the times from ``startFrame`` /
            ``endFrame`` as AFSD's ``get_video_anno`` does for training:
            frame ``f`` is at ``f * sample_count / count / sample_fps``
            seconds, so that it lands on AFSD's position ``f * sample_count /
            count`` of the extracted frames. The frame columns count 30 fps
            frames even in some 25 and 24 fps videos (e.g.
            ``video_validation_0000666``), whose instances AFSD thus trains
            up to 20% late; use it only to reproduce AFSD's training.
            Defaults to False (the ``start`` / ``end`` seconds).
    """
    add_videos(builder, info, subset)
    columns = ('startFrame', 'endFrame') if frame_times else ('start', 'end')
    for where, row in read_csv_rows(ann_file, ('video', 'type') + columns):
        start, end = row[columns[0]], row[columns[1]]
        if frame_times and row['video'] in info:
            scale = _afsd_frame_scale(info[row['video']], row['video'], where)
            start = parse_number(start, f'{where}: {columns[0]}') * scale
            end = parse_number(end, f'{where}: {columns[1]}') * scale
        builder.add_segment(row['video'], row['type'], start, end, where)


def _afsd_frame_scale(video: dict, name: str, where: str) -> float:
    """Seconds per annotated frame under AFSD's ``sample_count / count``."""
    missing = [
        key for key in ('sample_fps', 'sample_count') if key not in video
    ]
    if missing:
        raise ValueError(f'{where}: video {name!r}: frame times need the '
                         f'column(s) {missing} of the video info '
                         f'({video["where"]})')
    return video['sample_count'] / video['count'] / video['sample_fps']


def add_thumos14_txt(builder: TADAnnotationBuilder, ann_dir: str, split: str,
                     info: Dict[str, dict], subset: str) -> None:
    """Add a split from the per-class files of the THUMOS14 release.

    Args:
        builder (TADAnnotationBuilder): Receives the videos and instances;
            every class of its class list needs a file.
        ann_dir (str): Holds ``<Class>_<split>.txt`` files of lines
            ``<video> <start> <end>`` (seconds), including
            ``Ambiguous_<split>.txt``.
        split (str): The files' tag, ``'val'`` or ``'test'``.
        info (dict): The split's :func:`read_video_info`.
        subset (str): ``'validation'`` or ``'test'``.
    """
    add_videos(builder, info, subset)
    suffix = f'_{split}.txt'
    files = {
        name[:-len(suffix)]: join_path(ann_dir, name)
        for name in sorted(
            list_dir_or_file(ann_dir, list_dir=False, suffix=suffix))
    }
    missing = [name for name in builder.classes if name not in files]
    if missing:
        raise ValueError(f'{ann_dir}: no file <Class>{suffix} for the '
                         f'class(es) {missing}')
    for label, path in files.items():
        if label not in builder.classes and \
                label not in builder.excluded_labels:
            raise ValueError(f'{path}: label {label!r} is not one of the '
                             f'{len(builder.classes)} classes')
        for number, line in enumerate(read_lines(path), 1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) != 3:
                raise ValueError(f'{path} line {number}: expected "<video> '
                                 f'<start> <end>", got {line!r}')
            builder.add_segment(fields[0], label, fields[1], fields[2],
                                f'{path} line {number}')


def add_thumos14_groundtruth_csv(builder: TADAnnotationBuilder,
                                 path: str,
                                 class_index: Sequence[str],
                                 subset: str = 'test') -> None:
    """Add the videos and instances of ``thumos14_test_groundtruth.csv``.

    Args:
        builder (TADAnnotationBuilder): Receives the videos and instances.
        path (str): ``video-name,t-init,t-end,f-init,f-end,video-duration,
            frame-rate,video-frames,label-idx``; ``label-idx`` indexes
            ``class_index``, -1 is Ambiguous. Durations come from the file.
        class_index (Sequence[str]): The 20 detection classes in the order
            of ``class_index_detection.txt``.
        subset (str): Defaults to ``'test'``.
    """
    durations: Dict[str, str] = {}
    for where, row in read_csv_rows(path, ('video-name', 't-init', 't-end',
                                           'video-duration', 'frame-rate',
                                           'label-idx')):
        name = row['video-name']
        if name not in durations:
            builder.add_video(name, subset, row['video-duration'],
                              row['frame-rate'], where)
            durations[name] = row['video-duration']
        elif durations[name] != row['video-duration']:
            raise ValueError(f'{where}: video {name!r} has duration '
                             f'{row["video-duration"]}, earlier '
                             f'{durations[name]}')
        try:
            index = int(row['label-idx'])
        except ValueError:
            raise ValueError(f'{where}: label-idx {row["label-idx"]!r} is '
                             'not an integer') from None
        if index == -1:
            label = AMBIGUOUS
        elif 0 <= index < len(class_index):
            label = class_index[index]
        else:
            raise ValueError(f'{where}: label-idx {index} is not -1 '
                             f'(Ambiguous) nor one of the '
                             f'{len(class_index)} classes')
        builder.add_segment(name, label, row['t-init'], row['t-end'], where)


def add_thumos_gt_json(builder: TADAnnotationBuilder, path: str,
                       info: Dict[str, dict]) -> None:
    """Add the videos and instances of the ActivityNet-style
    ``thumos_gt.json`` (AFSD, G-TAD).

    Its subsets ``"train"`` (the validation videos) and ``"test"`` become
    ``'validation'`` and ``'test'``.

    Args:
        builder (TADAnnotationBuilder): Receives the videos and instances.
        path (str): ``{"database": {video: {"subset", "annotations":
            [{"label", "segment": [start, end]}]}}}``, times possibly
            numeric strings.
        info (dict): Durations of the videos without a ``"duration"`` in
            the file (:func:`merge_video_info` of both splits).
    """
    content = load_json_strict(path)
    database = content.get('database') if isinstance(content, dict) else None
    if not isinstance(database, dict):
        raise ValueError(f'{path}: expected {{"database": {{video: ...}}}}')
    for name, video in database.items():
        expect_object(video, f'{path}: video {name!r}')
        subset = GT_JSON_SUBSETS.get(video.get('subset'))
        if subset is None:
            raise ValueError(f'{path}: video {name!r}: subset '
                             f'{video.get("subset")!r} is not one of '
                             f'{sorted(GT_JSON_SUBSETS)}')
        if video.get('duration') is not None:
            duration, fps = video['duration'], video.get('fps')
        elif name in info:
            duration, fps = info[name]['duration'], info[name]['fps']
        else:
            raise ValueError(f'{path}: video {name!r} has no "duration", '
                             'and no video info file lists it')
        builder.add_video(name, subset, duration, fps, path)
        for index, ann in enumerate(
                expect_objects(
                    video.get('annotations'),
                    f'{path}: video {name!r} annotations')):
            segment = ann.get('segment')
            if not isinstance(segment, (list, tuple)) or len(segment) != 2:
                raise ValueError(f'{path}: video {name!r} annotations[{index}]'
                                 f': segment {segment!r} is not [start, end]')
            builder.add_segment(name, ann.get('label'), segment[0], segment[1],
                                f'{path} annotations[{index}]')
