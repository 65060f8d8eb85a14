"""Check a config's datasets before training: every annotation, class and
feature file read in full, each problem named by file, video and field.

    python tools/misc/check_dataset.py CONFIG [--splits train val test]
        [--max-abs 1e4] [--cfg-options KEY=VALUE ...]

Building a dataset already checks the annotations, the classes and each
feature file's header (layout, channels, dtype, steps); this tool also reads
every feature value (NaN, inf, magnitudes above ``--max-abs``) and checks
that the features cover the annotated instances. Exit status 1 when
anything is wrong.
"""
import argparse
import sys

from mmengine.config import Config, DictAction

from mmgaf.datasets.validation import DEFAULT_MAX_ABS, check_tad_dataset
from mmgaf.registry import DATASETS
from mmgaf.utils import register_all_modules


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Check a config\'s data')
    parser.add_argument('config', help='config file')
    parser.add_argument(
        '--splits',
        nargs='+',
        default=['train', 'val', 'test'],
        choices=['train', 'val', 'test'],
        help='which dataloaders\' datasets to check')
    parser.add_argument(
        '--max-abs',
        type=float,
        default=DEFAULT_MAX_ABS,
        help='largest feature magnitude accepted')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config entries')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    register_all_modules()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    failed = 0
    checked = set()
    for split in args.splits:
        loader = cfg.get(f'{split}_dataloader')
        if not loader:
            continue
        dataset_cfg = loader['dataset']
        key = repr(dataset_cfg.to_dict() if hasattr(dataset_cfg, 'to_dict'
                                                    ) else dataset_cfg)
        if key in checked:
            continue
        checked.add(key)
        try:
            dataset = DATASETS.build(dataset_cfg)
        except (ValueError, KeyError, FileNotFoundError) as error:
            print(f'[{split}] cannot build the dataset: {error}')
            failed += 1
            continue
        problems = check_tad_dataset(dataset, max_abs=args.max_abs)
        videos = len({
            dataset.get_data_info(i)['video_name']
            for i in range(len(dataset))
        })
        print(f'[{split}] {videos} videos, {len(dataset)} windows: '
              f'{len(problems)} videos with problems')
        for video_problems in problems.values():
            for problem in video_problems:
                print(f'  {problem}')
        failed += bool(problems)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
