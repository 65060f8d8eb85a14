"""Test (and evaluate) a checkpoint, the MMAction2 way.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--dump FILE]
        [--show-dir DIR] [--cfg-options KEY=VALUE ...]
        [--launcher {none,pytorch,slurm,mpi}]

``--dump results.pkl`` saves the raw predictions (MMEngine's DumpResults);
detection configs also write the official results JSON through their metric
(``test_evaluator.out_file``). ``--show-dir DIR`` draws, after testing, the
detection timelines of the first ``--show-videos`` videos against their
ground truth and the per-class AP (``mmgaf.visualization.draw_results``)
into DIR, and hands them to the runner's visualizer, so they reach its vis
backends (TensorBoard, ... when configured); the results JSON goes to
``test_evaluator.out_file``, or ``DIR/results.json`` when it is not set.
"""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.dist import is_main_process
from mmengine.logging import print_log
from mmengine.runner import Runner

from mmgaf.utils import register_all_modules
from mmgaf.utils.dist_env import end_distributed_run, prepare_cpu_distributed
from mmgaf.visualization import draw_results


def parse_args():
    parser = argparse.ArgumentParser(description='Test a mmgaf model')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir', help='where the evaluation metrics are written')
    parser.add_argument(
        '--dump', help='dump the raw predictions to this .pkl file')
    parser.add_argument(
        '--show-dir',
        help='draw detection timelines and per-class AP into this folder')
    parser.add_argument(
        '--show-videos',
        type=int,
        default=10,
        help='videos drawn with --show-dir')
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
                                                    (list,
                                                     tuple)) else [evaluators]
        evaluators.append(dict(type='DumpResults', out_file_path=args.dump))
        cfg.test_evaluator = evaluators
    if args.show_dir is not None:
        metric = tad_metric_cfg(cfg)
        if metric is None:
            raise ValueError('--show-dir draws detections: the config has '
                             'no TADMetric in test_evaluator')
        if not metric.get('out_file'):
            metric['out_file'] = osp.join(args.show_dir, 'results.json')
    cfg.load_from = args.checkpoint
    return cfg


def tad_metric_cfg(cfg: Config):
    """The config's ``TADMetric`` entry of ``test_evaluator``, or None."""
    evaluators = cfg.test_evaluator
    for metric in evaluators if isinstance(evaluators,
                                           (list, tuple)) else [evaluators]:
        if str(metric.get('type', '')).split('.')[-1] == 'TADMetric':
            return metric
    return None


def show_results(cfg: Config, runner: Runner, args) -> None:
    """The pictures of ``--show-dir``, on the main process only."""
    if not is_main_process():
        return
    metric = tad_metric_cfg(cfg)
    written = draw_results(
        metric['out_file'],
        metric['ann_file'],
        args.show_dir,
        subset=metric.get('subset', 'test'),
        max_videos=args.show_videos,
        class_names=runner.test_dataloader.dataset.metainfo['classes'],
        visualizer=runner.visualizer)
    print_log(
        f'{len(written)} pictures written to {args.show_dir}',
        logger='current')


def main():
    args = parse_args()
    register_all_modules(init_default_scope=False)
    cfg = merge_args(Config.fromfile(args.config), args)
    prepare_cpu_distributed(cfg)
    runner = Runner.from_cfg(cfg)
    runner.test()
    if args.show_dir is not None:
        show_results(cfg, runner, args)
    end_distributed_run()


if __name__ == '__main__':
    main()
