"""Training a config and its GAF twin over seeds, and the paired report.

Shared by ``bench_recognition.py`` (I3D vs I3D + GAF) and ``bench_bmn.py``
(BMN vs BMN + GAF): every (config, seed) trains with ``tools/train.py`` in
its own process (``threads`` torch threads each, ``jobs`` at a time) and is
evaluated on the validation set after its last epoch; a run whose work
directory already holds its validation metrics is not trained again. The
report gives, per configuration, each metric's mean ± standard deviation
(standard error) over the seeds and the mean training-iteration time; then
the paired difference to the twin of each metric, for the GAF version and
every variant run, with its 95 % t-interval and the paired t-test's p; and
the per-seed ratios of the training-step time (GAF's phase ``segment``)
and of the time per epoch of the twin (a frame and a segment epoch).
"""
import argparse
import glob
import json
import os
import os.path as osp
import re
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List, NamedTuple, Sequence, Tuple

from bench_gaf_ablation import paired_difference, summarise


class TwinBenchmark(NamedTuple):
    """What a twin benchmark trains and reports.

    Attributes:
        configs (dict[str, str]): Name of each configuration -> its config
            file; the first is the twin, the second its GAF version.
        epochs_per_twin_epoch (dict[str, int]): Training epochs of each
            configuration per epoch of the twin (GAF: a frame and a
            segment pass).
        metrics (tuple[str]): Keys of the validation metrics reported.
        options (tuple[str]): ``--cfg-options`` of every run, e.g. the data
            paths; ``{work_dir}`` is replaced by the run's work directory.
        variants (dict[str, tuple]): Further configurations, each a name ->
            ``(name of a configuration of configs, its extra
            --cfg-options)``, run only when asked for; each is reported
            against the twin like the GAF version.
    """
    configs: Dict[str, str]
    epochs_per_twin_epoch: Dict[str, int]
    metrics: Sequence[str]
    options: Sequence[str] = ()
    variants: Dict[str, Tuple[str, Tuple[str, ...]]] = {}

    def base_of(self, name: str) -> str:
        """The configuration of ``configs`` that ``name`` is built on."""
        return self.variants[name][0] if name in self.variants else name


def run_records(work_dir: str) -> list:
    """The records of MMEngine's scalars.json of the run in ``work_dir``."""
    records = []
    for path in sorted(
            glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))):
        with open(path) as f:
            records += [json.loads(line) for line in f]
    return records


def run_metrics(work_dir: str, metrics: Sequence[str]) -> dict:
    """The last validation metrics of the run in ``work_dir`` and its mean
    iteration times (``iter_time``; for GAF that of phase ``segment``, and
    ``frame_iter_time`` that of phase ``frame``, else 0), or an empty
    dict."""
    records = run_records(work_dir)
    val = [record for record in records if metrics[0] in record]
    if not val:
        return {}
    # training records carry the loss, validation records the metrics
    train = [record for record in records if 'loss' in record]
    frame = [
        record['time'] for record in train
        if record.get('gaf_phase_is_frame') == 1
    ]
    other = [
        record['time'] for record in train
        if record.get('gaf_phase_is_frame') != 1
    ]
    return dict({key: val[-1][key]
                 for key in metrics},
                iter_time=statistics.mean(other),
                frame_iter_time=statistics.mean(frame) if frame else 0.)


