"""``tools/train.py --launcher slurm`` in one CPU process from the variables
srun sets, and how the master address is found."""
import os
import os.path as osp
import socket
import subprocess
import sys

import pytest
import torch

from mmgaf.utils.dist_env import (first_slurm_host, slurm_master_addr,
                                  slurm_to_torch_env)

TORCH_VARS = ('RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'MASTER_ADDR', 'MASTER_PORT')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.mark.skipif(
    not torch.distributed.is_gloo_available(), reason='needs gloo')
def test_train_with_slurm_launcher(repo_root, tmp_path):
    work_dir = tmp_path / 'work'
    env = {
        key: value
        for key, value in os.environ.items() if key not in TORCH_VARS
    }
    env.update(
        SLURM_PROCID='0',
        SLURM_NTASKS='1',
        SLURM_LOCALID='0',
        SLURM_NODELIST='localhost',
        MASTER_PORT=str(free_port()),
        # the CPU path, also on a machine with GPUs
        CUDA_VISIBLE_DEVICES='',
        OMP_NUM_THREADS='1',
        PYTHONPATH=repo_root)
    result = subprocess.run([
        sys.executable,
        osp.join(repo_root, 'tools', 'train.py'),
        osp.join(repo_root, 'tests', 'foundation', 'dist_toy',
                 'toy_config.py'), '--launcher', 'slurm', '--work-dir',
        str(work_dir)
    ],
                            cwd=repo_root,
                            env=env,
                            capture_output=True,
                            text=True,
                            timeout=120)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-3000:]
    assert "'backend': 'gloo'" in log or 'backend: gloo' in log, log[-3000:]
    assert 'Distributed launcher: slurm' in log, log[-3000:]
    assert 'Distributed training: True' in log, log[-3000:]
    checkpoint = torch.load(work_dir / 'iter_1.pth', map_location='cpu')
    assert checkpoint['meta']['iter'] == 1
    assert set(checkpoint['state_dict']) == {'linear.weight', 'linear.bias'}


@pytest.fixture
def clean_env(monkeypatch):
    for name in TORCH_VARS + ('SLURM_PROCID', 'SLURM_NTASKS', 'SLURM_LOCALID',
                              'SLURM_NODELIST'):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_torch_env_from_slurm_variables(clean_env):
    clean_env.setenv('PATH', '')  # no scontrol: the list is expanded here
    clean_env.setenv('SLURM_PROCID', '5')
    clean_env.setenv('SLURM_NTASKS', '8')
    clean_env.setenv('SLURM_LOCALID', '1')
    clean_env.setenv('SLURM_NODELIST', 'gpu[07-08]')
    clean_env.setenv('LOCAL_RANK', '0')  # what tools/train.py presets
    slurm_to_torch_env()
    assert [os.environ[name]
            for name in TORCH_VARS] == ['5', '8', '1', 'gpu07', '29500']
    # set addresses are kept; a configured port wins over the variable
    clean_env.setenv('MASTER_ADDR', '10.0.0.2')
    clean_env.setenv('MASTER_PORT', '1234')
    slurm_to_torch_env(port=4321)
    assert os.environ['MASTER_ADDR'] == '10.0.0.2'
    assert os.environ['MASTER_PORT'] == '4321'


def test_missing_slurm_variables(clean_env):
    clean_env.setenv('SLURM_PROCID', '0')
    with pytest.raises(KeyError, match='SLURM_NTASKS, SLURM_NODELIST'):
        slurm_to_torch_env()
    assert 'RANK' not in os.environ


@pytest.mark.parametrize('node_list, host', [
    ('localhost', 'localhost'),
    ('node1', 'node1'),
    ('node1,node2', 'node1'),
    ('node[1-3]', 'node1'),
    ('node[03-05,9],login1', 'node03'),
    ('rack[1-2]-gpu[4-7],cpu1', 'rack1-gpu4'),
])
def test_first_slurm_host(node_list, host):
    assert first_slurm_host(node_list) == host


@pytest.mark.parametrize('node_list', ['', ',node1', 'node[1-3', 'node[]'])
def test_bad_node_list(node_list):
    with pytest.raises(ValueError, match='not a SLURM host list'):
        first_slurm_host(node_list)


def test_scontrol_expands_the_list(tmp_path, clean_env):
    scontrol = tmp_path / 'scontrol'
    # prints one host a line, as the real one
    scontrol.write_text('#!/bin/sh\n[ "$3" = "n[2-3]" ] || exit 1\n'
                        'printf "n2\\nn3\\n"\n')
    scontrol.chmod(0o755)
    clean_env.setenv('PATH', f'{tmp_path}:{os.environ["PATH"]}')
    assert slurm_master_addr('n[2-3]') == 'n2'
    with pytest.raises(RuntimeError, match='scontrol show hostname'):
        slurm_master_addr('other')
