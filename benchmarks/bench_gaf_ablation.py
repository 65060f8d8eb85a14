"""AFSD vs AFSD + GAF and the rows of the paper's Table IV, on the built-in
synthetic dataset, over several seeds.

    python benchmarks/bench_gaf_ablation.py [--seeds 0 1 2] [--jobs 2]
        [--work-dir work_dirs/bench_gaf_ablation] [--configs ...]

Every (config, seed) trains with ``tools/train.py`` in its own process (one
torch thread each, ``--jobs`` at a time) and is evaluated on the
validation subset at its last epoch; the script prints mAP at tIoU 0.3 to
0.7 and their average as mean ± standard deviation over the seeds, and
writes every run's numbers to ``<work-dir>/results.json``. Generate the data
first (``python tools/data/synthetic/generate.py data/synthetic``).
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

# name: (config, extra --cfg-options)
CONFIGS = {
    'AFSD': ('configs/afsd/afsd_synthetic.py', []),
    'GAF row 1: L_ai': ('configs/gaf/afsd_gaf-ai_synthetic.py', []),
    'GAF row 2: + L_n-ai': ('configs/gaf/afsd_gaf-ai-nai_synthetic.py', []),
    'GAF row 3: + L_R (AFSD + GAF)': ('configs/gaf/afsd_gaf_synthetic.py',
                                      []),
    # the authors' code lets the background loss train the detector too
    'row 3, L_n-ai trains detector': (
        'configs/gaf/afsd_gaf_synthetic.py',
        ['model.neck.loss_detection.background_trains_detector=True']),
    # separates L_R from the alternating schedule that comes with it
    'row 3 without L_R': ('configs/gaf/afsd_gaf_synthetic.py',
                          ['model.neck.loss_recon=None']),
}
KEYS = ('tad/mAP@0.30', 'tad/mAP@0.40', 'tad/mAP@0.50', 'tad/mAP@0.60',
        'tad/mAP@0.70', 'tad/mAP')


def last_metrics(work_dir: str) -> dict:
    """The last validation metrics MMEngine logged in ``work_dir``."""
    found = {}
    for path in sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                          'scalars.json'))):
        with open(path) as f:
            for line in f:
                record = json.loads(line)
                if 'tad/mAP' in record:
                    found = record
    if not found:
        raise RuntimeError(f'no validation metrics in {work_dir}')
    return {key: found[key] for key in KEYS}


def train(config: str, options: list, seed: int, work_dir: str) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
    started = time.time()
    with open(osp.join(work_dir + '.log'), 'w') as log:
        subprocess.run([
            sys.executable, 'tools/train.py', config, '--work-dir', work_dir,
            '--cfg-options', f'randomness.seed={seed}', *options
        ],
                       check=True,
                       env=env,
                       stdout=log,
                       stderr=subprocess.STDOUT)
    return dict(
        last_metrics(work_dir), minutes=(time.time() - started) / 60)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--jobs', type=int, default=2)
    parser.add_argument(
        '--work-dir', default='work_dirs/bench_gaf_ablation')
    parser.add_argument(
        '--configs', nargs='+', default=list(CONFIGS),
        choices=list(CONFIGS))
    args = parser.parse_args()
    os.makedirs(args.work_dir, exist_ok=True)
    runs = [(name, seed) for name in args.configs for seed in args.seeds]

    def run(item):
        name, seed = item
        config, options = CONFIGS[name]
        slug = osp.splitext(osp.basename(config))[0]
        if options:
            slug += '_' + str(list(CONFIGS).index(name))
        return item, train(config, options, seed,
                           osp.join(args.work_dir, f'{slug}_seed{seed}'))

    with ThreadPoolExecutor(args.jobs) as pool:
        results = dict(pool.map(run, runs))
    with open(osp.join(args.work_dir, 'results.json'), 'w') as f:
        json.dump({f'{name} / seed {seed}': metrics
                   for (name, seed), metrics in results.items()}, f,
                  indent=2)

    print(f'mAP (%) on the synthetic validation subset, mean ± std over '
          f'seeds {args.seeds}')
    header = ['0.3', '0.4', '0.5', '0.6', '0.7', 'avg']
    print(f'{"":34}' + ''.join(f'{h:>13}' for h in header) +
          f'{"minutes":>10}')
    for name in args.configs:
        row = f'{name:34}'
        for key in KEYS:
            values = [100 * results[(name, s)][key] for s in args.seeds]
            spread = statistics.stdev(values) if len(values) > 1 else 0.
            row += f'{statistics.mean(values):>7.1f} ± {spread:<3.1f}'
        minutes = statistics.mean(results[(name, s)]['minutes']
                                  for s in args.seeds)
        print(row + f'{minutes:>10.1f}')


if __name__ == '__main__':
    main()
