import math

import pytest
import torch
import torch.nn.functional as F
from mmengine.structures import InstanceData

from mmgaf.models.heads import (AFSDCoarseHead, AFSDPostProcessor, AFSDPyramid,
                                AFSDRefineHead, boundary_regions)
from mmgaf.structures import TADDataSample


def test_pyramid_on_features():
    pyramid = AFSDPyramid(in_channels=24, feat_channels=32, num_levels=6)
    pyramid.init_weights()
    x = torch.randn(2, 24, 64, requires_grad=True)
    levels, frame_feat = pyramid(x)
    assert [tuple(level.shape)
            for level in levels] == [(2, 32, 64), (2, 32, 32), (2, 32, 16),
                                     (2, 32, 8), (2, 32, 4), (2, 32, 2)]
    assert frame_feat.shape == (2, 32, 256)
    assert pyramid.frames_per_step == 4
    # Level 1 is a stride-2 convolution of the projected features, and is
    # added back into level 0 (upsampled), as AFSD adds Mixed_5c into
    # Mixed_4f.
    projected = pyramid.input_convs[0](x)
    torch.testing.assert_close(levels[1], pyramid.input_convs[1](projected))
    torch.testing.assert_close(
        levels[0], projected + levels[1].repeat_interleave(2, dim=2))
    grad, = torch.autograd.grad(frame_feat.sum(), x)
    assert grad.abs().sum() > 0
    # ReLU outputs: the boundary loss reads tanh of them as probabilities.
    assert frame_feat.min() >= 0


def test_pyramid_on_backbone_levels():
    # 64 channels: GroupNorm(32) needs more than one value per group on the
    # last, single-position level.
    pyramid = AFSDPyramid(
        in_channels=(12, 20),
        feat_channels=64,
        spatial_sizes=(6, 3),
        input_stride=4)
    mixed_4f = torch.randn(1, 12, 16, 6, 6)
    mixed_5c = torch.randn(1, 20, 8, 3, 3)
    levels, frame_feat = pyramid((mixed_4f, mixed_5c))
    assert [level.shape[-1] for level in levels] == [16, 8, 4, 2, 1, 1]
    assert frame_feat.shape == (1, 64, 64)
    # 16 Mixed_4f positions cover 64 frames: the frame grid is the frames.
    assert pyramid.frames_per_step == 1
    with pytest.raises(ValueError, match='spatial size'):
        pyramid((torch.randn(1, 12, 16, 7, 7), mixed_5c))
    with pytest.raises(ValueError, match='2 backbone level'):
        pyramid(torch.randn(1, 12, 16))


def test_pyramid_rejects_wrong_input_kind():
    with pytest.raises(ValueError, match='features'):
        AFSDPyramid(
            in_channels=8, feat_channels=32)((torch.randn(1, 8, 4, 2, 2), ))
    with pytest.raises(ValueError, match='one or two numbers'):
        AFSDPyramid(in_channels=(1, 2, 3))


def test_init_follows_afsd():
    pyramid = AFSDPyramid(in_channels=64, feat_channels=64)
    coarse = AFSDCoarseHead(num_classes=5, in_channels=64, feat_channels=64)
    refine = AFSDRefineHead(
        num_classes=5, in_channels=64, proposal_channels=64, frame_channels=64)
    for module in (pyramid, coarse, refine):
        module.init_weights()
    # glorot uniform: U(-a, a), a = sqrt(6 / (fan_in + fan_out)), zero bias
    for conv in (pyramid.input_convs[1].conv, pyramid.frame_convs[0].conv,
                 coarse.cls_tower[1].conv, refine.loc_branch.fuse_conv.conv):
        fan = (conv.weight.shape[0] + conv.weight.shape[1]) * \
            conv.weight.shape[2]
        bound = math.sqrt(6. / fan)
        assert bound * 0.9 < conv.weight.abs().max() <= bound
        assert conv.bias.abs().max() == 0
    # prediction convolutions: normal(0, 0.01)
    for conv in (coarse.conv_loc, coarse.conv_cls, refine.conv_loc,
                 refine.conv_centerness, refine.conv_cls):
        assert abs(conv.weight.std().item() - 0.01) < 0.003
    for conv in (coarse.conv_loc, refine.conv_loc, refine.conv_centerness):
        assert conv.bias.abs().max() == 0
    # sigmoid classifiers start at probability 0.01
    for conv in (coarse.conv_cls, refine.conv_cls):
        torch.testing.assert_close(conv.bias, torch.full((5, ),
                                                         -math.log(99.)))


