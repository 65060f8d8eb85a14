"""AFSD training-step and inference time per window, and peak memory.

    python benchmarks/bench_afsd.py [--device cpu|cuda] [--amp]
        [--modes feature e2e] [--batch-size 1] [--repeats 5] [--threads N]

Modes (models from configs/_base_/models/, AFSD's full sizes, 20 classes):

- ``feature``: afsd.py on two-stream I3D features, (B, 2048, 64) windows
  (64 steps = 256 frames of THUMOS14);
- ``e2e``: afsd_i3d.py, Inception-I3D (random weights) on RGB clips
  (B, 3, 256, 96, 96), as AFSD trains end to end.

Each mode runs in a fresh process so that its peak is its own. Peak memory:
on CUDA ``torch.cuda.max_memory_allocated`` (tensors only); on the CPU the
process's peak resident set (``resource.getrusage(RUSAGE_SELF).ru_maxrss``,
which includes the Python interpreter and the libraries, about 0.4 GiB
here) and its growth over the process after building the model.
Inference is timed under ``torch.no_grad`` and includes decoding; times
are medians over ``--repeats`` runs after one warm-up. A training step is
forward, loss, backward and an Adam step.
"""
import argparse
import multiprocessing
import resource
import statistics
import time

import torch
from mmengine.config import Config
from mmengine.structures import InstanceData

MODEL_CONFIGS = {
    'feature': 'configs/_base_/models/afsd.py',
    'e2e': 'configs/_base_/models/afsd_i3d.py',
}


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.


def make_batch(mode, batch_size, device):
    from mmgaf.structures import TADDataSample
    generator = torch.Generator().manual_seed(0)
    if mode == 'feature':
        window = 64
        inputs = torch.randn(batch_size, 2048, window, generator=generator)
    else:
        window = 256
        inputs = torch.randn(
            batch_size, 3, window, 96, 96, generator=generator)
    samples = []
    for _ in range(batch_size):
        sample = TADDataSample(
            metainfo=dict(window_size=window, valid_len=window))
        start = torch.rand(3, generator=generator) * window * 0.7
        length = 2 + torch.rand(3, generator=generator) * window * 0.25
        sample.gt_instances = InstanceData(
            segments=torch.stack([start, start + length], 1),
            labels=torch.randint(0, 20, (3, ), generator=generator))
        samples.append(sample.to(device))
    return inputs.to(device), samples


def timed(fn, repeats, device):
    fn()
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


def run(mode, args, queue):
    from mmengine.logging import MMLogger

    from mmgaf.registry import MODELS
    from mmgaf.utils import register_all_modules

    # init_weights logs every parameter at INFO level.
    MMLogger.get_instance('bench_afsd', log_level='WARNING')
    if args.threads:
        torch.set_num_threads(args.threads)
    register_all_modules()
    device = torch.device(args.device)
    cfg = Config.fromfile(MODEL_CONFIGS[mode]).model
    cfg.get('backbone', {}).pop('init_cfg', None)  # random weights
    model = MODELS.build(cfg).to(device)
    model.init_weights()
    inputs, samples = make_batch(mode, args.batch_size, device)
    optimizer = torch.optim.Adam(
        model.parameters(), lr=1e-5, weight_decay=1e-3)
    scaler = torch.amp.GradScaler(device.type, enabled=args.amp)
    base_rss = peak_rss_mib()

    def autocast():
        return torch.autocast(device.type, enabled=args.amp)

    def train_step():
        model.train()
        with autocast():
            losses = model(inputs, samples, mode='loss')
            total = sum(losses.values())
        optimizer.zero_grad()
        scaler.scale(total).backward()
        scaler.step(optimizer)
        scaler.update()

    def inference():
        model.eval()
        with torch.no_grad(), autocast():
            model(inputs, samples, mode='predict')

    # Inference first: the CPU peak (ru_maxrss) only grows.
    if device.type == 'cuda':
        torch.cuda.reset_peak_memory_stats()
    infer = timed(inference, args.repeats, device)
    infer_peak = torch.cuda.max_memory_allocated() / 2**20 \
        if device.type == 'cuda' else peak_rss_mib()
    if device.type == 'cuda':
        torch.cuda.reset_peak_memory_stats()
    train = timed(train_step, args.repeats, device)
    train_peak = torch.cuda.max_memory_allocated() / 2**20 \
        if device.type == 'cuda' else peak_rss_mib()
    queue.put(
        dict(
            mode=mode,
            params=sum(p.numel() for p in model.parameters()) / 1e6,
            train=train,
            infer=infer,
            train_peak=train_peak,
            infer_peak=infer_peak,
            base=base_rss))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--amp', action='store_true')
    parser.add_argument(
        '--modes',
        nargs='+',
        default=['feature', 'e2e'],
        choices=list(MODEL_CONFIGS))
    parser.add_argument('--batch-size', type=int, default=1)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--threads', type=int, default=None)
    args = parser.parse_args()
    if args.amp and args.device == 'cpu':
        parser.error('--amp is for CUDA')
    context = multiprocessing.get_context('spawn')
    print(f'device {args.device}, torch {torch.__version__}, amp {args.amp}, '
          f'batch {args.batch_size}, threads '
          f'{args.threads or torch.get_num_threads()}, median of '
          f'{args.repeats} runs')
    memory = 'CUDA max allocated' if args.device.startswith('cuda') else \
        'CPU peak RSS (growth after model build)'
    print(f'{"mode":<8} {"params":>7} | {"train step":>10} | '
          f'{"inference/window":>16} | {memory}: train, inference')
    for mode in args.modes:
        queue = context.Queue()
        process = context.Process(target=run, args=(mode, args, queue))
        process.start()
        result = queue.get()
        process.join()
        per_window = result['infer'] / args.batch_size
        if args.device.startswith('cuda'):
            memory = (f'{result["train_peak"]:.0f} MiB, '
                      f'{result["infer_peak"]:.0f} MiB')
        else:
            memory = (f'{result["train_peak"]:.0f} MiB '
                      f'(+{result["train_peak"] - result["base"]:.0f}), '
                      f'{result["infer_peak"]:.0f} MiB '
                      f'(+{result["infer_peak"] - result["base"]:.0f})')
        print(f'{mode:<8} {result["params"]:>6.1f}M | '
              f'{result["train"] * 1e3:>8.0f}ms | '
              f'{per_window * 1e3:>14.0f}ms | {memory}')


if __name__ == '__main__':
    main()
