"""Generate the built-in recognition dataset: short videos whose class is a
motion (mmgaf.datasets.synthetic_video).

    python tools/data/synthetic_video/generate.py data/synthetic_video \
        [--seed 0] [--num-videos 300 100] [--num-frames 32] [--size 64] ...

Writes OUT_DIR/videos/{train,val}/<video>.mp4, MMAction2's video lists
OUT_DIR/train_list.txt and OUT_DIR/val_list.txt (paths relative to
OUT_DIR/videos), OUT_DIR/classes.txt and OUT_DIR/meta.json (the settings and
what each video shows). configs/recognition/i3d_synthetic_video.py reads it.
The same seed and settings give the same videos.
"""
import argparse
import time

from mmgaf.datasets.synthetic_video import SyntheticMotionVideos


def parse_args():
    defaults = SyntheticMotionVideos().settings()
    parser = argparse.ArgumentParser(
        description='Generate the synthetic motion-video dataset')
    parser.add_argument('out_dir', help='e.g. data/synthetic_video')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--num-videos',
        type=int,
        nargs=2,
        default=(300, 100),
        metavar=('TRAIN', 'VAL'),
        help='videos of the train and the val subset')
    parser.add_argument(
        '--num-frames', type=int, default=defaults['num_frames'])
    parser.add_argument(
        '--size',
        type=int,
        default=defaults['frame_size'],
        help='height and width of the frames')
    difficulty = parser.add_argument_group(
        'difficulty', 'more distractors, noise or pan make it harder')
    difficulty.add_argument(
        '--num-distractors',
        type=int,
        nargs=2,
        default=defaults['num_distractors'],
        metavar=('FEWEST', 'MOST'))
    difficulty.add_argument(
        '--noise-std',
        type=float,
        default=defaults['noise_std'],
        help='per-pixel noise on 0-255 values')
    difficulty.add_argument(
        '--pan-speed',
        type=float,
        nargs=2,
        default=defaults['pan_speed'],
        metavar=('SLOWEST', 'FASTEST'),
        help="the background's pan in pixels per frame")
    return parser.parse_args()


def main():
    args = parse_args()
    generator = SyntheticMotionVideos(
        seed=args.seed,
        num_frames=args.num_frames,
        frame_size=args.size,
        num_distractors=tuple(args.num_distractors),
        pan_speed=tuple(args.pan_speed),
        noise_std=args.noise_std)
    start = time.perf_counter()
    generator.write(
        args.out_dir,
        dict(train=args.num_videos[0], val=args.num_videos[1]),
        progress=True)
    print(f'\nwrote {sum(args.num_videos)} videos to {args.out_dir} in '
          f'{time.perf_counter() - start:.1f} s')


if __name__ == '__main__':
    main()
