"""A tiny AFSD checkpoint and configs for the inference tests: one for the
built-in dataset's 256-d features, one for 1024-d I3D features of videos
(random I3D weights on 32x32 crops). Test modules import the fixtures."""
import os
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmgaf.datasets.synthetic import SyntheticTAD
from mmgaf.registry import MODELS

FEATURE_CONFIG = """
_base_ = '{repo}/configs/afsd/afsd_synthetic.py'
data_root = '{root}'
channels = 32
model = dict(
    pyramid=dict(feat_channels=channels),
    coarse_head=dict(in_channels=channels, feat_channels=channels),
    refine_head=dict(in_channels=channels, proposal_channels=channels,
                     frame_channels=channels))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + '/annotations.json')
test_evaluator = val_evaluator
"""

VIDEO_CONFIG = FEATURE_CONFIG + """
model = dict(pyramid=dict(in_channels=1024))
test_dataloader = dict(
    batch_size=2,
    dataset=dict(feature_dim=1024, fps=10., feature_stride=8,
                 feature_clip_len=16))
feature_extractor = dict(checkpoint=None, short_side=32, crop_size=32)
"""


def write_video(path, fourcc, fps, num_frames, size=(40, 32)):
    """Frames whose colours change with the frame index."""
    writer = cv2.VideoWriter(
        str(path), cv2.VideoWriter_fourcc(*fourcc), fps, size)
    assert writer.isOpened(), f'OpenCV cannot write {path}'
    for i in range(num_frames):
        frame = np.zeros((size[1], size[0], 3), np.uint8)
        frame[:, :, 0] = (7 * i) % 256
        frame[:, :size[0] // 2, 1] = (250 - 5 * i) % 256
        writer.write(frame)
    writer.release()


@pytest.fixture(scope='session')
def inference_setting(repo_root, tmp_path_factory):
    """``(feature config, video config, feature checkpoint, video
    checkpoint, data root)``; the checkpoints hold random weights in
    MMEngine's layout, with the class names in ``meta``."""
    root = tmp_path_factory.mktemp('inference')
    data_root = root / 'synthetic'
    SyntheticTAD(seed=0).write(str(data_root), dict(validation=2))
    classes = [
        line.strip() for line in open(data_root / 'classes.txt')
        if line.strip()
    ]
    paths = []
    for name, text in (('feature', FEATURE_CONFIG), ('video', VIDEO_CONFIG)):
        config = root / f'{name}_config.py'
        config.write_text(text.format(repo=repo_root, root=data_root))
        torch.manual_seed(0)
        # PyTorch's default initialisation, not the config's: its
        # classifier prior of 0.01 leaves no detection above the scores'
        # floors, and the outputs must have some
        model = MODELS.build(Config.fromfile(str(config)).model)
        checkpoint = root / f'{name}.pth'
        torch.save(
            dict(
                meta=dict(dataset_meta=dict(classes=tuple(classes))),
                state_dict=model.state_dict()), checkpoint)
        paths += [str(config), str(checkpoint)]
    return paths[0], paths[2], paths[1], paths[3], str(data_root)


@pytest.fixture(scope='session')
def video_file(repo_root, tmp_path_factory):
    """A real clip of ../shared/data/videos (or $MMGAF_SHARED_DATA) when
    present, else a generated 5 s video."""
    shared = os.environ.get('MMGAF_SHARED_DATA',
                            osp.join(repo_root, '..', 'shared', 'data'))
    path = osp.join(shared, 'videos', 'apply_eye_makeup.avi')
    if osp.isfile(path):
        return osp.abspath(path)
    path = tmp_path_factory.mktemp('video') / 'generated.avi'
    write_video(path, 'MJPG', 25, 125)
    return str(path)
