"""MMAction2 video lists of an official UCF101 split.

    python tools/data/ucf101/build_file_lists.py SPLIT_DIR OUT_DIR \
        [--split {1,2,3}] [--video-dir DIR [--check-decode]]

SPLIT_DIR holds ``classInd.txt``, ``trainlist0N.txt`` and ``testlist0N.txt``
(the ``ucfTrainTestlist`` folder of the release). Writes
``OUT_DIR/ucf101_train_split_N_videos.txt`` and
``OUT_DIR/ucf101_val_split_N_videos.txt``, one ``Class/video.avi label``
line per video with 0-based labels, the lists MMAction2's ``VideoDataset``
reads with ``data_prefix=dict(video='data/ucf101/videos')`` (the configs in
``configs/recognition/`` and ``configs/gaf/i3d*_ucf101.py``).

With ``--video-dir`` every listed video must exist there (and, with
``--check-decode``, open with decord, MMAction2's ``DecordInit``, and
decode its first frame); otherwise nothing is written and the error names
each bad video with its split file.
"""
import argparse
import os
import os.path as osp
from typing import List, Tuple

from mmgaf.datasets.converters import read_ucf101_classes, read_ucf101_split


def video_problem(path: str, check_decode: bool):
    """Why the video at ``path`` cannot be read, or None."""
    if not osp.isfile(path):
        return 'missing'
    if not check_decode:
        return None
    import decord
    try:
        reader = decord.VideoReader(path, num_threads=1)
        if len(reader) == 0:
            return 'no frames'
        reader[0]
    except Exception as error:  # decord raises its own DECORDError
        return f'undecodable ({type(error).__name__}: ' \
            f'{str(error).splitlines()[0][:200]})'
    return None


def check_videos(videos: List[Tuple[str, int]], split_file: str,
                 video_dir: str, check_decode: bool) -> List[str]:
    """One message per listed video that is missing or undecodable."""
    problems = []
    for video, _ in videos:
        path = osp.join(video_dir, video)
        problem = video_problem(path, check_decode)
        if problem is not None:
            problems.append(f'{split_file}: {video}: {problem} ({path})')
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('split_dir', help='folder of the split files')
    parser.add_argument('out_dir', help='where the lists are written')
    parser.add_argument('--split', type=int, choices=(1, 2, 3), default=1)
    parser.add_argument(
        '--video-dir',
        help='the video folder (Class/v_Class_gXX_cYY.avi): check that '
        'every listed video is there')
    parser.add_argument(
        '--check-decode',
        action='store_true',
        help='with --video-dir, also decode the first frame of each video')
    args = parser.parse_args()
    if args.check_decode and not args.video_dir:
        parser.error('--check-decode needs --video-dir')
    classes = read_ucf101_classes(osp.join(args.split_dir, 'classInd.txt'))
    lists, problems = {}, []
    for source, target in (('trainlist', 'train'), ('testlist', 'val')):
        split_file = osp.join(args.split_dir, f'{source}0{args.split}.txt')
        videos = read_ucf101_split(split_file, classes)
        if args.video_dir:
            problems += check_videos(videos, split_file, args.video_dir,
                                     args.check_decode)
        lists[target] = videos
    if problems:
        shown = '\n  '.join(problems[:20])
        more = f'\n  ... and {len(problems) - 20} more' \
            if len(problems) > 20 else ''
        raise SystemExit(f'{len(problems)} listed video(s) cannot be read, '
                         f'no list written:\n  {shown}{more}')
    os.makedirs(args.out_dir, exist_ok=True)
    for target, videos in lists.items():
        out = osp.join(args.out_dir,
                       f'ucf101_{target}_split_{args.split}_videos.txt')
        with open(out, 'w') as file:
            file.writelines(f'{video} {label}\n' for video, label in videos)
        print(f'{out}: {len(videos)} videos, {len(classes)} classes')


if __name__ == '__main__':
    main()
