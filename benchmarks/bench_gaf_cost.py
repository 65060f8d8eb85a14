"""What GAF costs over AFSD: training-step and inference time, peak memory.

    python benchmarks/bench_gaf_cost.py [--modes feature synthetic e2e]
        [--device cpu|cuda] [--amp] [--batch-size 1] [--repeats 7]
        [--threads N]

For each mode the AFSD config and its AFSD + GAF config (same detector) are
built with AFSD's full sizes:

- ``feature``: configs/afsd/afsd_thumos14_i3d-feat.py vs
  configs/gaf/afsd_gaf_thumos14.py, (B, 2048, 64) I3D feature windows;
- ``synthetic``: configs/afsd/afsd_synthetic.py vs
  configs/gaf/afsd_gaf_synthetic.py, (B, 256, 128), the README's main job;
- ``e2e``: the end-to-end configs on (B, 3, 256, 96, 96) RGB clips
  (Inception-I3D with random weights), GAF on Mixed_4f and Mixed_5c;
- ``recognition``: MMAction2's Recognizer3D of
  configs/recognition/i3d_synthetic_video.py vs
  configs/gaf/i3d_gaf_synthetic_video.py on (B, 1, 3, 16, 64, 64) clips;
- ``bmn``: MMAction2's BMN of configs/localization/bmn_synthetic.py vs
  configs/gaf/bmn_gaf_synthetic.py on (B, 256, 32) rescaled features.

Below, "AFSD" stands for the model without GAF of each mode.

Timing: both models live in one process and their steps alternate within
every repeat, so that the ratios are measured under the same load; medians
after a warm-up. A training step is forward, losses, backward and an Adam
step of the phase's parameters. GAF has two steps: phase ``segment`` (the
detector on foreground and background features, and L_R) and phase
``frame`` (the conditional VAE only); one epoch of the paper is one pass of
each, so the per-epoch ratio is (frame + segment) / AFSD. Peak memory comes
from separate processes per model and phase (CPU: the process's peak
resident set; CUDA: ``max_memory_allocated``).
"""
import argparse
import multiprocessing
import statistics
import time

import torch
from bench_afsd import make_batch, peak_rss_mib
from mmengine.config import Config

CONFIGS = {
    'feature': ('configs/afsd/afsd_thumos14_i3d-feat.py',
                'configs/gaf/afsd_gaf_thumos14.py', 'feature'),
    'synthetic': ('configs/afsd/afsd_synthetic.py',
                  'configs/gaf/afsd_gaf_synthetic.py', 'synthetic'),
    'e2e': ('configs/afsd/afsd_thumos14_i3d-e2e.py',
            'configs/gaf/afsd_gaf_thumos14_i3d-e2e.py', 'e2e'),
    'recognition': ('configs/recognition/i3d_synthetic_video.py',
                    'configs/gaf/i3d_gaf_synthetic_video.py', 'recognition'),
    'bmn': ('configs/localization/bmn_synthetic.py',
            'configs/gaf/bmn_gaf_synthetic.py', 'bmn'),
}


def build(config, device):
    from mmgaf.registry import MODELS
    cfg = Config.fromfile(config).model
    cfg.get('backbone', {}).pop('init_cfg', None)  # random weights
    model = MODELS.build(cfg).to(device)
    model.init_weights()
    return model


def mmaction_batch(mode, batch_size, device):
    """A batch of MMAction2's ActionDataSample: 10-class clips of the
    built-in videos, or BMN's 32-step features with two proposals each."""
    from mmaction.structures import ActionDataSample
    from mmengine.structures import InstanceData
    generator = torch.Generator().manual_seed(0)
    samples = []
    for index in range(batch_size):
        sample = ActionDataSample()
        if mode == 'recognition':
            sample.set_gt_labels(index % 10)
        else:
            sample.set_metainfo(
                dict(
                    video_name=f'v_{index}',
                    duration_second=30.,
                    duration_frame=900,
                    feature_frame=900,
                    annotations=[]))
            sample.gt_instances = InstanceData(
                gt_bbox=torch.tensor([[0.1, 0.3], [0.5, 0.8]]))
        samples.append(sample)
    if mode == 'recognition':
        return torch.randn(
            batch_size, 1, 3, 16, 64, 64, generator=generator).to(device), \
            samples
    # BMN takes a list of (C, T) features
    return [
        torch.randn(256, 32, generator=generator).to(device)
        for _ in range(batch_size)
    ], samples


def batch(mode, batch_size, device):
    if mode in ('recognition', 'bmn'):
        return mmaction_batch(mode, batch_size, device)
    if mode != 'synthetic':
        return make_batch(mode, batch_size, device)
    inputs, samples = make_batch('feature', batch_size, device)
    generator = torch.Generator().manual_seed(1)
    inputs = torch.randn(batch_size, 256, 128, generator=generator)
    for sample in samples:
        sample.set_metainfo(dict(window_size=128, valid_len=128))
        sample.gt_instances.segments *= 2
    return inputs.to(device), samples


def steps(model, inputs, samples, amp, device):
    """Callables for the training step of each phase and inference."""
    neck = getattr(model, 'neck', None)
    cvae_ids = set()
    if neck is not None and neck.cvaes is not None:
        cvae_ids = {id(p) for p in neck.cvaes.parameters()}
    groups = {
        'frame': [p for p in model.parameters() if id(p) in cvae_ids],
        'segment': [p for p in model.parameters() if id(p) not in cvae_ids]
    }
    optimizers = {
        name: torch.optim.Adam(params, lr=1e-5)
        for name, params in groups.items() if params
    }
    scaler = torch.amp.GradScaler(device.type, enabled=amp)

    def train(phase):

        def step():
            if neck is not None:
                neck.set_phase(phase)
            model.train()
            with torch.autocast(device.type, enabled=amp):
                total = sum(model(inputs, samples, mode='loss').values())
            optimizer = optimizers[phase]
            optimizer.zero_grad()
            scaler.scale(total).backward()
            scaler.step(optimizer)
            scaler.update()

        return step

    def inference():
        model.eval()
        with torch.no_grad(), torch.autocast(device.type, enabled=amp):
            model(inputs, samples, mode='predict')

    return train, inference


