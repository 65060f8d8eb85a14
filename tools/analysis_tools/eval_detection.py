"""Evaluate a saved detection results file against ground truth.

    python tools/analysis_tools/eval_detection.py GT_JSON RESULTS_JSON
        [--subset test] [--tiou 0.3 0.4 0.5 0.6 0.7]
        [--average-tiou T ...] [--out metrics.json]

Both files use the ActivityNet layout (ground truth ``{"database": ...}``,
results ``{"results": {video: [{"label", "score", "segment"}]}}``); the
results may be the ``out_file`` of ``TADMetric``. Prints the per-class AP
table, the mAP at each threshold and their average, computed by the same
functions as ``TADMetric``. Detections of videos outside the ground-truth
subset count as false positives, as in the official evaluator.
"""
import argparse
import json

from mmgaf.evaluation.functional import (anet_detection_map,
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
    parser.add_argument('--out', help='write the numbers to this JSON file')
    return parser.parse_args()


def main():
    args = parse_args()
    average_tiou = args.average_tiou or args.tiou
    ground_truth = load_anet_ground_truth(args.gt_json, args.subset)
    results = load_anet_results(args.results_json)
    evaluation = anet_detection_map(ground_truth, results,
                                    sorted(set(args.tiou + average_tiou)))
    summary = summarize_detection_map(evaluation, args.tiou, average_tiou)

    unknown = summary['unknown_videos']
    if unknown:
        print(f'{len(unknown)} video(s) of {args.results_json} are not in '
              f'subset {args.subset} of {args.gt_json}; their detections '
              f'count as false positives: {", ".join(unknown[:10])}' +
              (' ...' if len(unknown) > 10 else ''))
    print(detection_summary_table(summary))
    for name, value in summary['metrics'].items():
        print(f'{name}: {100 * value:.2f}')
    print('mAP averages tIoU ' + ', '.join(map(tiou_name, average_tiou)))
    if args.out:
        with open(args.out, 'w') as file:
            json.dump(summary, file, indent=2)


if __name__ == '__main__':
    main()
