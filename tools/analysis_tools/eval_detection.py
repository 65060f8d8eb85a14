"""Evaluate a saved detection results file against ground truth.

    python tools/analysis_tools/eval_detection.py GT_JSON RESULTS_JSON
        [--subset test] [--tiou 0.3 0.4 0.5 0.6 0.7]
        [--average-tiou T ...] [--protocol official|afsd] [--out metrics.json]

Both files use the ActivityNet layout (ground truth ``{"database": ...}``,
results ``{"results": {video: [{"label", "score", "segment"}]}}``); the
results may be the ``out_file`` of ``TADMetric``. Prints the per-class AP
table, the mAP at each threshold and their average, computed by the same
functions as ``TADMetric``. By ``--protocol official`` (the default, the
official evaluator's) detections of videos outside the ground-truth subset
count as false positives; by ``--protocol afsd`` (AFSD's copy of the
evaluator, ``AFSD/evaluation/eval_detection.py``, which AFSD's and GAF's
published THUMOS14 numbers come from) detections of videos without ground
truth in the subset and of labels absent from it are left out.
"""
import argparse
import json

from mmgaf.evaluation.functional import (PROTOCOLS, anet_detection_map,
                                         detection_summary_table,
                                         load_anet_ground_truth,
                                         load_anet_results,
                                         summarize_detection_map, tiou_name)


def parse_args():
    parser = argparse.ArgumentParser(
        description='Evaluate temporal detections (ActivityNet protocol)')
    parser.add_argument('gt_json', help='ground truth, ActivityNet layout')
    parser.add_argument('results_json', help='detections, results layout')
    parser.add_argument(
        '--subset',
        nargs='+',
        default=['test'],
        help='ground-truth subset(s) to evaluate on (default: test)')
    parser.add_argument(
        '--tiou',
        type=float,
        nargs='+',
        default=[0.3, 0.4, 0.5, 0.6, 0.7],
        help='tIoU thresholds reported one by one (default: THUMOS14\'s)')
    parser.add_argument(
        '--average-tiou',
        type=float,
        nargs='+',
        help='tIoU thresholds averaged into mAP (default: --tiou)')
    parser.add_argument(
        '--protocol',
        choices=PROTOCOLS,
        default='official',
        help='official: detections of videos outside the subset are false '
        'positives; afsd: they, and labels without ground truth, are left '
        'out, as in AFSD\'s evaluator (default: official)')
    parser.add_argument(
        '--class-file',
        help='class names, one per line; by the official protocol every '
        'detection\'s label must be one of them (default: the ground '
        'truth\'s labels)')
    parser.add_argument('--out', help='write the numbers to this JSON file')
    return parser.parse_args()


def main():
    args = parse_args()
    average_tiou = args.average_tiou or args.tiou
    ground_truth = load_anet_ground_truth(args.gt_json, args.subset)
    results = load_anet_results(args.results_json)
    class_names = None
    if args.class_file:
        with open(args.class_file) as f:
            class_names = [line.strip() for line in f if line.strip()]
    evaluation = anet_detection_map(
        ground_truth,
        results,
        sorted(set(args.tiou + average_tiou)),
        class_names=class_names,
        protocol=args.protocol)
    summary = summarize_detection_map(evaluation, args.tiou, average_tiou)

    unknown = summary['unknown_videos']
    if unknown:
        fate = ('are left out'
                if args.protocol == 'afsd' else 'count as false positives')
        print(f'{len(unknown)} video(s) of {args.results_json} are not in '
              f'subset {args.subset} of {args.gt_json}; their detections '
              f'{fate}: {", ".join(unknown[:10])}' +
              (' ...' if len(unknown) > 10 else ''))
    if summary['num_dropped']:
        print(f'protocol afsd: {summary["num_dropped"]} detection(s) of '
              'videos without ground truth or of labels absent from it are '
              'left out')
    print(detection_summary_table(summary))
    for name, value in summary['metrics'].items():
        print(f'{name}: {100 * value:.2f}')
    print('mAP averages tIoU ' + ', '.join(map(tiou_name, average_tiou)))
    if args.out:
        with open(args.out, 'w') as file:
            json.dump(summary, file, indent=2)


if __name__ == '__main__':
    main()
