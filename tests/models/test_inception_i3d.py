"""InceptionI3d's architecture and TensorFlow semantics, without weights."""
import pytest
import torch
import torch.nn.functional as F
from torch.nn.modules.batchnorm import _BatchNorm

from mmgaf.models.backbones import InceptionI3d
from mmgaf.models.backbones.inception_i3d import STAGES
from mmgaf.models.backbones.tf_same_padding import (ConvModule3dTFSame,
                                                    MaxPool3dTFSame,
                                                    pad_tf_same,
                                                    tf_same_padding)
from mmgaf.registry import MODELS


@pytest.mark.parametrize(
    'in_size, kernel, stride, expected',
    [
        (224, 7, 2, (2, 3)),  # Conv3d_1a on 224 pixels: odd pixel after
        (79, 7, 2, (3, 3)),  # Conv3d_1a on DeepMind's 79-frame sample
        (64, 7, 2, (2, 3)),
        (112, 3, 2, (0, 1)),  # MaxPool3d_2a on an even size
        (113, 3, 2, (1, 1)),
        (7, 3, 1, (1, 1)),  # stride 1: symmetric, as PyTorch would pad
        (5, 1, 1, (0, 0)),
        (3, 2, 2, (0, 1)),  # MaxPool3d_5a on an odd size
        (4, 2, 2, (0, 0)),
        (1, 3, 2, (1, 1)),  # a single position keeps one output
    ])
