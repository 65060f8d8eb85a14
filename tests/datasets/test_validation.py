"""Bad dataset files get a clear error naming file, video and field."""
import importlib.util
import json
import os.path as osp

import numpy as np
import pytest

from mmgaf.datasets.synthetic import SyntheticTAD
from mmgaf.datasets.validation import check_coverage, scan_features
from mmgaf.fileio import load_json_strict


@pytest.mark.parametrize('text, match', [
    ('', 'empty'),
    ('{"database": {', 'not valid JSON'),
    ('{"database": {"v1": {"subset": "training"}, "v1": {}}}',
     r"key\(s\) \['v1'\] repeated"),
])
def test_load_json_strict_refuses(tmp_path, text, match):
    path = tmp_path / 'annotations.json'
    path.write_text(text)
    with pytest.raises(ValueError, match=match) as error:
        load_json_strict(str(path))
    assert str(path) in str(error.value)


def test_load_json_strict_reads_valid_json(tmp_path):
    path = tmp_path / 'a.json'
    content = {'database': {'v1': {'annotations': [{'label': 'x'}]}}}
    path.write_text(json.dumps(content))
    assert load_json_strict(str(path)) == content
    with pytest.raises(FileNotFoundError, match='missing.json'):
        load_json_strict(str(tmp_path / 'missing.json'))


def _save(tmp_path, array, name='v.npy'):
    path = str(tmp_path / name)
    np.save(path, array)
    return path


def test_scan_features_names_each_problem(tmp_path):
    empty = tmp_path / 'empty.npy'
    empty.write_bytes(b'')
    feats = np.zeros((50, 4), np.float32)
    feats[7, 1] = np.nan
    feats[9, 0] = np.nan
    feats[12, 2] = np.inf
    feats[30, 3] = 1e30
    cases = {
        str(empty): ('file', 'empty (0 bytes)'),
        _save(tmp_path, np.array([['a', 'b']]), 's.npy'):
        ('dtype', 'expected floating-point'),
        _save(tmp_path, np.zeros(5, np.float32), '1d.npy'): ('shape', '2-D'),
        _save(tmp_path, np.zeros((5, 3), np.float32), 'dim.npy'):
        ('shape', '3 channels, expected 4'),
    }
    for path, (field, text) in cases.items():
        (problem, ) = scan_features(path, 'video_x', 'TC', feature_dim=4)
        assert (problem.field, problem.video,
                problem.file) == (field, 'video_x', path)
        assert text in problem.message
        assert 'video_x' in str(problem) and path in str(problem)
    problems = scan_features(
        _save(tmp_path, feats), 'v', 'TC', 4, chunk_steps=8)
    assert [p.message for p in problems] == [
        '2 NaN values, the first at step 7',
        '1 infinite values, the first at step 12',
        '1 |x| > 10000 values, the first at step 30'
    ]
    # layout CT reads the same values along the other axis
    problems = scan_features(
        _save(tmp_path, feats.T, 'ct.npy'), 'v', 'CT', 4, chunk_steps=8)
    assert [p.message.split(',')[1] for p in problems] == [
        ' the first at step 7', ' the first at step 12',
        ' the first at step 30'
    ]
    assert scan_features(
        _save(tmp_path, np.ones((5, 4), np.float32), 'ok.npy'), 'v', 'TC',
        4) == []


def test_coverage_flags_instances_past_the_features():
    sample = dict(
        video_name='v',
        feature_path='v.npy',
        feature_time_scale=0.5,
        feature_time_shift=0.25,
        ann_segments=np.array([[1.0, 4.0], [8.0, 12.0]]))
    # 20 steps of half-second clips: the last covers 9.5 s to 10 s
    (problem, ) = check_coverage(sample, 20)
    assert 'cover the video up to 10.00 s' in problem.message
    assert problem.field == 'annotations'
    assert '1 instances end after the features' in problem.message
    assert '12.00 s' in problem.message
    # within a step of the end is rounding, not missing features
    assert check_coverage(sample, 23) == []


def _check_tool(repo_root):
    path = osp.join(repo_root, 'tools', 'misc', 'check_dataset.py')
    spec = importlib.util.spec_from_file_location('check_dataset', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_check_dataset_tool(repo_root, tmp_path, capsys):
    data_root = tmp_path / 'synthetic'
    SyntheticTAD(seed=1).write(str(data_root), dict(training=3, validation=2))
    options = [
        f'train_dataloader.dataset.data_root={data_root}',
        f'val_dataloader.dataset.data_root={data_root}',
        f'test_dataloader.dataset.data_root={data_root}'
    ]
    config = osp.join(repo_root, 'configs', 'afsd', 'afsd_synthetic.py')
    tool = _check_tool(repo_root)
    assert tool.main([config, '--cfg-options', *options]) == 0
    assert '[train] 3 videos' in capsys.readouterr().out
    path = data_root / 'features' / 'training_0001.npy'
    feats = np.load(path)
    feats[3, 5] = np.nan
    np.save(path, feats)
    assert tool.main([config, '--splits', 'train', '--cfg-options',
                      *options]) == 1
    out = capsys.readouterr().out
    assert "video 'training_0001', values: 1 NaN values, the first at step 3" \
        in out
    assert str(path) in out
