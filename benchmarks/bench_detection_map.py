"""Speed of mmgaf's detection mAP against plain per-prediction loops, an
earlier copy of mmgaf's evaluator, and the official evaluator end to end.

    OMP_NUM_THREADS=1 python benchmarks/bench_detection_map.py [--gt PATH]
        [--subset test] [--num-preds 20000 50000] [--repeats 5] [--seed 0]
        [--no-numpy-loop] [--baseline DIR] [--afsd DIR] [--no-end-to-end]

Evaluates the real THUMOS14 test ground truth with synthetic detections,
deterministic for a seed: every ground-truth instance gets a Poisson(1.5)
number of jittered copies (centre moved by N(0, 0.2) lengths, length scaled
by exp(N(0, 0.3)), score U(0.3, 1)), and false positives fill up to
``--num-preds``: a random video, one of the video's own classes 4 times out
of 5 (a real detector mostly confuses instances of the right class) or any
class, a random place in the annotated span of the video, the length of a
random ground truth, score U(0, 0.8).

Two straightforward implementations of the same protocol are timed:

* the Python loop of ``mmgaf/evaluation/functional/reference_map.py`` (the
  definition the fast code must equal), one prediction at a time, Python
  floats and lists;
* a NumPy port of the official ActivityNet code's structure
  (``compute_average_precision_detection``, without pandas): per class, per
  prediction, the tIoU against the video's ground truth with NumPy, an
  argsort, and a scan per threshold; the precision envelope is one running
  maximum where the official code loops in Python (faster, not slower).

``--baseline DIR`` names a copy of an earlier
``mmgaf/evaluation/functional/`` folder (e.g. taken before a refactoring,
outside the repository); its ``detection_map`` is timed on the same inputs
and must give the same floats.

All run in the same process, one after the other in each repeat. The
printed speed-up is against the faster of the two loops. Prints the median
wall-clock and CPU times, their ratios, and whether every AP is the same
float.

End to end (unless ``--no-end-to-end``): the detections are written as an
official results file, and the time from the two JSON files to the
numbers is measured (medians of ``--repeats``) for mmgaf
(``load_anet_ground_truth``, ``load_anet_results``, ``anet_detection_map``
with ``protocol='afsd'``), for the baseline if given, and, once, for AFSD's
copy of the official ActivityNet evaluator (``AFSD/evaluation/
eval_detection.py`` under ``--afsd``) when it is there and pandas and
joblib are importable (said so when not). AFSD's evaluator runs as AFSD
calls it, in this process with its per-class jobs run one after the other
(joblib's processes would not see the ``np.float = float`` that NumPy
1.24+ needs for it), one thread.
"""
import argparse
import importlib
import importlib.util
import json
import os.path as osp
import sys
import tempfile
import time

import numpy as np

from mmgaf.evaluation import functional
from mmgaf.evaluation.functional import (detection_map, format_anet_results,
                                         load_anet_ground_truth)
from mmgaf.evaluation.functional.reference_map import reference_detection_map

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
IOU_THRS = (0.3, 0.4, 0.5, 0.6, 0.7)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--gt',
        default=osp.join(REPO_ROOT, '..', 'shared', 'data', 'thumos14',
                         'thumos_gt.json'),
        help='ground truth in the ActivityNet layout')
    parser.add_argument('--subset', default='test')
    parser.add_argument(
        '--num-preds',
        type=int,
        nargs='+',
        default=[20000, 50000],
        help='numbers of predictions, one benchmark each')
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--no-numpy-loop',
        action='store_true',
        help='skip the NumPy port of the official code (the slower loop)')
    parser.add_argument(
        '--baseline',
        help='a copy of an earlier mmgaf/evaluation/functional folder')
    parser.add_argument(
        '--afsd',
        default=osp.join(REPO_ROOT, '..', 'shared', 'reference', 'afsd'),
        help='AFSD as released, for its copy of the official evaluator')
    parser.add_argument(
        '--no-end-to-end',
        action='store_true',
        help='time only the mAP of arrays, not the files to the numbers')
    return parser.parse_args()


