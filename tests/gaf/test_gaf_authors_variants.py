"""The switches that reproduce the authors' code: per-channel-and-step
attention, the CVAE's GroupNorm + ReLU layers with latent = channels, the
background loss summed over all priors, and the background pass training
the detector."""
import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.structures import InstanceData

from mmgaf.models.gaf import ChannelTimeAttention, ConditionalVAE
from mmgaf.models.gaf.temporal_projection import broadcast_over
from mmgaf.models.losses import BACKGROUND_LABEL, ActionBackgroundLoss
from mmgaf.models.necks import GAFNeck, weighted_map
from mmgaf.registry import MODELS
from mmgaf.structures import TADDataSample
from tests.gaf.eq11 import weighted_temporal_mean


def channel_time_neck(latent_channels=32, **kwargs):
    torch.manual_seed(0)
    neck = GAFNeck(
        in_channels=32,
        attention=dict(
            type='ChannelTimeAttention', num_steps=10, hidden_channels=32),
        cvae=dict(
            type='ConditionalVAE',
            hidden_channels=32,
            latent_channels=latent_channels),
        **kwargs)
    neck.init_weights()
    return neck


# ---------------------------------------------------------------- attention


def test_channel_time_attention_is_one_probability_per_channel_and_step():
    torch.manual_seed(0)
    head = ChannelTimeAttention(32, num_steps=12, hidden_channels=32)
    head.init_weights()
    x = torch.randn(2, 32, 12)
    # it starts near 0.5 everywhere: the foreground map near the identity
    torch.testing.assert_close(
        head(x), torch.full((2, 32, 12), 0.5), atol=0.05, rtol=0)
    with torch.no_grad():
        torch.nn.init.normal_(head.time_mixing.weight)
    attention = head(x)
    assert attention.shape == (2, 32, 12)
    assert attention.min() >= 0 and attention.max() <= 1
    # channels get different weights at the same step
    assert attention.std(dim=1).min() > 0
    spatial = ChannelTimeAttention(
        32, num_steps=12, hidden_channels=32, spatial_size=(3, 3))
    assert spatial(torch.randn(2, 32, 12, 3, 3)).shape == (2, 32, 12)


def test_channel_time_attention_mixes_the_whole_window():
    torch.manual_seed(0)
    head = ChannelTimeAttention(32, num_steps=12, hidden_channels=32)
    x = torch.randn(1, 32, 12)
    hidden = head.temporal_conv(head.reduction(x))
    # the linear map over time: identity -> elementwise sigmoid of the
    # hidden map; a reversal of time -> the same weights, reversed
    with torch.no_grad():
        head.time_mixing.weight.copy_(torch.eye(12))
        head.time_mixing.bias.zero_()
    torch.testing.assert_close(head(x), hidden.sigmoid())
    with torch.no_grad():
        head.time_mixing.weight.copy_(torch.eye(12).flip(0))
    torch.testing.assert_close(head(x), hidden.flip(-1).sigmoid())


def test_channel_time_attention_rejects_another_window_length():
    head = ChannelTimeAttention(32, num_steps=12, hidden_channels=32)
    with pytest.raises(ValueError, match='num_steps=12'):
        head(torch.randn(1, 32, 10))
    with pytest.raises(ValueError, match='num_steps'):
        ChannelTimeAttention(32, num_steps=0)


def test_per_channel_eq11_by_hand():
    # two channels, four steps; channel 0 attends steps 0 and 2, channel 1
    # step 3 only
    x = torch.tensor([[[1., 2., 3., 4.], [10., 20., 30., 40.]]])
    weights = torch.tensor([[[1., 0., 1., 0.], [0., 0., 0., 1.]]])
    pooled = weighted_temporal_mean(x, weights)
    assert pooled.flatten().tolist() == pytest.approx([2., 40.])
    # each channel is normalised by its own temporal mean: 1/2 and 1/4
    dense = weighted_map(x, weights)
    assert dense[0, 0].tolist() == pytest.approx([2., 0., 6., 0.])
    assert dense[0, 1].tolist() == pytest.approx([0., 0., 0., 160.])
    torch.testing.assert_close(dense.mean(-1), pooled)
    # a weight shared by all channels is the per-step form
    shared = torch.rand(2, 5)
    feats = torch.randn(2, 3, 5, 2, 2)
    torch.testing.assert_close(
        weighted_map(feats,
                     shared.unsqueeze(1).expand(-1, 3, -1)),
        weighted_map(feats, shared))


