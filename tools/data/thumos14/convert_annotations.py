"""Convert THUMOS14's temporal annotations into mmgaf's annotation format.

Writes OUT_DIR/thumos14.json (subsets "validation" and "test") and
OUT_DIR/classes.txt (the 20 detection classes, plus "Ambiguous" last with
--include-ambiguous). Four published layouts are read:

    # the CSV files (AFSD / G-TAD); *_Annotation_ours.csv have no Ambiguous
    python tools/data/thumos14/convert_annotations.py csv OUT_DIR \
        --class-index class_index_detection.txt \
        --val val_Annotation.csv --val-info val_video_info.csv \
        --test test_Annotation.csv --test-info test_video_info.csv
    # (--frame-times: times from startFrame/endFrame as AFSD's training
    # reads them, frame * sample_count / count / sample_fps; see
    # docs/afsd_parity.md)

    # the per-class files of the THUMOS14 release (<Class>_val.txt ...)
    python tools/data/thumos14/convert_annotations.py txt OUT_DIR \
        --class-index class_index_detection.txt \
        --val annotation/ --val-info val_video_info.csv \
        --test TH14_Temporal_Annotations_Test/annotations/annotation/ \
        --test-info test_video_info.csv

    # thumos_gt.json (durations from the video info CSVs)
    python tools/data/thumos14/convert_annotations.py gt-json OUT_DIR \
        --class-index class_index_detection.txt --gt thumos_gt.json \
        --val-info val_video_info.csv --test-info test_video_info.csv

    # thumos14_test_groundtruth.csv (test videos only, with durations)
    python tools/data/thumos14/convert_annotations.py gt-csv OUT_DIR \
        --class-index class_index_detection.txt \
        --gt thumos14_test_groundtruth.csv

Unknown labels, videos listed twice and instances of videos without a
duration are errors. Segments ending after their video are clipped to its
duration, segments starting before 0 s clipped to 0, segments entirely
outside the video or ending at or before their start dropped; every change
is counted and printed (--strict makes them errors).
"""
import argparse

from mmgaf.datasets.converters import (AMBIGUOUS, TADAnnotationBuilder,
                                       add_thumos14_csv,
                                       add_thumos14_groundtruth_csv,
                                       add_thumos14_txt, add_thumos_gt_json,
                                       merge_video_info, read_class_index,
                                       read_video_info)

SPLITS = (('val', 'validation'), ('test', 'test'))


def parse_args():
    parser = argparse.ArgumentParser(
        description='Convert THUMOS14 annotations to mmgaf\'s format')
    layouts = parser.add_subparsers(dest='layout', required=True)
    csv = layouts.add_parser('csv', help='val/test_Annotation*.csv')
    txt = layouts.add_parser('txt', help='<Class>_val.txt / _test.txt')
    gt_json = layouts.add_parser('gt-json', help='thumos_gt.json')
    gt_csv = layouts.add_parser('gt-csv', help='thumos14_test_groundtruth.csv')
    for layout in (csv, txt, gt_json, gt_csv):
        layout.add_argument('out_dir', help='where the files are written')
        layout.add_argument(
            '--class-index',
            required=True,
            help='class_index_detection.txt or a list of class names')
        layout.add_argument(
            '--include-ambiguous',
            action='store_true',
            help='keep Ambiguous instances, as a 21st class "Ambiguous"')
        layout.add_argument(
            '--strict',
            action='store_true',
            help='fail instead of clipping or dropping segments')
    for layout, what in ((csv, 'annotation CSV'),
                         (txt, 'folder of <Class>_<split>.txt files')):
        for split, subset in SPLITS:
            layout.add_argument(f'--{split}', help=f'{subset}: {what}')
    for layout in (csv, txt, gt_json):
        for split, subset in SPLITS:
            layout.add_argument(
                f'--{split}-info',
                help=f'{subset}: video,fps,sample_fps,count,... CSV')
    csv.add_argument(
        '--frame-times',
        action='store_true',
        help='times from startFrame/endFrame as AFSD\'s training reads '
        'them (frame * sample_count / count / sample_fps), not start/end')
    gt_json.add_argument('--gt', required=True, help='thumos_gt.json')
    gt_csv.add_argument(
        '--gt', required=True, help='thumos14_test_groundtruth.csv')
    return parser.parse_args()


def main():
    args = parse_args()
    detection_classes = read_class_index(args.class_index)
    builder = TADAnnotationBuilder(
        detection_classes + [AMBIGUOUS] * args.include_ambiguous,
        excluded_labels=() if args.include_ambiguous else (AMBIGUOUS, ),
        strict=args.strict)

    if args.layout in ('csv', 'txt'):
        given = [(split, subset) for split, subset in SPLITS
                 if getattr(args, split)]
        if not given:
            raise SystemExit('give --val and/or --test')
        for split, subset in given:
            info_file = getattr(args, f'{split}_info')
            if not info_file:
                raise SystemExit(f'--{split} needs --{split}-info for the '
                                 'videos\' durations')
            info = read_video_info(info_file)
            if args.layout == 'csv':
                add_thumos14_csv(builder, getattr(args, split), info, subset,
                                 args.frame_times)
            else:
                add_thumos14_txt(builder, getattr(args, split), split, info,
                                 subset)
    elif args.layout == 'gt-json':
        info = merge_video_info(*(read_video_info(getattr(args, key))
                                  for key in ('val_info', 'test_info')
                                  if getattr(args, key)))
        add_thumos_gt_json(builder, args.gt, info)
    else:
        add_thumos14_groundtruth_csv(builder, args.gt, detection_classes)

    ann_file, class_file = builder.dump(args.out_dir, 'thumos14.json')
    print(builder.report.summary())
    for subset, (videos, instances) in builder.subset_counts().items():
        print(f'{subset}: {videos} videos, {instances} instances')
    print(f'wrote {ann_file} and {class_file}')


if __name__ == '__main__':
    main()
