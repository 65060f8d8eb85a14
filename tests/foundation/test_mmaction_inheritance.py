"""``_base_ = ['mmaction::...']`` in a user's own config after ``import
mmgaf`` (MMEngine 0.10.7 cannot read MMAction2 1.1.0's model index by
itself), directly and through tools/train.py."""
import os
import os.path as osp
import subprocess
import sys
import textwrap

import mmengine
import mmengine.config.utils as config_utils
import pytest
import torch
import yaml
from mmengine.config import Config
from mmengine.hub import get_config

from mmgaf.models.necks import GAFNeck
from mmgaf.registry import MODELS
from mmgaf.utils import mmaction_configs
from mmgaf.utils.mmaction_configs import (enable_mmaction_config_inheritance,
                                          get_cfg_metainfo)

USER_CONFIG = """
_base_ = ['mmaction::_base_/models/i3d_r50.py']
model = dict(
    neck=dict(
        type='mmgaf.GAFNeck',
        in_channels=2048,
        spatial_sizes=[(7, 7)],
        attention=dict(type='SegmentAttention', hidden_channels=32),
        cvae=dict(type='ConditionalVAE', hidden_channels=32,
                  latent_channels=8)),
    cls_head=dict(num_classes=101))
"""


def write_config(folder, text=USER_CONFIG):
    path = folder / 'my_i3d_gaf.py'
    path.write_text(textwrap.dedent(text))
    return str(path)


def test_import_mmgaf_enables_the_lookup():
    assert mmengine.__version__ in mmaction_configs.PATCHED_MMENGINE_VERSIONS
    assert config_utils._get_cfg_metainfo is get_cfg_metainfo


def test_user_config_inherits_mmaction_i3d_and_builds_gaf(tmp_path):
    cfg = Config.fromfile(write_config(tmp_path))
    assert cfg.model.type == 'Recognizer3D'
    assert cfg.model.backbone.depth == 50
    assert cfg.model.cls_head.num_classes == 101
    assert cfg.model.cls_head.spatial_type == 'avg'
    # MMEngine marks what it inherited from the package with its scope
    assert cfg.model._scope_ == 'mmaction'
    model = MODELS.build(cfg.model)
    assert type(model).__name__ == 'Recognizer3D'
    # the neck's own parts build in mmgaf's scope inside mmaction's model
    assert isinstance(model.neck, GAFNeck)
    feats = torch.randn(1, 2048, 2, 7, 7)
    out, losses = model.neck(feats)
    assert out.shape == feats.shape
    assert set(losses) == {'loss_cvae_rec', 'loss_cvae_kl', 'loss_recon'}


def test_model_zoo_configs_resolve_also_the_list_valued_entry():
    i3d = get_config('mmaction::recognition/i3d/i3d_imagenet-pretrained-'
                     'r50_8xb8-32x2x1-100e_kinetics400-rgb.py')
    assert i3d.model.type == 'Recognizer3D'
    # BSN's metafile lists three configs in one entry, the one that broke
    for stage, model in (('tem', 'TEM'), ('pem', 'PEM')):
        cfg = get_config(f'mmaction::localization/bsn/bsn_{stage}_1xb16-'
                         '400x100-20e_activitynet-feature.py')
        assert cfg.model.type == model


def fake_package(folder, configs):
    """A package folder with one metafile whose only model lists
    ``configs``."""
    mim = folder / '.mim'
    (mim / 'configs' / 'bsn').mkdir(parents=True)
    (mim / 'model-index.yml').write_text(
        yaml.safe_dump(dict(Import=['configs/bsn/metafile.yml'])))
    (mim / 'configs' / 'bsn' / 'metafile.yml').write_text(
        yaml.safe_dump(
            dict(Models=[
                dict(Name='bsn', Config=configs, Weights='w.pth'),
                dict(Name='bsn_second_weights', Config=configs)
            ])))
    return str(folder)


def test_list_entry_gives_one_entry_per_config(tmp_path):
    package = fake_package(tmp_path,
                           ['configs/bsn/tem.py', 'configs/bsn/pem.py'])
    tem = get_cfg_metainfo(package, 'bsn/tem.py')
    pem = get_cfg_metainfo(package, 'bsn/pem.py')
    assert tem == dict(
        Name='bsn', Config='configs/bsn/tem.py', Weights='w.pth')
    assert pem['Config'] == 'configs/bsn/pem.py'
    assert pem['Name'] == 'bsn'  # the first entry of a config wins
    # a base config is in no metafile: ValueError, on which MMEngine looks
    # under .mim/configs instead
    with pytest.raises(ValueError, match='but got _base_/models/x'):
        get_cfg_metainfo(package, '_base_/models/x')


def test_malformed_entry_names_metafile_and_model(tmp_path):
    package = fake_package(tmp_path, dict(path='configs/bsn/tem.py'))
    with pytest.raises(
            ValueError,
            match=r"metafile.yml: model 'bsn' has "
            r'Config .*expected a path or a list of paths'):
        get_cfg_metainfo(package, 'bsn/tem.py')


def test_other_mmengine_release_is_left_alone_with_a_warning(monkeypatch):
    monkeypatch.setattr(config_utils, '_get_cfg_metainfo', len)
    monkeypatch.setattr(mmengine, '__version__', '0.10.3')
    with pytest.warns(UserWarning, match='configs/_base_/mmaction/'):
        assert enable_mmaction_config_inheritance() is False
    assert config_utils._get_cfg_metainfo is len
    monkeypatch.setattr(mmengine, '__version__',
                        mmaction_configs.PATCHED_MMENGINE_VERSIONS[0])
    assert enable_mmaction_config_inheritance() is True
    assert config_utils._get_cfg_metainfo is get_cfg_metainfo


def test_tools_train_parses_a_user_config_with_mmaction_base(
        tmp_path, repo_root):
    """tools/train.py reads the user's config and stops only at the data
    the config points to, which does not exist."""
    config = write_config(
        tmp_path,
        USER_CONFIG.replace(
            "models/i3d_r50.py'",
            "models/i3d_r50.py', 'mmaction::_base_/default_runtime.py'") +
        textwrap.dedent("""
            train_dataloader = dict(
                batch_size=1,
                sampler=dict(type='DefaultSampler', shuffle=True),
                dataset=dict(type='VideoDataset', ann_file='no_such.txt',
                             pipeline=[]))
            train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=1)
            optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01))
            """))
    result = subprocess.run([
        sys.executable,
        osp.join(repo_root, 'tools', 'train.py'), config, '--work-dir',
        str(tmp_path / 'work')
    ],
                            capture_output=True,
                            text=True,
                            cwd=str(tmp_path),
                            env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert 'partition' not in result.stderr, result.stderr[-2000:]
    assert result.returncode != 0
    assert 'no_such.txt' in result.stderr, result.stderr[-2000:]
