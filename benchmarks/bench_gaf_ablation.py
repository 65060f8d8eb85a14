"""AFSD vs AFSD + GAF, the rows of the paper's Table IV and the authors'
variants of GAF, on the built-in synthetic dataset, over training seeds.

    python benchmarks/bench_gaf_ablation.py [--seeds 0 1 2 3 4] [--jobs 2]
        [--data-seed 0] [--threads 1] [--configs NAME ...]
        [--work-dir work_dirs/bench_gaf_ablation]

Every (config, seed) trains with ``tools/train.py`` in its own process
(``--threads`` torch threads each, ``--jobs`` at a time) with the precise
recipe (``configs/gaf/synthetic_precise_recipe.py``) and is evaluated on the
validation subset after its last epoch (the EMA weights), its detections
written to ``<run>/results.json`` (benchmarks/bench_metric_noise.py reads
them). A run whose work directory already holds its validation metrics is
not trained again, so a benchmark can be extended seed by seed.
``--data-seed`` generates the
dataset with another generator seed (into ``<data_root>_dataseed<N>``, once)
to show that a result is not one dataset's accident.

It prints, per configuration, the mAP at tIoU 0.3 to 0.7 and their average
as mean ± standard deviation (standard error) over the seeds; then the
paired difference of average mAP over the seeds both configurations ran,
with its 95 % t-interval and the paired t-test's p: every GAF row against
AFSD, row 3 against row 2 and row 2 against row 1. Every run's numbers go
to ``<work-dir>/results.json``, the summary to ``<work-dir>/summary.json``.
"""
import argparse
import glob
import json
import math
import os
import os.path as osp
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List, Sequence

from mmengine.config import Config
from scipy import stats

from mmgaf.datasets.synthetic import SyntheticTAD

ROW_3 = 'configs/gaf/afsd_gaf_synthetic_precise.py'
# The GAF configs follow the authors' code but for L_n-ai
# (configs/_base_/models/gaf_synthetic_parts.py); each variant below
# changes one part.
TRAINS_DETECTOR = 'model.neck.loss_detection.background_trains_detector=True'
OVER_EVERY_PRIOR = 'model.neck.loss_detection.background_reduction=sum'
AUTHORS_BACKGROUND = [TRAINS_DETECTOR, OVER_EVERY_PRIOR]
# the latent stays as wide as the feature: the per-channel attention's
# prior N(λ, I) has one mean per channel
PLAIN_CVAE = [
    'model.neck.cvae.hidden_channels=128', 'model.neck.cvae.norm_cfg=None',
    'model.neck.cvae.act_cfg=None'
]
# the paper's λ (eq. 11), one weight per step at the authors' hidden width;
# the CVAE is then conditioned on one weight per step
PER_STEP_ATTENTION = [
    'model.neck.attention._delete_=True',
    'model.neck.attention.type=SegmentAttention',
    'model.neck.attention.hidden_channels=128'
]
# name: (config, extra --cfg-options)
CONFIGS = {
    'AFSD': ('configs/afsd/afsd_synthetic_precise.py', []),
    'row 1: L_ai': ('configs/gaf/afsd_gaf-ai_synthetic_precise.py', []),
    'row 2: + L_n-ai':
    ('configs/gaf/afsd_gaf-ai-nai_synthetic_precise.py', []),
    'row 3: + L_R (AFSD + GAF)': (ROW_3, []),
    # one part changed at a time
    "row 3, the authors' L_n-ai": (ROW_3, AUTHORS_BACKGROUND),
    "row 3, mmgaf's plain CVAE": (ROW_3, PLAIN_CVAE),
    # separates L_R from the alternating schedule that comes with it
    'row 3 without L_R': (ROW_3, ['model.neck.loss_recon=None']),
    # the paper's λ, per step, instead of the authors' per channel and step
    "row 3, the paper's per-step λ": (ROW_3, PER_STEP_ATTENTION),
    # the authors' normalisation of L_n-ai (every prior of the background
    # map is background), still training λ only, as the paper motivates it
    'row 3, L_n-ai over every prior': (ROW_3, [OVER_EVERY_PRIOR]),
    # the authors' other half: L_n-ai, averaged over the background
    # intervals, also trains the detector
    'row 3, L_n-ai training the detector': (ROW_3, [TRAINS_DETECTOR]),
}
BASELINE = 'AFSD'
# (a, b): a - b is reported besides every GAF row against the baseline
LADDER = (('row 3: + L_R (AFSD + GAF)', 'row 2: + L_n-ai'), ('row 2: + L_n-ai',
                                                             'row 1: L_ai'))
