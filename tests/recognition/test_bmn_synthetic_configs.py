"""The built-in-data BMN twins, configs/localization/bmn_synthetic.py
(MMAction2's BMN config) and configs/gaf/bmn_gaf_synthetic.py: they differ
only in GAF, and both train and validate through MMEngine's Runner with
MMAction2's pipeline on files of tools/data/convert_to_bmn.py, reporting
AR@AN and the detection mAP."""
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

from mmgaf.datasets import SyntheticTAD
from mmgaf.datasets.converters import write_bmn_dataset

pytestmark = pytest.mark.usefixtures('one_thread')

FEAT_DIM, STEPS = 32, 16
TWIN = 'configs/localization/bmn_synthetic.py'
GAF = 'configs/gaf/bmn_gaf_synthetic.py'


@pytest.fixture(scope='module')
def bmn_data(tmp_path_factory):
    root = tmp_path_factory.mktemp('synthetic_bmn')
    generator = SyntheticTAD(
        seed=0,
        feat_dim=FEAT_DIM,
        min_steps=48,
        max_steps=64,
        steps_per_instance=60.,
        median_length=10.)
    generator.write(str(root / 'source'), dict(training=4, validation=3))
    write_bmn_dataset(
        str(root / 'source' / 'annotations.json'),
        str(root / 'source' / 'features'),
        str(root / 'bmn'),
        STEPS,
        fps=generator.FPS,
        feature_stride=generator.FEATURE_STRIDE,
        feature_clip_len=generator.FEATURE_CLIP_LEN)
    return str(root / 'bmn')


def load(repo_root, name):
    return Config.fromfile(osp.join(repo_root, name))


def test_twins_differ_only_in_gaf(repo_root):
    twin, gaf = load(repo_root, TWIN), load(repo_root, GAF)
    assert twin.model.type == 'BMN' and twin.model._scope_ == 'mmaction'
    assert gaf.model.type == 'mmgaf.BMNWithNeck'
    assert gaf.model.neck.type == 'GAFNeck'
    without_gaf = {
        key: value
        for key, value in gaf.model.items() if key not in ('type', 'neck')
    }
    assert without_gaf == {
        key: value
        for key, value in twin.model.items() if key != 'type'
    }
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert gaf[key] == twin[key]
    assert gaf.optim_wrapper.optimizer == twin.optim_wrapper.optimizer
    assert gaf.optim_wrapper.constructor == 'GAFOptimWrapperConstructor'
    # each epoch of the twin is a frame and a segment pass
    assert gaf.train_cfg.max_epochs == 2 * twin.train_cfg.max_epochs
    assert gaf.param_scheduler[0].milestones == [
        2 * m for m in twin.param_scheduler[0].milestones
    ]
    # the same metrics, the proposals written to each one's work_dir
    for twin_metric, gaf_metric in zip(twin.val_evaluator, gaf.val_evaluator):
        assert {**gaf_metric, 'dump_config': None} == \
            {**twin_metric, 'dump_config': None}
    assert twin.val_evaluator[0].dump_config.out.startswith(twin.work_dir)
    assert gaf.val_evaluator[0].dump_config.out.startswith(gaf.work_dir)


def tiny(cfg, data_root, work_dir, epochs):
    cfg.model.update(
        temporal_dim=STEPS,
        feat_dim=FEAT_DIM,
        num_samples=4,
        hidden_dim_1d=16,
        hidden_dim_2d=16,
        hidden_dim_3d=16)
    if 'neck' in cfg.model:
        cfg.model.neck.update(
            in_channels=FEAT_DIM,
            attention=dict(type='SegmentAttention', hidden_channels=32),
            cvae=dict(
                type='ConditionalVAE', hidden_channels=32, latent_channels=8))
    for key, subset in (('train_dataloader', 'training'), ('val_dataloader',
                                                           'validation')):
        cfg[key].dataset.update(
            ann_file=osp.join(data_root, f'anno_{subset}.json'),
            data_prefix=dict(video=osp.join(data_root, 'features')))
    cfg.train_dataloader.batch_size = 2
    cfg.val_evaluator[0].dump_config.out = osp.join(work_dir, 'results.json')
    cfg.val_evaluator[1].ann_file = osp.join(data_root, 'anno_validation.json')
    # train only; validation is run by the test
    cfg.train_cfg.update(max_epochs=epochs, val_interval=epochs + 1)
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=-1)
    cfg.work_dir = work_dir
    return cfg


@pytest.mark.parametrize('name, epochs', [(TWIN, 1), (GAF, 2)])
def test_trains_and_validates_through_the_runner(repo_root, bmn_data, tmp_path,
                                                 name, epochs):
    cfg = tiny(load(repo_root, name), bmn_data, str(tmp_path), epochs)
    cfg.experiment_name = f'{osp.basename(name)}_{tmp_path.name}'
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.val_loop.run()
    assert {'auc', 'AR@100', 'tad/mAP', 'tad/mAP@0.50'} <= set(metrics)
    assert 0 <= metrics['auc'] <= 100
    assert 0 <= metrics['AR@100'] <= 1
    assert 0 <= metrics['tad/mAP'] <= metrics['tad/mAP@0.50'] <= 1
    # MMAction2's ANetMetric wrote the proposals where the config says
    assert osp.isfile(osp.join(str(tmp_path), 'results.json'))
