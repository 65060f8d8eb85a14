"""AFSD with mmgaf's defaults against AFSD as its authors wrote it
(``configs/afsd/afsd_synthetic_parity.py``: AFSD's padding, initialisation,
softmax over K + 1 with its focal loss, centerness target, loss weights,
boundary-contrastive triplet loss and test-time limits), on the built-in
dataset, over training seeds.

    python tools/data/synthetic/generate.py data/synthetic
    python benchmarks/bench_afsd_recipe.py [--seeds 0 1 2 3 4] [--jobs 2]
        [--work-dir work_dirs/bench_afsd_recipe]

Each (config, seed) trains with ``tools/train.py`` in its own process, one
torch thread each (two busy processes on two cores stall torch's default
two threads), ``--jobs`` at a time, and is evaluated on the validation
subset after its last epoch; a run whose work directory already holds its
metrics is not trained again. It prints mAP at tIoU 0.3 to 0.7 and their
average, mean ± std (sem) over the seeds, and the paired difference of
average mAP (recipe - default) with its 95 % t-interval.
"""
import argparse
import os.path as osp
from concurrent.futures import ThreadPoolExecutor

from bench_gaf_ablation import KEYS, paired_difference, summarise, train

CONFIGS = {
    'default': 'configs/afsd/afsd_synthetic.py',
    'parity': 'configs/afsd/afsd_synthetic_parity.py',
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--seeds', type=int, nargs='+', default=[0, 1, 2, 3, 4])
    parser.add_argument('--jobs', type=int, default=2)
    parser.add_argument('--work-dir', default='work_dirs/bench_afsd_recipe')
    args = parser.parse_args()

    def run(item):
        name, seed = item
        run_dir = osp.join(args.work_dir, f'{name}_seed{seed}')
        return item, train(CONFIGS[name], [], seed, run_dir, threads=1)

    runs = [(name, seed) for seed in args.seeds for name in CONFIGS]
    with ThreadPoolExecutor(args.jobs) as pool:
        results = dict(pool.map(run, runs))
    print(f'mAP (%) on the built-in validation subset, mean ± std (sem) '
          f'over seeds {args.seeds}')
    for name in CONFIGS:
        cells = []
        for key in KEYS:
            summary = summarise(100 * results[(name, s)][key]
                                for s in args.seeds)
            cells.append(f'{summary["mean"]:.1f} ± {summary["std"]:.1f} '
                         f'({summary["sem"]:.1f})')
        seeds = ', '.join(f'{100 * results[(name, s)]["tad/mAP"]:.1f}'
                          for s in args.seeds)
        print(f'{name:9} ' + ' | '.join(cells) + f' | seeds: {seeds}')
    diff = paired_difference(
        {s: 100 * results[('parity', s)]['tad/mAP']
         for s in args.seeds},
        {s: 100 * results[('default', s)]['tad/mAP']
         for s in args.seeds})
    print(f'parity - default, average mAP: {diff["mean"]:+.1f} '
          f'(95 % CI {diff["low"]:+.1f} to {diff["high"]:+.1f})')


if __name__ == '__main__':
    main()