KEYS = ('tad/mAP@0.30', 'tad/mAP@0.40', 'tad/mAP@0.50', 'tad/mAP@0.60',
        'tad/mAP@0.70', 'tad/mAP')


def summarise(values: Sequence[float]) -> Dict[str, float]:
    """Mean, sample standard deviation and standard error of the mean."""
    values = list(values)
    std = statistics.stdev(values) if len(values) > 1 else float('nan')
    return dict(
        n=len(values),
        mean=statistics.mean(values),
        std=std,
        sem=std / math.sqrt(len(values)))


def paired_difference(a: Dict[int, float],
                      b: Dict[int, float],
                      confidence: float = 0.95) -> Dict[str, float]:
    """``a - b`` over the seeds both have: mean, standard deviation and
    standard error of the per-seed differences, the ``confidence``
    t-interval of the mean difference (n - 1 degrees of freedom) and the
    two-sided paired t-test's p.

    Args:
        a, b (dict[int, float]): A value per seed.
        confidence (float): Level of the interval. Defaults to 0.95.
    """
    seeds = sorted(set(a) & set(b))
    if len(seeds) < 2:
        raise ValueError(f'a paired difference needs two common seeds, got '
                         f'{seeds}')
    differences = [a[seed] - b[seed] for seed in seeds]
    result = summarise(differences)
    half_width = stats.t.ppf(0.5 + confidence / 2,
                             len(seeds) - 1) * result['sem']
    if result['std'] > 0:
        p = float(
            stats.ttest_rel([a[s] for s in seeds],
                            [b[s] for s in seeds]).pvalue)
    else:
        # the same difference on every seed: certain, unless it is none
        p = float(result['mean'] == 0)
    result.update(
        low=result['mean'] - half_width,
        high=result['mean'] + half_width,
        p=p,
        seeds=seeds)
    return result


def comparisons(results: Dict[str, Dict[int, float]]) -> List[tuple]:
    """(a, b, paired difference) for every GAF row against the baseline and
    for the rows' ladder, where both ran on two seeds or more."""
    pairs = [(name, BASELINE) for name in results if name != BASELINE]
    pairs += list(LADDER)
    out = []
    for a, b in pairs:
        if a in results and b in results and \
                len(set(results[a]) & set(results[b])) > 1:
            out.append((a, b, paired_difference(results[a], results[b])))
    return out


def last_metrics(work_dir: str) -> dict:
    """The last validation metrics MMEngine logged in ``work_dir``, or an
    empty dict."""
    found = {}
    for path in sorted(
            glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))):
        with open(path) as f:
            for line in f:
                record = json.loads(line)
                if 'tad/mAP' in record:
                    found = record
    return {key: found[key] for key in KEYS} if found else {}


def data_options(data_root: str) -> List[str]:
    """--cfg-options that point a config at another copy of the dataset."""
    options = [
        f'{loader}.dataset.data_root={data_root}'
        for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')
    ]
    return options + [
        f'{evaluator}.ann_file={data_root}/annotations.json'
        for evaluator in ('val_evaluator', 'test_evaluator')
    ]


def prepare_data(data_seed: int) -> List[str]:
    """Generate the dataset of ``data_seed`` if it is missing; the
    --cfg-options that select it."""
    cfg = Config.fromfile(CONFIGS[BASELINE][0])
    data_root = cfg.precise_data_root
    options = []
    if data_seed:
        data_root = f'{data_root}_dataseed{data_seed}'
        options = data_options(data_root)
    if not osp.exists(osp.join(data_root, 'annotations.json')):
        training, validation = cfg.precise_num_videos
        print(f'generating the dataset of seed {data_seed} into {data_root}')
        SyntheticTAD(seed=data_seed).write(
            data_root, dict(training=training, validation=validation))
    return options


