"""The official UCF101 split files to MMAction2's video lists, for the
recognition configs (``configs/gaf/i3d_gaf_ucf101.py``)."""
from typing import Dict, List, Tuple

from .annotation_builder import read_lines


def read_ucf101_classes(path: str) -> Dict[str, int]:
    """``classInd.txt`` (``<index> <Class>``, 1-based) as ``{Class:
    0-based label}``."""
    classes = {}
    for number, line in enumerate(read_lines(path), 1):
        if not line.strip():
            continue
        fields = line.split()
        if len(fields) != 2 or not fields[0].isdigit():
            raise ValueError(f'{path} line {number}: expected "<index> '
                             f'<Class>", got {line!r}')
        index, name = int(fields[0]), fields[1]
        if name in classes:
            raise ValueError(f'{path} line {number}: class {name!r} is '
                             'listed twice')
        if index != len(classes) + 1:
            raise ValueError(f'{path} line {number}: class index {index}, '
                             f'expected {len(classes) + 1} (1-based, in '
                             'order)')
        classes[name] = index - 1
    if not classes:
        raise ValueError(f'{path}: no classes')
    return classes


def read_ucf101_split(path: str, classes: Dict[str,
                                               int]) -> List[Tuple[str, int]]:
    """One split file as ``(Class/v_Class_gXX_cYY.avi, 0-based label)``.

    ``trainlist0N.txt`` lines carry a 1-based label, which must agree with
    the class folder; ``testlist0N.txt`` lines carry none, and the label
    comes from the folder.
    """
    videos, seen = [], set()
    for number, line in enumerate(read_lines(path), 1):
        fields = line.split()
        if not fields:
            continue
        where = f'{path} line {number}'
        if len(fields) > 2 or '/' not in fields[0]:
            raise ValueError(f'{where}: expected "<Class>/<video> '
                             f'[label]", got {line!r}')
        video = fields[0]
        folder = video.split('/', 1)[0]
        if folder not in classes:
            raise ValueError(f'{where}: class {folder!r} of {video} is not '
                             'in the class index')
        label = classes[folder]
        if len(fields) == 2 and fields[1] != str(label + 1):
            raise ValueError(f'{where}: {video} has label {fields[1]} but its '
                             f'folder {folder!r} is class {label + 1}')
        if video in seen:
            raise ValueError(f'{where}: {video} is listed twice')
        seen.add(video)
        videos.append((video, label))
    if not videos:
        raise ValueError(f'{path}: no videos')
    return videos
