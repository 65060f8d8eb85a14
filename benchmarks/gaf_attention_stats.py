"""What GAF learned: its attention λ and its conditional VAE, per checkpoint.

    python benchmarks/gaf_attention_stats.py CONFIG CHECKPOINT [CHECKPOINT ...]
        [--level 0] [--json OUT.json]

On every window of the config's validation set (valid steps only; a step is
an action step when it lies inside an instance), for one neck level:

- λ: the mean and standard deviation of the per-step attention (the mean
  over channels for a per-channel head) on action and on background steps,
  the share of steps with λ > 0.9 (saturation) and the ROC AUC of λ as an
  actionness score (0.5: no separation; below 0.5: inverted);
- frame-GAF (when the neck has one): the KL divergence of q(z | f, λ) from
  the prior N(λ, I) per latent dimension in nats (mean over steps; its mean
  and largest value over dimensions, and how many dimensions carry more
  than 0.01 nats: a collapsed posterior has none), and the reconstruction
  error (mean squared, per element) of the decoder from z = the posterior
  mean, from z = the prior mean λ and from z drawn from the prior, beside
  the variance of f (the error of predicting every feature by the mean
  feature): if z carries nothing, the posterior error equals the prior one.

benchmarks/bench_gaf_ablation.py keeps the checkpoints of the GAF rows to
run it on.
"""
import argparse
import json
from typing import Dict

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.logging import MMLogger
from mmengine.runner import load_checkpoint

from mmgaf.models.losses import gaussian_kl_to_unit_variance
from mmgaf.registry import DATASETS, MODELS
from mmgaf.utils import register_all_modules

#: KL (nats, mean over steps) above which a latent dimension counts as used
ACTIVE_KL = 0.01


def roc_auc(scores: np.ndarray, positive: np.ndarray) -> float:
    """Probability that a random positive outscores a random negative (ties
    count half), from the ranks of all scores."""
    order = np.argsort(scores, kind='stable')
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    # average ranks over ties
    unique, first, counts = np.unique(
        sorted_scores, return_index=True, return_counts=True)
    average = first + (counts + 1) / 2
    ranks[order] = np.repeat(average, counts)
    num_pos, num_neg = positive.sum(), (~positive).sum()
    return float((ranks[positive].sum() - num_pos * (num_pos + 1) / 2) /
                 (num_pos * num_neg))


def action_steps(sample, num_steps: int) -> torch.Tensor:
    """(num_steps,) bool: whether each step's centre lies in an instance."""
    steps = torch.arange(num_steps) + 0.5
    segments = sample.gt_instances.segments.reshape(-1, 2)
    return ((steps[:, None] >= segments[None, :, 0]) &
            (steps[:, None] <= segments[None, :, 1])).any(1)


class _CVAEStats:
    """Running sums of the frame-GAF diagnostics over valid steps."""

    def __init__(self):
        self.kl_per_dim = 0.
        self.errors = dict(posterior=0., prior_mean=0., prior_sample=0.)
        self.feature_sum = 0.
        self.feature_sq_sum = 0.
        self.steps = 0
        self.elements = 0

    def add(self, cvae, feature: torch.Tensor, weights: torch.Tensor,
            valid_len: int) -> None:
        mean, log_var = cvae.encode(feature, weights)
        kl = gaussian_kl_to_unit_variance(mean, log_var,
                                          cvae.prior_mean(weights))
        self.kl_per_dim = self.kl_per_dim + kl[0, :, :valid_len].sum(-1)
        target = feature[:, :, :valid_len]
        decoded = dict(
            posterior=cvae.decode(mean, weights),
            prior_mean=cvae.generate(weights, sample=False),
            prior_sample=cvae.generate(weights, sample=True))
        for key, value in decoded.items():
            self.errors[key] += float(
                (value[:, :, :valid_len] - target).pow(2).sum())
        # per channel (and position in space), over the valid steps
        self.feature_sum = self.feature_sum + target.sum(2)
        self.feature_sq_sum = self.feature_sq_sum + target.pow(2).sum(2)
        self.steps += valid_len
        self.elements += target.numel()

    def result(self) -> Dict[str, float]:
        kl = (self.kl_per_dim / self.steps).numpy()
        mean = self.feature_sum / self.steps
        variance = (self.feature_sq_sum / self.steps - mean.pow(2)).mean()
        return dict(
            kl_mean_nats=float(kl.mean()),
            kl_max_nats=float(kl.max()),
            kl_active_dims=int((kl > ACTIVE_KL).sum()),
            latent_dims=int(len(kl)),
            **{
                f'recon_{key}': value / self.elements
                for key, value in self.errors.items()
            },
            feature_variance=float(variance))