def sync(device):
    if device.type == 'cuda':
        torch.cuda.synchronize()


def clock(fn, device):
    sync(device)
    start = time.perf_counter()
    fn()
    sync(device)
    return time.perf_counter() - start


def time_mode(mode, args, queue):
    from mmengine.logging import MMLogger

    from mmgaf.utils import register_all_modules
    MMLogger.get_instance('bench_gaf_cost', log_level='WARNING')
    if args.threads:
        torch.set_num_threads(args.threads)
    register_all_modules()
    device = torch.device(args.device)
    afsd_cfg, gaf_cfg, batch_mode = CONFIGS[mode]
    inputs, samples = batch(batch_mode, args.batch_size, device)
    afsd_train, afsd_infer = steps(
        build(afsd_cfg, device), inputs, samples, args.amp, device)
    gaf_train, gaf_infer = steps(
        build(gaf_cfg, device), inputs, samples, args.amp, device)
    measured = dict(
        afsd_train=afsd_train('segment'),
        gaf_segment=gaf_train('segment'),
        gaf_frame=gaf_train('frame'),
        afsd_infer=afsd_infer,
        gaf_infer=gaf_infer)
    for fn in measured.values():
        fn()  # warm-up
    times = {name: [] for name in measured}
    for _ in range(args.repeats):
        for name, fn in measured.items():
            times[name].append(clock(fn, device))
    queue.put({name: statistics.median(ts) for name, ts in times.items()})


def peak_of(mode, args, which, queue):
    from mmengine.logging import MMLogger

    from mmgaf.utils import register_all_modules
    MMLogger.get_instance('bench_gaf_cost', log_level='WARNING')
    if args.threads:
        torch.set_num_threads(args.threads)
    register_all_modules()
    device = torch.device(args.device)
    afsd_cfg, gaf_cfg, batch_mode = CONFIGS[mode]
    model = build(gaf_cfg if which.startswith('gaf') else afsd_cfg, device)
    inputs, samples = batch(batch_mode, args.batch_size, device)
    train, inference = steps(model, inputs, samples, args.amp, device)
    fn = inference if which.endswith('infer') else train(
        'frame' if which == 'gaf_frame' else 'segment')
    if device.type == 'cuda':
        torch.cuda.reset_peak_memory_stats()
    for _ in range(2):
        fn()
    queue.put(torch.cuda.max_memory_allocated() /
              2**20 if device.type == 'cuda' else peak_rss_mib())


def in_process(target, *args):
    context = multiprocessing.get_context('spawn')
    queue = context.Queue()
    process = context.Process(target=target, args=args + (queue, ))
    process.start()
    result = queue.get()
    process.join()
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--modes',
        nargs='+',
        default=['feature', 'synthetic'],
        choices=list(CONFIGS))
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--amp', action='store_true')
    parser.add_argument('--batch-size', type=int, default=1)
    parser.add_argument('--repeats', type=int, default=7)
    parser.add_argument('--threads', type=int, default=None)
    args = parser.parse_args()
    if args.amp and args.device == 'cpu':
        parser.error('--amp is for CUDA')
    memory = 'CUDA max allocated' if args.device.startswith(
        'cuda') else 'CPU peak RSS'
    print(f'device {args.device}, torch {torch.__version__}, amp {args.amp}, '
          f'batch {args.batch_size}, threads '
          f'{args.threads or torch.get_num_threads()}, medians of '
          f'{args.repeats} alternating repeats; memory: {memory} (MiB)')
    for mode in args.modes:
        t = in_process(time_mode, mode, args)
        peaks = {
            which: in_process(peak_of, mode, args, which)
            for which in ('afsd_train', 'gaf_segment', 'gaf_frame',
                          'afsd_infer', 'gaf_infer')
        }
        ms = {name: 1e3 * value for name, value in t.items()}
        print(f'\n[{mode}] {CONFIGS[mode][0]} vs {CONFIGS[mode][1]}')
        print(f'  train step   AFSD {ms["afsd_train"]:8.1f} ms | '
              f'GAF segment {ms["gaf_segment"]:8.1f} ms '
              f'({t["gaf_segment"] / t["afsd_train"]:.2f}x) | '
              f'GAF frame {ms["gaf_frame"]:7.1f} ms '
              f'({t["gaf_frame"] / t["afsd_train"]:.2f}x)')
        print('  per paper epoch (frame + segment pass) / AFSD pass: '
              f'{(t["gaf_frame"] + t["gaf_segment"]) / t["afsd_train"]:.2f}x')
        print(f'  inference    AFSD {ms["afsd_infer"]:8.1f} ms | '
              f'GAF {ms["gaf_infer"]:8.1f} ms '
              f'({t["gaf_infer"] / t["afsd_infer"]:.2f}x) per '
              f'{args.batch_size} window(s)')
        print(f'  peak memory  train: AFSD {peaks["afsd_train"]:.0f}, GAF '
              f'segment {peaks["gaf_segment"]:.0f}, GAF frame '
              f'{peaks["gaf_frame"]:.0f} | inference: AFSD '
              f'{peaks["afsd_infer"]:.0f}, GAF {peaks["gaf_infer"]:.0f}')


if __name__ == '__main__':
    main()
