"""Train a model from a config, the MMAction2 way.

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp]
        [--cfg-options KEY=VALUE ...] [--launcher {none,pytorch,slurm,mpi}]
"""
import argparse
import glob
import logging
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.logging import print_log
from mmengine.runner import Runner

from mmgaf.utils import register_all_modules
from mmgaf.utils.dist_env import end_distributed_run, prepare_cpu_distributed


def parse_args():
    parser = argparse.ArgumentParser(description='Train a mmgaf model')
    parser.add_argument('config', help='config file')
    parser.add_argument('--work-dir', help='where logs and checkpoints go')
    parser.add_argument(
        '--resume',
        nargs='?',
        const='auto',
        help='resume from this checkpoint, or (without a value) from the '
        'latest checkpoint in the work directory')
    parser.add_argument(
        '--amp', action='store_true', help='automatic mixed precision')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='do not evaluate checkpoints during training')
    parser.add_argument('--seed', type=int, default=None, help='random seed')
    parser.add_argument(
        '--deterministic',
        action='store_true',
        help='deterministic cuDNN algorithms')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config entries, e.g. train_cfg.max_epochs=2')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def enable_amp(cfg: Config) -> None:
    """Switch every optimizer wrapper of the config to AMP.

    A single wrapper is the usual case; GAF configs add a wrapper per phase
    beside (or, written the old way, instead of) the inherited one
    (``frame`` and ``segment``): each becomes an AMP wrapper.
    """
    optim_cfg = cfg.optim_wrapper
    wrappers = [optim_cfg] if 'optimizer' in optim_cfg else []
    wrappers += [
        value for value in optim_cfg.values()
        if isinstance(value, dict) and 'optimizer' in value
    ]
    for wrapper in wrappers:
        if wrapper.get('type', 'OptimWrapper') not in ('OptimWrapper',
                                                       'AmpOptimWrapper'):
            raise ValueError('--amp cannot convert the optimizer wrapper '
                             f'type {wrapper["type"]!r}')
        wrapper['type'] = 'AmpOptimWrapper'
        wrapper.setdefault('loss_scale', 'dynamic')


def merge_args(cfg: Config, args) -> Config:
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    if args.amp:
        enable_amp(cfg)
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume
    if cfg.get('randomness') is None or args.seed is not None:
        cfg.randomness = dict(seed=args.seed, deterministic=args.deterministic)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    return cfg


def warn_before_overwrite(cfg: Config) -> None:
    """Say so when a new run (not ``--resume``) starts in a work dir that
    holds another run's checkpoints, which it will overwrite or rotate out
    (MMEngine reuses work dirs without a word)."""
    if cfg.get('resume'):
        return
    checkpoints = sorted(
        glob.glob(osp.join(cfg.work_dir, '*.pth')) +
        glob.glob(osp.join(cfg.work_dir, 'last_checkpoint')))
    if checkpoints:
        names = ', '.join(osp.basename(path) for path in checkpoints[:5])
        more = f' and {len(checkpoints) - 5} more' if len(
            checkpoints) > 5 else ''
        print_log(
            f'{cfg.work_dir} holds checkpoints of an earlier run ({names}'
            f'{more}); this new run overwrites them. Use --resume to '
            'continue that run, or --work-dir for a new folder.',
            logger='current',
            level=logging.WARNING)


def main():
    args = parse_args()
    register_all_modules(init_default_scope=False)
    cfg = merge_args(Config.fromfile(args.config), args)
    warn_before_overwrite(cfg)
    prepare_cpu_distributed(cfg)
    runner = Runner.from_cfg(cfg)
    runner.train()
    end_distributed_run()


if __name__ == '__main__':
    main()
