"""Generate the built-in THUMOS-like feature dataset.

    python tools/data/synthetic/generate.py data/synthetic [--seed 0] \
        [--num-videos 200 80] [--noise-std 1.0] [--distractor-rate 0.7] \
        [--steps-per-instance 60] [--median-length 12] ...

Writes OUT_DIR/annotations.json (subsets "training" and "validation"),
OUT_DIR/classes.txt, OUT_DIR/features/<video>.npy ((T, 256) float32: I3D-like
steps of 16-frame clips every 4 frames at 30 fps) and OUT_DIR/meta.json (the
settings and each video's distractors). configs/_base_/datasets/
synthetic_feat.py reads it. The same seed and settings give identical files.
"""
import argparse
import time

from mmgaf.datasets.synthetic import SyntheticTAD


def parse_args():
    defaults = SyntheticTAD().settings()
    parser = argparse.ArgumentParser(
        description='Generate the synthetic TAD feature dataset')
    parser.add_argument('out_dir', help='e.g. data/synthetic')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--num-videos',
        type=int,
        nargs=2,
        default=(200, 80),
        metavar=('TRAINING', 'VALIDATION'),
        help='videos of the training and the validation subset')
    parser.add_argument('--min-steps', type=int, default=defaults['min_steps'])
    parser.add_argument('--max-steps', type=int, default=defaults['max_steps'])
    parser.add_argument('--feat-dim', type=int, default=defaults['feat_dim'])
    structure = parser.add_argument_group(
        'instances', 'fewer and longer instances make it ActivityNet-like')
    structure.add_argument(
        '--steps-per-instance',
        type=float,
        default=defaults['steps_per_instance'],
        help='one instance per this many steps on average (plus one)')
    structure.add_argument(
        '--median-length',
        type=float,
        default=defaults['median_length'],
        help='median instance length in steps')
    difficulty = parser.add_argument_group(
        'difficulty', 'raise noise, overlap or distractors to make it harder')
    for name, help_text in (
        ('noise_std', 'per-channel noise before smoothing'),
        ('class_overlap', 'energy a class shares with others, in [0, 1)'),
        ('distractor_rate', 'partial-pattern distractors per instance'),
        ('distractor_amplitude', 'their amplitude relative to instances'),
        ('signal', 'norm of a class pattern'),
        ('background', 'norm of the drifting background'),
    ):
        difficulty.add_argument(
            '--' + name.replace('_', '-'),
            type=float,
            default=defaults[name],
            help=help_text)
    return parser.parse_args()


def main():
    args = parse_args()
    generator = SyntheticTAD(
        seed=args.seed,
        feat_dim=args.feat_dim,
        min_steps=args.min_steps,
        max_steps=args.max_steps,
        steps_per_instance=args.steps_per_instance,
        median_length=args.median_length,
        noise_std=args.noise_std,
        class_overlap=args.class_overlap,
        distractor_rate=args.distractor_rate,
        distractor_amplitude=args.distractor_amplitude,
        signal=args.signal,
        background=args.background)
    start = time.perf_counter()
    generator.write(
        args.out_dir,
        dict(training=args.num_videos[0], validation=args.num_videos[1]),
        progress=True)
    print(f'\nwrote {sum(args.num_videos)} videos to {args.out_dir} in '
          f'{time.perf_counter() - start:.1f} s')


if __name__ == '__main__':
    main()