def load_baseline(folder: str):
    """An earlier copy of the ``functional`` package, importable beside
    the current one (its relative imports resolve inside the copy)."""
    spec = importlib.util.spec_from_file_location(
        'baseline_functional',
        osp.join(folder, '__init__.py'),
        submodule_search_locations=[folder])
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def load_afsd_evaluator(root: str):
    """AFSD's ``ANETdetection``, or a sentence saying why not."""
    if not osp.isfile(
            osp.join(root, 'AFSD', 'evaluation', 'eval_detection.py')):
        return f'AFSD\'s evaluator is absent ({root})'
    for package in ('pandas', 'joblib'):
        if importlib.util.find_spec(package) is None:
            return f'{package} is not importable: AFSD\'s evaluator not run'
    # Removed in NumPy 1.24; AFSD's code uses it for the builtin float.
    np.float = float
    sys.path.insert(0, root)
    try:
        module = importlib.import_module('AFSD.evaluation.eval_detection')
    finally:
        sys.path.remove(root)
    module.Parallel = lambda n_jobs: (
        lambda tasks: [func(*args, **kwargs) for func, args, kwargs in tasks])
    return module.ANETdetection


def official_style_detection_map(ground_truth, predictions, iou_thrs,
                                 num_classes):
    """The structure of the official ActivityNet evaluator
    (``compute_average_precision_detection``), in NumPy without pandas,
    with the protocol's tie rules: stable sorts, so that equal scores and
    equal tIoUs keep their input order, tIoU 0 for an empty union, and the
    AP summed left to right. Same inputs and outputs as
    ``reference_detection_map``."""
    gt_segments = np.asarray(ground_truth['segments'], dtype=float)
    gt_labels = np.asarray(ground_truth['labels'])
    gt_videos = np.asarray(ground_truth['videos'])
    pred_segments = np.asarray(predictions['segments'], dtype=float)
    pred_labels = np.asarray(predictions['labels'])
    pred_videos = np.asarray(predictions['videos'])
    pred_scores = np.asarray(predictions['scores'], dtype=float)
    iou_thrs = np.asarray(iou_thrs, dtype=float)
    ap = np.full((len(iou_thrs), num_classes), np.nan)
    for label in range(num_classes):
        gt_index = np.flatnonzero(gt_labels == label)
        num_gt = len(gt_index)
        if num_gt == 0:
            continue
        # The class's ground truth, grouped by video: indices into it.
        gt_of_video = {}
        for j, video in enumerate(gt_videos[gt_index].tolist()):
            gt_of_video.setdefault(video, []).append(j)
        gt_of_video = {
            video: np.array(js)
            for video, js in gt_of_video.items()
        }
        class_gt = gt_segments[gt_index]
        pred_index = np.flatnonzero(pred_labels == label)
        pred_index = pred_index[np.argsort(
            -pred_scores[pred_index], kind='stable')]
        lock_gt = np.full((len(iou_thrs), num_gt), -1)
        tp = np.zeros((len(iou_thrs), len(pred_index)))
        fp = np.zeros((len(iou_thrs), len(pred_index)))
        for idx, pred in enumerate(pred_index):
            this_gt = gt_of_video.get(pred_videos[pred])
            if this_gt is None:
                fp[:, idx] = 1
                continue
            tiou_arr = _segment_iou(pred_segments[pred], class_gt[this_gt])
            tiou_sorted_idx = np.argsort(-tiou_arr, kind='stable')
            for tidx, tiou_thr in enumerate(iou_thrs):
                for jdx in tiou_sorted_idx:
                    if tiou_arr[jdx] < tiou_thr:
                        fp[tidx, idx] = 1
                        break
                    if lock_gt[tidx, this_gt[jdx]] >= 0:
                        continue
                    tp[tidx, idx] = 1
                    lock_gt[tidx, this_gt[jdx]] = idx
                    break
                if fp[tidx, idx] == 0 and tp[tidx, idx] == 0:
                    fp[tidx, idx] = 1
        tp_cumsum = np.cumsum(tp, axis=1)
        fp_cumsum = np.cumsum(fp, axis=1)
        recall_cumsum = tp_cumsum / num_gt
        precision_cumsum = tp_cumsum / (tp_cumsum + fp_cumsum)
        for tidx in range(len(iou_thrs)):
            ap[tidx, label] = _interpolated_prec_rec(precision_cumsum[tidx],
                                                     recall_cumsum[tidx])
    with_gt = np.bincount(gt_labels, minlength=num_classes) > 0
    if with_gt.any():
        maps = np.array([np.mean(ap[t, with_gt]) for t in range(len(ap))])
    else:
        maps = np.full(len(iou_thrs), np.nan)
    return dict(ap=ap, map=maps, average_map=float(np.mean(maps)))


