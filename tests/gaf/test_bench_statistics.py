"""The statistics of benchmarks/bench_gaf_ablation.py on fixed numbers."""
import argparse
import importlib.util
import math
import os.path as osp

import pytest
import torch
from mmengine.config import Config, DictAction

from mmgaf.registry import MODELS


@pytest.fixture(scope='module')
def bench(repo_root):
    path = osp.join(repo_root, 'benchmarks', 'bench_gaf_ablation.py')
    spec = importlib.util.spec_from_file_location('bench_gaf_ablation', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def t3_two_sided_p(t):
    """Two-sided p of Student's t with 3 degrees of freedom, closed form."""
    x = abs(t) / math.sqrt(3)
    cdf = 0.5 + (x / (1 + x * x) + math.atan(x)) / math.pi
    return 2 * (1 - cdf)


def test_summary_by_hand(bench):
    summary = bench.summarise([1., 2., 3., 4.])
    assert summary['n'] == 4
    assert summary['mean'] == 2.5
    assert summary['std'] == pytest.approx(math.sqrt(5 / 3))
    assert summary['sem'] == pytest.approx(math.sqrt(5 / 3) / 2)


def test_paired_difference_by_hand(bench):
    a = {0: 10., 1: 12., 2: 11., 3: 15.}
    # seed 4 has no partner: it does not count
    b = {0: 9., 1: 10., 2: 11., 3: 12., 4: 100.}
    diff = bench.paired_difference(a, b)
    # differences 1, 2, 0, 3
    assert diff['seeds'] == [0, 1, 2, 3]
    assert diff['mean'] == pytest.approx(1.5)
    sem = math.sqrt(5 / 3) / 2
    assert diff['sem'] == pytest.approx(sem)
    # t(0.975, 3 degrees of freedom) = 3.182446 (any t table)
    assert diff['low'] == pytest.approx(1.5 - 3.182446 * sem, abs=1e-5)
    assert diff['high'] == pytest.approx(1.5 + 3.182446 * sem, abs=1e-5)
    assert diff['p'] == pytest.approx(t3_two_sided_p(1.5 / sem), abs=1e-9)
    # swapping the sides flips the interval
    flipped = bench.paired_difference(b, a)
    assert flipped['low'] == pytest.approx(-diff['high'])
    assert flipped['p'] == pytest.approx(diff['p'])


def test_pairing_removes_the_shared_seed_effect(bench):
    # b is a plus 1 on every seed, with a large spread over seeds: the
    # difference is exact although each configuration's spread is large
    a = {seed: 40. + 10. * (-1)**seed * seed for seed in range(5)}
    b = {seed: value + 1. for seed, value in a.items()}
    diff = bench.paired_difference(b, a)
    assert diff['mean'] == pytest.approx(1.)
    assert diff['std'] == pytest.approx(0., abs=1e-12)
    assert diff['low'] == pytest.approx(1.) and diff['high'] == \
        pytest.approx(1.)
    assert diff['p'] == 0.
    assert bench.summarise(a.values())['std'] > 10
    assert bench.paired_difference(a, dict(a))['p'] == 1.


def test_paired_difference_needs_two_common_seeds(bench):
    with pytest.raises(ValueError, match='two common seeds'):
        bench.paired_difference({0: 1., 1: 2.}, {1: 2., 2: 3.})


def test_comparisons_cover_every_row_and_the_ladder(bench):
    names = [
        'AFSD', 'row 1: L_ai', 'row 2: + L_n-ai', 'row 3: + L_R (AFSD + GAF)'
    ]
    results = {
        name: {
            seed: float(i + seed * seed)
            for seed in range(3)
        }
        for i, name in enumerate(names)
    }
    pairs = [(a, b) for a, b, _ in bench.comparisons(results)]
    assert pairs == [('row 1: L_ai', 'AFSD'), ('row 2: + L_n-ai', 'AFSD'),
                     ('row 3: + L_R (AFSD + GAF)', 'AFSD'),
                     ('row 3: + L_R (AFSD + GAF)', 'row 2: + L_n-ai'),
                     ('row 2: + L_n-ai', 'row 1: L_ai')]


def test_every_benchmark_config_exists(bench, repo_root):
    for config, _ in bench.CONFIGS.values():
        assert osp.exists(osp.join(repo_root, config)), config


def test_data_options_point_every_part_at_the_copy(bench):
    options = bench.data_options('data/copy')
    assert 'val_evaluator.ann_file=data/copy/annotations.json' in options
    assert 'train_dataloader.dataset.data_root=data/copy' in options
    assert len(options) == 5


# what each row-3 variant changes: reduction and training of L_n-ai,
# attention, whether the CVAE has GroupNorm + ReLU, whether L_R exists
ROW_3_DEFAULT = dict(
    reduction='interval_mean',
    trains_detector=False,
    attention='ChannelTimeAttention',
    normed_cvae=True,
    with_recon=True)
ROW_3_VARIANTS = {
    'row 3: + L_R (AFSD + GAF)': {},
    "row 3, the authors' L_n-ai": dict(reduction='sum', trains_detector=True),
    "row 3, mmgaf's plain CVAE": dict(normed_cvae=False),
    'row 3 without L_R': dict(with_recon=False),
    "row 3, the paper's per-step λ": dict(attention='SegmentAttention'),
    'row 3, L_n-ai over every prior': dict(reduction='sum'),
    'row 3, L_n-ai training the detector': dict(trains_detector=True),
}


def test_every_row_3_variant_is_tested(bench):
    assert {name
            for name in bench.CONFIGS
            if name.startswith('row 3')} == set(ROW_3_VARIANTS)


@pytest.mark.parametrize('name', list(ROW_3_VARIANTS))
def test_every_variant_builds_what_it_names(bench, repo_root, name):
    expected = dict(ROW_3_DEFAULT, **ROW_3_VARIANTS[name])
    config, options = bench.CONFIGS[name]
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    cfg = Config.fromfile(osp.join(repo_root, config))
    if options:
        cfg.merge_from_dict(
            parser.parse_args(['--cfg-options', *options]).cfg_options)
    model = MODELS.build(cfg.model)
    neck = model.neck
    background = neck.loss_detection
    assert background.background_reduction == expected['reduction']
    assert background.background_trains_detector == \
        expected['trains_detector']
    head = neck.attention_heads[0]
    assert type(head).__name__ == expected['attention']
    cvae = neck.cvaes[0]
    assert cvae.latent_channels == 256
    if expected['normed_cvae']:
        assert isinstance(cvae.reduction.post[0], torch.nn.GroupNorm)
        assert isinstance(cvae.decoder.expansion.post[1], torch.nn.ReLU)
    else:
        assert not any('post' in key for key in cvae.state_dict())
    # frame-GAF is conditioned on every weight the attention gives a step
    assert cvae.condition_channels == head.attention_channels == (
        256 if expected['attention'] == 'ChannelTimeAttention' else 1)
    assert (neck.loss_recon is None) == (not expected['with_recon'])
