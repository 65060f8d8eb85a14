"""GAF inside AFSD: the hand-over of the loss, the frozen background pass,
and the phases on the real localizer."""
import torch
from mmengine.structures import InstanceData

from mmgaf.structures import TADDataSample


def batch(num=2, steps=128, channels=256):
    generator = torch.Generator().manual_seed(0)
    inputs = torch.randn(num, channels, steps, generator=generator)
    samples = []
    for _ in range(num):
        sample = TADDataSample(
            metainfo=dict(window_size=steps, valid_len=steps))
        sample.gt_instances = InstanceData(
            segments=torch.tensor([[10., 30.], [60., 75.]]),
            labels=torch.tensor([3, 7]))
        samples.append(sample)
    return inputs, samples


def detector_params(model):
    return [
        p for module in (model.pyramid, model.coarse_head, model.refine_head)
        for p in module.parameters()
    ]


def test_frozen_detector_loss_reaches_only_the_features(gaf_afsd):
    model = gaf_afsd
    model.train()
    inputs, samples = batch()
    features = inputs.clone().requires_grad_()
    model.zero_grad()
    losses = model.loss_by_feat(features, samples, frozen=True)
    sum(losses.values()).backward()
    assert features.grad is not None and features.grad.abs().sum() > 0
    assert all(p.grad is None for p in detector_params(model))
    # the flags are back: the next, unfrozen pass trains the detector
    assert all(p.requires_grad for p in detector_params(model))
    sum(model.loss_by_feat(inputs, samples).values()).backward()
    assert all(
        p.grad is not None for p in detector_params(model) if p.requires_grad)


def test_phases_on_the_localizer(gaf_afsd_per_step):
    model = gaf_afsd_per_step
    model.train()
    inputs, samples = batch()
    model.neck.set_phase('frame')
    assert set(model(inputs, samples,
                     mode='loss')) == {'loss_cvae_rec', 'loss_cvae_kl'}
    model.neck.set_phase('segment')
    model.zero_grad()
    losses = model(inputs, samples, mode='loss')
    assert {
        'loss_cls', 'loss_loc', 'loss_prop_cls', 'bg_loss_cls', 'bg_loss_loc',
        'loss_recon'
    } <= set(losses)
    assert not any(key.startswith('loss_cvae') for key in losses)
    # only the background classification: its gradient reaches the
    # attention head, not the detector
    losses['bg_loss_cls'].backward()
    head = model.neck.attention_heads[0]
    assert head.attention_logit.weight.grad.abs().sum() > 0
    assert all(p.grad is None for p in detector_params(model))
    assert all(p.grad is None for p in model.neck.cvaes.parameters())


def test_prediction_uses_the_foreground(gaf_afsd):
    model = gaf_afsd
    model.eval()
    inputs, samples = batch(1)
    with torch.no_grad():
        results = model(inputs, samples, mode='predict')
        # (B, C, T): one weight per channel and step, each channel
        # normalised over time
        weights = model.neck.attend(inputs)[0].weights
        raw_gaf = model(inputs, samples, mode='tensor')
        raw_direct = model.forward_feats(
            inputs * (weights / weights.mean(-1, keepdim=True)))
    assert torch.allclose(raw_gaf['cls'], raw_direct['cls'], atol=1e-5)
    # untrained, no score passes AFSD's 0.01 threshold; the structure holds
    pred = results[0].pred_instances
    assert pred.segments.shape == (len(pred.scores), 2)