@torch.no_grad()
def attention_stats(model, dataset, level: int = 0) -> Dict[str, float]:
    """The diagnostics of one model on every window of ``dataset`` (see
    the module's docstring), for neck level ``level``."""
    neck = model.neck
    cvae = neck.cvaes[level] if getattr(neck, 'cvaes', None) else None
    cvae_stats = _CVAEStats() if cvae is not None else None
    values, labels = [], []
    for index in range(len(dataset)):
        data = model.data_preprocessor(pseudo_collate([dataset[index]]), False)
        sample = data['data_samples'][0]
        valid_len = int(sample.valid_len)
        feats = model.extract_feat(data['inputs'])
        out = neck.attend(feats, with_background=False)[level]
        values.append(out.attention[0, :valid_len].numpy())
        labels.append(action_steps(sample, valid_len).numpy())
        if cvae_stats is not None:
            feature = feats if isinstance(feats, torch.Tensor) \
                else feats[level]
            cvae_stats.add(cvae, feature, out.weights, valid_len)
    values, labels = np.concatenate(values), np.concatenate(labels)
    if labels.all() or not labels.any():
        raise ValueError('the windows need both action and background '
                         'steps to compare λ on them')
    stats = dict(
        action=float(values[labels].mean()),
        action_std=float(values[labels].std()),
        background=float(values[~labels].mean()),
        background_std=float(values[~labels].std()),
        saturated=float((values > 0.9).mean()),
        auc=roc_auc(values, labels))
    if cvae_stats is not None:
        stats.update(cvae_stats.result())
    return stats


def format_stats(name: str, stats: Dict[str, float]) -> str:
    """One checkpoint's diagnostics as readable lines."""
    lines = [
        name, f'  λ action {stats["action"]:.3f} ± {stats["action_std"]:.3f}, '
        f'background {stats["background"]:.3f} ± '
        f'{stats["background_std"]:.3f}, λ > 0.9 on '
        f'{100 * stats["saturated"]:.1f} % of steps, AUC '
        f'{stats["auc"]:.3f}'
    ]
    if 'kl_mean_nats' in stats:
        lines += [
            f'  KL per latent dimension {stats["kl_mean_nats"]:.4f} nats '
            f'(max {stats["kl_max_nats"]:.4f}; {stats["kl_active_dims"]} of '
            f'{stats["latent_dims"]} dimensions above {ACTIVE_KL})',
            f'  reconstruction MSE: z = posterior mean '
            f'{stats["recon_posterior"]:.4f}, z = prior mean '
            f'{stats["recon_prior_mean"]:.4f}, z ~ prior '
            f'{stats["recon_prior_sample"]:.4f} (variance of f '
            f'{stats["feature_variance"]:.4f})'
        ]
    return '\n'.join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoints', nargs='+')
    parser.add_argument('--level', type=int, default=0)
    parser.add_argument('--json', help='write every statistic here')
    args = parser.parse_args()
    MMLogger.get_instance('gaf_attention_stats', log_level='WARNING')
    register_all_modules()
    cfg = Config.fromfile(args.config)
    dataset = DATASETS.build(cfg.val_dataloader.dataset)
    model = MODELS.build(cfg.model)
    model.eval()
    results = {}
    for checkpoint in args.checkpoints:
        load_checkpoint(model, checkpoint, map_location='cpu', logger='silent')
        # z ~ prior is drawn: the same draws for every checkpoint
        torch.manual_seed(0)
        results[checkpoint] = attention_stats(model, dataset, args.level)
        print(format_stats(checkpoint, results[checkpoint]))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(results, f, indent=2)


if __name__ == '__main__':
    main()
