"""An original AFSD checkpoint, converted, through ``tools/test.py`` gives
the detections of AFSD's ``test.py`` on the same clips.

A random ``BDNet`` (saved as AFSD's ``train.py`` saves it) is converted by
``tools/model_converters/afsd_to_mmgaf.py`` and evaluated by ``tools/test.py``
with ``configs/afsd/afsd_thumos14_i3d-e2e.py`` on a 32 s video decoded at
10 fps (two clips, at frames 0 and 64). The same clips, as mmgaf's pipeline
and data preprocessor give them, go through the original ``BDNet`` and
``test.py``'s per-video logic (``afsd_video`` of
``test_afsd_test_time_parity.py``, AFSD's own ``softnms_v2``). The decoding
and resizing of the clips are compared with AFSD's in
``test_afsd_dataset_parity.py``.
"""
import json
import os
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from test_afsd_checkpoint_converter import random_bdnet
from test_afsd_test_time_parity import afsd_video, by_class

from mmgaf.registry import DATASETS, MODELS

CONFIG = osp.join('configs', 'afsd', 'afsd_thumos14_i3d-e2e.py')
VIDEO = 'video_test_0000001'


def write_video(path, seconds=32, fps=30, size=(128, 96)):
    """Moving colour gradients, so that every clip differs."""
    writer = cv2.VideoWriter(
        str(path), cv2.VideoWriter_fourcc(*'mp4v'), fps, size)
    ys, xs = np.mgrid[:size[1], :size[0]]
    for index in range(seconds * fps):
        frame = np.stack([(xs * 2 + index * 3) % 256, (ys * 2 + index) % 256,
                          (xs + ys + index * 5) % 256], -1).astype(np.uint8)
        writer.write(frame)
    writer.release()


@pytest.fixture(scope='module')
def data_root(shared_data, tmp_path_factory):
    root = tmp_path_factory.mktemp('thumos14_tiny')
    os.makedirs(root / 'videos')
    os.makedirs(root / 'annotations')
    write_video(root / 'videos' / f'{VIDEO}.mp4')
    with open(osp.join(shared_data, 'thumos14',
                       'class_index_detection.txt')) as f:
        classes = [line.split()[1] for line in f if line.strip()]
    (root / 'annotations' / 'classes.txt').write_text('\n'.join(classes))
    database = {
        VIDEO:
        dict(
            subset='test',
            duration=32.0,
            fps=30.0,
            annotations=[dict(label=classes[3], segment=[5.0, 9.5])])
    }
    for name in ('thumos14.json', 'thumos_gt.json'):
        (root / 'annotations' /
         name).write_text(json.dumps(dict(database=database)))
    return root, ['Background'] + classes


@pytest.mark.slow
def test_converted_checkpoint_through_tools_test(afsd_reference, repo_root,
                                                 data_root, tmp_path):
    root, idx_to_class = data_root
    net = random_bdnet(afsd_reference.module('thumos14.BDNet'), 3, seed=11)
    original = tmp_path / 'checkpoint-15.ckpt'
    torch.save(net.state_dict(), original)
    converted = tmp_path / 'afsd.pth'
    # the same thread count as the reference below: the same float sums
    env = dict(os.environ, OMP_NUM_THREADS=str(torch.get_num_threads()))
    subprocess.run([
        sys.executable, 'tools/model_converters/afsd_to_mmgaf.py',
        str(original),
        str(converted), '--config', CONFIG
    ],
                   cwd=repo_root,
                   env=env,
                   check=True,
                   capture_output=True,
                   text=True)
    out_file = tmp_path / 'results.json'
    options = [
        f'test_dataloader.dataset.data_root={root}',
        'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False',
        f'test_evaluator.ann_file={root}/annotations/thumos_gt.json',
        f'test_evaluator.out_file={out_file}'
    ]
    result = subprocess.run([
        sys.executable, 'tools/test.py', CONFIG,
        str(converted), '--work-dir',
        str(tmp_path / 'work'), '--cfg-options', *options
    ],
                            cwd=repo_root,
                            env=env,
                            capture_output=True,
                            text=True,
                            timeout=600)
    assert result.returncode == 0, \
        result.stdout[-3000:] + result.stderr[-3000:]
    written = json.loads(out_file.read_text())['results']

    # the same clips through the original network and test.py's logic
    cfg = Config.fromfile(osp.join(repo_root, CONFIG))
    cfg.merge_from_dict({
        key: value
        for key, value in (o.split('=', 1) for o in options[:1])
    })
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    preprocessor = MODELS.build(cfg.model).data_preprocessor
    offsets, clip_outputs = [], []
    with torch.no_grad():
        for index in range(len(dataset)):
            data = preprocessor(pseudo_collate([dataset[index]]), False)
            offsets.append(data['data_samples'][0].window_start)
            clip_outputs.append(net(data['inputs']))
    assert offsets == [0, 64]
    softnms_v2 = afsd_reference.module('common.segment_utils').softnms_v2
    reference = afsd_video(clip_outputs, offsets, 10.0, softnms_v2,
                           dict(enumerate(idx_to_class)))

    assert list(written) == [VIDEO]
    ours, theirs = by_class(written[VIDEO]), by_class(reference)
    assert len(reference) > 100
    assert ours.keys() == theirs.keys()
    for label, (segments, scores) in theirs.items():
        got_segments, got_scores = ours[label]
        assert len(got_scores) == len(scores), label
        np.testing.assert_allclose(
            got_segments, segments, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(got_scores, scores, rtol=0, atol=1e-6)
