import csv
import io
import math
import os.path as osp
from collections import Counter, defaultdict
from typing import Dict, Iterator, List, Sequence, Tuple

import mmengine
from mmengine.fileio import get_text
from mmengine.utils import mkdir_or_exist

# What each fix does, in the order :meth:`ConversionReport.summary` lists
# them. Everything else that is wrong in the input is an error.
FIXES = {
    'clipped_start': 'segments starting before 0 s: start set to 0',
    'clipped_end': 'segments ending after the video: end set to the duration',
    'dropped_outside': 'segments entirely outside the video: dropped',
    'dropped_empty': 'segments ending at or before their start: dropped',
    'excluded_label': 'instances of excluded labels: left out',
}
_NUM_EXAMPLES = 5


class ConversionReport:
    """What a conversion read and every change it made, with examples.

    Attributes:
        num_read (int): Instances read from the sources.
        counts (Counter): Instances per fix of :data:`FIXES`.
        examples (dict[str, list[str]]): The first few of each fix.
        max_end_excess (float): The most seconds a clipped end was past its
            video's duration.
    """

    def __init__(self) -> None:
        self.num_read = 0
        self.counts: Counter = Counter()
        self.examples: Dict[str, List[str]] = defaultdict(list)
        self.max_end_excess = 0.

    def add(self, fix: str, example: str) -> None:
        self.counts[fix] += 1
        if len(self.examples[fix]) < _NUM_EXAMPLES:
            self.examples[fix].append(example)

    def summary(self) -> str:
        lines = [f'{self.num_read} instances read']
        for fix, text in FIXES.items():
            if not self.counts[fix]:
                continue
            line = f'{self.counts[fix]} {text}'
            if fix == 'clipped_end':
                line += f' (at most {self.max_end_excess:.3f} s past it)'
            lines.append(line)
            lines.extend(f'    e.g. {example}'
                         for example in self.examples[fix])
        if len(lines) == 1:
            lines.append('no changes')
        return '\n'.join(lines)


