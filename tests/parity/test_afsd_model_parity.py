"""mmgaf's AFSD against the original ``CoarsePyramid`` / ``BDNet`` on the same
weights and inputs: every key of ``BDNet.forward``'s dict, the ``ssl=True``
pass of the boundary-contrastive loss, and the boundary max pooling.

The original's weights are random (glorot as ``BDNet.reset_params``, then
every GroupNorm, bias and ``ScaleExp`` scale perturbed, so that a misplaced
tensor cannot go unnoticed) and reach mmgaf through the checkpoint converter
(:func:`afsd_to_mmgaf`). Inputs are I3D's two levels for a 256-frame clip,
Mixed_4f (1, 832, 64, 6, 6) and Mixed_5c (1, 1024, 32, 3, 3).

``CoarsePyramid`` has no dropout and no BatchNorm (GroupNorm only), so its
outputs are the same in train and eval mode; the tests run it in eval mode
and the ``ssl`` pass in train mode, as AFSD's ``train.py``.

mmgaf's ``forward_feats`` dict against ``BDNet.forward``'s:

====================  =========================================
AFSD                  mmgaf
====================  =========================================
loc (B, P, 2)         loc
conf (B, P, K+1)      cls (``use_background_class``)
priors (1, P, 1)      priors (P,) / F, F = 256 frame positions
prop_loc              prop_loc
prop_conf             prop_cls
center (B, P, 1)      centerness (B, P)
start, end (B, F, C)  frame_feat (B, 2C, F): halves, transposed
start/end_loc_prop    proposal_feats[0] (B, 2C', T_0): halves
start/end_conf_prop   proposal_feats[1]
====================  =========================================
"""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mmgaf.models.localizers.afsd_checkpoint import afsd_to_mmgaf
from mmgaf.models.ops import boundary_max_pooling
from mmgaf.registry import MODELS

CONFIG = osp.join('configs', 'afsd', 'afsd_thumos14_i3d-e2e.py')
FRAMES = 256
# float32 on the CPU; the measured maxima are printed (pytest -s) and
# listed in docs/afsd_parity.md.
RTOL = 1e-5

pytestmark = pytest.mark.usefixtures('one_thread')