def train(bench: TwinBenchmark,
          name: str,
          seed: int,
          work_root: str,
          threads: int,
          epochs=None) -> dict:
    """Train one configuration with one seed (unless already done).

    Args:
        bench (TwinBenchmark): The benchmark.
        name (str): A key of ``bench.configs`` or ``bench.variants``.
        seed (int): ``randomness.seed``.
        work_root (str): The run's work directory is under it.
        threads (int): Torch threads of the run.
        epochs (int, optional): Epochs of the twin (the others in
            proportion); the config's schedule if None.

    Returns:
        dict: The metrics, ``iter_time`` (s) and ``minutes`` (None for a
        run found done).
    """
    # 'I3D + GAF without L_R' -> I3D_GAF_without_L_R_<seed>
    slug = re.sub(r'[^A-Za-z0-9-]+', '_', name.replace(' + ', '_')).strip('_')
    work_dir = osp.join(work_root, f'{slug}_{seed}')
    found = run_metrics(work_dir, bench.metrics)
    if found:
        return dict(found, minutes=None)
    options = [f'randomness.seed={seed}']
    options += [option.format(work_dir=work_dir) for option in bench.options]
    options += list(bench.variants.get(name, ((), ()))[1])
    base = bench.base_of(name)
    if epochs is not None:
        epochs = epochs * bench.epochs_per_twin_epoch[base]
        options += [
            f'train_cfg.max_epochs={epochs}',
            f'train_cfg.val_interval={epochs}'
        ]
    env = dict(
        os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    started = time.time()
    os.makedirs(work_root, exist_ok=True)
    with open(work_dir + '.log', 'w') as log:
        subprocess.run([
            sys.executable, 'tools/train.py', bench.configs[base],
            '--work-dir', work_dir, '--cfg-options', *options
        ],
                       check=True,
                       env=env,
                       stdout=log,
                       stderr=subprocess.STDOUT)
    found = run_metrics(work_dir, bench.metrics)
    if not found:
        raise RuntimeError(f'no validation metrics in {work_dir}')
    return dict(found, minutes=(time.time() - started) / 60)


def run_all(bench: TwinBenchmark,
            seeds: Sequence[int],
            work_root: str,
            jobs: int,
            threads: int,
            epochs=None,
            names: Sequence[str] = ()) -> Dict[str, dict]:
    """Configurations ``names`` (default: ``bench.configs``) and the twin,
    which the others are compared with, with every seed; writes
    ``<work_root>/results.json``.

    Returns:
        dict: ``{name: {seed: run}}``.
    """
    twin = list(bench.configs)[0]
    names = [twin] + [name for name in names or bench.configs if name != twin]
    unknown = set(names) - set(bench.configs) - set(bench.variants)
    if unknown:
        raise ValueError(f'unknown configurations {sorted(unknown)}; known: '
                         f'{list(bench.configs) + list(bench.variants)}')
    todo = [(name, seed) for seed in seeds for name in names]
    with ThreadPoolExecutor(jobs) as pool:
        runs = list(
            pool.map(
                lambda job: train(bench, *job, work_root, threads, epochs),
                todo))
    results: Dict[str, dict] = {name: {} for name in names}
    for (name, seed), run in zip(todo, runs):
        results[name][seed] = run
    with open(osp.join(work_root, 'results.json'), 'w') as f:
        json.dump(results, f, indent=1)
    return results


def print_report(bench: TwinBenchmark, results: Dict[str, dict],
                 work_root: str) -> dict:
    """Print the report; writes it to ``<work_root>/summary.json``."""
    summary: dict = dict(configs={}, differences={})
    for name, runs in results.items():
        summary['configs'][name] = {
            key: summarise([run[key] for run in runs.values()])
            for key in (*bench.metrics, 'iter_time')
        }
        row = '  '.join('{}: {mean:.4f} ± {std:.4f} ({sem:.4f})'.format(
            key, **summary['configs'][name][key]) for key in bench.metrics)
        minutes: List[float] = [
            run['minutes'] for run in runs.values()
            if run['minutes'] is not None
        ]
        duration = f'{statistics.mean(minutes):.1f} min/run' \
            if minutes else 'runs reused'
        print(f'{name:10s} n={len(runs)}  {row}  '
              f"{summary['configs'][name]['iter_time']['mean']:.3f} s/iter "
              f'{duration}')
    twin_name = list(bench.configs)[0]
    twin = results[twin_name]
    for name, runs in results.items():
        seeds = sorted(set(runs) & set(twin))
        if name == twin_name:
            continue
        if len(seeds) < 2:
            print(f'{name}: paired differences need two seeds or more')
            continue
        print(f'\n{name} - {twin_name} over seeds {seeds} '
              '(95 % t-interval, paired t-test p):')
        differences = summary['differences'][name] = {}
        for key in bench.metrics:
            diff = paired_difference({s: runs[s][key]
                                      for s in seeds},
                                     {s: twin[s][key]
                                      for s in seeds})
            differences[key] = diff
            print(f'  {key:14s} {diff["mean"]:+.4f} [{diff["low"]:+.4f}, '
                  f'{diff["high"]:+.4f}]  p={diff["p"]:.3f}')
        # per seed, both measured in the same run of this benchmark
        differences['step_time_ratio'] = summarise(
            [runs[s]['iter_time'] / twin[s]['iter_time'] for s in seeds])
        # an epoch of the twin is a frame and a segment epoch of GAF, of as
        # many iterations each
        differences['epoch_time_ratio'] = summarise([
            (runs[s]['iter_time'] + runs[s]['frame_iter_time']) /
            twin[s]['iter_time'] for s in seeds
        ])
        print('  training step (phase segment) / {}: {mean:.2f} ± {std:.2f}'.
              format(twin_name, **differences['step_time_ratio']))
        print('  time per epoch of the twin (frame + segment) / {}: '
              '{mean:.2f} ± {std:.2f}'.format(
                  twin_name, **differences['epoch_time_ratio']))
    with open(osp.join(work_root, 'summary.json'), 'w') as f:
        json.dump(summary, f, indent=1)
    return summary


def parse_args(description: str, bench: TwinBenchmark, data_root: str,
               work_dir: str) -> argparse.Namespace:
    """The command line of a twin benchmark: seeds, jobs, threads, the
    schedule, the configurations (``bench.configs`` by default, or any of
    them and of ``bench.variants``), the data and the work directory."""
    twin = list(bench.configs)[0]
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        '--seeds', type=int, nargs='+', default=[0, 1, 2, 3, 4])
    parser.add_argument('--jobs', type=int, default=2)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument(
        '--epochs',
        type=int,
        default=None,
        help=f"epochs of the {twin} twin (GAF: twice as many); the "
        "configs' schedule by default")
    parser.add_argument(
        '--configs',
        nargs='+',
        default=None,
        choices=list(bench.configs) + list(bench.variants),
        metavar='NAME',
        help=f'configurations to run besides {twin}, which the others are '
        f'compared with (default: {list(bench.configs)}' +
        (f'; also {list(bench.variants)})' if bench.variants else ')'))
    parser.add_argument('--data-root', default=data_root)
    parser.add_argument('--work-dir', default=work_dir)
    return parser.parse_args()
