"""Speed of mmgaf's per-class segment NMS (MMCV's compiled ``nms``) against
a baseline implementation, in one process, one thread.

    python benchmarks/bench_segment_nms.py [--baseline PATH]
        [--num 2000 10000] [--classes 20] [--repeats 7] [--seed 0]

Detections are synthetic and deterministic for a seed: ``--num`` segments
over a 1000 s video, starts U(0, 1000), lengths exp(N(1.5, 1)) seconds,
scores U(0, 1), classes uniform over ``--classes``, in float64 seconds as
the window merger holds them. ``--baseline`` names a copy of an earlier
``mmgaf/models/task_modules/segment_nms.py`` (e.g. the plain-PyTorch hard
NMS, kept for this comparison outside the repository); its
``batched_segment_nms`` is timed on the same inputs, every repeat running
both one after the other. Prints the median wall-clock time of each, their
ratio, and whether both keep the same segments. Soft-NMS is timed too (it
is plain PyTorch in both, see the module's docstring).
"""
import argparse
import importlib.util
import statistics
import time

import torch

from mmgaf.models.task_modules import (batched_segment_nms,
                                       batched_segment_soft_nms)


def detections(num: int, num_classes: int, seed: int):
    generator = torch.Generator().manual_seed(seed)
    starts = torch.rand(num, generator=generator, dtype=torch.float64) * 1000
    lengths = torch.exp(
        1.5 + torch.randn(num, generator=generator, dtype=torch.float64))
    segments = torch.stack([starts, starts + lengths], 1)
    scores = torch.rand(num, generator=generator, dtype=torch.float64)
    labels = torch.randint(num_classes, (num, ), generator=generator)
    return segments, scores, labels


def load_baseline(path: str):
    spec = importlib.util.spec_from_file_location('baseline_nms', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def median_time(fn, args, repeats):
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--baseline', help='an earlier segment_nms.py')
    parser.add_argument('--num', type=int, nargs='+', default=[2000, 10000])
    parser.add_argument('--classes', type=int, default=20)
    parser.add_argument('--iou-thr', type=float, default=0.5)
    parser.add_argument('--repeats', type=int, default=7)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    baseline = load_baseline(args.baseline) if args.baseline else None
    for num in args.num:
        inputs = detections(num, args.classes, args.seed)
        nms_args = (*inputs, args.iou_thr)
        ours, (_, keep) = median_time(batched_segment_nms, nms_args,
                                      args.repeats)
        line = f'N={num:6d} {args.classes} classes  nms: mmgaf (MMCV) ' \
               f'{ours * 1e3:8.2f} ms'
        if baseline is not None:
            theirs, (_, keep_base) = median_time(baseline.batched_segment_nms,
                                                 nms_args, args.repeats)
            same = torch.equal(keep.sort().values, keep_base.sort().values)
            line += (f', baseline {theirs * 1e3:8.2f} ms, '
                     f'{theirs / ours:6.1f}x faster, same kept: {same}')
        soft, _ = median_time(batched_segment_soft_nms, inputs, args.repeats)
        print(line + f'; soft-NMS {soft * 1e3:8.2f} ms')


if __name__ == '__main__':
    main()
