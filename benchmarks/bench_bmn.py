"""BMN vs BMN + GAF on the built-in ActivityNet-like features, over
training seeds.

    python benchmarks/bench_bmn.py [--seeds 0 1 2 3 4] [--jobs 2]
        [--threads 1] [--epochs N] [--data-root data/synthetic_bmn]
        [--work-dir work_dirs/bench_bmn]

Trains configs/localization/bmn_synthetic.py (MMAction2's BMN) and its GAF
twin configs/gaf/bmn_gaf_synthetic.py with every seed, each run in its own
process (``--threads`` torch threads, ``--jobs`` at a time; see
``twin_runs.py``), evaluated on the validation subset after the last epoch:
MMAction2's AR@100 and AUC (``ANetMetric``), and the detection mAP of the
proposals classified by each video's ground-truth classes
(``ProposalDetectionMetric``: localisation alone). ``--epochs N`` shortens
the schedule to N epochs of the twin (2N for GAF) for a quick check. The
data are generated (generator seed 0, the commands of the BMN config's
header) if ``--data-root`` has none.

It prints each metric per configuration as mean ± standard deviation
(standard error) over the seeds and the mean time of a training iteration
and of a run; then the paired difference GAF - BMN of each metric with its
95 % t-interval and the paired t-test's p, and the per-seed ratios of the
training-step time and of the time per epoch of the twin (runs that share
the cores with other work time poorly: benchmarks/bench_gaf_cost.py
--modes bmn measures the ratios in one process). Every run's numbers go
to ``<work-dir>/results.json``, the summary to ``<work-dir>/summary.json``.
"""
import os.path as osp
import tempfile

from twin_runs import TwinBenchmark, parse_args, print_report, run_all

from mmgaf.datasets import SyntheticTAD
from mmgaf.datasets.converters import write_bmn_dataset

# ActivityNet-like: few, long instances (configs/localization/bmn_synthetic.py)
GENERATOR = dict(
    min_steps=128, max_steps=384, steps_per_instance=200., median_length=40.)
TEMPORAL_DIM = 32


def benchmark(data_root: str) -> TwinBenchmark:
    options = [
        f'{loader}.dataset.{key}'
        for loader, key in (('train_dataloader',
                             f'ann_file={data_root}/anno_training.json'),
                            ('val_dataloader',
                             f'ann_file={data_root}/anno_validation.json'),
                            ('train_dataloader',
                             f'data_prefix.video={data_root}/features'),
                            ('val_dataloader',
                             f'data_prefix.video={data_root}/features'))
    ]
    options += [
        'val_evaluator.0.dump_config.out={work_dir}/results.json',
        f'val_evaluator.1.ann_file={data_root}/anno_validation.json'
    ]
    return TwinBenchmark(
        configs={
            'BMN': 'configs/localization/bmn_synthetic.py',
            'BMN + GAF': 'configs/gaf/bmn_gaf_synthetic.py',
        },
        epochs_per_twin_epoch={
            'BMN': 1,
            'BMN + GAF': 2
        },
        metrics=('AR@100', 'auc', 'tad/mAP', 'tad/mAP@0.50'),
        options=tuple(options))


def generate(data_root: str) -> None:
    """The built-in BMN data: generate, then convert to BMN's layout."""
    generator = SyntheticTAD(seed=0, **GENERATOR)
    with tempfile.TemporaryDirectory() as source:
        generator.write(source)
        write_bmn_dataset(
            osp.join(source, 'annotations.json'),
            osp.join(source, 'features'),
            data_root,
            TEMPORAL_DIM,
            fps=generator.FPS,
            feature_stride=generator.FEATURE_STRIDE,
            feature_clip_len=generator.FEATURE_CLIP_LEN)


def main():
    # (only the names of the configurations are read from this one)
    args = parse_args(
        __doc__.split('\n')[0], benchmark('data/synthetic_bmn'),
        'data/synthetic_bmn', 'work_dirs/bench_bmn')
    if not osp.exists(osp.join(args.data_root, 'anno_training.json')):
        print(f'generating the BMN data into {args.data_root}')
        generate(args.data_root)
    bench = benchmark(args.data_root)
    results = run_all(bench, args.seeds, args.work_dir, args.jobs,
                      args.threads, args.epochs, args.configs or ())
    print_report(bench, results, args.work_dir)


if __name__ == '__main__':
    main()
