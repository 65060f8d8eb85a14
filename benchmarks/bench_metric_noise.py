"""How much the metric alone moves one model's number: the spread of
average mAP over validation sets of N videos drawn from the full one.

    python benchmarks/bench_metric_noise.py GT_JSON RESULTS_JSON
        [--subset validation] [--videos 80 400] [--draws 200] [--seed 0]

The detections are fixed (RESULTS_JSON, e.g. the ``results.json`` that
benchmarks/bench_gaf_ablation.py writes beside every run); every draw picks
N videos of the subset with replacement (a bootstrap: a video drawn twice
counts twice) and evaluates them with the official protocol at tIoU 0.3 to
0.7. The standard deviation over the draws is the sampling noise a
validation set of N videos adds to a comparison of two models.
"""
import argparse
import json
from typing import Dict, Sequence

import numpy as np

from mmgaf.evaluation.functional import (anet_detection_map,
                                         load_anet_ground_truth,
                                         load_anet_results)

IOU_THRS = (0.3, 0.4, 0.5, 0.6, 0.7)


def resampled(ground_truth: dict, results: dict, names: Sequence[str],
              subset: str) -> tuple:
    """Ground truth and results (JSON layouts) of the videos ``names``; the
    k-th repeat of a video is renamed ``<name>#k``."""
    database, detections = {}, {}
    seen: Dict[str, int] = {}
    for name in names:
        copy = f'{name}#{seen.get(name, 0)}'
        seen[name] = seen.get(name, 0) + 1
        database[copy] = dict(ground_truth['database'][name], subset=subset)
        detections[copy] = results['results'].get(name, [])
    return dict(database=database), dict(results=detections)


def metric_noise(ground_truth: dict,
                 results: dict,
                 subset: str,
                 num_videos: int,
                 draws: int,
                 seed: int = 0,
                 iou_thrs: Sequence[float] = IOU_THRS) -> Dict[str, float]:
    """Mean and standard deviation of average mAP over ``draws`` bootstrap
    sets of ``num_videos`` videos of ``subset``.

    Args:
        ground_truth (dict): The ActivityNet-layout ground truth.
        results (dict): The official results layout.
        subset (str): The videos drawn from.
        num_videos (int): Videos of each drawn set.
        draws (int): How many sets.
        seed (int): Seed of the draws. Defaults to 0.
        iou_thrs (Sequence[float]): Thresholds averaged. Defaults to 0.3 to
            0.7.
    """
    names = sorted(name for name, video in ground_truth['database'].items()
                   if video.get('subset') == subset)
    if not names:
        raise ValueError(f'the ground truth has no video of subset '
                         f'{subset!r}')
    # a draw may miss a class: its AP is then NaN and left out of the mean,
    # as the metric does for a class without ground truth
    classes = sorted({
        ann['label']
        for video in ground_truth['database'].values()
        for ann in video['annotations']
    })
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(draws):
        picked = [names[i] for i in rng.integers(0, len(names), num_videos)]
        gt, res = resampled(ground_truth, results, picked, subset)
        evaluation = anet_detection_map(
            load_anet_ground_truth(gt, subset),
            load_anet_results(res),
            iou_thrs,
            class_names=classes)
        values.append(evaluation['average_map'])
    values = np.asarray(values)
    return dict(
        num_videos=num_videos,
        mean=float(values.mean()),
        std=float(values.std(ddof=1)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('gt_json')
    parser.add_argument('results_json')
    parser.add_argument('--subset', default='validation')
    parser.add_argument('--videos', type=int, nargs='+', default=[80, 400])
    parser.add_argument('--draws', type=int, default=200)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    with open(args.gt_json) as f:
        ground_truth = json.load(f)
    with open(args.results_json) as f:
        results = json.load(f)
    print(f'average mAP (%) of {args.results_json} over {args.draws} '
          f'bootstrap sets of {args.subset} videos:')
    for num_videos in args.videos:
        noise = metric_noise(ground_truth, results, args.subset, num_videos,
                             args.draws, args.seed)
        print(f'{num_videos:5d} videos: {100 * noise["mean"]:.1f} ± '
              f'{100 * noise["std"]:.2f}')


if __name__ == '__main__':
    main()