def test_coarse_head_outputs_and_priors():
    head = AFSDCoarseHead(
        num_classes=4, in_channels=32, feat_channels=32, num_levels=3)
    levels = [torch.randn(2, 32, t) for t in (8, 4, 2)]
    cls, loc, loc_feats, cls_feats = head(levels)
    assert cls.shape == (2, 14, 4) and loc.shape == (2, 14, 2)
    assert (loc > 0).all()
    assert [f.shape[-1] for f in loc_feats + cls_feats] == [8, 4, 2] * 2
    priors = head.get_priors([8, 4, 2], 32, torch.device('cpu'))
    torch.testing.assert_close(
        priors,
        torch.tensor(
            [2., 6., 10., 14., 18., 22., 26., 30., 4., 12., 20., 28., 8.,
             24.]))
    with pytest.raises(ValueError, match='3 levels'):
        head(levels[:2])


def test_boundary_regions_as_afsd():
    # Length 20: inner max(20/4, 1) = 5, outer max(20/10, 1) = 2.
    regions = boundary_regions(
        torch.tensor([10.]), torch.tensor([30.]), torch.tensor([20.]))
    assert regions.tolist() == [[8., 15., 25., 32.]]
    # Short segments get regions of at least one position each way.
    regions = boundary_regions(
        torch.tensor([3.2]), torch.tensor([4.]), torch.tensor([0.8]))
    assert regions.tolist() == [[2., 4., 3., 5.]]


def test_refine_head_regions_and_outputs():
    sizes, frame_num = (8, 4), 32
    loc = torch.tensor([[[4., 8.]] * 12])
    priors = AFSDCoarseHead.get_priors(sizes, frame_num, torch.device('cpu'))
    level_regions, frame_regions = AFSDRefineHead.regions(
        loc, priors, sizes, frame_num)
    # Level 0 position 2 (frame centre 10): distances 1 and 2 positions,
    # length 3 -> inner 1, outer 1: [1 - 1, 1 + 1, 4 - 1, 4 + 1].
    assert level_regions[0][0, 2].tolist() == [0., 2., 3., 5.]
    # Frame grid: segment [6, 18], length 13 -> inner 3.25, outer 1.3.
    assert frame_regions[0, 2].tolist() == [5., 9., 15., 19.]

    head = AFSDRefineHead(
        num_classes=3, in_channels=32, proposal_channels=32, frame_channels=32)
    frame_feat = torch.rand(1, 32, frame_num)
    loc_feats = [torch.randn(1, 32, t) for t in sizes]
    cls_feats = [torch.randn(1, 32, t) for t in sizes]
    loc = loc.requires_grad_()
    prop_cls, prop_loc, centerness, proposal_feats = head(
        frame_feat, loc_feats, cls_feats, loc, priors)
    assert prop_cls.shape == (1, 12, 3) and prop_loc.shape == (1, 12, 2)
    assert centerness.shape == (1, 12)
    assert [tuple(f.shape) for f in proposal_feats] == [(1, 64, 8)] * 2
    # The regions take no gradient, as in AFSD.
    grad, = torch.autograd.grad(
        prop_cls.sum() + prop_loc.sum() + centerness.sum(),
        loc,
        allow_unused=True)
    assert grad is None


def test_post_processor_decodes_scores_and_clamps():
    frames_per_step = 4.
    priors = torch.tensor([8., 24.])
    logit = torch.logit
    outputs = dict(
        loc=torch.tensor([[[4., 4.], [8., 40.]]]),
        prop_loc=torch.tensor([[[0.5, -0.5], [0., 0.]]]),
        cls=logit(torch.tensor([[[0.6, 0.001], [0.2, 0.4]]])),
        prop_cls=logit(torch.tensor([[[0.8, 0.001], [0.2, 0.2]]])),
        centerness=logit(torch.tensor([[0.5, 0.25]])),
        priors=priors,
        frame_feat=torch.zeros(1, 2, 32))
    sample = TADDataSample(
        metainfo=dict(video_name='v', window_size=8, valid_len=7))
    sample.gt_instances = InstanceData(
        segments=torch.zeros(0, 2), labels=torch.zeros(0, dtype=torch.long))
    post = AFSDPostProcessor(score_thr=0.04, max_per_window=2)
    result, = post(outputs, frames_per_step, [sample])
    pred = result.pred_instances
    # Position 0: distances 4 + 0.5 * 8 * (0.5, -0.5) = (6, 2) -> frames
    # [2, 10] -> steps [0.5, 2.5]; class 0 score (0.6 + 0.8) / 2 * 0.5.
    # Position 1: frames [16, 64] -> steps [4, 16] clamped to valid_len 7;
    # class 1 (0.4 + 0.2) / 2 * 0.25 = 0.075, class 0 0.05 is third.
    torch.testing.assert_close(pred.scores, torch.tensor([0.35, 0.075]))
    assert pred.labels.tolist() == [0, 1]
    torch.testing.assert_close(pred.segments,
                               torch.tensor([[0.5, 2.5], [4., 7.]]))
    assert result.video_name == 'v' and 'gt_instances' in result
    # Offsets that cross the ends over still give start <= end.
    crossed = AFSDPostProcessor.decode(
        torch.tensor([[[2., 2.]]]), torch.tensor([[[-3., 0.]]]),
        torch.tensor([10.]))
    assert crossed.tolist() == [[[12., 14.]]]


