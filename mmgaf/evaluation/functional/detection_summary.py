"""The numbers a detection evaluation reports, and their table, shared by
:class:`TADMetric` and ``tools/analysis_tools/eval_detection.py`` so that
both report the same numbers the same way."""
from typing import Optional, Sequence

import numpy as np
from terminaltables import AsciiTable


def tiou_name(iou_thr: float) -> str:
    """``0.5 -> '0.50'``: at least two decimals, at most four."""
    return np.format_float_positional(round(float(iou_thr), 4), min_digits=2)


def summarize_detection_map(evaluation: dict,
                            iou_thrs: Sequence[float],
                            average_iou_thrs: Optional[Sequence[float]] = None
                            ) -> dict:
    """Pick the reported numbers out of :func:`anet_detection_map`'s result.

    Args:
        evaluation (dict): The result; it must have been computed at every
            threshold of ``iou_thrs`` and ``average_iou_thrs``.
        iou_thrs (Sequence[float]): Thresholds reported one by one.
        average_iou_thrs (Sequence[float], optional): Thresholds whose mAPs
            are averaged into ``mAP``. Defaults to ``iou_thrs``.

    Returns:
        dict: ``metrics`` (``{'mAP@0.50': float, ..., 'mAP': float}``),
        ``per_class`` (``{class: {'num_gt': int, 'AP@0.50': float, ...,
        'AP': float}}``, None for a class without ground truth),
        ``iou_thrs``, ``average_iou_thrs``, ``unknown_videos``,
        ``protocol`` and ``num_dropped`` (see :func:`anet_detection_map`).
    """
    if average_iou_thrs is None:
        average_iou_thrs = iou_thrs
    evaluated = [float(thr) for thr in evaluation['iou_thrs']]

    def column(thr: float) -> int:
        if float(thr) not in evaluated:
            raise ValueError(f'tIoU {thr} was not evaluated (only '
                             f'{evaluated})')
        return evaluated.index(float(thr))

    shown = [column(thr) for thr in iou_thrs]
    averaged = [column(thr) for thr in average_iou_thrs]
    ap, class_map = evaluation['ap'], evaluation['map']
    metrics = {
        f'mAP@{tiou_name(iou_thrs[i])}': float(class_map[col])
        for i, col in enumerate(shown)
    }
    metrics['mAP'] = float(np.mean(class_map[averaged]))
    per_class = {}
    for c, name in enumerate(evaluation['class_names']):
        num_gt = int(evaluation['num_gt'][c])
        entry = dict(num_gt=num_gt)
        for i, col in enumerate(shown):
            entry[f'AP@{tiou_name(iou_thrs[i])}'] = float(
                ap[col, c]) if num_gt else None
        entry['AP'] = float(np.mean(ap[averaged, c])) if num_gt else None
        per_class[name] = entry
    return dict(
        metrics=metrics,
        per_class=per_class,
        iou_thrs=[float(thr) for thr in iou_thrs],
        average_iou_thrs=[float(thr) for thr in average_iou_thrs],
        unknown_videos=list(evaluation['unknown_videos']),
        protocol=evaluation.get('protocol', 'official'),
        num_dropped=int(evaluation.get('num_dropped', 0)))


def detection_summary_table(summary: dict) -> str:
    """The per-class AP and the mAP of :func:`summarize_detection_map`'s
    summary as an ASCII table, in percent; column ``avg`` averages the
    summary's ``average_iou_thrs``."""
    names = [tiou_name(thr) for thr in summary['iou_thrs']]
    header = ['class', '#gt'] + [f'AP@{name}' for name in names] + ['avg']
    rows = [header]
    for class_name, entry in summary['per_class'].items():
        values = [entry[f'AP@{name}'] for name in names] + [entry['AP']]
        rows.append([class_name, str(entry['num_gt'])] +
                    [_percent(value) for value in values])
    metrics = summary['metrics']
    rows.append([
        'mAP',
        str(sum(entry['num_gt'] for entry in summary['per_class'].values()))
    ] + [_percent(metrics[f'mAP@{name}'])
         for name in names] + [_percent(metrics['mAP'])])
    table = AsciiTable(rows)
    table.inner_footing_row_border = True
    for column in range(1, len(header)):
        table.justify_columns[column] = 'right'
    return table.table


def _percent(value: Optional[float]) -> str:
    if value is None or np.isnan(value):
        return '-'
    return f'{100 * value:.2f}'
