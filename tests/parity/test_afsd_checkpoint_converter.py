"""tools/model_converters/afsd_to_mmgaf.py on checkpoints of the original
``BDNet`` (random weights, saved as AFSD's ``train.py`` saves them:
``torch.save(net.state_dict(), path)``): they convert for the matching
config, load with ``strict=True`` and compute what the original computes;
bad files are refused, naming the keys."""
import importlib.util
import os.path as osp
import pickle

import pytest
import torch
from mmengine.config import Config

from mmgaf.models.localizers.afsd_checkpoint import (afsd_to_mmgaf,
                                                     detect_variant)
from mmgaf.registry import MODELS
from mmgaf.utils.checkpoint_compat import load_checkpoint_safely

RGB_CONFIG = osp.join('configs', 'afsd', 'afsd_thumos14_i3d-e2e.py')
FLOW_CONFIG = osp.join('configs', 'afsd', 'afsd_thumos14_i3d-e2e_flow.py')

pytestmark = pytest.mark.usefixtures('one_thread')


@pytest.fixture(scope='module')
def tool(repo_root):
    path = osp.join(repo_root, 'tools', 'model_converters', 'afsd_to_mmgaf.py')
    spec = importlib.util.spec_from_file_location('afsd_to_mmgaf', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def random_bdnet(bdnet, in_channels, seed):
    """An original BDNet with every tensor random (BatchNorm statistics
    included), as a trained checkpoint would be."""
    torch.manual_seed(seed)
    net = bdnet.BDNet(in_channels=in_channels, training=False)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, tensor in net.state_dict().items():
            if not tensor.is_floating_point():
                continue
            noise = torch.rand(tensor.shape, generator=generator)
            if name.endswith('running_var'):
                tensor.copy_(0.5 + noise)
            elif tensor.dim() == 1:
                tensor.copy_(0.5 +
                             noise if name.endswith(('weight',
                                                     'scale')) else noise -
                             0.5)
            else:
                fan = tensor[0].numel() + tensor.shape[0] * tensor[0,
                                                                   0].numel()
                tensor.copy_((noise * 2 - 1) * (6. / fan)**0.5)
    return net.eval()


@pytest.fixture(scope='module')
def bdnet(afsd_reference):
    return afsd_reference.module('thumos14.BDNet')


@pytest.mark.parametrize('in_channels, config', [(3, RGB_CONFIG),
                                                 (2, FLOW_CONFIG)])
def test_original_checkpoint_converts_and_computes_the_same(
        bdnet, tool, repo_root, tmp_path, in_channels, config):
    net = random_bdnet(bdnet, in_channels, seed=in_channels)
    src = tmp_path / 'checkpoint-15.ckpt'
    torch.save(net.state_dict(), src)
    dst = tmp_path / 'mmgaf.pth'
    tool.main([str(src), str(dst), '--config', osp.join(repo_root, config)])

    checkpoint = load_checkpoint_safely(str(dst))
    assert checkpoint['meta']['afsd_variant'] == 'thumos14'
    cfg = Config.fromfile(osp.join(repo_root, config))
    model = MODELS.build(cfg.model)
    model.load_state_dict(checkpoint['state_dict'], strict=True)
    model.eval()

    generator = torch.Generator().manual_seed(7)
    # the backbone on a small clip (odd sizes exercise 'SAME' padding)
    clip = torch.rand(1, in_channels, 12, 72, 72, generator=generator) * 2 - 1
    with torch.no_grad():
        expected = net.backbone(clip)
        mixed_4f, mixed_5c = model.backbone(clip)
    torch.testing.assert_close(
        mixed_4f,
        expected['Mixed_4f'],
        rtol=1e-5,
        atol=1e-5 * float(expected['Mixed_4f'].abs().max()))
    torch.testing.assert_close(
        mixed_5c,
        expected['Mixed_5c'],
        rtol=1e-5,
        atol=1e-5 * float(expected['Mixed_5c'].abs().max()))
    # the detector on a 256-frame clip's backbone levels
    levels = (torch.rand(1, 832, 64, 6, 6, generator=generator),
              torch.rand(1, 1024, 32, 3, 3, generator=generator))
    with torch.no_grad():
        original = net.coarse_pyramid_detection(
            dict(Mixed_4f=levels[0], Mixed_5c=levels[1]))
        ours = model.forward_feats(levels)
    for key, index in (('loc', 0), ('cls', 1), ('prop_loc', 2), ('prop_cls',
                                                                 3)):
        torch.testing.assert_close(
            ours[key],
            original[index],
            rtol=1e-5,
            atol=1e-5 * float(original[index].abs().max()))
    torch.testing.assert_close(
        ours['centerness'], original[4][..., 0], rtol=1e-5, atol=1e-5)


def test_bad_checkpoints_are_refused_naming_the_keys(bdnet, tool, repo_root,
                                                     tmp_path):
    state = random_bdnet(bdnet, 3, seed=0).state_dict()
    config = osp.join(repo_root, RGB_CONFIG)
    # nn.DataParallel's prefix is stripped
    wrapped = {f'module.{key}': value for key, value in state.items()}
    assert afsd_to_mmgaf(wrapped).keys() == afsd_to_mmgaf(state).keys()
    assert detect_variant(wrapped) == 'thumos14'

    missing = dict(state)
    del missing['coarse_pyramid_detection.center_head.conv1d.bias']
    torch.save(missing, tmp_path / 'missing.ckpt')
    with pytest.raises(KeyError, match='refine_head.conv_centerness.bias'):
        tool.main([
            str(tmp_path / 'missing.ckpt'),
            str(tmp_path / 'out.pth'), '--config', config
        ])

    extra = dict(state)
    extra['coarse_pyramid_detection.extra_head.conv1d.weight'] = \
        torch.zeros(1)
    torch.save(extra, tmp_path / 'extra.ckpt')
    with pytest.raises(KeyError, match='extra_head'):
        tool.main([str(tmp_path / 'extra.ckpt'), str(tmp_path / 'out.pth')])

    # the RGB weights do not fill the flow model
    torch.save(state, tmp_path / 'rgb.ckpt')
    with pytest.raises(RuntimeError, match='size mismatch'):
        tool.main([
            str(tmp_path / 'rgb.ckpt'),
            str(tmp_path / 'out.pth'), '--config',
            osp.join(repo_root, FLOW_CONFIG)
        ])
    assert not (tmp_path / 'out.pth').exists()


class Payload:
    """Unpickling it would call ``print``: a stand-in for code."""

    def __reduce__(self):
        return (print, ('ran code from a checkpoint', ))


def test_loading_never_unpickles_code(tool, tmp_path):
    src = tmp_path / 'evil.ckpt'
    torch.save({'weight': Payload()}, src)
    with pytest.raises(pickle.UnpicklingError, match='refused to load'):
        tool.main([str(src), str(tmp_path / 'out.pth')])
    assert not (tmp_path / 'out.pth').exists()


ANET_CONFIG = osp.join('configs', 'afsd', 'afsd_activitynet_i3d-e2e.py')


def test_activitynet_checkpoint_converts_and_computes_the_same(
        afsd_reference, tool, repo_root, tmp_path):
    anet = afsd_reference.module('anet.BDNet')
    net = random_bdnet(anet, 3, seed=11)
    src = tmp_path / 'checkpoint-10.ckpt'
    torch.save(net.state_dict(), src)
    dst = tmp_path / 'anet.pth'
    tool.main(
        [str(src),
         str(dst), '--config',
         osp.join(repo_root, ANET_CONFIG)])
    checkpoint = load_checkpoint_safely(str(dst))
    assert checkpoint['meta']['afsd_variant'] == 'activitynet'
    model = MODELS.build(
        Config.fromfile(osp.join(repo_root, ANET_CONFIG)).model)
    model.load_state_dict(checkpoint['state_dict'], strict=True)
    model.eval()
    generator = torch.Generator().manual_seed(12)
    clip = torch.rand(1, 3, 16, 64, 64, generator=generator) * 2 - 1
    mixed_5c = torch.rand(1, 1024, 96, 3, 3, generator=generator)
    with torch.no_grad():
        expected = net.backbone(clip)['Mixed_5c']
        ours = model.backbone(clip)
        original = net.coarse_pyramid_detection(dict(Mixed_5c=mixed_5c))
        outputs = model.forward_feats(mixed_5c)
    torch.testing.assert_close(
        ours, expected, rtol=1e-5, atol=1e-5 * float(expected.abs().max()))
    for key, index in (('loc', 0), ('cls', 1), ('prop_loc', 2), ('prop_cls',
                                                                 3)):
        torch.testing.assert_close(
            outputs[key],
            original[index],
            rtol=1e-5,
            atol=1e-5 * float(original[index].abs().max()))


def test_converted_model_detects_what_test_py_detects(bdnet, tool, repo_root,
                                                      tmp_path):
    """One window through the converted model's ``predict`` post-processing
    against ``AFSD/thumos14/test.py``'s per-window lines (quoted) on the
    original's outputs: the same candidates, before the per-class
    soft-NMS (tests/parity/test_afsd_test_time_parity.py covers the rest)."""
    from mmgaf.structures import TADDataSample
    net = random_bdnet(bdnet, 3, seed=5)
    src = tmp_path / 'checkpoint-15.ckpt'
    torch.save(net.state_dict(), src)
    config = osp.join(repo_root, RGB_CONFIG)
    tool.main([str(src), str(tmp_path / 'mmgaf.pth'), '--config', config])
    model = MODELS.build(Config.fromfile(config).model)
    model.load_state_dict(
        load_checkpoint_safely(str(tmp_path / 'mmgaf.pth'))['state_dict'])
    model.eval()
    generator = torch.Generator().manual_seed(9)
    levels = (torch.rand(1, 832, 64, 6, 6, generator=generator),
              torch.rand(1, 1024, 32, 3, 3, generator=generator))
    clip_length, conf_thresh, num_classes = 256, 0.01, 21
    with torch.no_grad():
        (loc, conf, prop_loc, prop_conf, center,
         priors) = net.coarse_pyramid_detection(
             dict(Mixed_4f=levels[0], Mixed_5c=levels[1]))[:6]
        # test.py, one window (offset 0, seconds left out):
        loc, conf, priors = loc[0], conf[0], priors[0]
        prop_loc, prop_conf, center = prop_loc[0], prop_conf[0], center[0]
        pre_loc_w = loc[:, :1] + loc[:, 1:]
        loc = 0.5 * pre_loc_w * prop_loc + loc
        decoded_segments = torch.cat([
            priors[:, :1] * clip_length - loc[:, :1],
            priors[:, :1] * clip_length + loc[:, 1:]
        ],
                                     dim=-1)
        decoded_segments.clamp_(min=0, max=clip_length)
        conf = torch.softmax(conf, dim=-1)
        prop_conf = torch.softmax(prop_conf, dim=-1)
        center = center.sigmoid()
        conf = (conf + prop_conf) / 2.0
        conf = conf * center
        conf = conf.view(-1, num_classes).transpose(1, 0)
        expected = []
        for cl in range(1, num_classes):
            c_mask = conf[cl] > conf_thresh
            scores = conf[cl][c_mask]
            segments = decoded_segments[c_mask]
            expected.append(
                torch.cat([
                    segments, scores[:, None],
                    torch.full_like(scores[:, None], cl - 1)
                ], -1))
        expected = torch.cat(expected)

        sample = TADDataSample(
            metainfo=dict(window_size=clip_length, valid_len=clip_length))
        result, = model.post_processor(
            model.forward_feats(levels), model.pyramid.frames_per_step,
            [sample])
    pred = result.pred_instances
    ours = torch.cat(
        [pred.segments, pred.scores[:, None], pred.labels[:, None].float()],
        -1)
    assert len(expected) > 100
    assert ours.shape == expected.shape

    def by_class_and_place(rows):
        order = sorted(
            range(len(rows)),
            key=lambda i:
            (rows[i, 3].item(), rows[i, 0].item(), rows[i, 2].item()))
        return rows[order]

    torch.testing.assert_close(
        by_class_and_place(ours),
        by_class_and_place(expected),
        rtol=1e-5,
        atol=1e-4)


def test_afsd_i3d_weights_convert_for_the_backbone(afsd_reference, tool,
                                                   repo_root, tmp_path):
    """``--variant i3d``: the pytorch-i3d weights AFSD trains from
    (``rgb_imagenet.pt``, with its Kinetics classifier) become a checkpoint
    of mmgaf's InceptionI3d that computes the same features."""
    i3d = afsd_reference.module('common.i3d_backbone')
    torch.manual_seed(0)
    original = i3d.InceptionI3d(final_endpoint='Logits', in_channels=3)
    original.build()
    generator = torch.Generator().manual_seed(13)
    with torch.no_grad():
        for name, tensor in original.state_dict().items():
            if tensor.is_floating_point():
                tensor.copy_(
                    torch.rand(tensor.shape, generator=generator) * 0.2 +
                    (0.9 if name.endswith(('running_var',
                                           'bn.weight')) else -0.1))
    original.eval()
    src = tmp_path / 'rgb_imagenet.pt'
    torch.save(original.state_dict(), src)
    dst = tmp_path / 'i3d.pth'
    tool.main(
        [str(src),
         str(dst), '--config',
         osp.join(repo_root, RGB_CONFIG)])
    checkpoint = load_checkpoint_safely(str(dst))
    assert checkpoint['meta']['afsd_variant'] == 'i3d'
    assert not any(
        key.startswith('logits.') for key in checkpoint['state_dict'])
    cfg = Config.fromfile(osp.join(repo_root, RGB_CONFIG))
    cfg.model.backbone.init_cfg = dict(type='Pretrained', checkpoint=str(dst))
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.eval()
    clip = torch.rand(1, 3, 12, 64, 64, generator=generator) * 2 - 1
    with torch.no_grad():
        expected = original.extract_features(clip)
        mixed_4f, mixed_5c = model.backbone(clip)
    torch.testing.assert_close(
        mixed_4f, expected['Mixed_4f'], rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(
        mixed_5c, expected['Mixed_5c'], rtol=1e-5, atol=1e-6)
    # with its classifier, the whole network including Logits
    full = afsd_to_mmgaf(original.state_dict(), 'i3d')
    from mmgaf.models.backbones import InceptionI3d
    InceptionI3d(out_endpoints=('Logits', )).load_state_dict(full, strict=True)
