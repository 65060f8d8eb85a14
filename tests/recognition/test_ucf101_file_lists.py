"""tools/data/ucf101/build_file_lists.py: the three official splits, and
clear errors for missing or undecodable videos."""
import importlib.util
import os.path as osp
import sys

import cv2
import numpy as np
import pytest


@pytest.fixture(scope='module')
def build_file_lists(repo_root):
    spec = importlib.util.spec_from_file_location(
        'build_file_lists',
        osp.join(repo_root, 'tools', 'data', 'ucf101', 'build_file_lists.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    def run(monkeypatch, *args):
        monkeypatch.setattr(sys, 'argv', ['build_file_lists.py', *args])
        module.main()

    return run


def read_list(path):
    return [line.rsplit(' ', 1) for line in path.read_text().splitlines()]


# (training, test) videos of the official splits
SPLIT_SIZES = {1: (9537, 3783), 2: (9586, 3734), 3: (9624, 3696)}


@pytest.mark.parametrize('split', [1, 2, 3])
def test_official_splits(shared_data, tmp_path, monkeypatch, capsys,
                         build_file_lists, split):
    build_file_lists(monkeypatch, osp.join(shared_data, 'ucf101'),
                     str(tmp_path), '--split', str(split))
    train = read_list(tmp_path / f'ucf101_train_split_{split}_videos.txt')
    val = read_list(tmp_path / f'ucf101_val_split_{split}_videos.txt')
    assert (len(train), len(val)) == SPLIT_SIZES[split]
    assert f'{len(val)} videos, 101 classes' in capsys.readouterr().out
    for videos in (train, val):
        assert {int(label) for _, label in videos} == set(range(101))
    # UCF101 splits keep a group's clips on one side
    assert not {video for video, _ in train} & {video for video, _ in val}
    groups = {video.rsplit('_', 2)[1] for video, _ in val}
    assert len(groups) == 7


def write_split(folder):
    folder.mkdir()
    (folder / 'classInd.txt').write_text('1 Archery\n2 Bowling\n')
    (folder / 'trainlist01.txt').write_text(
        'Archery/v_Archery_g08_c01.avi 1\nBowling/v_Bowling_g08_c01.avi 2\n')
    (folder / 'testlist01.txt').write_text('Bowling/v_Bowling_g01_c01.avi\n')
    return str(folder)


def write_video(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(
        str(path), cv2.VideoWriter_fourcc(*'MJPG'), 25, (32, 32))
    for value in range(0, 160, 20):
        writer.write(np.full((32, 32, 3), value, np.uint8))
    writer.release()


def test_video_folder_checks_name_each_bad_video(tmp_path, monkeypatch,
                                                 build_file_lists):
    split_dir = write_split(tmp_path / 'splits')
    videos = tmp_path / 'videos'
    write_video(videos / 'Archery' / 'v_Archery_g08_c01.avi')
    write_video(videos / 'Bowling' / 'v_Bowling_g01_c01.avi')
    (videos / 'Bowling' / 'v_Bowling_g08_c01.avi').write_bytes(b'not a video')
    out = tmp_path / 'lists'
    # only missing files are looked for without --check-decode
    build_file_lists(monkeypatch, split_dir, str(out), '--video-dir',
                     str(videos))
    assert len(read_list(out / 'ucf101_train_split_1_videos.txt')) == 2
    with pytest.raises(SystemExit) as error:
        build_file_lists(monkeypatch, split_dir, str(tmp_path / 'lists2'),
                         '--video-dir', str(videos), '--check-decode')
    message = str(error.value)
    assert message.startswith('1 listed video(s) cannot be read')
    assert 'trainlist01.txt: Bowling/v_Bowling_g08_c01.avi: undecodable' \
        in message
    assert not (tmp_path / 'lists2').exists()
    (videos / 'Archery' / 'v_Archery_g08_c01.avi').unlink()
    with pytest.raises(
            SystemExit,
            match=r'trainlist01.txt: Archery/'
            r'v_Archery_g08_c01.avi: missing \('):
        build_file_lists(monkeypatch, split_dir, str(out), '--video-dir',
                         str(videos))
