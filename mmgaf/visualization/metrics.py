from typing import Dict, Optional

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from mmgaf.fileio import load_json_strict


def load_per_class_ap(metrics_file: str) -> Dict[str, Optional[float]]:
    """Each class's AP (averaged over the averaged tIoUs) from a metrics
    file.

    Args:
        metrics_file (str): ``TADMetric``'s ``out_file`` (its ``"metrics"``
            entry) or ``tools/analysis_tools/eval_detection.py``'s
            ``--out``: a summary with ``per_class`` ``{class: {"AP",
            "num_gt", ...}}``.

    Returns:
        dict[str, float | None]: Class to AP in [0, 1]; None for a class
        without ground truth.
    """
    content = load_json_strict(metrics_file)
    summary = content.get('metrics', content) if isinstance(content,
                                                            dict) else None
    if not isinstance(summary, dict) or not isinstance(
            summary.get('per_class'), dict):
        raise ValueError(
            f'{metrics_file}: no "per_class" APs (expected the out_file of '
            "TADMetric or eval_detection.py's --out)")
    per_class = {}
    for name, entry in summary['per_class'].items():
        if not isinstance(entry, dict) or 'AP' not in entry:
            raise ValueError(f'{metrics_file}: per_class[{name!r}] has no '
                             '"AP"')
        per_class[name] = None if entry['AP'] is None else float(entry['AP'])
    return per_class


def draw_class_ap(per_class: Dict[str, Optional[float]],
                  title: Optional[str] = None,
                  out_file: Optional[str] = None) -> Figure:
    """Per-class AP as horizontal bars, the worst class at the top; classes
    without ground truth are listed without a bar.

    The picture is 800 pixels wide and ``100 * (1 + 0.25 * classes)`` high
    (at 100 dpi).

    Args:
        per_class (dict[str, float | None]): Class to AP in [0, 1], as
            :func:`load_per_class_ap` returns.
        title (str, optional): Figure title.
        out_file (str, optional): Where to save a PNG (100 dpi).

    Returns:
        Figure: The matplotlib figure.
    """
    if not per_class:
        raise ValueError('no class to draw')
    names = sorted(
        per_class,
        key=lambda name: (per_class[name] is not None, per_class[name] or 0.))
    values = np.array([100 * (per_class[name] or 0.) for name in names])
    figure = Figure(figsize=(8, 1 + 0.25 * len(names)))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.barh(np.arange(len(names)), values, color='tab:blue')
    known = [per_class[name] for name in names if per_class[name] is not None]
    if known:
        axes.axvline(
            100 * float(np.mean(known)),
            color='tab:red',
            linestyle='--',
            linewidth=1,
            label=f'mean {100 * np.mean(known):.1f}')
        axes.legend(loc='lower right', fontsize=8)
    axes.set_yticks(np.arange(len(names)))
    axes.set_yticklabels([
        name if per_class[name] is not None else f'{name} (no GT)'
        for name in names
    ],
                         fontsize=7)
    axes.set_xlim(0, 100)
    axes.set_xlabel('AP (%)')
    if title:
        axes.set_title(title)
    figure.tight_layout()
    if out_file:
        figure.savefig(out_file, dpi=100)
    return figure
