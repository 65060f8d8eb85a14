"""tools/slurm_train.sh / slurm_test.sh hand srun MMAction2's arguments
(a stand-in srun on PATH records them)."""
import os
import os.path as osp
import subprocess

import pytest

FAKE_SRUN = '#!/usr/bin/env bash\nprintf "%s\\n" "$@" > "$SRUN_LOG"\n'


@pytest.fixture
def fake_srun(tmp_path):
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    (bin_dir / 'srun').write_text(FAKE_SRUN)
    (bin_dir / 'srun').chmod(0o755)
    log = tmp_path / 'srun.log'

    def run(script, *args, **env):
        result = subprocess.run(['bash', script, *args],
                                env=dict(
                                    os.environ,
                                    PATH=f'{bin_dir}:{os.environ["PATH"]}',
                                    SRUN_LOG=str(log),
                                    **env),
                                capture_output=True,
                                text=True,
                                timeout=30)
        assert result.returncode == 0, result.stderr
        return log.read_text().splitlines()

    return run


def test_slurm_train(repo_root, fake_srun):
    script = osp.join(repo_root, 'tools', 'slurm_train.sh')
    args = fake_srun(
        script,
        'gpu',
        'job',
        'cfg.py',
        'work',
        '--amp',
        GPUS='16',
        GPUS_PER_NODE='8',
        CPUS_PER_TASK='4',
        SRUN_ARGS='--quotatype=auto',
        PY_ARGS='--resume')
    assert args[:9] == [
        '-p', 'gpu', '--job-name=job', '--gres=gpu:8', '--ntasks=16',
        '--ntasks-per-node=8', '--cpus-per-task=4', '--kill-on-bad-exit=1',
        '--quotatype=auto'
    ]
    assert args[9:11] == ['python', '-u']
    assert args[11:] == [
        osp.join(repo_root, 'tools', 'train.py'), 'cfg.py', '--launcher',
        'slurm', '--work-dir', 'work', '--amp', '--resume'
    ]
    # defaults: 8 GPUs on one node, 5 CPUs each, no work dir
    args = fake_srun(script, 'gpu', 'job', 'cfg.py')
    assert '--ntasks=8' in args and '--cpus-per-task=5' in args
    assert args[-3:] == ['cfg.py', '--launcher', 'slurm']


def test_slurm_test(repo_root, fake_srun):
    script = osp.join(repo_root, 'tools', 'slurm_test.sh')
    args = fake_srun(
        script,
        'gpu',
        'job',
        'cfg.py',
        'ckpt.pth',
        '--dump',
        'r.pkl',
        GPUS='2',
        GPUS_PER_NODE='2')
    assert '--ntasks=2' in args and '--gres=gpu:2' in args
    assert args[-7:] == [
        osp.join(repo_root, 'tools', 'test.py'), 'cfg.py', 'ckpt.pth',
        '--launcher', 'slurm', '--dump', 'r.pkl'
    ]
