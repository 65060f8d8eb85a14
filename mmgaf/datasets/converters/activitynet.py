"""Reader of ActivityNet v1.3 in the layout of MMAction2's
``tools/data/activitynet``."""
from typing import List

from mmgaf.fileio import load_json_strict
from .annotation_builder import (TADAnnotationBuilder, expect_object,
                                 expect_objects, read_csv_rows, read_lines)


def read_action_names(path: str) -> List[str]:
    """The classes of ``action_name.csv`` (a header ``action``, then one
    name per line), in the file's order."""
    lines = [line.strip() for line in read_lines(path)]
    if lines and lines[0] == 'action':
        lines = lines[1:]
    names = [line for line in lines if line]
    if not names:
        raise ValueError(f'{path}: no class names')
    return names


def add_activitynet(builder: TADAnnotationBuilder, anno_file: str,
                    video_info_file: str) -> None:
    """Add every video of ActivityNet with its instances.

    Args:
        builder (TADAnnotationBuilder): Receives the videos and instances.
        anno_file (str): ``anet_anno_action.json``: ``{video:
            {"duration_second", "duration_frame", "feature_frame",
            "annotations": [{"segment", "label"}]}}``.
        video_info_file (str): ``video_info_new.csv``:
            ``video,numFrame,seconds,fps,rfps,subset,featureFrame``; gives
            each video's subset (``training``, ``validation``,
            ``testing``) and frame rate (``rfps``, frames per second of the
            decoded video: ``fps`` is its rounded value).
    """
    anno = expect_object(load_json_strict(anno_file), anno_file)
    listed = set()
    for where, row in read_csv_rows(video_info_file,
                                    ('video', 'seconds', 'rfps', 'subset')):
        name = row['video']
        if name not in anno:
            raise ValueError(f'{where}: video {name!r} is not in '
                             f'{anno_file}')
        video = expect_object(anno[name], f'{anno_file}: video {name!r}')
        builder.add_video(name, row['subset'],
                          video.get('duration_second', row['seconds']),
                          row['rfps'], where)
        listed.add(name)
        for index, ann in enumerate(
                expect_objects(
                    video.get('annotations'),
                    f'{anno_file}: video {name!r} annotations')):
            ann_where = f'{anno_file} annotations[{index}]'
            segment = ann.get('segment')
            if not isinstance(segment, (list, tuple)) or len(segment) != 2:
                raise ValueError(f'{ann_where}: video {name!r}: segment '
                                 f'{segment!r} is not [start, end]')
            builder.add_segment(name, ann.get('label'), segment[0], segment[1],
                                ann_where)
    unlisted = sorted(set(anno) - listed)
    if unlisted:
        raise ValueError(f'{anno_file}: {len(unlisted)} video(s) missing '
                         f'from {video_info_file}, e.g. {unlisted[:3]}')
