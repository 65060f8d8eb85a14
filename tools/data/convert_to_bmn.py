"""Write an mmgaf feature dataset in the layout of MMAction2's BMN.

    python tools/data/convert_to_bmn.py DATA_ROOT OUT_DIR \
        [--temporal-dim 100] [--ann-file annotations.json] \
        [--feature-dir features] [--subsets training validation] \
        [--fps F --feature-stride S --feature-clip-len L --feature-layout TC]

Every video's features (DATA_ROOT/FEATURE_DIR/<video>.npy) are rescaled to
TEMPORAL_DIM equal bins of the video, each the mean of the features over
it, as ActivityNet's csv_mean_100, and written to
OUT_DIR/features/v_<video>.csv; OUT_DIR/anno_<subset>.json holds each
subset's ground truth in MMAction2's BMN layout, and DATA_ROOT's
classes.txt is copied. The feature timing comes from DATA_ROOT/meta.json
(the built-in datasets write it) unless given.
"""
import argparse
import os.path as osp
import shutil
import time

from mmgaf.datasets.converters import write_bmn_dataset
from mmgaf.fileio import load_json_strict

TIMING = dict(
    fps='fps',
    feature_stride='stride',
    feature_clip_len='clip_len',
    feature_layout='layout')


def parse_args():
    parser = argparse.ArgumentParser(
        description="Write a feature dataset in MMAction2's BMN layout")
    parser.add_argument('data_root', help='e.g. data/synthetic_anet')
    parser.add_argument('out_dir', help='e.g. data/synthetic_bmn')
    parser.add_argument('--temporal-dim', type=int, default=100)
    parser.add_argument('--ann-file', default='annotations.json')
    parser.add_argument('--feature-dir', default='features')
    parser.add_argument(
        '--subsets', nargs='+', default=None, help='default: all')
    parser.add_argument('--fps', type=float)
    parser.add_argument('--feature-stride', type=int)
    parser.add_argument('--feature-clip-len', type=int)
    parser.add_argument('--feature-layout', choices=('TC', 'CT'))
    return parser.parse_args()


def feature_timing(args) -> dict:
    """The timing given on the command line, the rest from meta.json."""
    timing = {key: getattr(args, key) for key in TIMING}
    missing = [key for key, value in timing.items() if value is None]
    meta_file = osp.join(args.data_root, 'meta.json')
    if missing and osp.isfile(meta_file):
        features = load_json_strict(meta_file).get('features', {})
        for key in missing:
            if TIMING[key] in features:
                timing[key] = features[TIMING[key]]
    missing = [key for key, value in timing.items() if value is None]
    if missing:
        options = ', '.join('--' + key.replace('_', '-') for key in missing)
        raise SystemExit(f'{meta_file} gives no feature timing; pass '
                         f'{options}')
    return timing


def main():
    args = parse_args()
    timing = feature_timing(args)
    start = time.perf_counter()
    counts = write_bmn_dataset(
        osp.join(args.data_root, args.ann_file),
        osp.join(args.data_root, args.feature_dir),
        args.out_dir,
        args.temporal_dim,
        subsets=args.subsets,
        progress=True,
        **timing)
    classes = osp.join(args.data_root, 'classes.txt')
    if osp.isfile(classes):
        shutil.copy(classes, osp.join(args.out_dir, 'classes.txt'))
    print(f'\nwrote {counts} videos ({args.temporal_dim} steps each) to '
          f'{args.out_dir} in {time.perf_counter() - start:.1f} s')


if __name__ == '__main__':
    main()