def test_tf_same_padding_of_the_stride_2_convolutions():
    """AFSD's Unit1D pads a stride-2, size-3 kernel (0, 1) on even lengths
    and (1, 1) on odd ones; 'symmetric' pads (1, 1) always."""
    from mmgaf.models.heads.afsd_pyramid import ConvModule1dTFSame
    same = AFSDPyramid(
        in_channels=8, feat_channels=32, num_levels=4, padding='tf_same')
    symmetric = AFSDPyramid(in_channels=8, feat_channels=32, num_levels=4)
    symmetric.load_state_dict(same.state_dict())
    assert isinstance(same.downsample_convs[0], ConvModule1dTFSame)
    conv = same.downsample_convs[0]
    for length, pad in ((16, (0, 1)), (15, (1, 1))):
        x = torch.randn(1, 32, length)
        expected = conv.activate(
            conv.gn(
                F.conv1d(
                    F.pad(x, pad), conv.conv.weight, conv.conv.bias,
                    stride=2)))
        torch.testing.assert_close(conv(x), expected)
        assert conv(x).shape[-1] == (length + 1) // 2
    # An impulse at input 2: the 'SAME' output 0 reads inputs 0..2 (it
    # sees it), the symmetric one reads inputs -1..1 (it does not).
    impulse = torch.zeros(1, 1, 8)
    impulse[..., 2] = 1.
    kernel = torch.ones(1, 1, 3)
    tf_same = ConvModule1dTFSame(
        1,
        1,
        3,
        stride=2,
        bias=False,
        conv_cfg=dict(type='Conv1d'),
        act_cfg=None)
    tf_same.conv.weight.data.copy_(kernel)
    assert tf_same(impulse).flatten().tolist() == [1., 1., 0., 0.]
    assert F.conv1d(
        impulse, kernel, stride=2,
        padding=1).flatten().tolist() == [0., 1., 0., 0.]
    # Features: every level is the same size, the values differ.
    x = torch.randn(1, 8, 64)
    levels_same, frame_same = same(x)
    levels_sym, frame_sym = symmetric(x)
    assert [lv.shape for lv in levels_same] == [lv.shape for lv in levels_sym]
    assert not torch.allclose(levels_same[2], levels_sym[2])
    with pytest.raises(ValueError, match='padding'):
        AFSDPyramid(in_channels=8, padding='same')
    with pytest.raises(ValueError, match='padding'):
        ConvModule1dTFSame(1, 1, 3, padding=1)


def test_background_class_adds_channel_zero():
    coarse = AFSDCoarseHead(
        num_classes=4,
        use_background_class=True,
        in_channels=32,
        feat_channels=32,
        num_levels=2)
    refine = AFSDRefineHead(
        num_classes=4,
        use_background_class=True,
        in_channels=32,
        proposal_channels=32,
        frame_channels=32)
    assert coarse.cls_out_channels == refine.cls_out_channels == 5
    levels = [torch.randn(1, 32, t) for t in (8, 4)]
    cls, loc, loc_feats, cls_feats = coarse(levels)
    assert cls.shape == (1, 12, 5)
    priors = coarse.get_priors((8, 4), 32, torch.device('cpu'))
    prop_cls, *_ = refine(
        torch.rand(1, 32, 32), loc_feats, cls_feats, loc, priors)
    assert prop_cls.shape == (1, 12, 5)
    assert AFSDCoarseHead(num_classes=4).cls_out_channels == 4
