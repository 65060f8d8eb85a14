"""A NaN stops training and names where it arose; a checkpoint that does
not fit the model is refused; checkpoints are written atomically; a rerun
into a used work dir says so."""
import importlib.util
import os
import os.path as osp

import pytest
import torch
import torch.nn as nn
from mmengine.fileio import get_file_backend
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import Dataset

from mmgaf.engine.hooks import CheckpointAgreementHook
from mmgaf.engine.hooks.gaf_alternating_hook import GAF_PHASE_INFO
from mmgaf.fileio import AtomicLocalBackend
from mmgaf.structures import TADDataSample


class ToyModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(3, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.linear(torch.stack(inputs))
        if mode == 'loss':
            return dict(loss_fit=out.pow(2).mean(), loss_aux=out.mean() * 0)
        if mode == 'predict':
            return [sample for sample in data_samples]
        return out


class ToyDataset(Dataset):
    """Eight windows; the one at index ``nan_at`` holds a NaN."""

    def __init__(self, nan_at=None):
        self.nan_at = nan_at

    def __len__(self):
        return 8

    def __getitem__(self, index):
        x = torch.full((3, ), float(index))
        if index == self.nan_at:
            x[1] = float('nan')
        sample = TADDataSample(
            metainfo=dict(video_name=f'video_{index}', time_shift=1.5 * index))
        return dict(inputs=x, data_samples=sample)


def toy_runner(work_dir, max_epochs=2, nan_at=None, hooks=(), **kwargs):
    return Runner(
        model=ToyModel(),
        work_dir=str(work_dir),
        train_dataloader=dict(
            dataset=ToyDataset(nan_at),
            sampler=dict(type='DefaultSampler', shuffle=False),
            batch_size=2,
            num_workers=0,
            collate_fn=dict(type='pseudo_collate')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        default_hooks=dict(
            checkpoint=dict(
                type='CheckpointHook',
                interval=1,
                backend_args=dict(backend='atomic_local')),
            finite_loss=dict(type='FiniteLossHook')),
        custom_hooks=list(hooks),
        default_scope='mmgaf',
        **kwargs)


class NaNFromEpoch(Hook):
    """Puts a NaN into the weights at the start of the given epoch."""

    def __init__(self, epoch, phase=None):
        self.epoch, self.phase = epoch, phase

    def before_train_epoch(self, runner):
        if self.phase is not None:
            runner.message_hub.update_info(GAF_PHASE_INFO, self.phase)
        if runner.epoch == self.epoch:
            with torch.no_grad():
                runner.model.linear.bias.fill_(float('nan'))


def test_nan_input_stops_at_once_naming_iteration_term_and_videos(tmp_path):
    runner = toy_runner(tmp_path, nan_at=3)
    with pytest.raises(FloatingPointError) as error:
        runner.train()
    message = str(error.value)
    assert 'iteration 2 (epoch 1)' in message
    assert 'loss_fit=nan' in message and 'loss_aux=nan' in message
    assert 'video_2 (window at 3.00 s), video_3 (window at 4.50 s)' in message
    assert not osp.exists(tmp_path / 'epoch_1.pth')


def test_nan_leaves_the_last_good_checkpoint_and_names_the_gaf_phase(tmp_path):
    runner = toy_runner(
        tmp_path, max_epochs=3, hooks=[NaNFromEpoch(1, phase='frame')])
    with pytest.raises(FloatingPointError, match='in GAF phase "frame"'):
        runner.train()
    assert sorted(os.listdir(tmp_path)) == sorted(
        [name for name in os.listdir(tmp_path) if not name.endswith('.pth')] +
        ['epoch_1.pth'])
    checkpoint = torch.load(tmp_path / 'epoch_1.pth')
    assert all(
        torch.isfinite(value).all()
        for value in checkpoint['state_dict'].values())
    with open(tmp_path / 'last_checkpoint') as f:
        assert f.read().endswith('epoch_1.pth')


def test_finite_losses_train_through(tmp_path):
    toy_runner(tmp_path).train()
    assert osp.exists(tmp_path / 'epoch_2.pth')


def _test_runner(work_dir, checkpoint, **agreement):
    return Runner(
        model=ToyModel(),
        work_dir=str(work_dir),
        test_dataloader=dict(
            dataset=ToyDataset(),
            sampler=dict(type='DefaultSampler', shuffle=False),
            batch_size=2,
            num_workers=0,
            collate_fn=dict(type='pseudo_collate')),
        test_cfg=dict(),
        test_evaluator=dict(
            type='DumpResults', out_file_path=str(work_dir / 'out.pkl')),
        default_hooks=dict(
            checkpoint_agreement=dict(
                type='CheckpointAgreementHook', **agreement)),
        load_from=str(checkpoint),
        default_scope='mmgaf')


@pytest.mark.parametrize('state, match', [
    ({}, r'2 keys missing: linear\.bias, linear\.weight'),
    ({
        'linear.weight': torch.zeros(1, 3),
        'linear.bias': torch.zeros(1),
        'head.fc.weight': torch.zeros(2)
    }, r'1 keys unexpected: head\.fc'),
    ({
        'linear.weight': torch.zeros(2, 3),
        'linear.bias': torch.zeros(1)
    }, r'1 keys with another shape: linear\.weight'),
])
def test_checkpoint_that_does_not_fit_is_refused(tmp_path, state, match):
    path = tmp_path / 'other.pth'
    torch.save({'state_dict': state}, path)
    with pytest.raises(ValueError, match=match):
        _test_runner(tmp_path, path).test()


def test_checkpoint_agreement_allowance_and_prefix(tmp_path):
    path = tmp_path / 'ddp.pth'
    torch.save({'state_dict': {
        'module.linear.weight': torch.ones(1, 3)
    }}, path)
    _test_runner(tmp_path, path, allow_missing=[r'^linear\.bias$']).test()
    with pytest.raises(ValueError, match='linear.bias'):
        _test_runner(tmp_path, path).test()


def test_agreement_hook_names_a_checkpoint_without_state_dict():
    hook = CheckpointAgreementHook()
    with pytest.raises(ValueError, match='no state_dict'):
        hook.after_load_checkpoint(None, {'state_dict': [1, 2]})


def test_atomic_backend_keeps_the_old_file_when_writing_fails(
        tmp_path, monkeypatch):
    backend = get_file_backend(
        str(tmp_path), backend_args=dict(backend='atomic_local'))
    assert isinstance(backend, AtomicLocalBackend)
    target = tmp_path / 'epoch_1.pth'
    backend.put(b'good', target)
    backend.put_text('epoch_1.pth', tmp_path / 'last_checkpoint')

    def killed(src, dst):
        raise KeyboardInterrupt('killed while saving')

    monkeypatch.setattr(os, 'replace', killed)
    with pytest.raises(KeyboardInterrupt):
        backend.put(b'half', target)
    assert target.read_bytes() == b'good'
    assert sorted(os.listdir(tmp_path)) == ['epoch_1.pth', 'last_checkpoint']


def _train_tool():
    path = osp.join(osp.dirname(__file__), '..', '..', 'tools', 'train.py')
    spec = importlib.util.spec_from_file_location('train_tool', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rerun_into_a_used_work_dir_warns(tmp_path, monkeypatch):
    from mmengine.config import Config
    tool = _train_tool()
    said = []
    monkeypatch.setattr(tool, 'print_log',
                        lambda message, **kwargs: said.append(message))
    (tmp_path / 'epoch_3.pth').write_bytes(b'x')
    tool.warn_before_overwrite(Config(dict(work_dir=str(tmp_path))))
    assert len(said) == 1
    assert 'epoch_3.pth' in said[0] and '--resume' in said[0]
    tool.warn_before_overwrite(
        Config(dict(work_dir=str(tmp_path), resume=True)))
    tool.warn_before_overwrite(Config(dict(work_dir=str(tmp_path / 'new'))))
    assert len(said) == 1
