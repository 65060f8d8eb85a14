"""Merge an RGB and a flow localizer checkpoint into one checkpoint of
``TwoStreamLocalizer`` (AFSD's two-stream late fusion), for tools/test.py.

    python tools/analysis_tools/fuse_two_stream_checkpoints.py \
        RGB.pth FLOW.pth OUT.pth

Each input is an MMEngine checkpoint (or a bare state dict) of a single
localizer, e.g. ``AFSD`` trained on one stream's features; its parameters
become ``rgb.*`` and ``flow.*`` of the fused model. Then:

    python tools/test.py configs/afsd/afsd_thumos14_i3d-feat_two-stream.py \
        OUT.pth
"""
import argparse
import os
import os.path as osp
from collections import OrderedDict

import torch

from mmgaf.utils.checkpoint_compat import load_checkpoint_safely


def _state_dict(path: str) -> dict:
    checkpoint = load_checkpoint_safely(path)
    state = checkpoint.get('state_dict', checkpoint) \
        if isinstance(checkpoint, dict) else None
    if not isinstance(state, dict) or not all(
            isinstance(value, torch.Tensor) for value in state.values()):
        raise ValueError(f'{path} holds no state dict of tensors')
    return state


def fuse_checkpoints(rgb_path: str, flow_path: str) -> dict:
    """The fused checkpoint: ``{'state_dict': ..., 'meta': ...}``."""
    state = OrderedDict()
    for prefix, path in (('rgb', rgb_path), ('flow', flow_path)):
        for key, value in _state_dict(path).items():
            # DataParallel / DDP checkpoints prefix their keys.
            key = key[len('module.'):] if key.startswith('module.') else key
            state[f'{prefix}.{key}'] = value
    return dict(state_dict=state, meta=dict(rgb=rgb_path, flow=flow_path))


def parse_args():
    parser = argparse.ArgumentParser(
        description='Fuse RGB and flow localizer checkpoints for '
        'TwoStreamLocalizer')
    parser.add_argument('rgb', help='checkpoint of the RGB localizer')
    parser.add_argument('flow', help='checkpoint of the flow localizer')
    parser.add_argument('out', help='fused checkpoint to write')
    return parser.parse_args()


def main():
    args = parse_args()
    fused = fuse_checkpoints(args.rgb, args.flow)
    out_dir = osp.dirname(osp.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    torch.save(fused, args.out)
    print(f'{args.rgb} + {args.flow} -> {args.out} '
          f'({len(fused["state_dict"])} tensors)')


if __name__ == '__main__':
    main()
