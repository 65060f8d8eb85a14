"""From frames: AFSD's own PyTorch I3D (``AFSD/common/i3d_backbone.py``,
piergiaj's port) against mmgaf's ``InceptionI3d`` with the weights mapped by
the checkpoint converter, and the whole ``BDNet`` against mmgaf's ``AFSD``.

The two I3D ports agree by construction where it matters: both pad as
TensorFlow's ``'SAME'`` (AFSD's ``compute_pad``), and AFSD's max-pools pad
with zeros where mmgaf's pad with ``-inf``, which gives the same maxima
because every pooled map is a ReLU output (>= 0). BatchNorm runs on its
running statistics: AFSD freezes it (``freeze_bn``), mmgaf's config keeps it
in eval mode (``norm_eval``).
"""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mmgaf.models.backbones import InceptionI3d
from mmgaf.models.localizers.afsd_checkpoint import afsd_to_mmgaf
from mmgaf.registry import MODELS

CONFIG = osp.join('configs', 'afsd', 'afsd_thumos14_i3d-e2e.py')
RTOL = 1e-5

pytestmark = pytest.mark.usefixtures('one_thread')


def randomise_(module: torch.nn.Module, seed: int) -> None:
    """Every float tensor random, BatchNorm statistics included."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, tensor in module.state_dict().items():
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


def differences(actual, expected):
    diff = (actual.detach().double() - expected.detach().double()).abs()
    return float(diff.max()), float(
        (diff / expected.detach().double().abs().clamp(min=1e-6)).max())


def assert_same(name, actual, expected):
    assert actual.shape == expected.shape, name
    torch.testing.assert_close(
        actual,
        expected,
        rtol=RTOL,
        atol=RTOL * float(expected.detach().abs().max()),
        msg=lambda m: f'{name}: {m}')
    abs_diff, rel_diff = differences(actual, expected)
    print(f'  {name}: max abs {abs_diff:.3g}, max rel {rel_diff:.3g}')


def mmgaf_i3d(afsd_i3d, in_channels):
    state = {
        f'backbone._model.{key}': value
        for key, value in afsd_i3d.state_dict().items()
    }
    converted = afsd_to_mmgaf(state, variant='thumos14')
    backbone = InceptionI3d(in_channels=in_channels)
    backbone.load_state_dict(
        {
            key[len('backbone.'):]: value
            for key, value in converted.items()
        },
        strict=True)
    return backbone.eval()


@pytest.mark.parametrize('in_channels, shape', [(3, (20, 80, 80)),
                                                (2, (9, 48, 48))])
def test_inception_i3d_matches_afsd_i3d(afsd_reference, in_channels, shape):
    """Odd lengths and sizes (20 frames -> 5 -> 3 at Mixed_5c; 80 pixels ->
    5 -> 3) exercise the asymmetric 'SAME' padding."""
    i3d = afsd_reference.module('common.i3d_backbone')
    torch.manual_seed(0)
    original = i3d.InceptionI3d(
        final_endpoint='Mixed_5c', in_channels=in_channels)
    original.build()
    randomise_(original, seed=in_channels)
    original.eval()
    ours = mmgaf_i3d(original, in_channels)
    generator = torch.Generator().manual_seed(1)
    clip = torch.rand(1, in_channels, *shape, generator=generator) * 2 - 1
    with torch.no_grad():
        expected = original.extract_features(clip)
        mixed_4f, mixed_5c = ours(clip)
    print(f'\nI3D ({in_channels} channels, {shape}):')
    assert_same('Mixed_4f', mixed_4f, expected['Mixed_4f'])
    assert_same('Mixed_5c', mixed_5c, expected['Mixed_5c'])


@pytest.mark.slow
def test_bdnet_from_frames(afsd_reference, repo_root, monkeypatch):
    """The whole model on a 128-frame clip at 96x96 (the clip length is
    halved from AFSD's 256 to keep the test in seconds: ``CoarsePyramid``
    takes its prior count from the module's ``feat_t`` and its frame-level
    size from ``frame_num``, both set here for 128 frames)."""
    bdnet = afsd_reference.module('thumos14.BDNet')
    frames = 128
    monkeypatch.setattr(bdnet, 'feat_t', frames // 4)
    torch.manual_seed(0)
    net = bdnet.BDNet(in_channels=3, training=False)
    net.coarse_pyramid_detection = bdnet.CoarsePyramid([832, 1024],
                                                       frame_num=frames)
    randomise_(net, seed=3)
    net.eval()
    cfg = Config.fromfile(osp.join(repo_root, CONFIG))
    model = MODELS.build(cfg.model)
    model.load_state_dict(afsd_to_mmgaf(net.state_dict()), strict=True)
    model.eval()
    generator = torch.Generator().manual_seed(2)
    # 8-bit frames: mmgaf's data preprocessor computes AFSD's
    # (x / 255) * 2 - 1 as (x - 127.5) / 127.5, equal to float32 rounding;
    # both models then read the same tensor
    pixels = torch.randint(
        0, 256, (1, 3, frames, 96, 96), generator=generator).float()
    inputs = model.data_preprocessor(
        dict(inputs=[pixels[0]], data_samples=None))['inputs']
    torch.testing.assert_close(
        inputs, pixels / 255. * 2. - 1., rtol=0, atol=2e-7)
    with torch.no_grad():
        expected = net(inputs)
        out = model(inputs, mode='tensor')
    print('\nBDNet from frames (128 frames, 96x96):')
    for key, ours in (('loc', out['loc']), ('conf', out['cls']),
                      ('prop_loc', out['prop_loc']), ('prop_conf',
                                                      out['prop_cls']),
                      ('center', out['centerness'][..., None]),
                      ('priors', out['priors'][None, :, None] / frames)):
        assert_same(key, ours, expected[key])
    half = out['frame_feat'].size(1) // 2
    assert_same('start', out['frame_feat'][:, :half].transpose(1, 2),
                expected['start'])
    assert_same('end', out['frame_feat'][:, half:].transpose(1, 2),
                expected['end'])