def test_tf_same_padding_arithmetic(in_size, kernel, stride, expected):
    assert tf_same_padding(in_size, kernel, stride) == expected
    out_size = (in_size + sum(expected) - kernel) // stride + 1
    assert out_size == -(-in_size // stride)


def test_pad_tf_same_orders_dimensions():
    x = torch.zeros(1, 1, 79, 224, 113)
    padded = pad_tf_same(x, (7, 7, 3), (2, 2, 2))
    assert padded.shape == (1, 1, 79 + 6, 224 + 5, 113 + 2)
    assert pad_tf_same(x, (1, 1, 1), (1, 1, 1)) is x


def test_conv_puts_the_odd_padding_after():
    conv = ConvModule3dTFSame(
        1, 1, (1, 1, 3), (1, 1, 2), bias=False, norm_cfg=None, act_cfg=None)
    torch.nn.init.ones_(conv.conv.weight)
    x = torch.tensor([1., 2., 3., 4.]).view(1, 1, 1, 1, 4)
    # TF pads (0, 1): windows [1, 2, 3] and [3, 4, 0]. PyTorch's symmetric
    # padding=1 would give [0, 1, 2] and [2, 3, 4], i.e. 3 and 9.
    assert conv(x).flatten().tolist() == [6., 7.]


def test_conv_matches_explicit_tf_padding():
    torch.manual_seed(0)
    conv = ConvModule3dTFSame(
        3, 4, 7, 2, norm_cfg=dict(type='BN3d', eps=1e-3)).eval()
    x = torch.randn(1, 3, 9, 16, 15)
    # T: 9 -> 5 outputs, pad (3, 3); H: 16 -> 8, pad (2, 3); W: 15 -> 8,
    # pad (3, 3).
    reference = F.conv3d(
        F.pad(x, (3, 3, 2, 3, 3, 3)), conv.conv.weight, stride=2)
    bn = conv.bn
    reference = F.relu((reference - bn.running_mean.view(1, -1, 1, 1, 1)) /
                       torch.sqrt(bn.running_var.view(1, -1, 1, 1, 1) + 1e-3) +
                       bn.bias.view(1, -1, 1, 1, 1))
    torch.testing.assert_close(conv(x), reference)
    assert conv(x).shape == (1, 4, 5, 8, 8)


def test_conv_rejects_static_padding():
    with pytest.raises(ValueError, match='padding'):
        ConvModule3dTFSame(1, 1, 3, padding=1)


def test_max_pool_pads_with_minus_infinity():
    pool = MaxPool3dTFSame((1, 1, 3), (1, 1, 2))
    x = torch.tensor([-4., -3., -2., -1.]).view(1, 1, 1, 1, 4)
    # The window [-1, pad] must give -1; zero padding would give 0.
    assert pool(x).flatten().tolist() == [-2., -1.]
    same = MaxPool3dTFSame(3, 1)(x.expand(1, 1, 3, 3, 4).contiguous())
    assert same.shape == (1, 1, 3, 3, 4)
    assert same[0, 0, 1, 1].tolist() == [-3., -2., -1., -1.]


def test_afsd_endpoint_shapes():
    model = InceptionI3d().eval()
    with torch.no_grad():
        mixed_4f, mixed_5c = model(torch.randn(1, 3, 16, 96, 96))
    assert mixed_4f.shape == (1, 832, 4, 6, 6)
    assert mixed_5c.shape == (1, 1024, 2, 3, 3)
    # TF rounds every 'SAME' stride up.
    with torch.no_grad():
        mixed_4f, mixed_5c = model(torch.randn(1, 3, 17, 68, 70))
    assert mixed_4f.shape == (1, 832, 5, 5, 5)
    assert mixed_5c.shape == (1, 1024, 3, 3, 3)


def test_logits_endpoint():
    torch.manual_seed(0)
    backbone = InceptionI3d(out_endpoints=('Mixed_4f', 'Mixed_5c',
                                           'Logits')).eval()
    x = torch.randn(1, 3, 16, 224, 224)
    with torch.no_grad():
        mixed_4f, mixed_5c, logits = backbone(x)
    assert mixed_5c.shape == (1, 1024, 2, 7, 7)
    assert logits.shape == (1, 400)
    # DeepMind's head: (2, 7, 7) VALID average, 1x1x1 conv, mean over time.
    head = backbone.logits.conv
    expected = head(mixed_5c.mean(dim=(2, 3, 4), keepdim=True)).flatten(1)
    torch.testing.assert_close(logits, expected, rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match='at least 9 frames'):
        backbone(torch.randn(1, 3, 8, 224, 224))


def test_single_endpoint_and_partial_build():
    model = InceptionI3d(out_endpoints=('Mixed_3c', )).eval()
    assert not hasattr(model, 'mixed_4b')
    out = model(torch.randn(1, 3, 8, 32, 32))
    assert isinstance(out, torch.Tensor)
    assert out.shape == (1, 480, 4, 4, 4)


def test_flow_input_and_bad_inputs():
    model = MODELS.build(
        dict(
            type='InceptionI3d',
            in_channels=2,
            out_endpoints=('Conv3d_2c_3x3', )))
    assert model.conv3d_1a_7x7.conv.weight.shape == (64, 2, 7, 7, 7)
    assert model(torch.randn(1, 2, 4, 16, 16)).shape == (1, 192, 2, 4, 4)
    with pytest.raises(ValueError, match=r'\(B, 2, T, H, W\)'):
        model(torch.randn(1, 3, 4, 16, 16))
    with pytest.raises(ValueError, match='unknown endpoints'):
        InceptionI3d(out_endpoints=('Mixed_6a', ))
    with pytest.raises(ValueError, match='non-empty'):
        InceptionI3d(out_endpoints='Mixed_5c')
    with pytest.raises(ValueError, match='frozen_stages'):
        InceptionI3d(frozen_stages=4)


def test_batch_norm_is_tf_style():
    model = InceptionI3d(out_endpoints=('Mixed_3b', ))
    norms = [m for m in model.modules() if isinstance(m, _BatchNorm)]
    assert len(norms) == 3 + 6
    for norm in norms:
        assert norm.eps == 1e-3
        assert not norm.weight.requires_grad  # Sonnet's BN has no scale
        assert torch.equal(norm.weight, torch.ones_like(norm.weight))
        assert norm.bias.requires_grad


def test_frozen_stages_and_norm_eval():
    torch.manual_seed(0)
    model = InceptionI3d(frozen_stages=1, norm_eval=True)
    model.train()
    for index, stage in enumerate(STAGES):
        for name in stage:
            layer = getattr(model, name.lower())
            assert layer.training == (index > 1), name
            if name.startswith('MaxPool'):
                continue
            trainable = any(p.requires_grad for p in layer.parameters())
            assert trainable == (index > 1), name
    norms = [m for m in model.modules() if isinstance(m, _BatchNorm)]
    assert not any(m.training for m in norms)
    stats = [m.running_mean.clone() for m in norms]
    model(torch.randn(2, 3, 8, 32, 32))
    assert all(torch.equal(s, m.running_mean) for s, m in zip(stats, norms))

    # Without norm_eval the unfrozen BatchNorms update their statistics.
    model = InceptionI3d(frozen_stages=1).train()
    norm = model.mixed_4f.branch0_0a.bn
    frozen_norm = model.mixed_3b.branch0_0a.bn
    before, frozen_before = norm.running_mean.clone(), \
        frozen_norm.running_mean.clone()
    model(torch.randn(2, 3, 8, 32, 32))
    assert not torch.equal(before, norm.running_mean)
    assert torch.equal(frozen_before, frozen_norm.running_mean)
