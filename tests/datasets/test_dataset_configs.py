import json
import os.path as osp

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.runner import Runner

from mmgaf.datasets.synthetic import SyntheticTAD
from mmgaf.registry import DATASETS
from mmgaf.structures import TADDataSample

LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def load_config(repo_root, name, data_root):
    cfg = Config.fromfile(
        osp.join(repo_root, 'configs', '_base_', 'datasets', name))
    for key in LOADERS:
        cfg[key].dataset.data_root = data_root
        # one batch in the test process, no worker processes
        cfg[key].update(num_workers=0, persistent_workers=False)
    return cfg


def first_batch(cfg, key):
    batch = next(iter(Runner.build_dataloader(cfg[key])))
    assert len(batch['inputs']) == len(batch['data_samples'])
    assert all(
        isinstance(sample, TADDataSample) for sample in batch['data_samples'])
    return batch


def write_annotations(root, ann_file, database, classes):
    path = osp.join(root, ann_file)
    with open(path, 'w') as f:
        json.dump(dict(database=database), f)
    with open(osp.join(osp.dirname(path), 'classes.txt'), 'w') as f:
        f.writelines(name + '\n' for name in classes)


def test_synthetic_feat(repo_root, tmp_path):
    SyntheticTAD(seed=0).write(str(tmp_path), dict(training=3, validation=2))
    cfg = load_config(repo_root, 'synthetic_feat.py', str(tmp_path))
    assert cfg.val_evaluator == dict(
        type='TADMetric',
        ann_file='data/synthetic/annotations.json',
        subset='validation',
        iou_thrs=(0.3, 0.4, 0.5, 0.6, 0.7))
    train = DATASETS.build(cfg.train_dataloader.dataset)
    assert len(train.metainfo['classes']) == 20
    batch = first_batch(cfg, 'train_dataloader')
    assert len(batch['inputs']) == min(16, len(train))
    assert batch['inputs'][0].shape == (256, 128)
    assert all(
        len(sample.gt_instances) > 0 for sample in batch['data_samples'])
    batch = first_batch(cfg, 'test_dataloader')
    assert batch['data_samples'][0].time_scale == pytest.approx(4 / 30)


