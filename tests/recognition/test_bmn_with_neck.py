"""MMAction2's BMN with a neck (mmgaf.BMNWithNeck) and
configs/gaf/bmn_gaf_activitynet.py, inherited from MMAction2's BMN config:
GAF's alternating updates through MMEngine's Runner on tiny ActivityNet-style
feature files read by MMAction2's pipeline, and BMN's proposals with and
without GAF."""
import copy
import json
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmgaf.registry import DATASETS, MODELS

pytestmark = pytest.mark.usefixtures('one_thread')

FEAT_DIM, STEPS = 32, 16
# BMN's sizes shrunk to fit tiny inputs; everything else as configured
TINY_BMN = dict(
    temporal_dim=STEPS,
    num_samples=4,
    num_samples_per_bin=2,
    feat_dim=FEAT_DIM,
    hidden_dim_1d=16,
    hidden_dim_2d=16,
    hidden_dim_3d=16,
    post_process_top_k=10)
TINY_NECK = dict(
    in_channels=FEAT_DIM,
    attention=dict(type='SegmentAttention', hidden_channels=32),
    cvae=dict(type='ConditionalVAE', hidden_channels=32, latent_channels=8))


@pytest.fixture(scope='module')
def features(tmp_path_factory):
    """Two videos of ActivityNet's BMN layout: ``<video>.csv`` (a header,
    then one row of ``FEAT_DIM`` values per step) and an annotation file."""
    root = tmp_path_factory.mktemp('anet_features')
    rng = np.random.default_rng(0)
    database = {}
    for index, segment in enumerate(([2., 6.], [1., 3.5])):
        name = f'v_video{index}'
        np.savetxt(
            root / f'{name}.csv',
            rng.normal(size=(STEPS, FEAT_DIM)),
            delimiter=',',
            header=','.join(f'f{i}' for i in range(FEAT_DIM)),
            comments='')
        database[name] = dict(
            duration_second=8.,
            duration_frame=240,
            feature_frame=240,
            annotations=[dict(segment=segment, label='Jumping')])
    ann_file = root / 'anno.json'
    ann_file.write_text(json.dumps(database))
    return str(root), str(ann_file)


class SnapshotHook(Hook):
    """The model's state before and after every epoch."""

    def __init__(self):
        self.states = []

    def before_train_epoch(self, runner):
        self.states.append(copy.deepcopy(runner.model.state_dict()))

    def after_train_epoch(self, runner):
        self.states.append(copy.deepcopy(runner.model.state_dict()))


def changed(before, after):
    return {key for key in before if not torch.equal(before[key], after[key])}


def tiny_config(repo_root, features, work_dir=None):
    root, ann_file = features
    cfg = Config.fromfile(
        osp.join(repo_root, 'configs', 'gaf', 'bmn_gaf_activitynet.py'))
    cfg.model.update(TINY_BMN)
    cfg.model.neck.update(TINY_NECK)
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[key].update(num_workers=0, persistent_workers=False)
        cfg[key].dataset.update(
            ann_file=ann_file, data_prefix=dict(video=root))
    cfg.train_dataloader.batch_size = 2
    for key in ('val_evaluator', 'test_evaluator'):
        cfg[key][1].ann_file = ann_file
    cfg.work_dir = work_dir
    return cfg


def test_config_inherits_mmaction_bmn(repo_root, features):
    cfg = tiny_config(repo_root, features)
    assert cfg.model.type == 'mmgaf.BMNWithNeck'
    assert cfg.model.neck.type == 'GAFNeck'
    # MMAction2's own BMN settings, data and AR@AN metric
    assert cfg.model.boundary_ratio == 0.5
    proposals, detections = cfg.val_evaluator
    assert proposals.type == 'ANetMetric'
    assert proposals.metric_type == 'AR@AN'
    # and the detection mAP of the proposals by video-level labels
    assert detections.type == 'mmgaf.ProposalDetectionMetric'
    assert cfg.test_evaluator == cfg.val_evaluator
    assert cfg.optim_wrapper.optimizer.type == 'Adam'
    assert cfg.train_cfg.max_epochs == 2 * 9


def test_alternating_updates_through_the_runner(repo_root, features, tmp_path):
    cfg = tiny_config(repo_root, features, str(tmp_path))
    # one frame and one segment pass, no validation
    cfg.train_cfg = dict(type='GAFEpochBasedTrainLoop', max_epochs=2)
    cfg.param_scheduler = []
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=-1)
    runner = Runner.from_cfg(cfg)
    snapshots = SnapshotHook()
    runner.register_hook(snapshots, priority='LOWEST')
    runner.train()
    frame_before, frame_after, segment_before, segment_after = \
        snapshots.states
    frame_changed = changed(frame_before, frame_after)
    segment_changed = changed(segment_before, segment_after)
    # phase frame trains frame-GAF only, phase segment BMN and λ
    assert frame_changed and all(
        key.startswith('neck.cvaes.') for key in frame_changed)
    assert any(key.startswith('x_1d_b.') for key in segment_changed)
    assert any(
        key.startswith('neck.attention_heads.') for key in segment_changed)
    assert not any(key.startswith('neck.cvaes.') for key in segment_changed)
    assert {'train/loss',
            'train/loss_recon'} <= set(runner.message_hub.log_scalars)


def test_gaf_on_and_off_propose_alike(repo_root, features):
    cfg = tiny_config(repo_root, features)
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    batch = pseudo_collate([dataset[0]])
    outputs = {}
    for gaf in (True, False):
        model_cfg = cfg.model.copy()
        if not gaf:
            model_cfg.pop('neck')
        torch.manual_seed(0)
        model = MODELS.build(model_cfg)
        model.init_weights()
        model.eval()
        with torch.no_grad():
            outputs[gaf] = model.test_step(batch)
            maps = model(batch['inputs'])
        assert [tuple(m.shape) for m in maps] == [(1, 2, STEPS, STEPS),
                                                  (1, STEPS), (1, STEPS)]
    for [output] in outputs.values():
        assert output['video_name'] == 'v_video0'
        assert 0 < len(output['proposal_list']) <= 10
        assert set(output['proposal_list'][0]) == {'score', 'segment'}
