"""Boundary max pooling at AFSD's sizes: mmgaf's vectorised op against a
loop that transcribes AFSD's CUDA kernel (one iteration per sample, segment
and channel half), and against a masked-window gather.

    python benchmarks/bench_boundary_pooling.py [--device cpu|cuda]
        [--repeats 20] [--threads 1]

Prints the median time of forward + backward (and of the forward alone,
without autograd) per case, and the speed-up over the reference loop.
Sizes: the frame-level map (C=512, T=256 frames, N=126 segments: all six
levels of a 64-step window) and the level-0 map of a branch (C=1024, T=64,
N=64), batch 1 and 4.
"""
import argparse
import importlib.util
import os.path as osp
import statistics
import time

import torch

from mmgaf.models.ops import boundary_max_pooling

CASES = [
    # name, B, C, T, N
    ('frame level', 1, 512, 256, 126),
    ('frame level', 4, 512, 256, 126),
    ('level 0', 1, 1024, 64, 64),
    ('level 0', 4, 1024, 64, 64),
]


def load_reference_loop():
    """The tests' reference: AFSD's kernel as a Python loop over (sample,
    segment, channel half), differentiable through ``max``."""
    path = osp.join(
        osp.dirname(osp.dirname(osp.abspath(__file__))), 'tests', 'models',
        'reference_pooling.py')
    spec = importlib.util.spec_from_file_location('reference_pooling', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.reference_pooling


reference_loop = load_reference_loop()


def masked_window(x, segments):
    """Gather every range padded to the longest one (positions past the
    right end repeat it), then ``max``: O(B C N W) memory."""
    batch, channels, length = x.shape
    bounds = segments.trunc().clamp(0, length - 1).long().view(batch, -1, 2, 2)
    left = bounds[..., 0]
    right = torch.maximum(bounds[..., 1], left)
    width = int((right - left).max()) + 1
    index = torch.minimum(left[..., None] +
                          torch.arange(width, device=x.device),
                          right[..., None])  # (B, N, 2, W)
    index = index.permute(0, 2, 1, 3)[:, :, None]  # (B, 2, 1, N, W)
    half = channels // 2
    values = x.view(batch, 2, half, 1,
                    length).expand(-1, -1, -1, index.size(3), -1).gather(
                        4, index.expand(-1, -1, half, -1, -1))
    return values.max(-1).values.view(batch, channels, -1)


def afsd_segments(batch, num, length, generator):
    """Regions as AFSD draws them around segments of random lengths."""
    centre = torch.rand(batch, num, 1, generator=generator) * length
    half = torch.rand(batch, num, 1, generator=generator) * length / 2
    start, end, size = centre - half, centre + half, 2 * half
    inner, outer = (size / 4).clamp(min=1), (size / 10).clamp(min=1)
    return torch.cat([start - outer, start + inner, end - inner, end + outer],
                     -1).round()


def median_time(fn, repeats, device):
    times = []
    for _ in range(repeats):
        if device.type == 'cuda':
            torch.cuda.synchronize()
        start = time.perf_counter()
        fn()
        if device.type == 'cuda':
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--repeats', type=int, default=20)
    parser.add_argument(
        '--threads',
        type=int,
        default=None,
        help='torch CPU threads (default: torch default)')
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    generator = torch.Generator().manual_seed(0)
    print(f'device {device}, torch {torch.__version__}, '
          f'{torch.get_num_threads()} CPU threads, median of '
          f'{args.repeats} runs (reference loop: {max(args.repeats // 4, 3)})')
    print(f'{"case":<12} {"B":>2} {"C":>5} {"T":>4} {"N":>4} | '
          f'{"fwd+bwd ms":>10} {"fwd ms":>8} | {"masked fwd+bwd":>14} | '
          f'{"loop fwd+bwd":>12} | {"speed-up":>8}')
    for name, batch, channels, length, num in CASES:
        x = torch.randn(
            batch, channels, length, generator=generator).to(device)
        x.requires_grad_()
        segments = afsd_segments(batch, num, length, generator).to(device)
        grad = torch.randn(
            batch, channels, num, generator=generator).to(device)

        def train_step(op):
            x.grad = None
            op(x, segments).backward(grad)

        def inference():
            with torch.no_grad():
                boundary_max_pooling(x, segments)

        for op in (boundary_max_pooling, masked_window, reference_loop):
            torch.testing.assert_close(
                op(x, segments).detach(),
                reference_loop(x, segments).detach())
        train_step(boundary_max_pooling)  # warm-up
        ours = median_time(lambda: train_step(boundary_max_pooling),
                           args.repeats, device)
        forward = median_time(inference, args.repeats, device)
        masked = median_time(lambda: train_step(masked_window), args.repeats,
                             device)
        loop = median_time(lambda: train_step(reference_loop),
                           max(args.repeats // 4, 3), device)
        print(f'{name:<12} {batch:>2} {channels:>5} {length:>4} {num:>4} | '
              f'{ours * 1e3:>10.2f} {forward * 1e3:>8.2f} | '
              f'{masked * 1e3:>11.2f} ms | {loop * 1e3:>9.1f} ms | '
              f'{loop / ours:>7.1f}x')


if __name__ == '__main__':
    main()
