"""init_detector / inference_detector: windows as the test dataset, merged
as TADMetric, from features or from a video's I3D features."""
import json
import os
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate

from mmgaf.apis import inference_detector, init_detector, window_merger_of
from mmgaf.evaluation.metrics import TADMetric
from mmgaf.registry import DATASETS
from tests.apis import inference_setup

pytestmark = pytest.mark.usefixtures('one_thread')

# the shared fixtures
inference_setting = inference_setup.inference_setting
video_file = inference_setup.video_file
write_video = inference_setup.write_video
VIDEO = 'validation_0001'


def test_features_detections_equal_the_metric(inference_setting, tmp_path):
    config, _, checkpoint, _, data_root = inference_setting
    model = init_detector(config, checkpoint)
    assert len(model.dataset_meta['classes']) == 20

    # The metric's own path: the test dataset, every window, TADMetric.
    cfg = Config.fromfile(config)
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    out_file = str(tmp_path / 'results.json')
    metric = TADMetric(
        **dict({
            k: v
            for k, v in cfg.test_evaluator.items() if k != 'type'
        },
               out_file=out_file))
    metric.dataset_meta = dataset.metainfo
    with torch.no_grad():
        for first in range(0, len(dataset), 8):
            batch = pseudo_collate([
                dataset[i] for i in range(first, min(first + 8, len(dataset)))
            ])
            metric.process(batch,
                           [s.to_dict() for s in model.test_step(batch)])
    metric.evaluate(len(dataset))
    with open(out_file) as file:
        expected = json.load(file)['results'][VIDEO]
    duration = json.load(open(osp.join(
        data_root, 'annotations.json')))['database'][VIDEO]['duration']

    result = inference_detector(
        model,
        osp.join(data_root, 'features', f'{VIDEO}.npy'),
        duration=duration)
    assert result['video_name'] == VIDEO
    assert result['duration'] == pytest.approx(duration)
    assert len(result['scores']) == len(expected) > 10
    np.testing.assert_allclose(
        result['scores'], [d['score'] for d in expected], rtol=1e-6)
    np.testing.assert_allclose(
        result['segments'], [d['segment'] for d in expected], rtol=1e-6)
    assert result['label_names'] == [d['label'] for d in expected]
    assert np.all(np.diff(result['scores']) <= 0)

    # An array of the same features gives the same; without a duration the
    # features' span is the video's.
    features = np.load(osp.join(data_root, 'features', f'{VIDEO}.npy'))
    same = inference_detector(
        model, features, video_name='v', duration=duration)
    np.testing.assert_allclose(same['scores'], result['scores'])
    spanned = inference_detector(model, features[:100])
    assert spanned['video_name'] == 'video'
    assert spanned['duration'] == pytest.approx((99 * 4 + 16) / 30)
    assert spanned['segments'].max() <= spanned['duration'] + 1e-9


def test_merger_follows_the_test_evaluator(inference_setting):
    config = Config.fromfile(inference_setting[0])
    merger = window_merger_of(config)
    assert merger.max_per_video == 200 and merger.clip_to_duration
    config.test_evaluator = dict(
        type='TADMetric',
        ann_file='x',
        max_per_video=5,
        nms_cfg=dict(type='nms', iou_thr=0.4),
        clip_to_duration=False)
    merger = window_merger_of(config)
    assert merger.max_per_video == 5 and not merger.clip_to_duration
    assert merger.nms_kwargs == dict(iou_thr=0.4)


def test_video_features_are_extracted_once(inference_setting, video_file,
                                           tmp_path):
    _, config, _, checkpoint, _ = inference_setting
    model = init_detector(config, checkpoint)
    cache = tmp_path / 'cache'
    result = inference_detector(model, video_file, cache_dir=str(cache))
    name = osp.splitext(osp.basename(video_file))[0]
    assert result['video_name'] == name
    (npy, ) = [f for f in os.listdir(cache) if f.endswith('.npy')]
    features = np.load(cache / npy)
    # ((frames at 10 fps) - 16) / 8 + 1 clips
    assert features.shape[1] == 1024 and features.shape[0] >= 3
    assert len(result['scores']) > 0
    assert result['segments'].min() >= 0
    assert result['segments'].max() <= result['duration'] + 1e-9
    mtime = os.stat(cache / npy).st_mtime_ns
    again = inference_detector(model, video_file, cache_dir=str(cache))
    assert os.stat(cache / npy).st_mtime_ns == mtime
    np.testing.assert_allclose(again['scores'], result['scores'])


def test_bad_inputs_name_the_file(inference_setting, tmp_path):
    feature_config, video_config, feature_ckpt, video_ckpt, _ = \
        inference_setting
    model = init_detector(video_config, video_ckpt)
    with pytest.raises(FileNotFoundError, match='missing.mp4'):
        inference_detector(model, str(tmp_path / 'missing.mp4'))
    broken = tmp_path / 'broken.mp4'
    broken.write_bytes(b'not a video' * 100)
    with pytest.raises(RuntimeError, match=f'{broken}: cannot open the video'):
        inference_detector(model, str(broken))
    short = tmp_path / 'short.avi'
    write_video(short, 'MJPG', 25, 10)  # 4 frames at 10 fps
    with pytest.raises(
            RuntimeError, match=f'{short}: .*shorter than one clip of 16'):
        inference_detector(model, str(short))
    wrong = tmp_path / 'wrong.npy'
    np.save(wrong, np.zeros((20, 7), np.float32))
    with pytest.raises(ValueError, match='wrong'):
        inference_detector(model, str(wrong))

    # 256-d features: no extractor in the config, and none could fit
    features_model = init_detector(feature_config, feature_ckpt)
    with pytest.raises(ValueError, match='feature_extractor=dict'):
        inference_detector(features_model, str(short))


def test_checkpoint_of_another_model(inference_setting):
    feature_config, _, _, video_ckpt, _ = inference_setting
    with pytest.raises(RuntimeError, match='does not fit the model'):
        init_detector(feature_config, video_ckpt)
