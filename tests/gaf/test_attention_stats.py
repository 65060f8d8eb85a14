"""benchmarks/gaf_attention_stats.py: the ROC AUC the README's attention
analysis quotes, and the λ and frame-GAF diagnostics on a tiny model."""
import importlib.util
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData

from mmgaf.models.necks import GAFNeck
from mmgaf.structures import TADDataSample


@pytest.fixture(scope='module')
def stats_module(repo_root):
    path = osp.join(repo_root, 'benchmarks', 'gaf_attention_stats.py')
    spec = importlib.util.spec_from_file_location('gaf_attention_stats', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pairwise_auc(scores, positive):
    pos, neg = scores[positive], scores[~positive]
    wins = (pos[:, None] > neg[None, :]).sum()
    ties = (pos[:, None] == neg[None, :]).sum()
    return (wins + 0.5 * ties) / (len(pos) * len(neg))


def test_auc_extremes(stats_module):
    positive = np.array([True, True, False, False])
    assert stats_module.roc_auc(np.array([.9, .8, .2, .1]), positive) == 1
    assert stats_module.roc_auc(np.array([.1, .2, .8, .9]), positive) == 0
    assert stats_module.roc_auc(np.full(4, .5), positive) == 0.5


@pytest.mark.parametrize('seed', range(5))
def test_auc_matches_pairwise_count_with_ties(stats_module, seed):
    rng = np.random.default_rng(seed)
    scores = rng.integers(0, 6, 200) / 5  # many ties, as a saturated λ has
    positive = rng.random(200) < 0.3
    assert stats_module.roc_auc(scores, positive) == pytest.approx(
        pairwise_auc(scores, positive), abs=1e-12)


class StepIndicatorAttention(torch.nn.Module):
    """λ_t = sigmoid(5 (f_0,t - 0.5)): channel 0 of the test features is 1
    on action steps and 0 elsewhere."""
    attention_channels = 1

    def forward(self, x):
        return torch.sigmoid(5. * (x[:, 0] - 0.5))


class TinyGAFModel(torch.nn.Module):
    """What the diagnostics read from a localizer: a data preprocessor,
    extract_feat and a GAF neck."""

    def __init__(self, neck):
        super().__init__()
        self.neck = neck

    @staticmethod
    def data_preprocessor(data, training):
        return dict(
            inputs=torch.stack(data['inputs']),
            data_samples=data['data_samples'])

    @staticmethod
    def extract_feat(inputs):
        return inputs


def tiny_window(segments, valid_len, window=12, channels=4, seed=0):
    generator = torch.Generator().manual_seed(seed)
    inputs = torch.zeros(channels, window)
    inputs[1:, :valid_len] = torch.randn(
        channels - 1, valid_len, generator=generator)
    for start, end in segments:
        inputs[0, start:end] = 1.
    sample = TADDataSample(
        metainfo=dict(window_size=window, valid_len=valid_len))
    sample.gt_instances = InstanceData(
        segments=torch.tensor(segments, dtype=torch.float32).reshape(-1, 2),
        labels=torch.zeros(len(segments), dtype=torch.long))
    return dict(inputs=inputs, data_samples=sample)


@pytest.fixture
def tiny_model_and_data():
    torch.manual_seed(0)
    neck = GAFNeck(
        in_channels=4,
        attention=dict(type='SegmentAttention', hidden_channels=32),
        cvae=dict(type='ConditionalVAE', hidden_channels=8, latent_channels=3))
    neck.init_weights()
    neck.attention_heads[0] = StepIndicatorAttention()
    # the second window is padded after step 9: those steps do not count
    dataset = [tiny_window([(2, 5)], 12), tiny_window([(6, 8)], 9, seed=1)]
    return TinyGAFModel(neck).eval(), dataset


def test_attention_statistics_on_a_known_attention(stats_module,
                                                   tiny_model_and_data):
    model, dataset = tiny_model_and_data
    stats = stats_module.attention_stats(model, dataset)
    high, low = torch.sigmoid(torch.tensor(2.5)).item(), \
        torch.sigmoid(torch.tensor(-2.5)).item()
    assert stats['action'] == pytest.approx(high, abs=1e-6)
    assert stats['background'] == pytest.approx(low, abs=1e-6)
    assert stats['action_std'] == pytest.approx(0., abs=1e-6)
    assert stats['auc'] == 1.
    # 5 action steps of 21 valid ones are above 0.9
    assert stats['saturated'] == pytest.approx(5 / 21)


def test_cvae_diagnostics_by_hand(stats_module, tiny_model_and_data):
    model, dataset = tiny_model_and_data
    cvae = model.neck.cvaes[0]
    # an encoder that always says N(0, I): KL to N(λ, I) is λ²/2 per
    # dimension, and z = posterior mean is z = 0
    last = cvae.encoder_mlp[-1]
    with torch.no_grad():
        last.weight.zero_()
        last.bias.zero_()
    stats = stats_module.attention_stats(model, dataset)
    lambdas, errors_posterior, errors_prior, feats = [], [], [], []
    with torch.no_grad():
        for item in dataset:
            x = item['inputs'][None]
            valid = item['data_samples'].valid_len
            attention = torch.sigmoid(5. * (x[:, 0] - 0.5))
            lambdas.append(attention[0, :valid])
            posterior = cvae.decode(torch.zeros(1, 3, 12), attention)
            prior = cvae.decode(attention[:, None].expand(-1, 3, -1),
                                attention)
            errors_posterior.append((posterior - x)[..., :valid].pow(2))
            errors_prior.append((prior - x)[..., :valid].pow(2))
            feats.append(x[0, :, :valid])
    lambdas = torch.cat(lambdas)
    assert stats['kl_mean_nats'] == pytest.approx(
        0.5 * lambdas.pow(2).mean().item(), rel=1e-5)
    assert stats['kl_max_nats'] == pytest.approx(
        stats['kl_mean_nats'], rel=1e-5)
    assert stats['latent_dims'] == 3
    assert stats['kl_active_dims'] == 3
    assert stats['recon_posterior'] == pytest.approx(
        torch.cat([e.flatten() for e in errors_posterior]).mean().item(),
        rel=1e-5)
    assert stats['recon_prior_mean'] == pytest.approx(
        torch.cat([e.flatten() for e in errors_prior]).mean().item(), rel=1e-5)
    assert stats['feature_variance'] == pytest.approx(
        torch.cat(feats, 1).var(1, unbiased=False).mean().item(), rel=1e-5)
    text = stats_module.format_stats('tiny', stats)
    assert 'nats' in text and 'AUC 1.000' in text


def test_attention_statistics_need_both_kinds_of_steps(stats_module,
                                                       tiny_model_and_data):
    model, _ = tiny_model_and_data
    with pytest.raises(ValueError, match='both action and background'):
        stats_module.attention_stats(model, [tiny_window([(0, 12)], 12)])