def train(config: str, options: list, seed: int, work_dir: str,
          threads: int) -> dict:
    found = last_metrics(work_dir)
    if found:
        return dict(found, minutes=None)
    env = dict(
        os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    started = time.time()
    with open(osp.join(work_dir + '.log'), 'w') as log:
        subprocess.run([
            sys.executable, 'tools/train.py', config, '--work-dir', work_dir,
            '--cfg-options', f'randomness.seed={seed}',
            f'val_evaluator.out_file={work_dir}/results.json', *options
        ],
                       check=True,
                       env=env,
                       stdout=log,
                       stderr=subprocess.STDOUT)
    found = last_metrics(work_dir)
    if not found:
        raise RuntimeError(f'no validation metrics in {work_dir}')
    return dict(found, minutes=(time.time() - started) / 60)


def print_report(results: dict, names: Sequence[str],
                 seeds: Sequence[int]) -> dict:
    """Print the per-configuration table and the paired differences;
    return both as a dict."""
    print(f'mAP (%) on the synthetic validation subset, mean ± std (sem) '
          f'over seeds {list(seeds)}')
    header = ['0.3', '0.4', '0.5', '0.6', '0.7', 'avg']
    print(f'{"":34}' + ''.join(f'{h:>19}' for h in header) + f'{"minutes":>9}')
    table = {}
    for name in names:
        row = f'{name:34}'
        table[name] = {}
        for key in KEYS:
            summary = summarise(100 * results[(name, s)][key] for s in seeds)
            table[name][key] = summary
            row += (f'{summary["mean"]:>7.1f} ± {summary["std"]:<4.1f}'
                    f'({summary["sem"]:.1f})')
        minutes = [
            results[(name, s)]['minutes'] for s in seeds
            if results[(name, s)]['minutes'] is not None
        ]
        print(row + (
            f'{statistics.mean(minutes):>9.1f}' if minutes else f'{"-":>9}'))
    averages = {
        name: {
            s: 100 * results[(name, s)]['tad/mAP']
            for s in seeds
        }
        for name in names
    }
    print('\npaired difference of average mAP (points), 95 % t-interval')
    differences = []
    for a, b, diff in comparisons(averages):
        print(f'{a + " - " + b:66} {diff["mean"]:+6.2f} '
              f'[{diff["low"]:+6.2f}, {diff["high"]:+6.2f}]  '
              f'std {diff["std"]:.2f}  p {diff["p"]:.3f}')
        differences.append(dict(a=a, b=b, **diff))
    return dict(table=table, differences=differences)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--seeds', type=int, nargs='+', default=[0, 1, 2, 3, 4])
    parser.add_argument('--jobs', type=int, default=2)
    parser.add_argument(
        '--threads',
        type=int,
        default=1,
        help='torch threads of every training process')
    parser.add_argument(
        '--data-seed',
        type=int,
        default=0,
        help='generator seed of the dataset')
    parser.add_argument('--work-dir', default='work_dirs/bench_gaf_ablation')
    parser.add_argument(
        '--configs', nargs='+', default=list(CONFIGS), choices=list(CONFIGS))
    args = parser.parse_args()
    os.makedirs(args.work_dir, exist_ok=True)
    data = prepare_data(args.data_seed)
    # seed after seed, so that an interrupted benchmark leaves pairs
    runs = [(name, seed) for seed in args.seeds for name in args.configs]

    def run(item):
        name, seed = item
        config, options = CONFIGS[name]
        slug = f'{list(CONFIGS).index(name):02d}_' + \
            osp.splitext(osp.basename(config))[0]
        run_dir = osp.join(
            args.work_dir, f'{slug}_data{args.data_seed}_seed{seed}'
            f'_threads{args.threads}')
        return item, train(config, options + data, seed, run_dir, args.threads)

    with ThreadPoolExecutor(args.jobs) as pool:
        results = dict(pool.map(run, runs))
    with open(osp.join(args.work_dir, 'results.json'), 'w') as f:
        json.dump(
            {
                f'{name} / seed {seed}': metrics
                for (name, seed), metrics in results.items()
            },
            f,
            indent=2)
    report = print_report(results, args.configs, args.seeds)
    with open(osp.join(args.work_dir, 'summary.json'), 'w') as f:
        json.dump(
            dict(
                seeds=args.seeds,
                data_seed=args.data_seed,
                threads=args.threads,
                **report),
            f,
            indent=2)


if __name__ == '__main__':
    main()
