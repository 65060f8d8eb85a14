"""A config of ours inherits MMAction2's own base configs (from the
installed package) and swaps the neck for GAF."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from mmgaf.models.necks import GAFNeck
from mmgaf.registry import MODELS
from mmgaf.utils.mmaction_configs import (load_mmaction_config,
                                          mmaction_config_path)


def test_relay_reads_the_installed_mmaction_config():
    path = mmaction_config_path('_base_/models/i3d_r50.py')
    assert osp.join('mmaction', '.mim', 'configs') in path
    model = load_mmaction_config('_base_/models/i3d_r50.py')['model']
    assert model['type'] == 'Recognizer3D'
    assert model['cls_head']['num_classes'] == 400


def test_ucf101_config_inherits_mmaction_i3d_and_swaps_the_neck(repo_root):
    cfg = Config.fromfile(
        osp.join(repo_root, 'configs', 'gaf', 'i3d_gaf_ucf101.py'))
    # inherited from MMAction2's files, overridden where ours says so
    assert cfg.model.backbone.type == 'ResNet3d'
    assert cfg.model.backbone.depth == 50
    assert cfg.model.cls_head.num_classes == 101
    assert cfg.model.cls_head.spatial_type == 'avg'
    assert cfg.param_scheduler[0].milestones == [20, 35]
    assert cfg.optim_wrapper.constructor == 'GAFOptimWrapperConstructor'
    # MMAction2's SGD, inherited, is the segment optimizer
    assert cfg.optim_wrapper.optimizer.type == 'SGD'
    assert cfg.train_cfg.type == 'mmgaf.GAFEpochBasedTrainLoop'
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(cfg.model)
    assert type(model).__name__ == 'Recognizer3D'
    assert isinstance(model.neck, GAFNeck)
    assert model.neck.return_background
    # one clip of 8 frames at 224x224 goes through backbone, GAF and head
    model.eval()
    with torch.no_grad():
        feats, _ = model.extract_feat(
            torch.randn(1, 1, 3, 8, 224, 224), test_mode=True)
        scores = model.cls_head(feats)
    # I3D-R50 strides time by 8; the head adds the background class
    assert feats.shape == (1, 2048, 1, 7, 7)
    assert scores.shape == (1, 102)


def flat(cfg, prefix=''):
    """``{'a.b.c': value}`` of a nested config."""
    items = {}
    for key, value in cfg.items():
        if isinstance(value, dict):
            items.update(flat(value, f'{prefix}{key}.'))
        else:
            items[f'{prefix}{key}'] = value
    return items


@pytest.mark.parametrize('twin,gaf,backbone', [
    ('i3d_ucf101.py', 'i3d_gaf_ucf101.py', 'ResNet3d'),
    ('i3d-inception_ucf101.py', 'i3d-inception_gaf_ucf101.py', 'InceptionI3d'),
])
def test_gaf_configs_differ_from_their_twin_in_the_neck_only(
        repo_root, twin, gaf, backbone):
    without = Config.fromfile(
        osp.join(repo_root, 'configs', 'recognition', twin))
    with_gaf = Config.fromfile(osp.join(repo_root, 'configs', 'gaf', gaf))
    assert without.model.backbone.type == with_gaf.model.backbone.type \
        == backbone
    a, b = flat(without.to_dict()), flat(with_gaf.to_dict())
    changed = {key for key in a.keys() | b.keys() if a.get(key) != b.get(key)}
    # GAF: the neck, the head that scores its background map, the second
    # optimizer and the hook that alternates them
    assert {key.split('.')[0]
            for key in changed} <= {
                'model', 'optim_wrapper', 'custom_hooks',
                'find_unused_parameters', 'default_hooks', 'train_cfg'
            }
    assert {key
            for key in changed
            if key.startswith('train_cfg')} == {'train_cfg.type'}
    model_changes = {
        key
        for key in changed
        if key.startswith('model.') and not key.startswith('model.neck.')
    }
    assert model_changes == {
        'model.cls_head.type', 'model.cls_head.background_weight'
    }
    assert with_gaf.model.cls_head.type.endswith('GAFRecognitionHead')
    # the twin's optimizer, inherited, is GAF's segment optimizer; GAF adds
    # the frame optimizer
    assert {key
            for key in changed if key.startswith('optim_wrapper')} == {
                'optim_wrapper.constructor', 'optim_wrapper.frame.type',
                'optim_wrapper.frame.optimizer.type',
                'optim_wrapper.frame.optimizer.lr',
                'optim_wrapper.frame.optimizer.betas'
            }
    for cfg in (without, with_gaf):
        cfg.model.backbone.pop('init_cfg', None)
        with DefaultScope.overwrite_default_scope(cfg.default_scope):
            assert type(MODELS.build(cfg.model)).__name__ == 'Recognizer3D'


def test_split_is_selected_by_environment(repo_root, monkeypatch):
    monkeypatch.setenv('UCF101_SPLIT', '3')
    cfg = Config.fromfile(
        osp.join(repo_root, 'configs', 'gaf', 'i3d-inception_gaf_ucf101.py'))
    assert cfg.train_dataloader.dataset.ann_file == \
        'data/ucf101/ucf101_train_split_3_videos.txt'
    assert cfg.test_dataloader.dataset.ann_file == \
        'data/ucf101/ucf101_val_split_3_videos.txt'