def test_thumos14_i3d_feat(repo_root, tmp_path):
    (tmp_path / 'annotations').mkdir()
    (tmp_path / 'i3d_features').mkdir()
    database = dict(
        video_validation_1=dict(
            subset='validation',
            duration=80.0,
            fps=30.0,
            annotations=[dict(label='HighJump', segment=[2.0, 5.0])]),
        video_test_1=dict(
            subset='test', duration=80.0, fps=30.0, annotations=[]))
    write_annotations(
        str(tmp_path), 'annotations/thumos14.json', database,
        ['HighJump', 'LongJump'])
    for name in database:
        np.save(tmp_path / 'i3d_features' / f'{name}.npy',
                np.ones((600, 2048), np.float32))
    cfg = load_config(repo_root, 'thumos14_i3d_feat.py', str(tmp_path))
    assert cfg.test_evaluator.subset == 'test'
    assert cfg.test_evaluator.iou_thrs == (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
    assert cfg.test_evaluator.average_iou_thrs == (0.3, 0.4, 0.5, 0.6, 0.7)
    batch = first_batch(cfg, 'train_dataloader')
    assert batch['inputs'][0].shape == (2048, 64)
    # every third I3D feature is a step of 0.4 s: 600 features are 200
    # steps; HighJump spans steps 4.33-11.83: whole in the window from 0,
    # 3.83 of its 7.5 steps in the one from 8, none later
    sample = batch['data_samples'][0]
    assert sample.time_scale == pytest.approx(0.4)
    assert 64 * sample.time_scale == pytest.approx(25.6)
    assert sorted(s.window_start for s in batch['data_samples']) == [0, 8]
    assert all('ssl_inputs' in s for s in batch['data_samples'])
    batch = first_batch(cfg, 'val_dataloader')
    assert [s.window_start
            for s in batch['data_samples']] == [0, 32, 64, 96, 128, 136]


def test_activitynet_feat(repo_root, tmp_path):
    (tmp_path / 'annotations').mkdir()
    (tmp_path / 'features').mkdir()
    database = {
        f'v_{subset}':
        dict(
            subset=subset,
            duration=30.0,
            fps=25.0,
            annotations=[dict(label='Ballet', segment=[3.0, 12.0])])
        for subset in ('training', 'validation')
    }
    write_annotations(
        str(tmp_path), 'annotations/activitynet.json', database,
        ['Ballet', 'Zumba'])
    for name in database:
        np.save(tmp_path / 'features' / f'{name}.npy',
                np.ones((46, 2048), np.float32))
    cfg = load_config(repo_root, 'activitynet_feat.py', str(tmp_path))
    assert cfg.val_evaluator.iou_thrs == pytest.approx(
        np.arange(0.5, 0.96, 0.05))
    assert cfg.val_evaluator.subset == 'validation'
    batch = first_batch(cfg, 'train_dataloader')
    sample = batch['data_samples'][0]
    assert batch['inputs'][0].shape == (2048, 256)
    assert sample.time_scale == pytest.approx(30 / 256)
    np.testing.assert_allclose(
        sample.gt_instances.segments.numpy(), [[3 / 30 * 256, 12 / 30 * 256]],
        rtol=1e-5)


def test_thumos14_frames(repo_root, tmp_path, write_video):
    (tmp_path / 'annotations').mkdir()
    (tmp_path / 'videos').mkdir()
    database = dict(
        video_validation_1=dict(
            subset='validation',
            duration=3.0,
            annotations=[dict(label='HighJump', segment=[1.0, 2.0])]),
        video_test_1=dict(subset='test', duration=3.0, annotations=[]))
    write_annotations(
        str(tmp_path), 'annotations/thumos14.json', database, ['HighJump'])
    for name in database:
        write_video(tmp_path / 'videos' / f'{name}.mp4', 90, size=(160, 120))
    cfg = load_config(repo_root, 'thumos14_frames.py', str(tmp_path))
    for key in ('train_dataloader', 'val_dataloader'):
        batch = first_batch(cfg, key)
        inputs, sample = batch['inputs'][0], batch['data_samples'][0]
        # 3 s at 10 fps: 30 frames, padded to the 256-frame window
        assert inputs.shape == (3, 256, 96, 96)
        assert sample.valid_len == 30 and sample.time_scale == 0.1
        assert inputs[:, :30].any() and not inputs[:, 30:].any()
        # AFSD's boundary-contrastive copy in training only; HighJump's 10
        # frames are too short to split around a 10-frame background
        if key == 'train_dataloader':
            assert sample.ssl_inputs.shape == inputs.shape
            assert sample.ssl_valid.tolist() == [False]
        else:
            assert 'ssl_inputs' not in sample
    train = cfg.train_dataloader.dataset
    assert (train.frame_count, train.window_gt_rule) == ('floor', 'afsd')


def test_thumos14_flow_frames(repo_root, tmp_path):
    (tmp_path / 'annotations').mkdir()
    database = dict(
        video_validation_1=dict(
            subset='validation',
            duration=3.0,
            fps=30.0,
            annotations=[dict(label='HighJump', segment=[1.0, 2.0])]),
        video_test_1=dict(
            subset='test', duration=3.0, fps=30.0, annotations=[]))
    write_annotations(
        str(tmp_path), 'annotations/thumos14.json', database, ['HighJump'])
    for name in database:
        # 89 flow images per direction of a 90-frame video: x codes the
        # image's index, y its complement
        folder = tmp_path / 'flow' / name
        folder.mkdir(parents=True)
        for index in range(89):
            for axis, value in (('x', index), ('y', 255 - index)):
                cv2.imwrite(
                    str(folder / f'flow_{axis}_{index:05}.jpg'),
                    np.full((120, 160), value, np.uint8))
    cfg = load_config(repo_root, 'thumos14_flow_frames.py', str(tmp_path))
    assert cfg.train_dataloader.dataset.data_prefix == dict(img='flow')
    batch = first_batch(cfg, 'train_dataloader')
    inputs, sample = batch['inputs'][0], batch['data_samples'][0]
    assert inputs.shape == sample.ssl_inputs.shape == (2, 256, 96, 96)
    batch = first_batch(cfg, 'test_dataloader')
    inputs = batch['inputs'][0]
    # step k: the flow image AFSD keeps, 3 k + 2, the last one repeated
    index = np.minimum(3 * np.arange(30) + 2, 88)
    np.testing.assert_allclose(inputs[0, :30, 48, 48], index, atol=1)
    np.testing.assert_allclose(inputs[1, :30, 48, 48], 255 - index, atol=1)
    assert not inputs[:, 30:].any()