def perturb_(module: torch.nn.Module, seed: int) -> None:
    """Glorot convolutions (``BDNet.weight_init``) and random GroupNorms,
    biases and scales."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in module.named_parameters():
            noise = torch.randn(param.shape, generator=generator)
            if name.endswith('scale'):
                # ScaleExp: exp(scale * x) stays in range for x ~ N(0, 1).
                param.copy_(0.5 + 0.1 * noise.abs())
            elif param.dim() > 1:
                fan_in = param[0].numel()
                fan_out = param.shape[0] * param[0, 0].numel()
                limit = (6. / (fan_in + fan_out))**0.5
                param.copy_(
                    (torch.rand(param.shape, generator=generator) * 2 - 1) *
                    limit)
            elif name.split('.')[-2].isdigit() and param.dim() == 1 \
                    and name.endswith('weight'):
                param.copy_(1. + 0.1 * noise)  # GroupNorm weight
            else:
                param.copy_(0.1 * noise)


def max_differences(actual: torch.Tensor, expected: torch.Tensor) -> tuple:
    actual, expected = actual.detach().double(), expected.detach().double()
    diff = (actual - expected).abs()
    scale = expected.abs().clamp(min=1e-6)
    return float(diff.max()), float((diff / scale).max())


def assert_same(name, actual, expected, record):
    assert actual.shape == expected.shape, name
    abs_diff, rel_diff = max_differences(actual, expected)
    record[name] = (abs_diff, rel_diff)
    torch.testing.assert_close(
        actual,
        expected,
        rtol=RTOL,
        atol=RTOL * float(expected.detach().abs().max()),
        msg=lambda m: f'{name}: {m}')


@pytest.fixture(scope='module')
def bdnet(afsd_reference):
    return afsd_reference.module('thumos14.BDNet')


@pytest.fixture(scope='module')
def pair(bdnet, repo_root):
    """The original CoarsePyramid and mmgaf's AFSD (parity config) with the
    same weights."""
    torch.manual_seed(0)
    original = bdnet.CoarsePyramid([832, 1024], frame_num=FRAMES)
    perturb_(original, seed=1)
    cfg = Config.fromfile(osp.join(repo_root, CONFIG))
    model = MODELS.build(cfg.model)
    state = {
        f'coarse_pyramid_detection.{key}': value
        for key, value in original.state_dict().items()
    }
    converted = afsd_to_mmgaf(state)
    missing, unexpected = model.load_state_dict(converted, strict=False)
    assert not unexpected
    # Only the backbone is not part of CoarsePyramid.
    assert missing and all(key.startswith('backbone.') for key in missing)
    return original, model


def backbone_levels(seed=2):
    generator = torch.Generator().manual_seed(seed)
    # I3D's endpoints are ReLU outputs.
    return (torch.randn(1, 832, 64, 6, 6, generator=generator).relu(),
            torch.randn(1, 1024, 32, 3, 3, generator=generator).relu())


def test_parity_config_builds_afsd_layout(pair):
    _, model = pair
    assert model.use_background_class
    assert model.coarse_head.conv_cls.out_channels == 21
    assert model.refine_head.conv_cls.out_channels == 21
    assert model.pyramid.padding == 'tf_same'


def test_forward_matches_every_key_of_bdnet(pair):
    original, model = pair
    original.eval()
    model.eval()
    mixed_4f, mixed_5c = backbone_levels()
    with torch.no_grad():
        (loc, conf, prop_loc, prop_conf, center, priors, start, end,
         start_loc_prop, end_loc_prop, start_conf_prop,
         end_conf_prop) = original(dict(Mixed_4f=mixed_4f, Mixed_5c=mixed_5c))
        out = model.forward_feats((mixed_4f, mixed_5c))
    frame_feat = out['frame_feat']
    half = frame_feat.size(1) // 2
    loc_boundary, cls_boundary = out['proposal_feats']
    prop_half = loc_boundary.size(1) // 2
    record = {}
    pairs = dict(
        loc=(out['loc'], loc),
        conf=(out['cls'], conf),
        priors=(out['priors'][None, :, None] / FRAMES, priors),
        prop_loc=(out['prop_loc'], prop_loc),
        prop_conf=(out['prop_cls'], prop_conf),
        center=(out['centerness'][..., None], center),
        start=(frame_feat[:, :half].transpose(1, 2), start),
        end=(frame_feat[:, half:].transpose(1, 2), end),
        start_loc_prop=(loc_boundary[:, :prop_half].transpose(1, 2),
                        start_loc_prop),
        end_loc_prop=(loc_boundary[:, prop_half:].transpose(1,
                                                            2), end_loc_prop),
        start_conf_prop=(cls_boundary[:, :prop_half].transpose(1, 2),
                         start_conf_prop),
        end_conf_prop=(cls_boundary[:,
                                    prop_half:].transpose(1,
                                                          2), end_conf_prop))
    # BDNet.forward's dict, every key
    assert set(pairs) == {
        'loc', 'conf', 'priors', 'prop_loc', 'prop_conf', 'center', 'start',
        'end', 'start_loc_prop', 'end_loc_prop', 'start_conf_prop',
        'end_conf_prop'
    }
    for name, (actual, expected) in pairs.items():
        assert_same(name, actual, expected, record)
    # the refinement pooled real regions: not all coarse segments collapsed
    assert loc.std() > 0.1
    print('\nBDNet.forward parity (max abs, max rel):')
    for name, (abs_diff, rel_diff) in record.items():
        print(f'  {name}: {abs_diff:.3g} {rel_diff:.3g}')


def test_ssl_pass_matches_bdnet(bdnet, pair):
    """``BDNet.forward(x, proposals, ssl=True)`` against mmgaf's
    ``boundary_feats`` + ``AFSDTripletLoss``, and the triplet term of
    AFSD's ``train.py``."""
    original, model = pair
    mixed_4f, mixed_5c = backbone_levels(seed=3)

    class FixedBackbone(torch.nn.Module):

        def forward(self, x):
            return dict(Mixed_4f=mixed_4f, Mixed_5c=mixed_5c)

    net = bdnet.BDNet(in_channels=3, training=False)
    # the pair's pyramid, and the backbone levels as the backbone's output
    net.coarse_pyramid_detection = original
    net.backbone = FixedBackbone()
    net.train()
    model.train()
    # AFSD's augment_ segments (frames = frame-level positions here): the two
    # parts of a split action and the inserted background.
    proposals = torch.tensor([[40., 97.], [113., 170.], [98., 112.]])
    anchor, positive, negative = net(None, proposals=[proposals], ssl=True)
    feats = model.boundary_feats((mixed_4f, mixed_5c))
    triplet = model.loss_boundary_contrast
    ours = triplet.triplets(feats, proposals[None])
    record = {}
    for i in range(3):
        parts = zip(('anchor', 'positive', 'negative'),
                    (ours[0][i], ours[1][i], ours[2][i]),
                    (anchor[i], positive[i], negative[i]))
        for name, actual, expected in parts:
            assert_same(f'{name}[{i}]', actual, expected, record)
    # train.py: sum of TripletMarginLoss()(a, p, n) * [1, 0.1, 0.1], times
    # --ssl 0.1
    weights = [1, 0.1, 0.1]
    expected_loss = torch.stack([
        torch.nn.TripletMarginLoss()(anchor[i], positive[i], negative[i]) *
        weights[i] for i in range(3)
    ]).sum(0) * 0.1
    loss = triplet(feats, proposals[None])
    assert_same('loss_triplet', loss, expected_loss, record)
    assert loss > 0
    print('\nssl=True parity (max abs, max rel):')
    for name, (abs_diff, rel_diff) in record.items():
        print(f'  {name}: {abs_diff:.3g} {rel_diff:.3g}')