class TADAnnotationBuilder:
    """Collects videos and instances into mmgaf's annotation format,
    validating each.

    Errors (``ValueError`` naming the source, video and field): a video
    listed twice, a non-positive or non-numeric duration, a label not in
    the class list, an instance of a video without a duration, a
    non-numeric time. Fixes (counted in :attr:`report`, errors instead when
    ``strict``): see :data:`FIXES`.

    Args:
        classes (Sequence[str]): The class list; a label's index is its
            position.
        excluded_labels (Sequence[str]): Labels whose instances are left
            out and counted (e.g. THUMOS14's ``'Ambiguous'``).
        strict (bool): Raise on what would otherwise be fixed.
    """

    def __init__(self,
                 classes: Sequence[str],
                 excluded_labels: Sequence[str] = (),
                 strict: bool = False) -> None:
        if len(set(classes)) != len(classes):
            raise ValueError(f'the class list repeats a class: {classes}')
        self.classes = tuple(classes)
        self.excluded_labels = frozenset(excluded_labels)
        self.strict = strict
        self.report = ConversionReport()
        self._videos: Dict[str, dict] = {}
        self._sources: Dict[str, str] = {}

    def add_video(self,
                  name: str,
                  subset: str,
                  duration,
                  fps=None,
                  where: str = '') -> None:
        """Add a video without instances.

        Args:
            name (str): The video's name (its feature file's stem).
            subset (str): E.g. ``'validation'``.
            duration (float | str): Seconds.
            fps (float | str, optional): The video's frame rate.
            where (str): The source, for messages (e.g. ``'a.csv line 3'``).
        """
        if name in self._videos:
            raise ValueError(f'{where}: video {name!r} is listed twice '
                             f'(first at {self._sources[name]})')
        video = dict(
            subset=subset,
            duration=parse_positive(duration,
                                    f'{where}: video {name!r} duration'))
        if fps is not None:
            video['fps'] = parse_positive(fps, f'{where}: video {name!r} fps')
        video['annotations'] = []
        self._videos[name] = video
        self._sources[name] = where

    def add_segment(self, video: str, label: str, start, end,
                    where: str) -> None:
        """Validate one instance (times in seconds) and add it, fixed or
        dropped as :data:`FIXES` says."""
        self.report.num_read += 1
        what = f'{where}: video {video!r} {label} [{start}, {end}]'
        if label in self.excluded_labels:
            self.report.add('excluded_label', what)
            return
        if label not in self.classes:
            raise ValueError(f'{where}: video {video!r}: label {label!r} is '
                             f'not one of the {len(self.classes)} classes')
        if video not in self._videos:
            raise ValueError(
                f'{where}: video {video!r} has no duration: it is missing '
                'from the video information (e.g. the video_info CSV)')
        start = parse_number(start, f'{what}: start')
        end = parse_number(end, f'{what}: end')
        duration = self._videos[video]['duration']
        if not end > start:
            self._fix('dropped_empty', what)
            return
        if start >= duration or end <= 0:
            self._fix('dropped_outside', f'{what}, duration {duration}')
            return
        if start < 0:
            self._fix('clipped_start', what)
            start = 0.
        if end > duration:
            self._fix('clipped_end', f'{what}, duration {duration}')
            self.report.max_end_excess = max(self.report.max_end_excess,
                                             end - duration)
            end = duration
        self._videos[video]['annotations'].append(
            dict(label=label, segment=[start, end]))

    def _fix(self, fix: str, what: str) -> None:
        if self.strict:
            raise ValueError(f'{what}: {FIXES[fix].split(":")[0]} '
                             '(strict conversion)')
        self.report.add(fix, what)

    @property
    def database(self) -> Dict[str, dict]:
        """``{video: {"subset", "duration", "fps"?, "annotations"}}``,
        videos sorted by name."""
        return {name: self._videos[name] for name in sorted(self._videos)}

    def subset_counts(self) -> Dict[str, Tuple[int, int]]:
        """``{subset: (videos, instances)}``."""
        counts: Dict[str, List[int]] = defaultdict(lambda: [0, 0])
        for video in self._videos.values():
            counts[video['subset']][0] += 1
            counts[video['subset']][1] += len(video['annotations'])
        return {subset: tuple(count) for subset, count in counts.items()}

    def dump(self, out_dir: str, ann_name: str) -> Tuple[str, str]:
        """Write ``out_dir/<ann_name>`` (``{"database": ...}``) and
        ``out_dir/classes.txt``; return their paths."""
        mkdir_or_exist(out_dir)
        ann_file = osp.join(out_dir, ann_name)
        class_file = osp.join(out_dir, 'classes.txt')
        mmengine.dump(dict(database=self.database), ann_file, indent=1)
        with open(class_file, 'w') as f:
            f.writelines(name + '\n' for name in self.classes)
        return ann_file, class_file


def expect_object(value, where: str) -> dict:
    """``value`` if it is a JSON object, else an error naming ``where``."""
    if not isinstance(value, dict):
        raise ValueError(f'{where}: expected an object, got '
                         f'{type(value).__name__} {str(value)[:60]!r}')
    return value


def expect_objects(value, where: str) -> list:
    """``value`` if it is a list of JSON objects (None: an empty list)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f'{where}: expected a list, got '
                         f'{type(value).__name__}')
    for index, item in enumerate(value):
        expect_object(item, f'{where}[{index}]')
    return value


def read_lines(path: str) -> List[str]:
    """Lines of a text file, without line ends."""
    return get_text(path).splitlines()


def read_csv_rows(path: str,
                  columns: Sequence[str]) -> Iterator[Tuple[str, dict]]:
    """Rows of a CSV file with a header, as ``(where, row)``; ``where``
    names the file and line for messages.

    Args:
        path (str): The CSV file.
        columns (Sequence[str]): Columns that must be in the header and
            filled in every row.
    """
    reader = csv.DictReader(io.StringIO(get_text(path)))
    missing = [
        name for name in columns if name not in (reader.fieldnames or ())
    ]
    if missing:
        raise ValueError(f'{path}: no column(s) {missing} in the header '
                         f'{reader.fieldnames}')
    for row in reader:
        where = f'{path} line {reader.line_num}'
        empty = [name for name in columns if not row[name]]
        if empty:
            raise ValueError(f'{where}: no value in column(s) {empty}')
        yield where, row


def parse_number(value, what: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f'{what}: {value!r} is not a number') from None
    if math.isnan(number) or math.isinf(number):
        raise ValueError(f'{what}: {value!r} is not a finite number')
    return number


def parse_positive(value, what: str) -> float:
    number = parse_number(value, what)
    if number <= 0:
        raise ValueError(f'{what}: {value!r} is not positive')
    return number