def test_weights_that_do_not_fit_the_channels_are_rejected():
    with pytest.raises(ValueError, match=r'\(B, 4, T\)'):
        broadcast_over(torch.rand(2, 3, 5), torch.randn(2, 4, 5))


def test_neck_with_channel_time_attention():
    neck = channel_time_neck()
    neck.train()
    x = torch.randn(2, 32, 10)
    out = neck.attend(x)[0]
    assert out.weights.shape == (2, 32, 10)
    # the per-step attention is the channels' mean: the step's actionness
    torch.testing.assert_close(out.attention, out.weights.mean(1))
    torch.testing.assert_close(out.foreground, weighted_map(x, out.weights))
    torch.testing.assert_close(out.background,
                               weighted_map(x, 1. - out.weights))
    cvae = neck.cvaes[0]
    assert cvae.condition_channels == 32
    # the prior's mean is λ itself, one mean per latent channel
    torch.testing.assert_close(cvae.prior_mean(out.weights), out.weights)
    neck.set_phase('segment')
    losses = neck.generative_losses(x, neck.attend(x))
    losses['loss_recon'].backward()
    assert neck.attention_heads[0].time_mixing.weight.grad.abs().sum() > 0
    assert all(p.grad is None for p in cvae.parameters())


def test_per_channel_attention_needs_latent_equal_to_channels():
    with pytest.raises(ValueError, match='latent_channels=8'):
        channel_time_neck(latent_channels=8)
    cvae = ConditionalVAE(32, hidden_channels=32, latent_channels=8)
    with pytest.raises(ValueError, match='condition_channels=1'):
        cvae.prior_mean(torch.rand(2, 8, 5))


# -------------------------------------------------------------------- CVAE


def test_authors_cvae_layers_by_hand():
    torch.manual_seed(0)
    cvae = ConditionalVAE(
        64,
        hidden_channels=64,
        latent_channels=64,
        condition_channels=64,
        norm_cfg=dict(type='GN', num_groups=32),
        act_cfg=dict(type='ReLU'))
    x = torch.randn(2, 64, 7)
    attention = torch.rand(2, 64, 7)
    # θ: convolution, GroupNorm(32), ReLU
    conv, (norm, _) = cvae.reduction.conv, cvae.reduction.post
    expected = F.relu(
        F.group_norm(conv(x), 32, norm.weight, norm.bias, norm.eps))
    torch.testing.assert_close(cvae.reduction(x), expected)
    # θ' ends the decoder the same way: the reconstruction is non-negative,
    # every group normalised before the ReLU
    expansion = cvae.decoder.expansion
    hidden = torch.randn(2, 64, 7)
    pre = expansion.conv(hidden)
    torch.testing.assert_close(
        expansion(hidden),
        F.relu(
            F.group_norm(pre, 32, expansion.post[0].weight,
                         expansion.post[0].bias)))
    out = cvae(x, attention)
    assert out.mean.shape == (2, 64, 7)
    assert (out.reconstruction >= 0).all()
    torch.testing.assert_close(out.prior_mean, attention)


def test_default_cvae_keeps_plain_projections():
    cvae = ConditionalVAE(16, hidden_channels=32, latent_channels=8)
    assert not any('post' in key for key in cvae.state_dict())
    x = torch.randn(1, 16, 5)
    torch.testing.assert_close(cvae.reduction(x), cvae.reduction.conv(x))


# -------------------------------------------------------- background loss


def afsd_samples(num=2, steps=128):
    samples = []
    for _ in range(num):
        sample = TADDataSample(
            metainfo=dict(window_size=steps, valid_len=steps))
        sample.gt_instances = InstanceData(
            segments=torch.tensor([[10., 30.], [60., 75.]]),
            labels=torch.tensor([3, 7]))
        samples.append(sample)
    return samples


def sigmoid_focal_sum_to_background(logits, gamma=2., alpha=0.25):
    """Σ over every prior and class of the sigmoid focal loss with target 0
    (MMDetection's FocalLoss, as configs/_base_/models/afsd.py)."""
    p = logits.sigmoid()
    return ((1 - alpha) * p.pow(gamma) * -torch.log1p(-p)).sum()


