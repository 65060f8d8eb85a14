"""Convert ActivityNet v1.3 annotations in the layout of MMAction2's
tools/data/activitynet into mmgaf's annotation format.

    python tools/data/activitynet/convert_annotations.py OUT_DIR \
        --anno anet_anno_action.json --video-info video_info_new.csv \
        --action-names action_name.csv

Writes OUT_DIR/activitynet.json (subsets "training", "validation",
"testing"; each video's "fps" is the CSV's rfps, the decoded frame rate) and
OUT_DIR/classes.txt (action_name.csv's order). Unknown labels, videos listed
twice or missing from one of the files are errors; segments ending after
their video are clipped to its duration, segments ending at or before their
start dropped, each change counted and printed (--strict makes them errors).
"""
import argparse

from mmgaf.datasets.converters import (TADAnnotationBuilder, add_activitynet,
                                       read_action_names)


def parse_args():
    parser = argparse.ArgumentParser(
        description='Convert ActivityNet v1.3 annotations to mmgaf\'s format')
    parser.add_argument('out_dir', help='where the files are written')
    parser.add_argument('--anno', required=True, help='anet_anno_action.json')
    parser.add_argument(
        '--video-info', required=True, help='video_info_new.csv')
    parser.add_argument(
        '--action-names', required=True, help='action_name.csv')
    parser.add_argument(
        '--strict',
        action='store_true',
        help='fail instead of clipping or dropping segments')
    return parser.parse_args()


def main():
    args = parse_args()
    builder = TADAnnotationBuilder(
        read_action_names(args.action_names), strict=args.strict)
    add_activitynet(builder, args.anno, args.video_info)
    ann_file, class_file = builder.dump(args.out_dir, 'activitynet.json')
    print(builder.report.summary())
    for subset, (videos, instances) in builder.subset_counts().items():
        print(f'{subset}: {videos} videos, {instances} instances')
    print(f'wrote {ann_file} and {class_file}')


if __name__ == '__main__':
    main()
