import copy
import importlib.util
import os.path as osp

import pytest
import torch
from mmengine.runner import load_checkpoint, save_checkpoint
from test_afsd import afsd_cfg, batch, build

from mmgaf.registry import MODELS

pytestmark = pytest.mark.usefixtures('one_thread')


def two_stream_cfg(**kwargs):
    cfg = dict(
        type='TwoStreamLocalizer',
        rgb=afsd_cfg(in_channels=10),
        flow=afsd_cfg(in_channels=6),
        split=(10, 6))
    cfg.update(kwargs)
    return cfg


def load_tool(repo_root):
    path = osp.join(repo_root, 'tools', 'analysis_tools',
                    'fuse_two_stream_checkpoints.py')
    spec = importlib.util.spec_from_file_location('fuse_tool', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_fusion_averages_raw_outputs_before_decoding():
    cfg = two_stream_cfg()
    # Untrained scores lie below AFSD's 0.01: keep them all.
    cfg['rgb']['post_processor'] = dict(
        type='AFSDPostProcessor', score_thr=0., max_per_window=10)
    model = build(cfg)
    model.eval()
    x, samples = batch()
    with torch.no_grad():
        fused = model(x, mode='tensor')
        rgb = model.rgb(x[:, :10], mode='tensor')
        flow = model.flow(x[:, 10:], mode='tensor')
        for key in ('loc', 'prop_loc', 'cls', 'prop_cls', 'centerness'):
            torch.testing.assert_close(fused[key], (rgb[key] + flow[key]) / 2)
        results = model(x, copy.deepcopy(samples), mode='predict')
        expected = model.rgb.post_processor(fused, 4., copy.deepcopy(samples))
    for result, reference in zip(results, expected):
        assert len(result.pred_instances) == 10
        torch.testing.assert_close(result.pred_instances.scores,
                                   reference.pred_instances.scores)
        torch.testing.assert_close(result.pred_instances.segments,
                                   reference.pred_instances.segments)
    # Averaging logits is not averaging the streams' scores.
    rgb_only = model.rgb.post_processor(rgb, 4., copy.deepcopy(samples))
    assert not torch.equal(rgb_only[0].pred_instances.scores,
                           results[0].pred_instances.scores)


def test_training_gives_each_stream_its_losses():
    model = build(two_stream_cfg())
    x, samples = batch()
    losses = model(x, samples, mode='loss')
    assert {key.split('_', 1)[0] for key in losses} == {'rgb', 'flow'}
    torch.testing.assert_close(losses['flow_loss_cls'],
                               model.flow.loss(x[:, 10:], samples)['loss_cls'])
    losses['flow_loss_loc'].backward()
    assert model.flow.coarse_head.conv_loc.weight.grad is not None
    assert model.rgb.coarse_head.conv_loc.weight.grad is None


def test_streams_load_their_own_checkpoints(tmp_path, repo_root):
    rgb, flow = build(afsd_cfg(in_channels=10),
                      1), build(afsd_cfg(in_channels=6), 2)
    save_checkpoint(rgb.state_dict(), str(tmp_path / 'rgb.pth'))
    save_checkpoint(flow.state_dict(), str(tmp_path / 'flow.pth'))

    # Through each stream's init_cfg ...
    cfg = two_stream_cfg()
    cfg['rgb']['init_cfg'] = dict(
        type='Pretrained', checkpoint=str(tmp_path / 'rgb.pth'))
    cfg['flow']['init_cfg'] = dict(
        type='Pretrained', checkpoint=str(tmp_path / 'flow.pth'))
    model = build(cfg, seed=3)
    for name, value in rgb.state_dict().items():
        torch.testing.assert_close(model.rgb.state_dict()[name], value)
    for name, value in flow.state_dict().items():
        torch.testing.assert_close(model.flow.state_dict()[name], value)

    # ... or one fused checkpoint, as tools/test.py loads it.
    tool = load_tool(repo_root)
    fused = tool.fuse_checkpoints(
        str(tmp_path / 'rgb.pth'), str(tmp_path / 'flow.pth'))
    torch.save(fused, str(tmp_path / 'fused.pth'))
    model = MODELS.build(two_stream_cfg())
    load_checkpoint(model, str(tmp_path / 'fused.pth'), strict=True)
    torch.testing.assert_close(model.flow.coarse_head.conv_cls.weight,
                               flow.coarse_head.conv_cls.weight)


def test_channel_split_is_checked():
    model = build(two_stream_cfg())
    x, samples = batch()
    with pytest.raises(ValueError, match='split'):
        model(x[:, :12], samples, mode='loss')
    with pytest.raises(ValueError, match='split'):
        MODELS.build(two_stream_cfg(split=(16, )))


def test_each_stream_contrasts_its_own_channels():
    triplet = dict(type='AFSDTripletLoss', loss_weight=0.1)
    cfg = two_stream_cfg()
    cfg['rgb']['loss_boundary_contrast'] = triplet
    cfg['flow']['loss_boundary_contrast'] = triplet
    model = build(cfg)
    x, samples = batch()
    for sample, features in zip(samples, x):
        sample.ssl_inputs = features.flip(-1)
        sample.ssl_segments = torch.tensor([[4., 9.], [14., 20.], [10., 13.]])
        sample.ssl_valid = True
    losses = model(x, samples, mode='loss')
    for name, part, stream in (('rgb', slice(0, 10), model.rgb),
                               ('flow', slice(10, 16), model.flow)):
        expected = stream.loss_boundary_contrast(
            stream.boundary_feats(x[:, part].flip(-1)),
            torch.stack([s.ssl_segments for s in samples]) * 4.)
        torch.testing.assert_close(losses[f'{name}_loss_triplet'], expected)
    # the samples themselves keep all channels
    assert samples[0].ssl_inputs.size(0) == 16
    samples[1].ssl_inputs = samples[1].ssl_inputs[:12]
    with pytest.raises(ValueError, match=r'data_samples\[1\].ssl_inputs'):
        model(x, samples, mode='loss')
