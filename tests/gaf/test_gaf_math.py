"""The mathematics of GAF's parts: attention range, eq. 11, the KL term,
L_CVAE, background intervals, L_R's gradient path."""
import pytest
import torch
from torch.distributions import Normal, kl_divergence

from mmgaf.models.gaf import ConditionalVAE, SegmentAttention
from mmgaf.models.losses import (CVAELoss, ReconstructionLoss,
                                 background_intervals,
                                 gaussian_kl_to_unit_variance)
from mmgaf.models.necks import GAFNeck, weighted_map
from tests.gaf.eq11 import weighted_temporal_mean


def small_neck(**kwargs):
    cfg = dict(
        in_channels=16,
        attention=dict(type='SegmentAttention', hidden_channels=32),
        cvae=dict(
            type='ConditionalVAE', hidden_channels=32, latent_channels=8))
    cfg.update(kwargs)
    neck = GAFNeck(**cfg)
    neck.init_weights()
    return neck


@pytest.mark.parametrize('shape,spatial', [((2, 16, 12), None),
                                           ((2, 16, 12, 3, 3), (3, 3))])
def test_attention_is_a_probability_per_step(shape, spatial):
    torch.manual_seed(0)
    head = SegmentAttention(16, hidden_channels=32, spatial_size=spatial)
    head.init_weights()
    # large inputs and weights push the sigmoid to its ends
    with torch.no_grad():
        for param in head.parameters():
            param.mul_(50)
    attention = head(100 * torch.randn(shape))
    assert attention.shape == (2, 12)
    assert attention.min() >= 0 and attention.max() <= 1
    assert (attention < 0.01).any() and (attention > 0.99).any()


def test_attention_rejects_wrong_spatial_size():
    head = SegmentAttention(16, hidden_channels=32, spatial_size=(3, 3))
    with pytest.raises(ValueError, match=r'spatial size \(3, 3\)'):
        head(torch.randn(1, 16, 4, 6, 6))


def test_eq11_on_a_hand_example():
    # one channel, four steps, attention on steps 0 and 2 only
    x = torch.tensor([[[1., 2., 3., 4.]]])
    attention = torch.tensor([[1., 0., 1., 0.]])
    assert weighted_temporal_mean(x, attention).item() == pytest.approx(2.)
    assert weighted_temporal_mean(x, 1 - attention).item() == \
        pytest.approx(3.)
    # the per-step map: λ_t f_t / mean(λ) = [2, 0, 6, 0]; its mean is eq. 11
    dense = weighted_map(x, attention)
    assert dense.flatten().tolist() == pytest.approx([2., 0., 6., 0.])
    assert dense.mean().item() == pytest.approx(2.)
    # fractional weights: (0.5*1 + 0.25*2) / 0.75
    soft = torch.tensor([[0.5, 0.25, 0., 0.]])
    assert weighted_temporal_mean(x, soft).item() == pytest.approx(1. / .75)


def test_eq11_with_space_and_uniform_identity():
    x = torch.randn(2, 3, 5, 2, 2)
    uniform = torch.full((2, 5), 0.3)
    assert torch.allclose(weighted_map(x, uniform), x, atol=1e-6)
    pooled = weighted_temporal_mean(x, uniform)
    assert pooled.shape == (2, 3, 2, 2)
    assert torch.allclose(pooled, x.mean(dim=2), atol=1e-6)


def test_kl_matches_closed_form_of_torch_distributions():
    torch.manual_seed(1)
    mean, log_var, prior = torch.randn(3, 4, 6).unbind(0)
    ours = gaussian_kl_to_unit_variance(mean, log_var, prior)
    reference = kl_divergence(
        Normal(mean, torch.exp(0.5 * log_var)), Normal(prior, 1.))
    assert torch.allclose(ours, reference, atol=1e-5)
    assert (ours >= -1e-6).all()
    # equal distributions: zero divergence
    assert torch.allclose(
        gaussian_kl_to_unit_variance(prior, torch.zeros_like(prior), prior),
        torch.zeros_like(prior))


