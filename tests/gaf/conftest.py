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


@pytest.fixture(scope='module')
def gaf_afsd_per_step(repo_root):
    """AFSD with mmgaf's defaults (configs/afsd/afsd_synthetic.py: sigmoid
    focal loss) and GAF with mmgaf's own variants: one λ per step, a small
    CVAE, the background loss averaged over the background intervals and
    training λ only. Initialised with seed 0."""
    cfg = Config.fromfile(
        osp.join(repo_root, 'configs', 'afsd', 'afsd_synthetic.py'))
    neck = Config.fromfile(
        osp.join(repo_root, 'configs', 'gaf',
                 'afsd_gaf_synthetic.py')).model.neck
    neck.attention = dict(type='SegmentAttention', hidden_channels=128)
    neck.cvae = dict(
        type='ConditionalVAE', hidden_channels=128, latent_channels=64)
    neck.loss_detection.update(
        background_trains_detector=False, background_reduction='interval_mean')
    cfg.model.neck = neck
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model
