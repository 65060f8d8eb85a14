"""The precise benchmark's recipe (configs/gaf/synthetic_precise_recipe.py):
the same models as the configs it applies to, its learning-rate curve, the
EMA of the weights and the bigger validation set."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import PARAM_SCHEDULERS

from mmgaf.registry import MODELS

PRECISE = {
    'afsd/afsd_synthetic_precise.py': 'afsd/afsd_synthetic_parity.py',
    'gaf/afsd_gaf-ai_synthetic_precise.py': 'gaf/afsd_gaf-ai_synthetic.py',
    'gaf/afsd_gaf-ai-nai_synthetic_precise.py':
    'gaf/afsd_gaf-ai-nai_synthetic.py',
    'gaf/afsd_gaf_synthetic_precise.py': 'gaf/afsd_gaf_synthetic.py',
}


def load(repo_root, name):
    return Config.fromfile(osp.join(repo_root, 'configs', name))


@pytest.mark.parametrize('precise,base', list(PRECISE.items()))
def test_precise_config_changes_the_recipe_only(repo_root, precise, base):
    cfg, base_cfg = load(repo_root, precise), load(repo_root, base)
    assert cfg.model == base_cfg.model
    root = cfg.precise_data_root
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = cfg[loader].dataset
        assert dataset.data_root == root
        assert dataset.subset == base_cfg[loader].dataset.subset
    for evaluator in ('val_evaluator', 'test_evaluator'):
        assert cfg[evaluator].ann_file == f'{root}/annotations.json'
    assert cfg.precise_num_videos[1] >= 5 * 80
    # one validation, after the last epoch, on the EMA weights
    assert cfg.train_cfg.val_interval == cfg.train_cfg.max_epochs
    ema = [hook for hook in cfg.custom_hooks if hook.type == 'EMAHook']
    assert len(ema) == 1 and ema[0].begin_epoch > 0
    if 'gaf_synthetic' in precise:
        # the alternating updates stay, and a paper epoch is two epochs
        assert cfg.custom_hooks[0].type == 'GAFAlternatingHook'
        assert cfg.train_cfg.max_epochs == 2 * cfg.precise_max_epochs
        assert cfg.optim_wrapper.frame == base_cfg.optim_wrapper.frame
        assert cfg.train_cfg.type == 'GAFEpochBasedTrainLoop'
    # the optimizers build: one wrapper, or GAF's frame and segment
    model = MODELS.build(cfg.model)
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    segment = wrapper['segment'] if 'gaf_synthetic' in precise else wrapper
    assert segment.optimizer.defaults['lr'] == 2e-3
    assert segment.clip_grad_kwargs == dict(max_norm=10., norm_type=2)


def learning_rates(scheduler_cfgs, epoch_length, epochs, lr=2e-3):
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.Adam([param], lr=lr)
    schedulers = [
        PARAM_SCHEDULERS.build(
            cfg,
            default_args=dict(optimizer=optimizer, epoch_length=epoch_length))
        for cfg in scheduler_cfgs
    ]
    rates = []
    for _ in range(epochs * epoch_length):
        rates.append(optimizer.param_groups[0]['lr'])
        optimizer.step()
        for scheduler in schedulers:
            scheduler.step()
    return rates


@pytest.mark.parametrize('key,paper_epoch',
                         [('precise_param_scheduler', 1),
                          ('precise_gaf_param_scheduler', 2)])
def test_warm_up_then_step(repo_root, key, paper_epoch):
    cfg = load(repo_root, 'afsd/afsd_synthetic_precise.py')
    epoch_length = 10
    epochs = cfg.precise_max_epochs * paper_epoch
    rates = learning_rates(cfg[key], epoch_length, epochs)
    warm_up = paper_epoch * epoch_length
    # linear from 1 % of the rate to all of it within the first paper epoch
    assert rates[0] == pytest.approx(2e-5)
    steps = [b - a for a, b in zip(rates[:warm_up - 1], rates[1:warm_up])]
    assert all(s == pytest.approx(steps[0]) for s in steps)
    assert rates[warm_up - 1] == pytest.approx(2e-3)
    # the full rate up to 80 % of the schedule, then a tenth of it
    step = int(0.8 * epochs) * epoch_length
    assert all(r == pytest.approx(2e-3) for r in rates[warm_up:step])
    assert all(r == pytest.approx(2e-4) for r in rates[step:])
