"""How well GAF's attention λ separates actions from background.

    python benchmarks/gaf_attention_stats.py CONFIG CHECKPOINT [CHECKPOINT ...]

For every window of the config's validation set, λ (the first neck level)
at each valid step is compared with the ground truth: a step is an action
step when it lies inside an instance. Prints, per checkpoint, the mean λ on
action and on background steps and the ROC AUC of λ as an actionness score
(0.5: no separation; below 0.5: inverted). benchmarks/bench_gaf_ablation.py
keeps the checkpoints of the GAF rows to run it on.
"""
import argparse

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.logging import MMLogger
from mmengine.runner import load_checkpoint

from mmgaf.registry import DATASETS, MODELS
from mmgaf.utils import register_all_modules


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


@torch.no_grad()
def attention_stats(model, dataset) -> dict:
    values, labels = [], []
    for index in range(len(dataset)):
        data = model.data_preprocessor(pseudo_collate([dataset[index]]),
                                       False)
        sample = data['data_samples'][0]
        attention = model.neck.attend(
            model.extract_feat(data['inputs']),
            with_background=False)[0].attention[0, :sample.valid_len]
        steps = torch.arange(sample.valid_len) + 0.5
        segments = sample.gt_instances.segments
        inside = ((steps[:, None] >= segments[None, :, 0]) &
                  (steps[:, None] <= segments[None, :, 1])).any(1)
        values.append(attention.numpy())
        labels.append(inside.numpy())
    values, labels = np.concatenate(values), np.concatenate(labels)
    return dict(
        action=float(values[labels].mean()),
        background=float(values[~labels].mean()),
        auc=roc_auc(values, labels))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoints', nargs='+')
    args = parser.parse_args()
    MMLogger.get_instance('gaf_attention_stats', log_level='WARNING')
    register_all_modules()
    cfg = Config.fromfile(args.config)
    dataset = DATASETS.build(cfg.val_dataloader.dataset)
    model = MODELS.build(cfg.model)
    model.eval()
    print(f'{"checkpoint":60} {"λ action":>9} {"λ background":>13} '
          f'{"AUC":>6}')
    for checkpoint in args.checkpoints:
        load_checkpoint(
            model, checkpoint, map_location='cpu', logger='silent')
        stats = attention_stats(model, dataset)
        print(f'{checkpoint:60} {stats["action"]:9.3f} '
              f'{stats["background"]:13.3f} {stats["auc"]:6.3f}')


if __name__ == '__main__':
    main()
