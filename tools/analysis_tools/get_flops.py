"""Parameters and FLOPs of a config's model, by MMEngine's complexity
analysis (``mmengine.analysis.get_model_complexity_info``).

    python tools/analysis_tools/get_flops.py CONFIG [--shape C T]
        [--shape C T H W] [--cfg-options KEY=VALUE ...] [--show-table]

The input is one test window, ``(1, *shape)``: by default ``(feature_dim,
window_size)`` of the config's test dataset for features, or ``(3,
window_size, 96, 96)`` for frames. The model runs in ``mode='tensor'``
(backbone, neck and heads, no post-processing), so AFSD and AFSD + GAF
compare on the same work: GAF's attention is counted, its CVAE (a training
branch) is not. FLOPs count one multiply-add as one, as MMEngine (and
fvcore) do; max-pooling, AFSD's boundary max-pooling included, counts
nothing (MMEngine's convention).

MMEngine traces the model with ``torch.jit.trace``, under which tensor
sizes are tensors; ``boundary_max_pooling`` needs them as ints, so while
counting, a stand-in of the same output shape replaces it (the counts
depend on shapes only).
"""
import argparse
from contextlib import contextmanager
from unittest import mock

import torch
import torch.nn as nn
from mmengine.analysis import get_model_complexity_info
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope

from mmgaf.models.heads import afsd_refine_head
from mmgaf.registry import MODELS
from mmgaf.utils import register_all_modules


def parse_args():
    parser = argparse.ArgumentParser(
        description='Parameters and FLOPs of a model')
    parser.add_argument('config', help='config file')
    parser.add_argument(
        '--shape',
        type=int,
        nargs='+',
        help='input shape without the batch: C T for features, C T H W '
        'for frames (default: from the test dataset)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config entries')
    parser.add_argument(
        '--show-table', action='store_true', help='per-module table')
    return parser.parse_args()


def default_shape(cfg: Config) -> tuple:
    """One test window of the config's dataset, without the batch."""
    dataset = cfg.test_dataloader.dataset
    window = dataset.window_size
    if 'feature' in dataset.get('data_prefix', dict(feature='')):
        if not dataset.get('feature_dim'):
            raise ValueError('the test dataset has no feature_dim; give '
                             '--shape C T')
        return dataset.feature_dim, window
    return 3, window, 96, 96


def shape_only_boundary_pooling(x: torch.Tensor,
                                segments: torch.Tensor) -> torch.Tensor:
    """A stand-in of ``boundary_max_pooling`` with its output's shape,
    ``(B, C, N)``: counting FLOPs needs the shapes only, and max-pooling
    counts zero."""
    return x.new_zeros(x.shape[0], x.shape[1], segments.shape[1])


@contextmanager
def traceable_boundary_pooling():
    """The refinement head calls :func:`shape_only_boundary_pooling` inside
    the block."""
    with mock.patch.object(afsd_refine_head, 'boundary_max_pooling',
                           shape_only_boundary_pooling):
        yield


class TensorForward(nn.Module):
    """The model's ``mode='tensor'`` forward, as a one-input module."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, inputs: torch.Tensor):
        return self.model(inputs, None, mode='tensor')


def main():
    args = parse_args()
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmgaf'))
    shape = tuple(args.shape) if args.shape else default_shape(cfg)
    model = MODELS.build(cfg.model).eval()
    with torch.no_grad(), traceable_boundary_pooling():
        info = get_model_complexity_info(
            TensorForward(model),
            inputs=(torch.zeros(1, *shape), ),
            show_table=args.show_table,
            show_arch=False)
    if args.show_table:
        print(info['out_table'])
    print(f'config: {args.config}\ninput: {(1, ) + shape}\n'
          f'FLOPs: {info["flops_str"]} ({info["flops"]})\n'
          f'parameters: {info["params_str"]} ({info["params"]})')


if __name__ == '__main__':
    main()