def _segment_iou(target_segment, candidate_segments):
    tt1 = np.maximum(target_segment[0], candidate_segments[:, 0])
    tt2 = np.minimum(target_segment[1], candidate_segments[:, 1])
    intersection = (tt2 - tt1).clip(0)
    union = (candidate_segments[:, 1] - candidate_segments[:, 0]) + (
        target_segment[1] - target_segment[0]) - intersection
    return np.divide(
        intersection, union, out=np.zeros_like(union), where=union > 0)


def _interpolated_prec_rec(prec, rec):
    mprec = np.hstack([[0], prec, [0]])
    mrec = np.hstack([[0], rec, [1]])
    mprec = np.maximum.accumulate(mprec[::-1])[::-1]
    idx = np.where(mrec[1:] != mrec[:-1])[0] + 1
    # Left to right (the official code's np.sum adds pairwise).
    terms = (mrec[idx] - mrec[idx - 1]) * mprec[idx]
    return float(np.cumsum(terms)[-1]) if len(terms) else 0.


def encode_ground_truth(path: str, subset: str):
    """Ground truth as :func:`detection_map` takes it, and the classes."""
    loaded = load_anet_ground_truth(path, subset)
    classes = sorted(set(loaded['labels']))
    labels = np.array([classes.index(label) for label in loaded['labels']])
    return dict(
        segments=loaded['segments'], labels=labels,
        videos=loaded['videos']), classes, len(loaded['video_names'])


