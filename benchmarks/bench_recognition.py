"""I3D vs I3D + GAF on the built-in motion videos, over training seeds.

    python benchmarks/bench_recognition.py [--seeds 0 1 2 3 4] [--jobs 2]
        [--threads 1] [--epochs N] [--data-root data/synthetic_video]
        [--work-dir work_dirs/bench_recognition]

Every (config, seed) trains with ``tools/train.py`` in its own process
(``--threads`` torch threads each, ``--jobs`` at a time):
configs/recognition/i3d_synthetic_video.py and its GAF twin
configs/gaf/i3d_gaf_synthetic_video.py, evaluated on the val subset after
the last epoch. ``--epochs N`` shortens the schedule to N epochs of the twin
(2N for GAF, a frame and a segment pass each) for a quick check. The data
are generated (seed 0) if ``--data-root`` has none. A run whose work
directory already holds its validation metrics is not trained again.

It prints, per configuration, top-1, top-5 and mean class accuracy as mean
± standard deviation (standard error) over the seeds, the mean time of a
training iteration and of the whole run; then the paired difference GAF -
I3D of each metric over the seeds with its 95 % t-interval and the paired
t-test's p, and the per-seed ratio of the iteration times. Every run's
numbers go to ``<work-dir>/results.json``, the summary to
``<work-dir>/summary.json``.
"""
import argparse
import glob
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from bench_gaf_ablation import paired_difference, summarise

from mmgaf.datasets import SyntheticMotionVideos

CONFIGS = {
    'I3D': 'configs/recognition/i3d_synthetic_video.py',
    'I3D + GAF': 'configs/gaf/i3d_gaf_synthetic_video.py',
}
# training epochs of each config per epoch of the I3D twin
EPOCHS_PER_TWIN_EPOCH = {'I3D': 1, 'I3D + GAF': 2}
METRICS = ('acc/top1', 'acc/top5', 'acc/mean1')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--seeds', type=int, nargs='+', default=[0, 1, 2, 3, 4])
    parser.add_argument('--jobs', type=int, default=2)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument(
        '--epochs',
        type=int,
        default=None,
        help="epochs of the I3D twin (GAF: twice as many); the configs' "
        'schedule by default')
    parser.add_argument('--data-root', default='data/synthetic_video')
    parser.add_argument('--work-dir', default='work_dirs/bench_recognition')
    return parser.parse_args()


def run_records(work_dir: str) -> list:
    """The records of MMEngine's scalars.json of the run in ``work_dir``."""
    records = []
    for path in sorted(
            glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))):
        with open(path) as f:
            records += [json.loads(line) for line in f]
    return records


def run_metrics(work_dir: str) -> dict:
    """The last validation metrics and the mean iteration time of the run
    in ``work_dir``, or an empty dict."""
    records = run_records(work_dir)
    val = [record for record in records if METRICS[0] in record]
    if not val:
        return {}
    # training records carry the loss, validation records the metrics
    iteration_times = [
        record['time'] for record in records if 'loss' in record
    ]
    return dict({key: val[-1][key]
                 for key in METRICS},
                iter_time=statistics.mean(iteration_times))


def train(name: str, seed: int, args) -> dict:
    work_dir = osp.join(args.work_dir, f'{name.replace(" + ", "_")}_{seed}')
    found = run_metrics(work_dir)
    if found:
        return dict(found, minutes=None)
    options = [f'randomness.seed={seed}']
    for loader in ('train_dataloader', 'val_dataloader'):
        options += [
            f'{loader}.dataset.ann_file={args.data_root}/'
            f'{loader.split("_")[0]}_list.txt',
            f'{loader}.dataset.data_prefix.video={args.data_root}/videos'
        ]
    if args.epochs is not None:
        epochs = args.epochs * EPOCHS_PER_TWIN_EPOCH[name]
        options += [
            f'train_cfg.max_epochs={epochs}',
            f'train_cfg.val_interval={epochs}'
        ]
    env = dict(
        os.environ,
        OMP_NUM_THREADS=str(args.threads),
        MKL_NUM_THREADS=str(args.threads))
    started = time.time()
    os.makedirs(args.work_dir, exist_ok=True)
    with open(work_dir + '.log', 'w') as log:
        subprocess.run([
            sys.executable, 'tools/train.py', CONFIGS[name], '--work-dir',
            work_dir, '--cfg-options', *options
        ],
                       check=True,
                       env=env,
                       stdout=log,
                       stderr=subprocess.STDOUT)
    found = run_metrics(work_dir)
    if not found:
        raise RuntimeError(f'no validation metrics in {work_dir}')
    return dict(found, minutes=(time.time() - started) / 60)


def print_report(results: dict) -> dict:
    summary = dict(configs={}, differences={})
    for name, runs in results.items():
        summary['configs'][name] = {
            key: summarise([run[key] for run in runs.values()])
            for key in (*METRICS, 'iter_time')
        }
        row = '  '.join('{}: {mean:.3f} ± {std:.3f} ({sem:.3f})'.format(
            key.split('/')[-1], **summary['configs'][name][key])
                        for key in METRICS)
        minutes = [
            run['minutes'] for run in runs.values()
            if run['minutes'] is not None
        ]
        duration = f'{statistics.mean(minutes):.1f} min/run' \
            if minutes else 'runs reused'
        print(f'{name:10s} n={len(runs)}  {row}  '
              f"{summary['configs'][name]['iter_time']['mean']:.3f} s/iter "
              f'{duration}')
    gaf, i3d = results['I3D + GAF'], results['I3D']
    if len(set(gaf) & set(i3d)) < 2:
        print('paired differences need two seeds or more')
        return summary
    print('\nGAF - I3D over the seeds (95 % t-interval, paired t-test p):')
    for key in METRICS:
        diff = paired_difference({
            s: r[key]
            for s, r in gaf.items()
        }, {
            s: r[key]
            for s, r in i3d.items()
        })
        summary['differences'][key] = diff
        print(f'  {key:10s} {diff["mean"]:+.3f} [{diff["low"]:+.3f}, '
              f'{diff["high"]:+.3f}]  p={diff["p"]:.3f}')
    ratios = [
        gaf[seed]['iter_time'] / i3d[seed]['iter_time']
        for seed in sorted(set(gaf) & set(i3d))
    ]
    summary['iter_time_ratio'] = summarise(ratios)
    print('  iteration time GAF / I3D: {mean:.2f} ± {std:.2f}'.format(
        **summary['iter_time_ratio']))
    return summary


def main():
    args = parse_args()
    if not osp.exists(osp.join(args.data_root, 'train_list.txt')):
        print(f'generating the motion videos into {args.data_root}')
        SyntheticMotionVideos(seed=0).write(args.data_root)
    jobs = [(name, seed) for seed in args.seeds for name in CONFIGS]
    with ThreadPoolExecutor(args.jobs) as pool:
        runs = list(pool.map(lambda job: train(*job, args), jobs))
    results = {name: {} for name in CONFIGS}
    for (name, seed), run in zip(jobs, runs):
        results[name][seed] = run
    with open(osp.join(args.work_dir, 'results.json'), 'w') as f:
        json.dump(results, f, indent=1)
    summary = print_report(results)
    with open(osp.join(args.work_dir, 'summary.json'), 'w') as f:
        json.dump(summary, f, indent=1)


if __name__ == '__main__':
    main()
