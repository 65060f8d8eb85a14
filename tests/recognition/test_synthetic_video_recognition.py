"""The recognition configs of the built-in motion videos: I3D and I3D + GAF
train through MMEngine's Runner on real video files read by MMAction2's
pipeline, predict alike, and are evaluated with top-1 / top-5 and mean class
accuracy."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmaction.structures import ActionDataSample
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.runner import Runner

from mmgaf.datasets import SyntheticMotionVideos
from mmgaf.registry import DATASETS, METRICS, MODELS

pytestmark = pytest.mark.usefixtures('one_thread')

CONFIGS = dict(
    i3d='configs/recognition/i3d_synthetic_video.py',
    gaf='configs/gaf/i3d_gaf_synthetic_video.py')


@pytest.fixture(scope='module')
def videos(tmp_path_factory):
    root = tmp_path_factory.mktemp('motion_videos')
    SyntheticMotionVideos(seed=0).write(str(root), dict(train=4, val=2))
    return str(root)


def tiny_config(repo_root, name, root, work_dir=None):
    """The config on the 4 + 2 videos under ``root``: batches of 2, no
    workers, no checkpoints."""
    cfg = Config.fromfile(osp.join(repo_root, CONFIGS[name]))
    for key, subset in (('train_dataloader', 'train'),
                        ('val_dataloader', 'val'), ('test_dataloader', 'val')):
        cfg[key].update(batch_size=2, num_workers=0, persistent_workers=False)
        cfg[key].dataset.update(
            ann_file=osp.join(root, f'{subset}_list.txt'),
            data_prefix=dict(video=osp.join(root, 'videos')))
    cfg.work_dir = work_dir
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=-1)
    cfg.default_hooks.logger.interval = 1
    return cfg


def test_gaf_twin_differs_only_in_neck_head_and_training(repo_root, videos):
    i3d, gaf = (tiny_config(repo_root, name, videos) for name in CONFIGS)
    assert 'neck' not in i3d.model and gaf.model.neck.type == 'GAFNeck'
    assert gaf.model.cls_head.type == 'GAFRecognitionHead'
    assert gaf.model.neck.return_background
    assert gaf.model.neck.in_channels == i3d.model.cls_head.in_channels
    assert gaf.model.backbone == i3d.model.backbone
    for key in ('train_dataloader', 'val_dataloader', 'val_evaluator'):
        assert gaf[key] == i3d[key]
    # each epoch of the twin is a frame and a segment pass
    assert gaf.train_cfg.max_epochs == 2 * i3d.train_cfg.max_epochs
    assert gaf.param_scheduler[0].milestones == [
        2 * m for m in i3d.param_scheduler[0].milestones
    ]
    assert gaf.optim_wrapper.optimizer == i3d.optim_wrapper.optimizer


@pytest.mark.parametrize('name', list(CONFIGS))
def test_training_through_the_runner(repo_root, videos, tmp_path, name):
    cfg = tiny_config(repo_root, name, videos, str(tmp_path))
    # the GAF twin: one frame and one segment pass
    epochs = 2 if name == 'gaf' else 1
    cfg.train_cfg.update(max_epochs=epochs, val_interval=epochs)
    runner = Runner.from_cfg(cfg)
    before = {
        key: value.clone()
        for key, value in runner.model.state_dict().items()
    }
    runner.train()
    scalars = runner.message_hub.log_scalars
    expected = {
        'train/loss_cls', 'train/top1_acc', 'val/acc/top1', 'val/acc/top5',
        'val/acc/mean1'
    }
    # the log history restarts at a phase switch: the last (segment) pass's
    if name == 'gaf':
        expected |= {'train/loss_cls_bg', 'train/loss_recon'}
    assert expected <= set(scalars)
    assert all(
        np.isfinite(scalars[key].current()) for key in expected
        if key.startswith('train/loss'))
    after = runner.model.state_dict()
    changed = {
        key
        for key in before if not torch.equal(before[key], after[key])
    }
    assert any(key.startswith('backbone.') for key in changed)
    assert 'cls_head.fc_cls.weight' in changed
    if name == 'gaf':
        # the frame pass trained frame-GAF
        assert any(key.startswith('neck.cvaes.') for key in changed)
        assert any(key.startswith('neck.attention_heads.') for key in changed)


def test_gaf_on_and_off_predict_alike(repo_root, videos):
    outputs = {}
    for name in CONFIGS:
        cfg = tiny_config(repo_root, name, videos)
        dataset = DATASETS.build(cfg.val_dataloader.dataset)
        batch = pseudo_collate([dataset[0], dataset[1]])
        torch.manual_seed(0)
        model = MODELS.build(cfg.model)
        model.init_weights()
        model.eval()
        with torch.no_grad():
            outputs[name] = model.test_step(batch)
    for name, results in outputs.items():
        assert [type(r) for r in results] == [ActionDataSample] * 2, name
        for result in results:
            scores = result.pred_scores.item
            assert scores.shape == (10, ), name
            assert scores.sum().item() == pytest.approx(1, rel=1e-5)
        assert [r.gt_labels.item.item() for r in results] == [0, 1]
    assert outputs['i3d'][0].keys() == outputs['gaf'][0].keys()


def test_metrics_on_a_known_case(repo_root, videos):
    metric = METRICS.build(tiny_config(repo_root, 'i3d', videos).val_evaluator)
    # 4 clips of classes 0, 0, 1, 2; the true class ranks 1st, 2nd, 1st, 7th
    ranks = [[0, 1], [1, 0], [1, 0], [9, 8, 7, 6, 5, 4, 2]]
    samples = []
    for label, ranking in zip([0, 0, 1, 2], ranks):
        scores = torch.zeros(10)
        scores[ranking] = torch.linspace(1, 0.5, len(ranking))
        samples.append(
            dict(
                pred_scores=dict(item=scores),
                gt_labels=dict(item=torch.tensor([label]))))
    metric.process([], samples)
    results = metric.compute_metrics(metric.results)
    assert results['top1'] == pytest.approx(2 / 4)
    assert results['top5'] == pytest.approx(3 / 4)
    # MMAction2 averages over the classes that are a label or a top-1
    # prediction (class 9, predicted only, counts 0): 0 -> 1/2, 1 -> 1,
    # 2 -> 0, 9 -> 0; with every class in the set, the usual mean
    assert results['mean1'] == pytest.approx(1.5 / 4)
