"""Draw a detection results file against its ground truth, and a run's
training curves.

    python tools/analysis_tools/visualize_results.py RESULTS_JSON GT_JSON
        [--out-dir DIR] [--subset S ...] [--videos V ...] [--max-videos N]
        [--top-k K] [--class-file FILE] [--work-dir RUN_DIR]

RESULTS_JSON is in the official results layout (``TADMetric``'s
``out_file``, e.g. ``tools/test.py ... --cfg-options
test_evaluator.out_file=results.json``), GT_JSON in the ActivityNet layout.
DIR receives per video ``<video>_timeline.png`` (one row per class, ground
truth green above the detections, as the paper's Fig. 5), ``class_ap.png``
(per-class AP, when RESULTS_JSON holds ``TADMetric``'s metrics) and, with
``--work-dir``, ``training_curves.png`` from the run's newest
``vis_data/scalars.json``.
"""
import argparse
import glob
import os
import os.path as osp
import sys

from mmgaf.visualization import (draw_results, draw_training_curves,
                                 load_scalars)


def parse_args():
    parser = argparse.ArgumentParser(
        description='Draw detections against ground truth')
    parser.add_argument('results_json', help='detections, results layout')
    parser.add_argument('gt_json', help='ground truth, ActivityNet layout')
    parser.add_argument(
        '--out-dir', default='work_dirs/visualize', help='where PNGs go')
    parser.add_argument(
        '--subset', nargs='+', help='ground-truth subset(s); default all')
    parser.add_argument('--videos', nargs='+', help='videos to draw')
    parser.add_argument(
        '--max-videos',
        type=int,
        default=10,
        help='without --videos, the first N videos of the subset')
    parser.add_argument(
        '--top-k', type=int, default=20, help='detections drawn per video')
    parser.add_argument(
        '--class-file', help='class names, one per line (the rows\' order)')
    parser.add_argument(
        '--work-dir',
        help='a training run (tools/train.py --work-dir): draw its curves')
    return parser.parse_args()


def newest_scalars(work_dir: str) -> str:
    """The ``vis_data/scalars.json`` of a work dir's newest run."""
    found = sorted(
        glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')) +
        glob.glob(osp.join(work_dir, 'vis_data', 'scalars.json')),
        key=os.path.getmtime)
    if not found:
        raise FileNotFoundError(
            f'{work_dir}: no vis_data/scalars.json (MMEngine writes it with '
            'LocalVisBackend)')
    return found[-1]


def main():
    args = parse_args()
    class_names = None
    if args.class_file:
        with open(args.class_file) as file:
            class_names = [line.strip() for line in file if line.strip()]
    try:
        written = draw_results(
            args.results_json,
            args.gt_json,
            args.out_dir,
            subset=args.subset,
            videos=args.videos,
            max_videos=args.max_videos,
            top_k=args.top_k,
            class_names=class_names)
        if args.work_dir:
            scalars = newest_scalars(args.work_dir)
            path = osp.join(args.out_dir, 'training_curves.png')
            draw_training_curves(
                load_scalars(scalars), title=scalars, out_file=path)
            written.append(path)
    except (OSError, KeyError, ValueError) as error:
        sys.exit(f'error: {error}')
    print(f'{len(written)} pictures in {args.out_dir}')


if __name__ == '__main__':
    main()
