"""Every GAF config names its loop, hooks and optimizer constructor so that
MMEngine's Runner finds them: a config inherited with ``mmaction::`` gives
its inherited dicts ``_scope_='mmaction'``, where this package's parts are
unknown unless named with their scope (``mmgaf.GAFEpochBasedTrainLoop``)."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import HOOKS, LOOPS, OPTIM_WRAPPER_CONSTRUCTORS

from mmgaf.engine import (GAFAlternatingHook, GAFEpochBasedTrainLoop,
                          GAFOptimWrapperConstructor)

CONFIGS = sorted(
    glob.glob(
        osp.join(
            osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))),
            'configs', 'gaf', '*.py')))


def resolve(registry, cfg: dict, default_scope: str):
    """The class the Runner builds from ``cfg``: looked up in the scope of
    the dict's ``_scope_``, else the config's ``default_scope``."""
    with registry.switch_scope_and_registry(cfg.get('_scope_',
                                                    default_scope)) as scoped:
        return scoped.get(cfg['type'])


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_gaf_parts_resolve_in_their_scope(path):
    cfg = Config.fromfile(path)
    if 'constructor' not in cfg.get('optim_wrapper', {}):
        pytest.skip('not trained with the alternating updates')
    scope = cfg.get('default_scope', 'mmengine')
    assert resolve(LOOPS, cfg.train_cfg, scope) is GAFEpochBasedTrainLoop
    hooks = [resolve(HOOKS, hook, scope) for hook in cfg.custom_hooks]
    assert GAFAlternatingHook in hooks
    constructor = dict(
        type=cfg.optim_wrapper.constructor,
        _scope_=cfg.optim_wrapper.get('_scope_', scope))
    assert resolve(OPTIM_WRAPPER_CONSTRUCTORS, constructor,
                   scope) is GAFOptimWrapperConstructor
