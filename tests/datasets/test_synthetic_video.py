"""The built-in recognition dataset (mmgaf.datasets.synthetic_video): real
video files, deterministic from the seed, read by MMAction2's decoding
pipeline, with a class that the motion in the decoded frames gives away."""
import filecmp
import os.path as osp
import runpy
import sys

import decord
import numpy as np
import pytest
from mmaction.datasets import VideoDataset
from mmengine.config import Config

from mmgaf.datasets import SyntheticMotionVideos
from mmgaf.datasets.synthetic_video import CLASSES

# a threshold between the actor's brightness (HSV value 255) and the
# distractors' and background's (at most 165), with room for the codec
ACTOR_THRESHOLD = 210


@pytest.fixture(scope='module')
def written(tmp_path_factory):
    root = tmp_path_factory.mktemp('synthetic_video')
    generator = SyntheticMotionVideos(seed=3)
    meta = generator.write(str(root), dict(train=20, val=2))
    return generator, str(root), meta


def decode(root, relative_path):
    reader = decord.VideoReader(osp.join(root, 'videos', relative_path))
    return reader.get_batch(list(range(len(reader)))).asnumpy()


def read_list(root, subset):
    with open(osp.join(root, f'{subset}_list.txt')) as f:
        return [line.split() for line in f]


def test_layout_and_decoding(written):
    generator, root, meta = written
    train = read_list(root, 'train')
    assert len(train) == 20 and len(read_list(root, 'val')) == 2
    assert [int(label) for _, label in train] == [i % 10 for i in range(20)]
    with open(osp.join(root, 'classes.txt')) as f:
        assert tuple(f.read().split()) == CLASSES
    assert meta['settings'] == generator.settings()
    assert meta['videos']['val_00001']['label'] == 1
    frames = decode(root, train[4][0])
    assert frames.shape == (32, 64, 64, 3)
    # the decoded video is the generated one, up to the codec's loss
    original = generator.video('train', 4).frames.astype(np.float64)
    assert np.abs(frames - original).mean() < 8


def test_deterministic_from_the_seed(written, tmp_path):
    generator, root, _ = written
    # a video does not depend on how many others are generated
    SyntheticMotionVideos(seed=3).write(str(tmp_path), dict(train=3))
    for index in range(3):
        name = f'train/train_{index:05d}.mp4'
        assert filecmp.cmp(
            osp.join(root, 'videos', name),
            osp.join(tmp_path, 'videos', name),
            shallow=False)
    again = SyntheticMotionVideos(seed=3).video('train', 7)
    video = generator.video('train', 7)
    assert np.array_equal(again.frames, video.frames)
    assert (again.action, again.distractors) == (video.action,
                                                 video.distractors)
    other_seed = SyntheticMotionVideos(seed=4).video('train', 7)
    other_subset = generator.video('val', 7)
    assert other_seed.label == other_subset.label == video.label
    assert not np.array_equal(other_seed.frames, video.frames)
    assert not np.array_equal(other_subset.frames, video.frames)


def actor_track(frames):
    """Per frame: centroid x, centroid y and area of the bright actor."""
    mask = frames.max(axis=-1) > ACTOR_THRESHOLD
    ys, xs = np.mgrid[:frames.shape[1], :frames.shape[2]]
    area = mask.sum(axis=(1, 2))
    assert area.min() > 0, 'the actor is in every frame'
    return ((mask * xs).sum(axis=(1, 2)) / area,
            (mask * ys).sum(axis=(1, 2)) / area, area)


def test_the_motion_in_the_decoded_frames_gives_the_class(written):
    _, root, _ = written
    seen = set()
    for path, label in read_list(root, 'train'):
        name = CLASSES[int(label)]
        x, y, area = actor_track(decode(root, path))
        # the actor travels 30 % to 55 % of the frame (19 to 35 pixels)
        if name in ('move_right', 'move_left'):
            shift = x[-1] - x[0]
            assert abs(shift) > 15 and abs(y[-1] - y[0]) < 3
            assert (shift > 0) == (name == 'move_right'), path
            seen.add(name)
        # it grows or shrinks by a factor of 1.9 to 2.6 in size
        elif name in ('grow', 'shrink'):
            ratio = area[-1] / area[0]
            assert (ratio > 2) if name == 'grow' else (ratio < 0.5), path
            seen.add(name)
    assert seen == {'move_right', 'move_left', 'grow', 'shrink'}


def test_mmaction_pipeline_reads_the_videos(written, repo_root):
    _, root, _ = written
    cfg = Config.fromfile(
        osp.join(repo_root, 'configs', 'recognition',
                 'i3d_synthetic_video.py'))
    for dataloader in (cfg.train_dataloader, cfg.val_dataloader):
        dataset_cfg = dataloader.dataset.copy()
        dataset_cfg.pop('type')
        dataset_cfg.update(
            ann_file=osp.join(root, 'val_list.txt'),
            data_prefix=dict(video=osp.join(root, 'videos')))
        dataset = VideoDataset(**dataset_cfg)
        sample = dataset[1]
        assert sample['inputs'].shape == (1, 3, 16, 64, 64)
        assert sample['data_samples'].gt_labels.item.item() == 1


def test_bad_arguments_are_named(tmp_path):
    generator = SyntheticMotionVideos()
    with pytest.raises(ValueError, match=r"num_videos\['train'\]"):
        generator.write(str(tmp_path), dict(train=0))
    with pytest.raises(ValueError, match='subset names'):
        generator.write(str(tmp_path), {'a/b': 1})
    with pytest.raises(ValueError, match='action_range'):
        SyntheticMotionVideos(action_range=(0.5, 1.5))
    # write() reads its first video back with decord and names the file
    path = str(tmp_path / 'short.mp4')
    frames = SyntheticMotionVideos(num_frames=12).video('train', 0).frames
    generator.write_video(path, frames)
    generator.check_readable(path, frames.shape)
    with pytest.raises(RuntimeError, match=f'decord decodes {path}'):
        generator.check_readable(path, (13, 64, 64, 3))


def test_generate_tool(repo_root, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sys, 'argv', [
        'generate.py',
        str(tmp_path), '--num-videos', '2', '1', '--num-frames', '12',
        '--size', '40', '--seed', '5'
    ])
    runpy.run_path(
        osp.join(repo_root, 'tools', 'data', 'synthetic_video', 'generate.py'),
        run_name='__main__')
    assert 'wrote 3 videos' in capsys.readouterr().out
    assert len(read_list(str(tmp_path), 'train')) == 2
    frames = decode(str(tmp_path), 'val/val_00000.mp4')
    assert frames.shape == (12, 40, 40, 3)
