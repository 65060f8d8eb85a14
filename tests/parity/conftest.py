"""The original AFSD code as a test oracle.

``../shared/reference/afsd`` (or ``$MMGAF_AFSD_REFERENCE``) holds AFSD as its
authors released it (Apache-2.0). It is imported from there at test time and
never copied into mmgaf; every test of this folder skips when it is absent.

AFSD parses ``sys.argv`` and reads its YAML config when ``AFSD.common.config``
is imported, and ``AFSD.prop_pooling`` imports a compiled CUDA extension: the
fixture below gives the first a fixed command line and the second a CPU
stand-in with the kernel's forward semantics (a max over each clamped,
inclusive region; see ``boundary_max_pooling_kernel.cu``).
"""
import importlib
import os
import os.path as osp
import sys
import types
from contextlib import contextmanager

import pytest
import torch

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def reference_root() -> str:
    return os.environ.get(
        'MMGAF_AFSD_REFERENCE',
        osp.join(REPO_ROOT, '..', 'shared', 'reference', 'afsd'))


def _kernel_forward(x: torch.Tensor, segments: torch.Tensor) -> torch.Tensor:
    """``BoundaryPoolingForward`` of the CUDA kernel, on any device.

    x: (B, C, T); segments: (B, N, 4) as [l0, r0, l1, r1] for the two channel
    halves. Returns (B, C, N).
    """
    batch, channels, length = x.shape
    half = channels // 2
    out = x.new_empty(batch, channels, segments.size(1))
    # The kernel truncates towards zero (static_cast<int>) before clamping.
    bounds = segments.trunc().long().clamp(0, length - 1)
    for b in range(batch):
        for n in range(segments.size(1)):
            for h in range(2):
                left = int(bounds[b, n, 2 * h])
                right = max(left, int(bounds[b, n, 2 * h + 1]))
                out[b, h * half:(h + 1) * half,
                    n] = x[b, h * half:(h + 1) * half, left:right + 1].amax(-1)
    return out


def _kernel_backward(grad_output, x, segments):
    """``BoundaryPoolingBackward`` as written, including its indexing with
    ``tscale = grad_output.size(2)`` (the number of segments)."""
    batch, channels, length = x.shape
    tscale = grad_output.size(2)
    half = channels // 2
    grad = torch.zeros_like(x)
    bounds = segments.trunc().long().clamp(0, tscale - 1)
    flat_x = x.reshape(-1)
    flat_grad = grad.view(-1)
    for b in range(batch):
        for c in range(channels):
            h = c // half
            base = b * channels * tscale + c * tscale
            for n in range(segments.size(1)):
                left = int(bounds[b, n, 2 * h])
                right = max(left, int(bounds[b, n, 2 * h + 1]))
                window = flat_x[base + left:base + right + 1]
                flat_grad[base + left + int(window.argmax())] += \
                    grad_output[b, c, n]
    return grad


@contextmanager
def _afsd_import_environment(root: str, yaml_name: str):
    saved_argv = sys.argv
    sys.argv = ['afsd', osp.join(root, 'configs', yaml_name)]
    sys.path.insert(0, root)
    stand_in = types.ModuleType('boundary_max_pooling_cuda')
    stand_in.forward = _kernel_forward
    stand_in.backward = _kernel_backward
    sys.modules.setdefault('boundary_max_pooling_cuda', stand_in)
    try:
        yield
    finally:
        sys.argv = saved_argv
        sys.path.remove(root)


class AFSDReference:
    """Lazy access to the original modules, e.g. ``ref.module('thumos14.
    BDNet')`` for ``AFSD/thumos14/BDNet.py``."""

    def __init__(self, root: str, yaml_name: str = 'thumos14.yaml'):
        self.root = root
        self.yaml_name = yaml_name

    def module(self, name: str):
        with _afsd_import_environment(self.root, self.yaml_name):
            return importlib.import_module(f'AFSD.{name}')

    def path(self, *parts: str) -> str:
        return osp.join(self.root, *parts)


@pytest.fixture(scope='session')
def afsd_reference() -> AFSDReference:
    """The original AFSD package; skips the test when it is absent."""
    root = osp.abspath(reference_root())
    if not osp.isfile(osp.join(root, 'AFSD', 'thumos14', 'BDNet.py')):
        pytest.skip(f'the original AFSD code ({root}) is absent')
    # what the original code imports beyond mmgaf's own requirements
    # (requirements/tests.txt)
    for package in ('yaml', 'pandas', 'joblib', 'tqdm'):
        pytest.importorskip(package)
    return AFSDReference(root)
