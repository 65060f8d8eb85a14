"""What agreement to expect between N processes and one.

``tools/dist_train.sh CONFIG 2`` (gloo) against ``tools/train.py`` with the
same global batch and sample order, on AFSD and the built-in data; and
``tools/dist_test.sh`` against ``tools/test.py`` on the same checkpoint. The
README's reliability section quotes the tolerance measured here.
"""
import json
import os
import os.path as osp
import socket
import subprocess
import sys

import pytest
import torch

from mmgaf.datasets.synthetic import SyntheticTAD

pytestmark = pytest.mark.skipif(
    not torch.distributed.is_gloo_available(), reason='needs gloo')

CONFIG = osp.join('configs', 'afsd', 'afsd_synthetic.py')
# Plain SGD, so that the weights show the gradients' agreement: the
# processes only sum in another order than one process does (measured: 1.2e-7
# after 2 steps of lr 0.1; README, "Reliability"). Adam divides by the root
# of each gradient's square, which turns that rounding on near-zero gradients
# into up to 1.2e-4 after 2 steps of lr 2e-3 (measured the same way).
OPTIM = [
    'optim_wrapper.optimizer.type=SGD', 'optim_wrapper.optimizer.lr=0.1',
    'optim_wrapper.optimizer.weight_decay=0', 'optim_wrapper.clip_grad=None'
]
WEIGHT_TOLERANCE = 1e-6


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def data_options(data_root):
    return [
        f'train_dataloader.dataset.data_root={data_root}',
        f'val_dataloader.dataset.data_root={data_root}',
        f'test_dataloader.dataset.data_root={data_root}',
        f'val_evaluator.ann_file={data_root}/annotations.json',
        f'test_evaluator.ann_file={data_root}/annotations.json',
    ]


def run(repo_root, args, processes, timeout=600):
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHON=sys.executable)
    if processes == 1:
        command = [sys.executable] + args
    else:
        env['PORT'] = str(free_port())
        tool, rest = args[0], args[1:]
        script = 'dist_train.sh' if tool.endswith('train.py') else \
            'dist_test.sh'
        if script == 'dist_train.sh':
            command = [
                'bash',
                osp.join('tools', script), rest[0],
                str(processes)
            ] + rest[1:]
        else:
            command = [
                'bash',
                osp.join('tools', script), rest[0], rest[1],
                str(processes)
            ] + rest[2:]
    result = subprocess.run(
        command,
        cwd=repo_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout)
    assert result.returncode == 0, (
        result.stdout[-3000:] + result.stderr[-3000:])
    return result.stdout + result.stderr


@pytest.fixture(scope='module')
def trained(repo_root, tmp_path_factory):
    root = tmp_path_factory.mktemp('dist_equality')
    data_root = root / 'synthetic'
    # 7 validation videos: windows do not split evenly over 2 processes
    SyntheticTAD(seed=5).write(str(data_root), dict(training=8, validation=7))
    runs = {}
    for name, processes, batch in ((1, 1, 8), (2, 2, 4), ('half', 1, 4)):
        work_dir = root / f'train_{name}'
        run(repo_root, [
            'tools/train.py', CONFIG, '--work-dir',
            str(work_dir), '--cfg-options', *data_options(data_root),
            f'train_dataloader.batch_size={batch}',
            'train_dataloader.dataset.indices=8', 'train_cfg.max_epochs=2',
            'train_cfg.val_interval=10', 'default_hooks.checkpoint.interval=2',
            *OPTIM
        ], processes)
        runs[name] = work_dir / 'epoch_2.pth'
    return data_root, runs


def test_two_processes_train_as_one(trained):
    _, runs = trained
    one = torch.load(runs[1])['state_dict']
    two = torch.load(runs[2])['state_dict']
    assert one.keys() == two.keys()
    worst = max(
        (one[k].float() - two[k].float()).abs().max().item() for k in one)
    print(f'max |weight difference| after 2 epochs: {worst:.3g}')
    assert worst <= WEIGHT_TOLERANCE
    # and one process with half the batch would train otherwise: the
    # comparison can fail
    assert torch.load(runs['half'])['state_dict'].keys() == one.keys()
    half = torch.load(runs['half'])['state_dict']
    assert max((one[k].float() - half[k].float()).abs().max().item()
               for k in one) > 100 * WEIGHT_TOLERANCE


def test_dist_test_gathers_every_window_once(repo_root, trained, tmp_path):
    data_root, runs = trained
    detections = {}
    for processes in (1, 2):
        out_file = tmp_path / f'results_{processes}.json'
        log = run(repo_root, [
            'tools/test.py', CONFIG,
            str(runs[1]), '--work-dir',
            str(tmp_path / f'test_{processes}'), '--cfg-options',
            *data_options(data_root), f'test_evaluator.out_file={out_file}'
        ], processes)
        assert 'tad/mAP' in log
        detections[processes] = json.loads(out_file.read_text())['results']
    assert set(detections[1]) == set(detections[2])
    for video in detections[1]:
        assert detections[1][video] == detections[2][video], video
