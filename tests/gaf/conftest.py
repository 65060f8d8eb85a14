import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mmgaf.registry import MODELS


@pytest.fixture(scope='module')
def gaf_afsd(repo_root):
    """AFSD + GAF as the demo's config builds it, initialised with seed 0."""
    cfg = Config.fromfile(
        osp.join(repo_root, 'configs', 'gaf', 'afsd_gaf_synthetic.py'))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model