def test_cvae_loss_terms_by_hand():
    loss = CVAELoss(beta=0.1, loss_weight=2.)
    reconstruction = torch.tensor([1., 3.])
    target = torch.tensor([0., 0.])
    # KL of N(1, 1) to N(0, 1) is 0.5 per element
    mean = torch.ones(1, 2, 1)
    log_var = torch.zeros(1, 2, 1)
    prior = torch.zeros(1, 2, 1)
    rec, kl = loss(reconstruction, target, mean, log_var, prior)
    assert rec.item() == pytest.approx(2. * (1. + 9.) / 2)
    assert kl.item() == pytest.approx(2. * 0.1 * 0.5)


def test_reconstruction_loss_weight_scale():
    loss = ReconstructionLoss(loss_weight=0.5)
    value = loss(torch.ones(4), torch.zeros(4), weight_scale=0.25)
    assert value.item() == pytest.approx(0.5 * 0.25 * 1.)


@pytest.mark.parametrize('segments,length,min_length,expected', [
    ([], 10., 0., [[0., 10.]]),
    ([[2., 4.]], 10., 0., [[0., 2.], [4., 10.]]),
    ([[0., 4.], [6., 10.]], 10., 0., [[4., 6.]]),
    ([[5., 7.], [1., 3.], [2., 4.]], 10., 0., [[0., 1.], [4., 5.], [7., 10.]]),
    ([[1., 3.], [3., 5.]], 10., 0., [[0., 1.], [5., 10.]]),
    ([[1., 8.], [2., 3.]], 10., 0., [[0., 1.], [8., 10.]]),
    ([[-2., 3.], [9., 12.]], 10., 0., [[3., 9.]]),
    ([[0.5, 3.], [9., 10.]], 10., 1., [[3., 9.]]),
])
def test_background_intervals(segments, length, min_length, expected):
    result = background_intervals(
        torch.tensor(segments, dtype=torch.float32).reshape(-1, 2), length,
        min_length)
    assert result.tolist() == expected


def test_cvae_prior_and_deterministic_generation():
    torch.manual_seed(0)
    cvae = ConditionalVAE(16, hidden_channels=32, latent_channels=8)
    attention = torch.rand(2, 7)
    prior = cvae.prior_mean(attention)
    assert prior.shape == (2, 8, 7)
    assert torch.equal(prior[:, 3], attention)
    # without sampling, generation decodes the prior mean: deterministic
    first = cvae.generate(attention, sample=False)
    assert torch.equal(first, cvae.generate(attention, sample=False))
    assert torch.equal(first, cvae.decode(prior, attention))
    assert not torch.equal(first, cvae.generate(attention, sample=True))
    # encoder outputs match its reconstruction pass when not sampling
    x = torch.randn(2, 16, 7)
    out = cvae(x, attention, sample=False)
    assert torch.allclose(out.reconstruction, cvae.decode(out.mean, attention))


def test_reconstruction_loss_reaches_attention_not_the_decoder():
    torch.manual_seed(0)
    neck = small_neck()
    neck.train()
    neck.set_phase('segment')
    x = torch.randn(2, 16, 10)
    outputs = neck.attend(x)
    losses = neck.generative_losses(x, outputs)
    assert set(losses) == {'loss_recon'}
    losses['loss_recon'].backward()
    head_grads = [p.grad for p in neck.attention_heads.parameters()]
    assert all(g is not None for g in head_grads)
    assert sum(g.abs().sum() for g in head_grads) > 0
    assert all(p.grad is None for p in neck.cvaes.parameters())


def test_cvae_loss_trains_the_cvae_not_the_attention():
    torch.manual_seed(0)
    neck = small_neck()
    neck.train()
    neck.set_phase('frame')
    x = torch.randn(2, 16, 10)
    _, losses = neck(x)
    assert set(losses) == {'loss_cvae_rec', 'loss_cvae_kl'}
    sum(losses.values()).backward()
    assert all(p.grad is None for p in neck.attention_heads.parameters())
    assert all(p.grad is not None for p in neck.cvaes.parameters())