def test_background_sum_is_the_authors_normalisation(gaf_afsd_per_step):
    model = gaf_afsd_per_step
    model.train()
    torch.manual_seed(1)
    background = torch.randn(2, 256, 128)
    samples = afsd_samples()

    def detector_loss(feats, targets, frozen=False):
        return model.loss_by_feat(feats, targets, frozen=frozen)

    with torch.no_grad():
        logits = model.forward_feats(background)['cls']
        total = sigmoid_focal_sum_to_background(logits)
        summed = ActionBackgroundLoss(
            action_weight=0.,
            background_loss_keys=('loss_cls', 'loss_loc'),
            background_reduction='sum')(detector_loss, background, background,
                                        samples)
        averaged = ActionBackgroundLoss(
            action_weight=0.,
            background_loss_keys=('loss_cls', ))(detector_loss, background,
                                                 background, samples)
        # the positions the default mode averages over: those of the
        # background intervals, on every level
        interval_samples = ActionBackgroundLoss().background_samples(samples)
        segments, labels = model._targets(interval_samples)
        targets = model.loss_module.get_targets(
            model.forward_feats(background)['priors'], segments, labels)
        num_interval = (targets.labels == BACKGROUND_LABEL).sum().item()
    assert num_interval > 100
    # 35 x the sum over all priors of the batch, no positive to divide by;
    # no localisation target either
    torch.testing.assert_close(
        summed['bg_loss_cls'], 35. * total, rtol=1e-5, atol=0)
    assert summed['bg_loss_loc'].item() == 0.
    torch.testing.assert_close(
        averaged['bg_loss_cls'], 35. * total / num_interval, rtol=1e-5, atol=0)


def test_background_reduction_is_validated():
    with pytest.raises(ValueError, match='background_reduction'):
        ActionBackgroundLoss(background_reduction='mean')


def test_background_pass_trains_the_detector_when_asked(gaf_afsd_per_step):
    model = gaf_afsd_per_step
    model.train()
    model.neck.set_phase('segment')
    model.neck.loss_detection.background_trains_detector = True
    try:
        model.zero_grad()
        torch.manual_seed(2)
        losses = model(torch.randn(2, 256, 128), afsd_samples(), mode='loss')
        losses['bg_loss_cls'].backward()
    finally:
        model.neck.loss_detection.background_trains_detector = False
    # the authors' way: detector and attention both learn from L_n-ai
    conf_head = [
        p for name, p in model.coarse_head.named_parameters()
        if p.requires_grad
    ]
    assert any(p.grad is not None and p.grad.abs().sum() > 0
               for p in conf_head)
    head = model.neck.attention_heads[0]
    assert head.attention_logit.weight.grad.abs().sum() > 0


def test_the_default_switches(repo_root):
    cfg = Config.fromfile(
        osp.join(repo_root, 'configs', 'gaf', 'afsd_gaf_synthetic.py'))
    neck = cfg.model.neck
    assert neck.attention == dict(
        type='ChannelTimeAttention', num_steps=128, hidden_channels=128)
    assert (neck.cvae.hidden_channels, neck.cvae.latent_channels) == (256, 256)
    assert neck.cvae.norm_cfg == dict(type='GN', num_groups=32)
    assert neck.cvae.act_cfg == dict(type='ReLU')
    # L_n-ai trains λ only, averaged over the background intervals
    assert not neck.loss_detection.get('background_trains_detector', False)
    assert neck.loss_detection.get('background_reduction',
                                   'interval_mean') == 'interval_mean'
    # on AFSD as its authors wrote it: softmax over K + 1, the triplet loss
    assert cfg.model.loss.loss_cls.type == 'AFSDSoftmaxFocalLoss'
    assert cfg.model.loss_boundary_contrast.type == 'AFSDTripletLoss'
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.train()
    inputs = torch.randn(2, 256, 128)
    model.neck.set_phase('frame')
    frame = model(inputs, afsd_samples(), mode='loss')
    assert set(frame) == {'loss_cvae_rec', 'loss_cvae_kl'}
    model.neck.set_phase('segment')
    segment = model(inputs, afsd_samples(), mode='loss')
    assert {'loss_cls', 'bg_loss_cls', 'bg_loss_loc', 'loss_recon'} <= \
        set(segment)
    assert all(
        torch.isfinite(v).all() for v in segment.values()
        if isinstance(v, torch.Tensor))
    model.eval()
    with torch.no_grad():
        weights = model.neck.attend(inputs)[0].weights
        raw = model(inputs, afsd_samples(), mode='tensor')
        direct = model.forward_feats(weighted_map(inputs, weights))
    assert weights.shape == (2, 256, 128)
    torch.testing.assert_close(raw['cls'], direct['cls'])
