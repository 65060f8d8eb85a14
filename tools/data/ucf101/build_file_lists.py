"""MMAction2 video lists of an official UCF101 split.

    python tools/data/ucf101/build_file_lists.py SPLIT_DIR OUT_DIR [--split 1]

SPLIT_DIR holds ``classInd.txt``, ``trainlist0N.txt`` and ``testlist0N.txt``
(the ``ucfTrainTestlist`` folder of the release). Writes
``OUT_DIR/ucf101_train_split_N_videos.txt`` and
``OUT_DIR/ucf101_val_split_N_videos.txt``, one ``Class/video.avi label``
line per video with 0-based labels, the lists MMAction2's ``VideoDataset``
reads with ``data_prefix=dict(video='data/ucf101/videos')``.
"""
import argparse
import os
import os.path as osp

from mmgaf.datasets.converters import read_ucf101_classes, read_ucf101_split


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('split_dir', help='folder of the split files')
    parser.add_argument('out_dir', help='where the lists are written')
    parser.add_argument('--split', type=int, choices=(1, 2, 3), default=1)
    args = parser.parse_args()
    classes = read_ucf101_classes(osp.join(args.split_dir, 'classInd.txt'))
    os.makedirs(args.out_dir, exist_ok=True)
    for source, target in (('trainlist', 'train'), ('testlist', 'val')):
        videos = read_ucf101_split(
            osp.join(args.split_dir, f'{source}0{args.split}.txt'), classes)
        out = osp.join(args.out_dir,
                       f'ucf101_{target}_split_{args.split}_videos.txt')
        with open(out, 'w') as file:
            file.writelines(f'{video} {label}\n' for video, label in videos)
        print(f'{out}: {len(videos)} videos, {len(classes)} classes')


if __name__ == '__main__':
    main()
