import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mmgaf.registry import MODELS


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def afsd_configs(repo_root):
    return sorted(glob.glob(osp.join(repo_root, 'configs', 'afsd', '*.py')))


def test_every_config_is_there(repo_root):
    names = {osp.basename(path) for path in afsd_configs(repo_root)}
    assert {
        'afsd_thumos14_i3d-feat.py', 'afsd_thumos14_i3d-e2e.py',
        'afsd_activitynet_feat.py', 'afsd_synthetic.py',
        'afsd_thumos14_i3d-feat_two-stream.py'
    } <= names


@pytest.mark.parametrize(
    'name, in_channels, window, num_classes, frames_per_step',
    [('afsd_thumos14_i3d-feat.py', 2048, 64, 20, 4),
     ('afsd_activitynet_feat.py', 2048, 256, 200, 4),
     ('afsd_synthetic.py', 256, 128, 20, 4),
     ('afsd_thumos14_i3d-feat_two-stream.py', 2048, 64, 20, 4)])
def test_feature_configs_build_and_predict(repo_root, name, in_channels,
                                           window, num_classes,
                                           frames_per_step):
    cfg = Config.fromfile(osp.join(repo_root, 'configs', 'afsd', name))
    # The dataset's window and feature size are the model's input.
    assert cfg.window_size == window
    assert cfg.feature_timing['feature_dim'] == in_channels
    model = MODELS.build(cfg.model)
    model.eval()
    localizer = model.rgb if cfg.model.type == 'TwoStreamLocalizer' \
        else model
    assert localizer.num_classes == num_classes
    assert localizer.pyramid.frames_per_step == frames_per_step
    with torch.no_grad():
        outputs = model(torch.randn(1, in_channels, window), mode='tensor')
    assert outputs['cls'].shape[-1] == num_classes
    assert outputs['frame_feat'].shape[-1] == frames_per_step * window


def test_end_to_end_config(repo_root):
    cfg = Config.fromfile(
        osp.join(repo_root, 'configs', 'afsd', 'afsd_thumos14_i3d-e2e.py'))
    assert cfg.window_size == 256
    assert cfg.model.backbone.init_cfg.checkpoint == \
        'work_dirs/pretrained/i3d_kinetics400_rgb.pth'
    assert cfg.optim_wrapper.optimizer == dict(
        type='Adam', lr=1e-5, weight_decay=1e-3)
    model = MODELS.build(cfg.model)
    assert model.pyramid.frames_per_step == 1
    assert model.backbone.norm_eval
