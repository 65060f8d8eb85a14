import json
import os.path as osp

import cv2
import numpy as np
import pytest

CLASSES = ('Jump', 'Throw', 'Dive')


@pytest.fixture
def tad_files(tmp_path):
    """Write a small TAD dataset; returns ``make(database, features)``.

    ``features`` maps video names to ``(C, T)`` arrays, written as
    ``features/<video>.npy`` in ``layout``. ``make`` returns a dict of the
    written paths: ``root``, ``ann_file``, ``class_file``, ``features``.
    """

    def make(database, features=(), layout='TC'):
        feature_dir = tmp_path / 'features'
        feature_dir.mkdir(exist_ok=True)
        for name, feats in dict(features).items():
            np.save(feature_dir / f'{name}.npy',
                    feats.T if layout == 'TC' else feats)
        ann_file = tmp_path / 'ann.json'
        ann_file.write_text(json.dumps(dict(database=database)))
        class_file = tmp_path / 'classes.txt'
        class_file.write_text(''.join(name + '\n' for name in CLASSES))
        return dict(
            root=str(tmp_path),
            ann_file=str(ann_file),
            class_file=str(class_file),
            features=str(feature_dir))

    return make


def _write_video(path, num_frames, fps=30, size=(32, 24)):
    """Write a video whose frame ``i`` is uniformly ``(R, G, B) = (2 * i %
    256, i % 256, 255 - i % 256)``, so that a decoded frame tells its index:
    lossless (FFV1) unless ``path`` ends in ``.mp4`` (MPEG-4 part 2)."""
    fourcc = 'mp4v' if str(path).endswith('.mp4') else 'FFV1'
    width, height = size
    writer = cv2.VideoWriter(
        str(path), cv2.VideoWriter_fourcc(*fourcc), fps, (width, height))
    assert writer.isOpened(), f'cannot write {path}'
    for index in range(num_frames):
        frame = np.empty((height, width, 3), np.uint8)
        frame[...] = (255 - index % 256, index % 256, 2 * index % 256)  # BGR
        writer.write(frame)
    writer.release()
    assert osp.getsize(path) > 0


def _frame_index(image):
    """The index :func:`_write_video` coded into an ``(H, W, 3)`` RGB frame
    (read from its green channel)."""
    return int(round(float(np.asarray(image)[..., 1].mean())))


@pytest.fixture
def write_video():
    """``write_video(path, num_frames, fps=30, size=(32, 24))``: a video
    whose frames tell their index (see :func:`_write_video`)."""
    return _write_video


@pytest.fixture
def frame_index():
    """``frame_index(rgb_image)``: the index a frame of ``write_video``
    codes."""
    return _frame_index
