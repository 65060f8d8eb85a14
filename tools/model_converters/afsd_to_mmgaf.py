"""Convert a checkpoint of the original AFSD (``BDNet.state_dict()``, as its
``train.py`` saves ``checkpoint-N.ckpt``) to an MMEngine checkpoint of
mmgaf's AFSD.

    python tools/model_converters/afsd_to_mmgaf.py SRC DST \
        [--config CONFIG] [--variant {thumos14,activitynet}]

SRC is read with torch's weights-only unpickler: a file holding anything but
tensors and containers is refused, nothing in it is run. With ``--config``
the converted weights must fill the config's model exactly (missing and left
over keys are named) and load with ``strict=True``; then
``tools/test.py CONFIG DST`` evaluates AFSD's released models:

- THUMOS14 RGB: ``configs/afsd/afsd_thumos14_i3d-e2e.py``;
- THUMOS14 flow: ``configs/afsd/afsd_thumos14_i3d-e2e_flow.py``;
- ActivityNet: ``configs/afsd/afsd_activitynet_i3d-e2e.py``.

``--variant i3d`` converts the I3D weights AFSD trains from instead
(pytorch-i3d's ``rgb_imagenet.pt`` / ``flow_imagenet.pt``): a checkpoint of
mmgaf's ``InceptionI3d`` for the backbone's ``init_cfg=dict(
type='Pretrained', checkpoint=DST)``; with ``--config`` it must fill the
config's backbone (the Kinetics classifier, ``logits.*``, is dropped when
the backbone has no Logits endpoint).
"""
import argparse
import os
import os.path as osp
import sys
from typing import Optional

import torch
from mmengine.config import Config

from mmgaf.models.localizers.afsd_checkpoint import (VARIANTS, afsd_to_mmgaf,
                                                     check_keys,
                                                     detect_variant)
from mmgaf.registry import MODELS
from mmgaf.utils import register_all_modules
from mmgaf.utils.checkpoint_compat import load_checkpoint_safely


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Convert the original AFSD's BDNet checkpoint to an "
        "MMEngine checkpoint of mmgaf's AFSD")
    parser.add_argument('src', help="AFSD's checkpoint (BDNet.state_dict())")
    parser.add_argument('dst', help='the MMEngine checkpoint to write')
    parser.add_argument(
        '--config',
        help='mmgaf config whose model the weights must fill exactly')
    parser.add_argument(
        '--variant',
        choices=VARIANTS,
        help='AFSD layout (default: detected from the weights)')
    return parser.parse_args(argv)


def convert(src: str,
            dst: str,
            config: Optional[str] = None,
            variant: Optional[str] = None) -> dict:
    """Convert ``src`` to ``dst``; returns the written checkpoint."""
    state_dict = load_checkpoint_safely(src)
    if not isinstance(state_dict, dict):
        raise TypeError(f'{src}: expected a state_dict, got '
                        f'{type(state_dict).__name__}')
    # AFSD saves the bare state dict; a wrapped copy is accepted too.
    if 'state_dict' in state_dict and isinstance(state_dict['state_dict'],
                                                 dict):
        state_dict = state_dict['state_dict']
    variant = variant or detect_variant(state_dict)
    model = None
    if config is not None:
        register_all_modules()
        model = MODELS.build(Config.fromfile(config).model)
        if variant == 'i3d':
            model = model.backbone
    converted = afsd_to_mmgaf(state_dict, variant)
    if model is not None:
        expected = list(model.state_dict())
        if variant == 'i3d' and not any(
                key.startswith('logits.') for key in expected):
            converted = type(converted)((key, value)
                                        for key, value in converted.items()
                                        if not key.startswith('logits.'))
        check_keys(converted, expected)
        model.load_state_dict(converted, strict=True)
    checkpoint = dict(
        state_dict=converted,
        meta=dict(
            source=osp.abspath(src),
            converter='tools/model_converters/afsd_to_mmgaf.py',
            afsd_variant=variant,
            config=config))
    out_dir = osp.dirname(osp.abspath(dst))
    os.makedirs(out_dir, exist_ok=True)
    tmp = f'{dst}.tmp'
    torch.save(checkpoint, tmp)
    os.replace(tmp, dst)
    return checkpoint


def main(argv=None):
    args = parse_args(argv)
    checkpoint = convert(args.src, args.dst, args.config, args.variant)
    print(f'{args.src} (AFSD {checkpoint["meta"]["afsd_variant"]}) -> '
          f'{args.dst} ({len(checkpoint["state_dict"])} tensors)')


if __name__ == '__main__':
    sys.exit(main())
