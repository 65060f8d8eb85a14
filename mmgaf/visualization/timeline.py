from typing import Optional, Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch


def _class_colors(num_classes: int):
    """One color per class; tab20 covers THUMOS14's 20 classes."""
    from matplotlib import colormaps
    cmap = colormaps['tab20' if num_classes <= 20 else 'hsv']
    return [
        cmap(i % cmap.N if num_classes <= 20 else i / num_classes)
        for i in range(num_classes)
    ]


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
        axes.barh(
            0,
            end - start,
            left=start,
            height=0.8,
            color=colors[label],
            edgecolor='black')
    for (start, end), label, score, lane in zip(pred_segments, pred_labels,
                                                pred_scores, lanes):
        axes.barh(
            lane + 1.5,
            end - start,
            left=start,
            height=0.8,
            color=colors[label],
            alpha=float(np.clip(score, 0.15, 1)))
        axes.text(start, lane + 1.5, f'{score:.2f}', va='center', fontsize=7)
    axes.set_yticks([0] + ([1.5 + (num_lanes - 1) / 2] if num_lanes else []))
    axes.set_yticklabels(['ground truth'] + (
        [f'top {len(order)} detections'] if num_lanes else []))
    axes.set_ylim(num_lanes + 1.2, -0.6)
    axes.set_xlim(0, duration)
    axes.set_xlabel('time (s)')
    used = sorted(
        set(np.asarray(gt_labels, dtype=int).tolist())
        | set(pred_labels.tolist()))
    axes.legend(
        handles=[Patch(color=colors[i], label=class_names[i]) for i in used],
        loc='upper left',
        bbox_to_anchor=(1.0, 1.0),
        fontsize=8)
    if title:
        axes.set_title(title)
    figure.tight_layout()
    if out_file:
        figure.savefig(out_file, dpi=100)
    return figure


# Fig. 5 of the paper: ground truth green, predictions yellow.
GT_COLOR = 'tab:green'
PRED_COLOR = 'gold'


def draw_class_timeline(pred_segments: np.ndarray,
                        pred_labels: Sequence[int],
                        pred_scores: Sequence[float],
                        duration: float,
                        class_names: Sequence[str],
                        gt_segments: Optional[np.ndarray] = None,
                        gt_labels: Optional[Sequence[int]] = None,
                        top_k: int = 20,
                        title: Optional[str] = None,
                        out_file: Optional[str] = None) -> Figure:
    """Detections of one video against its ground truth, one row per class,
    as the paper's Fig. 5.

    Every class with a ground-truth instance or one of the ``top_k`` best
    detections has a row: its ground truth (green) above its detections
    (yellow, opacity by score, the score written at the start). The
    picture is 1200 pixels wide and ``100 * (1 + 0.6 * rows)`` high (at
    least 1.6 rows).

    Args:
        pred_segments (np.ndarray): ``(K, 2)`` detections in seconds.
        pred_labels (Sequence[int]): ``(K,)`` class indices.
        pred_scores (Sequence[float]): ``(K,)``.
        duration (float): The video's length in seconds.
        class_names (Sequence[str]): Names of the class indices.
        gt_segments (np.ndarray, optional): ``(N, 2)`` ground truth in
            seconds. Defaults to None (none known).
        gt_labels (Sequence[int], optional): ``(N,)`` class indices.
        top_k (int): How many detections to draw. Defaults to 20.
        title (str, optional): Figure title.
        out_file (str, optional): Where to save a PNG (100 dpi).

    Returns:
        Figure: The matplotlib figure.
    """
    gt_segments = np.asarray(
        [] if gt_segments is None else gt_segments,
        dtype=float).reshape(-1, 2)
    gt_labels = np.asarray(
        [] if gt_labels is None else gt_labels, dtype=int).reshape(-1)
    if len(gt_labels) != len(gt_segments):
        raise ValueError(f'{len(gt_segments)} ground-truth segments but '
                         f'{len(gt_labels)} labels')
    pred_segments = np.asarray(pred_segments, dtype=float).reshape(-1, 2)
    pred_scores = np.asarray(pred_scores, dtype=float).reshape(-1)
    pred_labels = np.asarray(pred_labels, dtype=int).reshape(-1)
    order = np.argsort(-pred_scores, kind='stable')[:top_k]
    pred_segments, pred_labels, pred_scores = (pred_segments[order],
                                               pred_labels[order],
                                               pred_scores[order])
    rows = sorted(set(gt_labels.tolist()) | set(pred_labels.tolist()))
    for label in rows:
        if not 0 <= label < len(class_names):
            raise ValueError(f'label {label} is not one of the '
                             f'{len(class_names)} classes')
    row_of = {label: row for row, label in enumerate(rows)}

    figure = Figure(figsize=(12, 1 + 0.6 * max(len(rows), 1)))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for (start, end), label in zip(gt_segments, gt_labels):
        axes.barh(
            row_of[label] - 0.2,
            end - start,
            left=start,
            height=0.35,
            color=GT_COLOR,
            edgecolor='black',
            linewidth=0.5)
    for (start, end), label, score in zip(pred_segments, pred_labels,
                                          pred_scores):
        axes.barh(
            row_of[label] + 0.2,
            end - start,
            left=start,
            height=0.35,
            color=PRED_COLOR,
            edgecolor='black',
            linewidth=0.5,
            alpha=float(np.clip(score, 0.15, 1)))
        axes.text(
            start,
            row_of[label] + 0.2,
            f'{score:.2f}',
            va='center',
            fontsize=7)
    axes.set_yticks(range(len(rows)))
    axes.set_yticklabels([class_names[label] for label in rows], fontsize=8)
    axes.set_ylim(max(len(rows), 1) - 0.5, -0.5)
    axes.set_xlim(0, duration)
    axes.set_xlabel('time (s)')
    axes.legend(
        handles=[
            Patch(color=GT_COLOR, label='ground truth'),
            Patch(color=PRED_COLOR, label=f'top {len(order)} detections')
        ],
        loc='upper left',
        bbox_to_anchor=(1.0, 1.0),
        fontsize=8)
    if title:
        axes.set_title(title)
    figure.tight_layout()
    if out_file:
        figure.savefig(out_file, dpi=100)
    return figure
