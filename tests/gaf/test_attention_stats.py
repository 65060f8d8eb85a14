"""The ROC AUC of benchmarks/gaf_attention_stats.py, which the README's
attention analysis quotes."""
import importlib.util
import os.path as osp

import numpy as np
import pytest


@pytest.fixture(scope='module')
def stats_module(repo_root):
    path = osp.join(repo_root, 'benchmarks', 'gaf_attention_stats.py')
    spec = importlib.util.spec_from_file_location('gaf_attention_stats',
                                                  path)
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