@pytest.mark.parametrize('phase,keys', [
    ('joint', {'loss_cvae_rec', 'loss_cvae_kl', 'loss_recon'}),
    ('frame', {'loss_cvae_rec', 'loss_cvae_kl'}),
    ('segment', {'loss_recon'}),
])
def test_phase_selects_losses(phase, keys):
    neck = small_neck()
    neck.train()
    neck.set_phase(phase)
    foreground, losses = neck(torch.randn(1, 16, 6))
    assert set(losses) == keys
    assert foreground.requires_grad == (phase != 'frame')


def test_switching_losses_off_removes_them():
    x = torch.randn(1, 16, 6)
    no_recon = small_neck(loss_recon=None)
    no_recon.train()
    assert set(no_recon(x)[1]) == {'loss_cvae_rec', 'loss_cvae_kl'}
    no_cvae_loss = small_neck(loss_cvae=None)
    no_cvae_loss.train()
    assert set(no_cvae_loss(x)[1]) == {'loss_recon'}
    attention_only = small_neck(cvae=None)
    attention_only.train()
    assert attention_only(x)[1] == {}
    assert attention_only.cvaes is None


def test_eval_returns_foreground_and_no_losses():
    neck = small_neck()
    neck.eval()
    x = torch.randn(2, 16, 6)
    foreground, losses = neck(x)
    assert losses == {}
    attention = neck.attend(x)[0].attention
    assert torch.allclose(foreground, weighted_map(x, attention))


def test_multi_level_structure_is_kept():
    neck = GAFNeck(
        in_channels=(16, 32),
        spatial_sizes=((6, 6), (3, 3)),
        attention=dict(type='SegmentAttention', hidden_channels=32),
        cvae=dict(
            type='ConditionalVAE', hidden_channels=32, latent_channels=8))
    neck.train()
    levels = (torch.randn(1, 16, 8, 6, 6), torch.randn(1, 32, 4, 3, 3))
    foreground, losses = neck(levels)
    assert isinstance(foreground, tuple)
    assert [f.shape for f in foreground] == [lv.shape for lv in levels]
    assert set(losses) == {'loss_cvae_rec', 'loss_cvae_kl', 'loss_recon'}
    with pytest.raises(ValueError, match='2 level'):
        neck(levels[:1])


def test_unknown_phase_is_rejected():
    with pytest.raises(ValueError, match='phase'):
        small_neck().set_phase('both')


def test_cvae_log_variance_is_bounded():
    cvae = ConditionalVAE(16, hidden_channels=32, latent_channels=8)
    # huge unnormalised features must not overflow exp(log_var)
    mean, log_var = cvae.encode(1e6 * torch.randn(2, 16, 5), torch.rand(2, 5))
    assert log_var.abs().max() <= ConditionalVAE.LOG_VAR_BOUND
    out = cvae(1e6 * torch.randn(2, 16, 5), torch.rand(2, 5))
    assert torch.isfinite(out.reconstruction).all()


def test_neck_contract_skips_the_background_map():
    torch.manual_seed(0)
    neck = small_neck()
    neck.eval()
    x = torch.randn(2, 16, 10)
    full = neck.attend(x)[0]
    light = neck.attend(x, with_background=False)[0]
    assert light.background is None
    torch.testing.assert_close(full.background,
                               weighted_map(x, 1. - full.attention))
    torch.testing.assert_close(light.foreground, full.foreground)
    foreground, aux_losses = neck(x)
    torch.testing.assert_close(foreground, full.foreground)
    assert aux_losses == {}


def test_joint_phase_decoder_learns_from_cvae_loss_only():
    x = torch.randn(2, 16, 10)

    def decoder_grads(keep_recon):
        torch.manual_seed(0)
        neck = small_neck()
        neck.train()
        neck.set_phase('joint')
        torch.manual_seed(1)
        _, losses = neck(x)
        total = losses['loss_cvae_rec'] + losses['loss_cvae_kl']
        if keep_recon:
            total = total + losses['loss_recon']
        total.backward()
        # the flags are back after L_R: the decoder is still trainable
        assert all(p.requires_grad for p in neck.parameters())
        return [p.grad.clone() for p in neck.cvaes[0].decoder.parameters()]

    with_recon, without_recon = decoder_grads(True), decoder_grads(False)
    assert any(g.abs().sum() > 0 for g in with_recon)
    for a, b in zip(with_recon, without_recon):
        torch.testing.assert_close(a, b)
