"""tools/dist_train.sh with 2 CPU processes (gloo): the update applied is
the one of the gradient averaged over both processes' batches."""
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

from tests.foundation.dist_toy.toy import ToyData, ToyRegressor

pytestmark = pytest.mark.skipif(
    not torch.distributed.is_gloo_available(), reason='needs gloo')


def free_port() -> int:
    import socket
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def test_two_cpu_processes_all_reduce_gradients(repo_root, tmp_path):
    torch.manual_seed(0)
    model = ToyRegressor()
    initial = {k: v.clone() for k, v in model.state_dict().items()}
    init_ckpt = tmp_path / 'init.pth'
    torch.save(dict(state_dict=initial), init_ckpt)

    env = dict(os.environ, PORT=str(free_port()), PYTHON=sys.executable)
    env.pop('CUDA_VISIBLE_DEVICES', None)
    result = subprocess.run([
        'bash',
        osp.join(repo_root, 'tools', 'dist_train.sh'),
        osp.join(repo_root, 'tests', 'foundation', 'dist_toy',
                 'toy_config.py'), '2', '--work-dir',
        str(tmp_path / 'work'), '--cfg-options', f'load_from={init_ckpt}'
    ],
                            cwd=repo_root,
                            env=env,
                            capture_output=True,
                            text=True,
                            timeout=300)
    assert result.returncode == 0, \
        result.stdout[-3000:] + result.stderr[-3000:]
    assert 'gloo' in result.stdout + result.stderr

    trained = torch.load(tmp_path / 'work' / 'iter_1.pth')['state_dict']

    # expected: SGD step with the mean of the two samples' gradients
    data = ToyData()
    grads = []
    for index in range(2):
        model.load_state_dict(initial)
        model.zero_grad()
        sample = data[index]
        model([sample['inputs']], [sample['data_samples']],
              mode='loss')['loss'].backward()
        grads.append({n: p.grad.clone() for n, p in model.named_parameters()})
    for name in initial:
        mean_grad = (grads[0][name] + grads[1][name]) / 2
        expected = initial[name] - 0.1 * mean_grad
        assert torch.allclose(trained[name], expected, atol=1e-6), name
        # and not what one process alone would have done
        alone = initial[name] - 0.1 * grads[0][name]
        assert not torch.allclose(trained[name], alone, atol=1e-4), name
