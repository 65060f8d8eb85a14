import os
import os.path as osp
from typing import List, Optional, Sequence

import numpy as np
from mmengine.visualization import Visualizer

from mmgaf.evaluation.functional import (load_anet_ground_truth,
                                         load_anet_results)
from mmgaf.fileio import load_json_strict
from .metrics import draw_class_ap, load_per_class_ap
from .tad_visualizer import figure_to_image
from .timeline import draw_class_timeline


def draw_results(results_file: str,
                 gt_file: str,
                 out_dir: str,
                 subset: Optional[Sequence[str]] = None,
                 videos: Optional[Sequence[str]] = None,
                 max_videos: int = 10,
                 top_k: int = 20,
                 class_names: Optional[Sequence[str]] = None,
                 visualizer: Optional[Visualizer] = None) -> List[str]:
    """Pictures of a results file against its ground truth.

    Writes ``<video>_timeline.png`` (:func:`draw_class_timeline`) for the
    chosen videos and, when the results file holds ``TADMetric``'s
    ``"metrics"``, ``class_ap.png`` (:func:`draw_class_ap`). With a
    ``visualizer`` every picture also goes to its vis backends
    (``add_image``).

    Args:
        results_file (str): Detections in the official results layout, e.g.
            ``TADMetric``'s ``out_file``.
        gt_file (str): Ground truth in the ActivityNet layout, with each
            video's ``duration``.
        out_dir (str): Where the PNGs go.
        subset (Sequence[str], optional): Ground-truth subsets to draw;
            None for all. Defaults to None.
        videos (Sequence[str], optional): The videos to draw; defaults to
            the first ``max_videos`` ground-truth videos of the subset.
        max_videos (int): See ``videos``. Defaults to 10.
        top_k (int): Detections drawn per video. Defaults to 20.
        class_names (Sequence[str], optional): The classes' order (rows);
            defaults to the labels of both files, sorted.
        visualizer (Visualizer, optional): Receives every picture.

    Returns:
        list[str]: The files written.
    """
    ground_truth = load_anet_ground_truth(gt_file, subset)
    results = load_anet_results(results_file)
    database = load_json_strict(gt_file)['database']
    if class_names is None:
        class_names = sorted(
            set(ground_truth['labels']) | set(results['labels']))
    index = {name: i for i, name in enumerate(class_names)}
    unknown = sorted((set(ground_truth['labels']) | set(results['labels'])) -
                     set(index))
    if unknown:
        raise ValueError(f'labels {unknown[:5]} of {results_file} / '
                         f'{gt_file} are not among the class names')
    if videos is None:
        videos = ground_truth['video_names'][:max_videos]
    missing = [video for video in videos if video not in database]
    if missing:
        raise KeyError(f'{gt_file} has no video {missing[0]!r}')
    os.makedirs(out_dir, exist_ok=True)
    written = []

    def publish(name, figure):
        path = osp.join(out_dir, f'{name}.png')
        figure.savefig(path, dpi=figure.dpi)
        written.append(path)
        if visualizer is not None:
            visualizer.add_image(name, figure_to_image(figure))

    def of_video(instances, video):
        if video not in instances['video_names']:
            return np.zeros((0, 2)), [], np.zeros(0)
        keep = instances['videos'] == instances['video_names'].index(video)
        labels = [
            index[label] for label, kept in zip(instances['labels'], keep)
            if kept
        ]
        scores = instances['scores'][keep] if 'scores' in instances else None
        return instances['segments'][keep], labels, scores

    for video in videos:
        gt_segments, gt_labels, _ = of_video(ground_truth, video)
        segments, labels, scores = of_video(results, video)
        publish(
            f'{video}_timeline',
            draw_class_timeline(
                segments,
                labels,
                scores,
                float(database[video]['duration']),
                class_names,
                gt_segments=gt_segments,
                gt_labels=gt_labels,
                top_k=top_k,
                title=video))
    content = load_json_strict(results_file)
    if isinstance(content.get('metrics'), dict):
        publish(
            'class_ap',
            draw_class_ap(
                load_per_class_ap(results_file),
                title=f'per-class AP, {osp.basename(results_file)}'))
    return written
