"""AFSD + GAF trained by tools/dist_train.sh with 2 CPU processes: DDP with
two optimizers, the alternating phases and the frozen background pass."""
import os
import os.path as osp
import socket
import subprocess
import sys

import pytest
import torch

from mmgaf.datasets.synthetic import SyntheticTAD


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.mark.skipif(
    not torch.distributed.is_gloo_available(), reason='needs gloo')
def test_two_processes_alternate_phases(repo_root, tmp_path):
    data_root = tmp_path / 'synthetic'
    SyntheticTAD(seed=3).write(str(data_root), dict(training=8, validation=2))
    work_dir = tmp_path / 'work'
    env = dict(os.environ, PORT=str(free_port()), PYTHON=sys.executable)
    result = subprocess.run([
        'bash',
        osp.join(repo_root, 'tools', 'dist_train.sh'),
        osp.join(repo_root, 'configs', 'gaf',
                 'afsd_gaf_synthetic.py'), '2', '--work-dir',
        str(work_dir), '--cfg-options',
        f'train_dataloader.dataset.data_root={data_root}',
        f'val_dataloader.dataset.data_root={data_root}',
        f'test_dataloader.dataset.data_root={data_root}',
        f'val_evaluator.ann_file={data_root}/annotations.json',
        f'test_evaluator.ann_file={data_root}/annotations.json',
        'train_dataloader.dataset.indices=8', 'train_dataloader.batch_size=2',
        'train_cfg.max_epochs=2', 'train_cfg.val_interval=2'
    ],
                            cwd=repo_root,
                            env=env,
                            capture_output=True,
                            text=True,
                            timeout=600)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-4000:]
    assert 'gloo' in log
    assert 'GAF phase "frame" from epoch 1' in log
    assert 'GAF phase "segment" from epoch 2' in log
    assert 'bg_loss_cls' in log and 'loss_cvae_rec' in log
    checkpoint = torch.load(work_dir / 'epoch_2.pth')
    assert checkpoint['meta']['gaf']['phase'] == 'segment'
    assert set(checkpoint['optimizer']) == {'frame', 'segment'}
