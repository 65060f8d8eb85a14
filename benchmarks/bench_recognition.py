"""I3D vs I3D + GAF on the built-in motion videos, over training seeds.

    python benchmarks/bench_recognition.py [--seeds 0 1 2 3 4] [--jobs 2]
        [--threads 1] [--configs NAME ...] [--epochs N]
        [--data-root data/synthetic_video]
        [--work-dir work_dirs/bench_recognition]

Trains configs/recognition/i3d_synthetic_video.py and its GAF twin
configs/gaf/i3d_gaf_synthetic_video.py with every seed, each run in its own
process (``--threads`` torch threads, ``--jobs`` at a time; see
``twin_runs.py``), evaluated on the val subset after the last epoch.
``--configs`` chooses among them and the variants of the GAF twin that
drop or scale one of its recognition losses (L_n-ai, L_R). ``--epochs N``
shortens the schedule to N epochs of the twin (2N for GAF, a frame and a
segment pass each) for a quick check. The data are generated (seed 0) if
``--data-root`` has none.

It prints top-1, top-5 and mean class accuracy per configuration as mean ±
standard deviation (standard error) over the seeds and the mean time of a
training iteration and of a run; then, for each configuration against
I3D, the paired difference of each metric with its 95 % t-interval and
the paired t-test's p, and the per-seed ratios of the training-step time
and of the time per epoch of the twin. Every run's numbers go to
``<work-dir>/results.json``, the summary to ``<work-dir>/summary.json``.
"""
import os.path as osp

from twin_runs import TwinBenchmark, parse_args, print_report, run_all

from mmgaf.datasets import SyntheticMotionVideos


def benchmark(data_root: str) -> TwinBenchmark:
    options = []
    for loader in ('train_dataloader', 'val_dataloader'):
        options += [
            f'{loader}.dataset.ann_file={data_root}/'
            f'{loader.split("_")[0]}_list.txt',
            f'{loader}.dataset.data_prefix.video={data_root}/videos'
        ]
    return TwinBenchmark(
        configs={
            'I3D': 'configs/recognition/i3d_synthetic_video.py',
            'I3D + GAF': 'configs/gaf/i3d_gaf_synthetic_video.py',
        },
        epochs_per_twin_epoch={
            'I3D': 1,
            'I3D + GAF': 2
        },
        metrics=('acc/top1', 'acc/top5', 'acc/mean1'),
        options=tuple(options),
        variants={
            # each drops one of GAF's recognition losses
            'I3D + GAF without L_n-ai':
            ('I3D + GAF', ('model.cls_head.background_weight=0.0', )),
            'I3D + GAF, L_n-ai x 1, without L_R':
            ('I3D + GAF', ('model.cls_head.background_weight=1.0',
                           'model.neck.loss_recon=None')),
            # eq. 12's weight; the config's L_n-ai has a tenth of it
            'I3D + GAF, L_n-ai x 1 (eq. 12)':
            ('I3D + GAF', ('model.cls_head.background_weight=1.0', )),
        })


def main():
    # (only the names of the configurations are read from this one)
    args = parse_args(
        __doc__.split('\n')[0], benchmark('data/synthetic_video'),
        'data/synthetic_video', 'work_dirs/bench_recognition')
    if not osp.exists(osp.join(args.data_root, 'train_list.txt')):
        print(f'generating the motion videos into {args.data_root}')
        SyntheticMotionVideos(seed=0).write(args.data_root)
    bench = benchmark(args.data_root)
    results = run_all(bench, args.seeds, args.work_dir, args.jobs,
                      args.threads, args.epochs, args.configs or ())
    print_report(bench, results, args.work_dir)


if __name__ == '__main__':
    main()
