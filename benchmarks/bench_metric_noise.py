"""How much the metric alone moves a model's number: the spread of average
mAP over validation sets of N videos drawn from the full one, and how much
of the spread between training runs it explains.

    python benchmarks/bench_metric_noise.py GT_JSON RESULTS_JSON [...]
        [--subset validation] [--videos 80 400] [--draws 200] [--seed 0]

The detections are fixed (RESULTS_JSON, e.g. the ``results.json`` that
benchmarks/bench_gaf_ablation.py writes beside every run); every draw picks
N videos of the subset with replacement (a bootstrap: a video drawn twice
counts twice) and evaluates them with the official protocol at tIoU 0.3 to
0.7. The standard deviation over the draws is the sampling noise a
validation set of N videos adds to one model's number.

With two results files or more (e.g. the runs of one configuration over
training seeds), every draw evaluates all of them on the same videos. The
standard deviation over the draws of the difference of two runs is the part
of a paired comparison that the validation set adds; it is printed beside
the standard deviation of the runs' numbers on the full subset, and
``metric share`` is the fraction of the variance between runs that the
validation set explains (half the bootstrap variance of a difference,
scaled from N videos to the subset's size, over the variance of the runs):
the rest comes from training.
"""
import argparse
import itertools
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


def bootstrap_maps(ground_truth: dict,
                   results: Sequence[dict],
                   subset: str,
                   num_videos: int,
                   draws: int,
                   seed: int = 0,
                   iou_thrs: Sequence[float] = IOU_THRS) -> np.ndarray:
    """Average mAP of every results file on ``draws`` bootstrap sets of
    ``num_videos`` videos of ``subset``, the same sets for all files.

    Args:
        ground_truth (dict): The ActivityNet-layout ground truth.
        results (Sequence[dict]): R results files, official layout.
        subset (str): The videos drawn from.
        num_videos (int): Videos of each drawn set.
        draws (int): How many sets.
        seed (int): Seed of the draws. Defaults to 0.
        iou_thrs (Sequence[float]): Thresholds averaged. Defaults to 0.3 to
            0.7.

    Returns:
        np.ndarray: ``(draws, R)`` average mAPs.
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
    values = np.empty((draws, len(results)))
    for draw in range(draws):
        picked = [names[i] for i in rng.integers(0, len(names), num_videos)]
        for column, run in enumerate(results):
            gt, res = resampled(ground_truth, run, picked, subset)
            values[draw, column] = anet_detection_map(
                load_anet_ground_truth(gt, subset),
                load_anet_results(res),
                iou_thrs,
                class_names=classes)['average_map']
    return values


def metric_noise(ground_truth: dict,
                 results: dict,
                 subset: str,
                 num_videos: int,
                 draws: int,
                 seed: int = 0,
                 iou_thrs: Sequence[float] = IOU_THRS) -> Dict[str, float]:
    """Mean and standard deviation of one results file's average mAP over
    ``draws`` bootstrap sets (:func:`bootstrap_maps`)."""
    values = bootstrap_maps(ground_truth, [results], subset, num_videos, draws,
                            seed, iou_thrs)[:, 0]
    return dict(
        num_videos=num_videos,
        mean=float(values.mean()),
        std=float(values.std(ddof=1)))


def evaluate(ground_truth: dict,
             results: dict,
             subset: str,
             iou_thrs: Sequence[float] = IOU_THRS) -> float:
    """Average mAP of ``results`` on the whole ``subset``."""
    return anet_detection_map(
        load_anet_ground_truth(ground_truth, subset),
        load_anet_results(results), iou_thrs)['average_map']


def paired_metric_noise(ground_truth: dict,
                        results: Sequence[dict],
                        subset: str,
                        num_videos: int,
                        draws: int,
                        seed: int = 0,
                        iou_thrs: Sequence[float] = IOU_THRS) -> dict:
    """How much of the spread between runs the validation set explains.

    Args:
        ground_truth (dict): The ActivityNet-layout ground truth.
        results (Sequence[dict]): R >= 2 results files, e.g. one
            configuration's runs over training seeds.
        subset, num_videos, draws, seed, iou_thrs: As
            :func:`bootstrap_maps`.

    Returns:
        dict: ``run_std`` (R, ) each run's bootstrap std;
        ``difference_std``, the mean over the R (R - 1) / 2 pairs of the
        bootstrap std of their difference; ``between_runs_std``, the std of
        the runs' average mAP on the whole subset of M videos;
        ``metric_share``, ``difference_std ** 2 / 2`` scaled by ``N / M``
        (a bootstrap variance falls as one over the videos) over
        ``between_runs_std ** 2``: the share of the variance between runs
        that the validation set explains.
    """
    if len(results) < 2:
        raise ValueError(f'paired metric noise needs two results files or '
                         f'more, got {len(results)}')
    values = bootstrap_maps(ground_truth, results, subset, num_videos, draws,
                            seed, iou_thrs)
    difference_std = float(
        np.mean([
            np.std(values[:, a] - values[:, b], ddof=1)
            for a, b in itertools.combinations(range(len(results)), 2)
        ]))
    full = np.asarray(
        [evaluate(ground_truth, run, subset, iou_thrs) for run in results])
    between = float(full.std(ddof=1))
    size = sum(
        video.get('subset') == subset
        for video in ground_truth['database'].values())
    metric_variance = difference_std**2 / 2 * num_videos / size
    return dict(
        num_videos=num_videos,
        run_std=values.std(0, ddof=1),
        difference_std=difference_std,
        between_runs_std=between,
        metric_share=metric_variance /
        between**2 if between > 0 else float('nan'))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('gt_json')
    parser.add_argument('results_json', nargs='+')
    parser.add_argument('--subset', default='validation')
    parser.add_argument('--videos', type=int, nargs='+', default=[80, 400])
    parser.add_argument('--draws', type=int, default=200)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    with open(args.gt_json) as f:
        ground_truth = json.load(f)
    results = []
    for path in args.results_json:
        with open(path) as f:
            results.append(json.load(f))
    print(f'average mAP (%) over {args.draws} bootstrap sets of '
          f'{args.subset} videos:')
    for num_videos in args.videos:
        if len(results) == 1:
            noise = metric_noise(ground_truth, results[0], args.subset,
                                 num_videos, args.draws, args.seed)
            print(f'{num_videos:5d} videos: {100 * noise["mean"]:.1f} ± '
                  f'{100 * noise["std"]:.2f}')
            continue
        noise = paired_metric_noise(ground_truth, results, args.subset,
                                    num_videos, args.draws, args.seed)
        runs = ', '.join(f'{100 * s:.2f}' for s in noise['run_std'])
        print(f'{num_videos:5d} videos: std of each run {runs}; std of a '
              f'difference of two runs {100 * noise["difference_std"]:.2f}; '
              f'std between the runs (whole subset) '
              f'{100 * noise["between_runs_std"]:.2f}; metric share '
              f'{noise["metric_share"]:.2f}')


if __name__ == '__main__':
    main()
