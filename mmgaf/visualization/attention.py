from typing import Dict, Optional

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def draw_attention_curve(times: np.ndarray,
                         attention: Dict[str, np.ndarray],
                         gt_segments: np.ndarray,
                         duration: float,
                         title: Optional[str] = None,
                         out_file: Optional[str] = None) -> Figure:
    """GAF's temporal attention λ of one video against its ground truth.

    Args:
        times (np.ndarray): (T,) seconds of the attention steps.
        attention (dict[str, np.ndarray]): Curve name (e.g. a feature level)
            to λ, (T,) each, in [0, 1].
        gt_segments (np.ndarray): (N, 2) ground-truth actions in seconds,
            drawn as shaded spans.
        duration (float): The video's length in seconds.
        title (str, optional): Figure title.
        out_file (str, optional): Where to save a PNG.

    Returns:
        Figure: The matplotlib figure.
    """
    figure = Figure(figsize=(12, 3))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for index, (start, end) in enumerate(
            np.asarray(gt_segments, dtype=float).reshape(-1, 2)):
        axes.axvspan(
            start,
            end,
            color='tab:green',
            alpha=0.25,
            label='ground truth' if index == 0 else None)
    for name, values in attention.items():
        axes.plot(times, values, linewidth=1.2, label=f'λ {name}')
    axes.set_xlim(0, duration)
    axes.set_ylim(-0.02, 1.02)
    axes.set_xlabel('time (s)')
    axes.set_ylabel('attention λ')
    axes.legend(loc='upper left', bbox_to_anchor=(1.0, 1.0), fontsize=8)
    if title:
        axes.set_title(title)
    figure.tight_layout()
    if out_file:
        figure.savefig(out_file, dpi=100)
    return figure