def synthetic_predictions(gt: dict, num_classes: int, num_videos: int,
                          num_preds: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    copies = np.repeat(
        np.arange(len(gt['labels'])), rng.poisson(1.5, len(gt['labels'])))
    source = gt['segments'][copies]
    length = source[:, 1] - source[:, 0]
    centre = source.mean(axis=1) + rng.normal(0, 0.2, len(copies)) * length
    length = length * np.exp(rng.normal(0, 0.3, len(copies)))
    segments = [np.stack([centre - length / 2, centre + length / 2], 1)]
    labels, videos = [gt['labels'][copies]], [gt['videos'][copies]]
    scores = [rng.uniform(0.3, 1, len(copies))]

    num_fp = max(num_preds - len(copies), 0)
    fp_videos = rng.integers(0, num_videos, num_fp)
    # The ground truth is listed video by video: a video's instances are a
    # run, from which a random one lends its class 4 times in 5.
    first = np.searchsorted(gt['videos'], fp_videos, side='left')
    count = np.searchsorted(gt['videos'], fp_videos, side='right') - first
    lender = first + (rng.random(num_fp) * count).astype(int)
    own_class = (count > 0) & (rng.random(num_fp) < 0.8)
    fp_labels = np.where(
        own_class, gt['labels'][np.minimum(lender,
                                           len(gt['labels']) - 1)],
        rng.integers(0, num_classes, num_fp))
    video_end = np.zeros(num_videos)
    np.maximum.at(video_end, gt['videos'], gt['segments'][:, 1])
    fp_length = np.diff(
        gt['segments'][rng.integers(0, len(gt['labels']), num_fp)], axis=1)[:,
                                                                            0]
    fp_start = rng.random(num_fp) * np.maximum(
        video_end[fp_videos] - fp_length, 1)
    segments.append(np.stack([fp_start, fp_start + fp_length], 1))
    labels.append(fp_labels)
    videos.append(fp_videos)
    scores.append(rng.uniform(0, 0.8, num_fp))
    return dict(
        segments=np.concatenate(segments),
        labels=np.concatenate(labels),
        videos=np.concatenate(videos),
        scores=np.concatenate(scores))


def identical(result: dict, expected: dict) -> bool:
    """Every AP and mAP the same float."""
    return (np.array_equal(result['ap'], expected['ap'], equal_nan=True)
            and np.array_equal(result['map'], expected['map'], equal_nan=True)
            and (result['average_map'] == expected['average_map'] or
                 (np.isnan(result['average_map'])
                  and np.isnan(expected['average_map']))))


def in_turn(evaluators: dict, repeat: int) -> list:
    """The evaluators' items, in reversed order at odd repeats."""
    items = list(evaluators.items())
    return items[::-1] if repeat % 2 else items


def timed(function, *args):
    """The result, the wall-clock and the CPU seconds of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = function(*args)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def benchmark(gt: dict, classes: list, num_videos: int, num_preds: int, args,
              baseline) -> bool:
    preds = synthetic_predictions(gt, len(classes), num_videos, num_preds,
                                  args.seed)
    print(f'\npredictions: {len(preds["labels"])} (seed {args.seed}), '
          f'tIoU {IOU_THRS}')
    evaluators = {'mmgaf detection_map': detection_map}
    if baseline is not None:
        evaluators['baseline detection_map'] = baseline.detection_map
    evaluators['per-prediction loop, Python'] = reference_detection_map
    if not args.no_numpy_loop:
        evaluators['per-prediction loop, NumPy'] = official_style_detection_map
    # Wall-clock and CPU time of each run: on a shared machine the CPU
    # time is the steadier of the two. One run of each per repeat, so
    # that all see the same state of the machine, in reversed order every
    # other repeat (the run after a slow loop finds the caches cold).
    times = {name: [] for name in evaluators}
    results = {}
    for repeat in range(args.repeats):
        for name, evaluate in in_turn(evaluators, repeat):
            results[name], wall, cpu = timed(evaluate, gt, preds, IOU_THRS,
                                             len(classes))
            times[name].append((wall, cpu))
    medians = {name: np.median(t, axis=0) for name, t in times.items()}

    ours = results['mmgaf detection_map']
    print('mAP@' + ' '.join(f'{thr:.1f}' for thr in IOU_THRS) + ': ' +
          ' '.join(f'{100 * value:.2f}' for value in ours['map']) +
          f'  average {100 * ours["average_map"]:.2f}')
    print(f'medians of {args.repeats} runs          wall ms    CPU ms')
    for name, (wall, cpu) in medians.items():
        print(f'{name:30s} {1e3 * wall:8.1f}  {1e3 * cpu:8.1f}')
    loops = [name for name in evaluators if name.startswith('per-')]
    # The faster loop by CPU time, the steadier measure.
    fastest = min(loops, key=lambda name: medians[name][1])
    ratio = medians[fastest] / medians['mmgaf detection_map']
    print(f'speed-up vs the faster loop    {ratio[0]:7.0f}x  {ratio[1]:7.0f}x'
          f'   ({fastest})')
    if baseline is not None:
        ratio = medians['baseline detection_map'] / medians[
            'mmgaf detection_map']
        print(f'baseline / mmgaf time          {ratio[0]:7.2f}x  '
              f'{ratio[1]:7.2f}x   (above 1: mmgaf is faster)')
    same = {
        name: identical(ours, results[name])
        for name in results if name != 'mmgaf detection_map'
    }
    print('every AP and mAP identical: ' +
          ', '.join(f'{"yes" if equal else "NO"} ({name})'
                    for name, equal in same.items()))
    return all(same.values())


def end_to_end(gt_path: str, subset: str, classes: list, num_preds: int, args,
               baseline, afsd_evaluator) -> bool:
    """Files to numbers: mmgaf, the baseline and AFSD's evaluator on one
    results file of synthetic detections; whether all agree."""
    gt, _, num_videos = encode_ground_truth(gt_path, subset)
    preds = synthetic_predictions(gt, len(classes), num_videos, num_preds,
                                  args.seed)
    loaded = load_anet_ground_truth(gt_path, subset)
    results = format_anet_results(
        dict(
            video_names=loaded['video_names'],
            videos=preds['videos'],
            labels=[classes[label] for label in preds['labels'].tolist()],
            segments=preds['segments'],
            scores=preds['scores']))
    evaluators = {'mmgaf': functional}
    if baseline is not None:
        evaluators['baseline'] = baseline
    with tempfile.TemporaryDirectory() as folder:
        results_path = osp.join(folder, 'results.json')
        with open(results_path, 'w') as file:
            json.dump(results, file)
        print(f'\nend to end, {num_preds} detections '
              f'({osp.getsize(results_path) / 1e6:.1f} MB of JSON), '
              f'tIoU {IOU_THRS}: medians of {args.repeats} runs, wall ms')
        times = {name: [] for name in evaluators}
        maps = {}
        for repeat in range(args.repeats):
            for name, module in in_turn(evaluators, repeat):
                start = time.perf_counter()
                evaluation = module.anet_detection_map(
                    module.load_anet_ground_truth(gt_path, subset),
                    module.load_anet_results(results_path),
                    IOU_THRS,
                    protocol='afsd')
                times[name].append(time.perf_counter() - start)
                maps[name] = evaluation['map']
        medians = {name: np.median(t) for name, t in times.items()}
        for name, median in medians.items():
            print(f'{name:30s} {1e3 * median:8.1f}')
        if isinstance(afsd_evaluator, str):
            print(afsd_evaluator)
        else:
            start = time.perf_counter()
            evaluator = afsd_evaluator(
                ground_truth_filename=gt_path,
                prediction_filename=results_path,
                subset=subset,
                tiou_thresholds=IOU_THRS)
            maps['AFSD official'], _, _ = evaluator.evaluate()
            medians['AFSD official'] = time.perf_counter() - start
            print(f'{"AFSD official (one run)":30s} '
                  f'{1e3 * medians["AFSD official"]:8.1f}')
    for name in medians:
        if name != 'mmgaf':
            print(f'{name} / mmgaf time: '
                  f'{medians[name] / medians["mmgaf"]:.1f}x')
    error = max(
        float(np.abs(value - maps['mmgaf']).max()) for value in maps.values())
    print('mAP ' + ' '.join(f'{100 * value:.2f}' for value in maps['mmgaf']) +
          f'; largest difference between evaluators {error:.1e}')
    return error < 1e-12


def main():
    args = parse_args()
    gt, classes, num_videos = encode_ground_truth(args.gt, args.subset)
    print(f'ground truth: {args.gt} [{args.subset}], {num_videos} videos, '
          f'{len(gt["labels"])} instances, {len(classes)} classes')
    baseline = load_baseline(args.baseline) if args.baseline else None
    all_same = True
    for num_preds in args.num_preds:
        all_same &= benchmark(gt, classes, num_videos, num_preds, args,
                              baseline)
    if not args.no_end_to_end:
        afsd_evaluator = load_afsd_evaluator(args.afsd)
        for num_preds in args.num_preds:
            all_same &= end_to_end(args.gt, args.subset, classes, num_preds,
                                   args, baseline, afsd_evaluator)
    if not all_same:
        raise SystemExit(1)


if __name__ == '__main__':
    main()
