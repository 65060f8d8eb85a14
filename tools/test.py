"""Test (and evaluate) a checkpoint, the MMAction2 way.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--dump FILE]
        [--cfg-options KEY=VALUE ...] [--launcher {none,pytorch,slurm,mpi}]

``--dump results.pkl`` saves the raw predictions (MMEngine's DumpResults);
detection configs also write the official results JSON through their metric
(``test_evaluator.out_file``).
"""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from mmgaf.utils import register_all_modules
from mmgaf.utils.dist_env import end_distributed_run, prepare_cpu_distributed


def parse_args():
    parser = argparse.ArgumentParser(description='Test a mmgaf model')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir', help='where the evaluation metrics are written')
    parser.add_argument(
        '--dump', help='dump the raw predictions to this .pkl file')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config entries, e.g. test_dataloader.batch_size=4')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def merge_args(cfg: Config, args) -> Config:
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.dump is not None:
        if not args.dump.endswith(('.pkl', '.pickle')):
            raise ValueError(f'--dump needs a .pkl file, got {args.dump!r}')
        evaluators = cfg.test_evaluator
        evaluators = list(evaluators) if isinstance(evaluators,
                                                    (list, tuple)) else [
                                                        evaluators
                                                    ]
        evaluators.append(dict(type='DumpResults', out_file_path=args.dump))
        cfg.test_evaluator = evaluators
    cfg.load_from = args.checkpoint
    return cfg


def main():
    args = parse_args()
    register_all_modules(init_default_scope=False)
    cfg = merge_args(Config.fromfile(args.config), args)
    prepare_cpu_distributed(cfg)
    runner = Runner.from_cfg(cfg)
    runner.test()
    end_distributed_run()


if __name__ == '__main__':
    main()