def test_boundary_pooling_forward_matches_kernel(afsd_reference):
    """The forward of AFSD's CUDA kernel (the fixture's stand-in,
    ``boundary_max_pooling_kernel.cu``'s loop) on fractional, reversed and
    out-of-range bounds."""
    afsd_reference.module('thumos14.BDNet')
    import boundary_max_pooling_cuda as kernel
    generator = torch.Generator().manual_seed(4)
    x = torch.randn(2, 8, 37, generator=generator)
    segments = torch.rand(2, 11, 4, generator=generator) * 50 - 6
    torch.testing.assert_close(
        boundary_max_pooling(x, segments),
        kernel.forward(x, segments),
        rtol=0,
        atol=0)


def test_boundary_pooling_backward_departs_from_kernel_by_design(
        afsd_reference):
    """The kernel's backward indexes the input with ``tscale =
    grad_output.size(2)``, the number of segments, where its forward uses
    the input's length. With as many segments as positions (AFSD's pooling
    of a pyramid level) the two agree and mmgaf's gradient equals the
    kernel's; otherwise (the frame-level map, the ssl pass) the kernel
    sends gradients to wrong positions, and mmgaf keeps the true gradient
    of its forward."""
    afsd_reference.module('thumos14.BDNet')
    import boundary_max_pooling_cuda as kernel
    generator = torch.Generator().manual_seed(5)
    for length, num in ((16, 16), (32, 7)):
        x = torch.randn(1, 4, length, generator=generator, requires_grad=True)
        segments = torch.rand(1, num, 4, generator=generator) * length
        segments = segments.sort(-1).values
        grad_out = torch.randn(1, 4, num, generator=generator)
        grad, = torch.autograd.grad(
            boundary_max_pooling(x, segments), x, grad_out)
        kernel_grad = kernel.backward(grad_out, x.detach(), segments)
        if length == num:
            torch.testing.assert_close(grad, kernel_grad)
        else:
            assert not torch.allclose(grad, kernel_grad)
            # mmgaf's is the gradient of its forward: the total reaching x
            # is the total given, all at positions inside the regions.
            torch.testing.assert_close(grad.sum(), grad_out.sum())


ANET_CONFIG = osp.join('configs', 'afsd', 'afsd_activitynet_i3d-e2e.py')
ANET_FRAMES = 768


def test_activitynet_forward_matches_every_key(afsd_reference, repo_root):
    """``AFSD/anet/BDNet.py``'s CoarsePyramid (Mixed_5c alone, 768 frames,
    distances times fpn_strides, 2 class channels) against mmgaf's
    ActivityNet config, weights through the converter's 'activitynet'
    layout."""
    anet = afsd_reference.module('anet.BDNet')
    torch.manual_seed(0)
    original = anet.CoarsePyramid(frame_num=ANET_FRAMES)
    perturb_(original, seed=6)
    original.eval()
    cfg = Config.fromfile(osp.join(repo_root, ANET_CONFIG))
    model = MODELS.build(cfg.model)
    state = {
        f'coarse_pyramid_detection.{key}': value
        for key, value in original.state_dict().items()
    }
    converted = afsd_to_mmgaf(state)
    missing, unexpected = model.load_state_dict(converted, strict=False)
    assert not unexpected
    assert missing and all(key.startswith('backbone.') for key in missing)
    model.eval()
    generator = torch.Generator().manual_seed(7)
    mixed_5c = torch.randn(1, 1024, 96, 3, 3, generator=generator).relu()
    with torch.no_grad():
        (loc, conf, prop_loc, prop_conf, center, priors, start, end,
         start_loc_prop, end_loc_prop, start_conf_prop,
         end_conf_prop) = original(dict(Mixed_5c=mixed_5c))
        out = model.forward_feats(mixed_5c)
    half = out['frame_feat'].size(1) // 2
    loc_boundary, cls_boundary = out['proposal_feats']
    prop_half = loc_boundary.size(1) // 2
    record = {}
    for name, actual, expected in (
        ('loc', out['loc'], loc),
        ('conf', out['cls'], conf),
            # AFSD/anet's priors carry their level in a second column
        ('priors', out['priors'][None, :, None] / ANET_FRAMES, priors[..., :1]
         ),
        ('prop_loc', out['prop_loc'], prop_loc),
        ('prop_conf', out['prop_cls'], prop_conf),
        ('center', out['centerness'][..., None], center),
        ('start', out['frame_feat'][:, :half].transpose(1, 2), start),
        ('end', out['frame_feat'][:, half:].transpose(1, 2), end),
        ('start_loc_prop', loc_boundary[:, :prop_half].transpose(1, 2),
         start_loc_prop),
        ('end_loc_prop', loc_boundary[:,
                                      prop_half:].transpose(1,
                                                            2), end_loc_prop),
        ('start_conf_prop', cls_boundary[:, :prop_half].transpose(1, 2),
         start_conf_prop),
        ('end_conf_prop', cls_boundary[:, prop_half:].transpose(1, 2),
         end_conf_prop)):
        assert_same(name, actual, expected, record)
    assert conf.shape[-1] == 2
    print('\nActivityNet CoarsePyramid parity (max abs, max rel):')
    for name, (abs_diff, rel_diff) in record.items():
        print(f'  {name}: {abs_diff:.3g} {rel_diff:.3g}')
