"""UCF101's official split files to MMAction2 video lists."""
import os.path as osp
import subprocess
import sys

import pytest

from mmgaf.datasets.converters import read_ucf101_classes, read_ucf101_split


def write(path, text):
    path.write_text(text)
    return str(path)


def test_lists_from_hand_written_splits(tmp_path):
    classes = read_ucf101_classes(
        write(tmp_path / 'classInd.txt', '1 Archery\n2 Bowling\n\n'))
    assert classes == {'Archery': 0, 'Bowling': 1}
    train = read_ucf101_split(
        write(
            tmp_path / 'trainlist01.txt', 'Bowling/v_Bowling_g08_c01.avi 2\n'
            'Archery/v_Archery_g09_c02.avi 1\n'), classes)
    assert train == [('Bowling/v_Bowling_g08_c01.avi', 1),
                     ('Archery/v_Archery_g09_c02.avi', 0)]
    test = read_ucf101_split(
        write(tmp_path / 'testlist01.txt', 'Archery/v_Archery_g01_c01.avi\n'),
        classes)
    assert test == [('Archery/v_Archery_g01_c01.avi', 0)]


@pytest.mark.parametrize('text,message', [
    ('Bowling/v_Bowling_g08_c01.avi 1\n', 'folder .Bowling. is class 2'),
    ('Fencing/v_Fencing_g08_c01.avi 1\n', "class 'Fencing'"),
    ('Archery/a.avi 1\nArchery/a.avi 1\n', 'listed twice'),
    ('v_Archery_g08_c01.avi 1\n', 'expected'),
    ('\n', 'no videos'),
])
def test_bad_split_lines_name_file_and_line(tmp_path, text, message):
    classes = {'Archery': 0, 'Bowling': 1}
    with pytest.raises(ValueError, match=message) as error:
        read_ucf101_split(write(tmp_path / 'trainlist01.txt', text), classes)
    assert 'trainlist01.txt' in str(error.value)


@pytest.mark.parametrize('text,message', [('1 A\n1 B\n', 'expected 2'),
                                          ('1 A\n2 A\n', 'twice'),
                                          ('A 1\n', 'expected')])
def test_bad_class_index(tmp_path, text, message):
    with pytest.raises(ValueError, match=message):
        read_ucf101_classes(write(tmp_path / 'classInd.txt', text))


def test_official_split_1(shared_data, repo_root, tmp_path):
    result = subprocess.run([
        sys.executable,
        osp.join(repo_root, 'tools', 'data', 'ucf101', 'build_file_lists.py'),
        osp.join(shared_data, 'ucf101'),
        str(tmp_path), '--split', '1'
    ],
                            capture_output=True,
                            text=True,
                            check=True)
    assert '9537 videos, 101 classes' in result.stdout
    assert '3783 videos, 101 classes' in result.stdout
    train = (tmp_path / 'ucf101_train_split_1_videos.txt').read_text()
    lines = train.splitlines()
    assert lines[0] == 'ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01.avi 0'
    assert {line.rsplit(' ', 1)[1]
            for line in lines} == {str(label)
                                   for label in range(101)}
