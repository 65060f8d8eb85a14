from typing import Optional, Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch


def _class_colors(num_classes: int):
    """One color per class; tab20 covers THUMOS14's 20 classes."""
    from matplotlib import colormaps
    cmap = colormaps['tab20' if num_classes <= 20 else 'hsv']
    return [cmap(i % cmap.N if num_classes <= 20 else i / num_classes)
            for i in range(num_classes)]


def _lanes(segments: np.ndarray) -> np.ndarray:
    """Greedy lane per segment so that segments in a lane do not overlap;
    segments are taken in the given order (e.g. by score)."""
    lane_ends = []
    lanes = np.zeros(len(segments), dtype=int)
    for index, (start, end) in enumerate(segments):
        for lane, lane_end in enumerate(lane_ends):
            if start >= lane_end:
                lanes[index] = lane
                lane_ends[lane] = end
                break
        else:
            lanes[index] = len(lane_ends)
            lane_ends.append(end)
    return lanes


def draw_detection_timeline(gt_segments: np.ndarray,
                            gt_labels: Sequence[int],
                            pred_segments: np.ndarray,
                            pred_labels: Sequence[int],
                            pred_scores: Sequence[float],
                            duration: float,
                            class_names: Sequence[str],
                            top_k: int = 20,
                            title: Optional[str] = None,
                            out_file: Optional[str] = None) -> Figure:
    """Ground truth and the top-scoring detections of one video on a time
    axis.

    The ground truth is the top row; detections below it, the best first,
    in as few rows as fit without overlap; a detection's opacity is its
    score. Colors are classes.

    Args:
        gt_segments (np.ndarray): (N, 2) in seconds.
        gt_labels (Sequence[int]): (N,) class indices.
        pred_segments (np.ndarray): (K, 2) in seconds.
        pred_labels (Sequence[int]): (K,) class indices.
        pred_scores (Sequence[float]): (K,).
        duration (float): The video's length in seconds.
        class_names (Sequence[str]): Names of the class indices.
        top_k (int): How many detections to draw. Defaults to 20.
        title (str, optional): Figure title.
        out_file (str, optional): Where to save a PNG.

    Returns:
        Figure: The matplotlib figure.
    """
    gt_segments = np.asarray(gt_segments, dtype=float).reshape(-1, 2)
    pred_segments = np.asarray(pred_segments, dtype=float).reshape(-1, 2)
    pred_scores = np.asarray(pred_scores, dtype=float)
    pred_labels = np.asarray(pred_labels, dtype=int)
    order = np.argsort(-pred_scores, kind='stable')[:top_k]
    pred_segments, pred_labels, pred_scores = (pred_segments[order],
                                               pred_labels[order],
                                               pred_scores[order])
    lanes = _lanes(pred_segments)
    num_lanes = int(lanes.max()) + 1 if len(lanes) else 0
    colors = _class_colors(len(class_names))

    figure = Figure(figsize=(12, 1.2 + 0.35 * (num_lanes + 1)))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for (start, end), label in zip(gt_segments, gt_labels):
        axes.barh(0, end - start, left=start, height=0.8,
                  color=colors[label], edgecolor='black')
    for (start, end), label, score, lane in zip(pred_segments, pred_labels,
                                                pred_scores, lanes):
        axes.barh(lane + 1.5, end - start, left=start, height=0.8,
                  color=colors[label], alpha=float(np.clip(score, 0.15, 1)))
        axes.text(start, lane + 1.5, f'{score:.2f}', va='center',
                  fontsize=7)
    axes.set_yticks([0] + ([1.5 + (num_lanes - 1) / 2] if num_lanes else []))
    axes.set_yticklabels(['ground truth'] +
                         ([f'top {len(order)} detections'] if num_lanes
                          else []))
    axes.set_ylim(num_lanes + 1.2, -0.6)
    axes.set_xlim(0, duration)
    axes.set_xlabel('time (s)')
    used = sorted(set(np.asarray(gt_labels, dtype=int).tolist()) |
                  set(pred_labels.tolist()))
    axes.legend(
        handles=[Patch(color=colors[i], label=class_names[i]) for i in used],
        loc='upper left', bbox_to_anchor=(1.0, 1.0), fontsize=8)
    if title:
        axes.set_title(title)
    figure.tight_layout()
    if out_file:
        figure.savefig(out_file, dpi=100)
    return figure
