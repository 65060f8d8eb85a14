"""A config of ours inherits MMAction2's own base configs (from the
installed package) and swaps the neck for GAF."""
import os.path as osp

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
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(cfg.model)
    assert type(model).__name__ == 'Recognizer3D'
    assert isinstance(model.neck, GAFNeck)
    # one clip of 8 frames at 224x224 goes through backbone, GAF and head
    model.eval()
    with torch.no_grad():
        feats, _ = model.extract_feat(
            torch.randn(1, 1, 3, 8, 224, 224), test_mode=True)
        scores = model.cls_head(feats)
    # I3D-R50 strides time by 8
    assert feats.shape == (1, 2048, 1, 7, 7)
    assert scores.shape == (1, 101)
