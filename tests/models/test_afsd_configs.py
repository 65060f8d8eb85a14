import glob
import math
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mmgaf.registry import MODELS

pytestmark = pytest.mark.usefixtures('one_thread')


def afsd_configs(repo_root):
    return sorted(glob.glob(osp.join(repo_root, 'configs', 'afsd', '*.py')))


def test_every_config_is_there(repo_root):
    names = {osp.basename(path) for path in afsd_configs(repo_root)}
    assert {
        'afsd_thumos14_i3d-feat.py', 'afsd_thumos14_i3d-e2e.py',
        'afsd_thumos14_i3d-e2e_flow.py', 'afsd_activitynet_feat.py',
        'afsd_activitynet_i3d-e2e.py', 'afsd_synthetic.py',
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
    # AFSD's recipe classifies with a softmax over K + 1 channels
    assert outputs['cls'].shape[-1] == num_classes + int(
        localizer.use_background_class)
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


# AFSD's recipe (configs/_base_/models/afsd_recipe.py): every THUMOS14 and
# ActivityNet config of AFSD, and the GAF configs built on them.
RECIPE_CONFIGS = [
    'afsd/afsd_thumos14_i3d-e2e.py', 'afsd/afsd_thumos14_i3d-e2e_flow.py',
    'afsd/afsd_thumos14_i3d-feat.py',
    'afsd/afsd_thumos14_i3d-feat_two-stream.py',
    'afsd/afsd_activitynet_feat.py', 'gaf/afsd_gaf_thumos14.py',
    'gaf/afsd_gaf-ai_thumos14.py', 'gaf/afsd_gaf-ai-nai_thumos14.py',
    'gaf/afsd_gaf_thumos14_i3d-e2e.py', 'gaf/afsd_gaf_activitynet.py'
]


def localizers(cfg):
    model = cfg.model
    return [model.rgb, model.flow] if model.type == 'TwoStreamLocalizer' \
        else [model]


@pytest.mark.parametrize('name', RECIPE_CONFIGS)
def test_recipe_configs_follow_afsd(repo_root, name):
    cfg = Config.fromfile(osp.join(repo_root, 'configs', name))
    for model in localizers(cfg):
        assert model.pyramid.padding == 'tf_same'
        assert model.loss.loss_cls.type == 'AFSDSoftmaxFocalLoss'
        assert model.loss.loss_prop_cls.type == 'AFSDSoftmaxFocalLoss'
        assert model.loss.pos_iou_thr == 0.5
        assert model.loss.loss_loc.loss_weight == 10.
        assert model.loss.loss_prop_loc.loss_weight == 10.
        assert model.loss_boundary_contrast == dict(
            type='AFSDTripletLoss',
            level_weights=(1.0, 0.1, 0.1),
            scales=(1.0, 4.0, 4.0),
            margin=1.0,
            loss_weight=0.1)
        assert model.post_processor.max_per_window is None
        assert model.post_processor.score_thr == 0.01
    assert cfg.train_dataloader.batch_size == 1
    assert cfg.optim_wrapper.get(
        'optimizer',
        cfg.optim_wrapper.get('segment', {}).get('optimizer')).type == 'Adam'


def test_synthetic_config_keeps_mmgaf_defaults(repo_root):
    cfg = Config.fromfile(
        osp.join(repo_root, 'configs', 'afsd', 'afsd_synthetic.py'))
    assert 'padding' not in cfg.model.pyramid
    assert cfg.model.loss.loss_cls.type == 'mmdet.FocalLoss'
    assert 'loss_boundary_contrast' not in cfg.model


def test_recipe_init_is_glorot_everywhere(repo_root):
    """BDNet.reset_params: glorot-uniform on every convolution of the
    detector, prediction convolutions included, zero biases."""
    cfg = Config.fromfile(
        osp.join(repo_root, 'configs', 'afsd', 'afsd_thumos14_i3d-feat.py'))
    cfg.model.pyramid.feat_channels = 64
    for head in ('coarse_head', 'refine_head'):
        cfg.model[head].update(in_channels=64)
    cfg.model.coarse_head.feat_channels = 64
    cfg.model.refine_head.update(proposal_channels=64, frame_channels=64)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    convs = [
        model.coarse_head.conv_cls, model.coarse_head.conv_loc,
        model.refine_head.conv_cls, model.refine_head.conv_loc,
        model.refine_head.conv_centerness, model.coarse_head.loc_tower[0].conv,
        model.refine_head.cls_branch.fuse_conv.conv,
        model.pyramid.downsample_convs[0].conv,
        model.pyramid.frame_convs[2].conv
    ]
    for conv in convs:
        weight = conv.weight
        fan_in = weight.shape[1] * weight.shape[2]
        fan_out = weight.shape[0] * weight.shape[2]
        bound = math.sqrt(6. / (fan_in + fan_out))
        # uniform on [-bound, bound]: its maximum near the bound, its
        # standard deviation bound / sqrt(3)
        assert weight.abs().max() <= bound
        assert weight.abs().max() > 0.8 * bound
        if weight.numel() > 500:
            assert abs(weight.std().item() * math.sqrt(3) / bound - 1) < 0.1
        assert conv.bias.abs().max() == 0


def test_activitynet_end_to_end_config(repo_root):
    """AFSD/anet's model: Mixed_5c alone, 8 frames per level-0 position,
    class-agnostic (2 channels), fpn_strides, and its initialisation:
    normal(0, 0.01) on the heads' convolutions, glorot on the pyramid."""
    cfg = Config.fromfile(
        osp.join(repo_root, 'configs', 'afsd', 'afsd_activitynet_i3d-e2e.py'))
    assert cfg.model.loss_boundary_contrast.loss_weight == 0.1
    assert cfg.optim_wrapper.optimizer == dict(
        type='Adam', lr=1e-4, weight_decay=1e-4)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    assert model.pyramid.frames_per_step == 1
    assert model.coarse_head.cls_out_channels == 2
    assert model.coarse_head.distance_strides == (4, 8, 16, 32, 64, 128)
    for conv in (model.coarse_head.conv_cls,
                 model.coarse_head.cls_tower[0].conv,
                 model.refine_head.loc_branch.fuse_conv.conv,
                 model.refine_head.conv_centerness):
        assert abs(conv.weight.std().item() - 0.01) < 0.002
        assert conv.bias.abs().max() == 0
    weight = model.pyramid.downsample_convs[0].conv.weight
    bound = math.sqrt(6. / (2 * weight.shape[1] * weight.shape[2]))
    assert 0.8 * bound < weight.abs().max() <= bound
    model.eval()
    with torch.no_grad():
        out = model.forward_feats(torch.rand(1, 1024, 96, 3, 3))
    assert out['frame_feat'].shape[-1] == 768
    assert out['cls'].shape == (1, 96 + 48 + 24 + 12 + 6 + 3, 2)


def test_recipe_trains_with_every_term(repo_root):
    """AFSD's recipe on THUMOS14 features: one step with a
    boundary-contrastive sample gives every loss term, finite, and
    gradients to the whole detector."""
    from mmengine.structures import InstanceData

    from mmgaf.structures import TADDataSample
    cfg = Config.fromfile(
        osp.join(repo_root, 'configs', 'afsd', 'afsd_thumos14_i3d-feat.py'))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.train()
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(1, 2048, 64, generator=generator)
    sample = TADDataSample(metainfo=dict(window_size=64, valid_len=64))
    sample.gt_instances = InstanceData(
        segments=torch.tensor([[10., 30.], [40., 52.]]),
        labels=torch.tensor([3, 11]))
    sample.ssl_inputs = x[0].roll(5, -1)
    sample.ssl_segments = torch.tensor([[10., 17.], [22., 35.], [18., 21.]])
    sample.ssl_valid = torch.tensor([True])
    losses = model(x, [sample], mode='loss')
    assert set(losses) == {
        'loss_cls', 'loss_loc', 'loss_prop_cls', 'loss_prop_loc',
        'loss_centerness', 'loss_start', 'loss_end', 'loss_triplet'
    }
    assert all(torch.isfinite(value) for value in losses.values())
    sum(losses.values()).backward()
    for name, param in model.named_parameters():
        assert param.grad is not None, name


def test_synthetic_parity_config_is_the_recipe(repo_root):
    """afsd_synthetic_parity.py: AFSD's recipe with the built-in dataset's
    sizes and schedule, lw=10 included (with lw=1 AFSD's centerness target
    collapsed the segments there)."""
    synthetic = Config.fromfile(
        osp.join(repo_root, 'configs', 'afsd', 'afsd_synthetic.py'))
    cfg = Config.fromfile(
        osp.join(repo_root, 'configs', 'afsd', 'afsd_synthetic_parity.py'))
    recipe = Config.fromfile(
        osp.join(repo_root, 'configs', 'afsd', 'afsd_thumos14_i3d-feat.py'))
    assert cfg.model.pyramid.padding == 'tf_same'
    assert cfg.model.pyramid.feat_channels == 128
    for key in ('loss_cls', 'loss_prop_cls', 'loss_loc', 'loss_prop_loc',
                'detach_centerness_target'):
        assert cfg.model.loss[key] == recipe.model.loss[key], key
    assert cfg.model.loss.loss_loc.loss_weight == 10.0
    assert cfg.model.loss_boundary_contrast == \
        recipe.model.loss_boundary_contrast
    assert cfg.model.post_processor == recipe.model.post_processor
    assert cfg.optim_wrapper == synthetic.optim_wrapper
    assert cfg.train_cfg == synthetic.train_cfg
    assert [t['type'] for t in cfg.train_dataloader.dataset.pipeline] == [
        'LoadFeatures', 'CropWindow', 'ConvertGtToWindow', 'BoundaryContrast',
        'PackTADInputs'
    ]
    assert cfg.val_evaluator.nms_cfg.max_per_class == 5000
    assert cfg.val_evaluator.max_per_video == -1
    model = MODELS.build(cfg.model)
    assert model.use_background_class
