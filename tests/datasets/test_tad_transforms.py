import numpy as np
import pytest
import torch
from PIL import Image

from mmgaf.datasets.transforms import (ConvertGtToWindow, CropWindow,
                                       LoadFeatures, PackTADInputs,
                                       RawFrameInit, RescaleFeatures,
                                       ResizeFrames, SampleWindowFrames)
from mmgaf.structures import TADDataSample

META = dict(
    video_name='v',
    duration=9.0,
    window_start=2,
    window_size=5,
    valid_len=3,
    time_scale=0.5,
    time_shift=1.0)


@pytest.mark.parametrize('layout', ['TC', 'CT'])
def test_load_features_is_lazy(tmp_path, layout):
    feats = np.arange(20, dtype=np.float32).reshape(2, 10)  # (C, T)
    np.save(tmp_path / 'v.npy', feats.T if layout == 'TC' else feats)
    results = LoadFeatures()(
        dict(
            feature_path=str(tmp_path / 'v.npy'),
            feature_layout=layout,
            feature_dim=2,
            video_name='v'))
    # a view of the memory map: nothing is read until it is sliced
    assert isinstance(results['feats'], np.memmap)
    np.testing.assert_array_equal(results['feats'], feats)


def test_crop_window(tmp_path):
    feats = np.arange(20, dtype=np.float32).reshape(10, 2)  # (T, C)
    np.save(tmp_path / 'v.npy', feats)
    results = LoadFeatures()(
        dict(
            feature_path=str(tmp_path / 'v.npy'),
            feature_layout='TC',
            video_name='v',
            window_start=6,
            valid_len=3))
    results = CropWindow()(results)
    assert type(results['feats']) is np.ndarray
    assert results['feats'].flags.writeable
    np.testing.assert_array_equal(results['feats'],
                                  [[12, 14, 16], [13, 15, 17]])
    results.update(feats=feats.T, window_start=8)
    with pytest.raises(ValueError, match=r"'v'.*\[8, 11\).*10 steps"):
        CropWindow()(results)


def test_rescale_features():
    # feature i at i + 0.5 s; steps every 0.75 s from 0 s
    results = RescaleFeatures()(
        dict(
            feats=np.array([[0., 10., 20., 30.]]),
            feature_time_scale=1.0,
            feature_time_shift=0.5,
            time_scale=0.75,
            time_shift=0.,
            valid_len=5))
    # indices -0.5 (clamped to 0), 0.25, 1.0, 1.75, 2.5
    np.testing.assert_allclose(results['feats'], [[0, 2.5, 10, 17.5, 25]])
    assert results['feats'].dtype == np.float32


def test_convert_gt_to_window():
    results = ConvertGtToWindow()(
        dict(
            META,
            num_steps=20,
            min_kept_ratio=0.5,
            ann_segments=np.array([[1.5, 2.0], [0.5, 1.5], [2.0, 4.0]]),
            ann_labels=np.array([2, 0, 1])))
    # positions (s - 1) / 0.5: [1, 2] kept; [-1, 1] half inside, kept
    # clipped; [2, 6] 1 of 4 steps inside valid_len 3, dropped
    np.testing.assert_allclose(results['gt_segments'], [[1, 2], [0, 1]])
    assert results['gt_labels'].tolist() == [2, 0]
    # the video's ground truth stays as it was
    assert results['ann_labels'].tolist() == [2, 0, 1]


def test_pack_features():
    packed = PackTADInputs()(
        dict(
            META,
            feats=np.array([[1., 2., 3.], [4., 5., 6.]]),
            gt_segments=np.array([[0.5, 2.5]], dtype=np.float32),
            gt_labels=np.array([1])))
    inputs, sample = packed['inputs'], packed['data_samples']
    assert inputs.dtype == torch.float32
    np.testing.assert_array_equal(inputs.numpy(),
                                  [[1, 2, 3, 0, 0], [4, 5, 6, 0, 0]])
    assert isinstance(sample, TADDataSample)
    assert sample.metainfo == META
    np.testing.assert_array_equal(sample.gt_instances.segments.numpy(),
                                  [[0.5, 2.5]])
    assert sample.gt_instances.labels.dtype == torch.int64


def test_pack_frames():
    frames = [np.full((4, 6, 3), index, np.uint8) for index in (1, 2, 3)]
    frames[1][2, 5] = (10, 20, 30)
    packed = PackTADInputs()(dict(META, imgs=frames))
    inputs = packed['inputs']
    assert inputs.shape == (3, 5, 4, 6)  # (C, T, H, W)
    assert inputs[:, 1, 2, 5].tolist() == [10, 20, 30]
    assert inputs[0, :, 0, 0].tolist() == [1, 2, 3, 0, 0]
    assert 'gt_instances' not in packed['data_samples']


def test_pack_boundary_contrast():
    packed = PackTADInputs()(
        dict(
            META,
            feats=np.ones((2, 3)),
            ssl_inputs=np.full((2, 5), 7.),
            ssl_segments=np.arange(6.).reshape(3, 2),
            ssl_valid=True))
    sample = packed['data_samples']
    assert sample.ssl_inputs.dtype == torch.float32
    assert sample.ssl_inputs.shape == packed['inputs'].shape
    assert sample.ssl_inputs.eq(7).all()
    assert sample.ssl_segments.tolist() == [[0, 1], [2, 3], [4, 5]]
    assert sample.ssl_valid.tolist() == [True]
    # nothing when the pipeline has no BoundaryContrast
    assert 'ssl_inputs' not in PackTADInputs()(dict(
        META, feats=np.ones((2, 3))))['data_samples']


def test_pack_pad_value():
    inputs = PackTADInputs(pad_value=127.5)(dict(META, feats=np.ones(
        (2, 3))))['inputs']
    assert inputs[:, 3:].eq(127.5).all() and inputs[:, :3].eq(1).all()


def test_pack_errors():
    with pytest.raises(ValueError, match="'v'.*needs \"feats\""):
        PackTADInputs()(dict(META))
    with pytest.raises(ValueError, match="'v'.*4 steps, expected valid_len"):
        PackTADInputs()(dict(META, feats=np.zeros((2, 4))))


def test_sample_window_frames():
    results = SampleWindowFrames()(
        dict(
            time_shift=2.0,
            time_scale=0.1,
            valid_len=5,
            avg_fps=30.0,
            total_frames=64,
            start_index=0))
    # frames 60, 63, then past the video's 64 frames: its last one
    assert results['frame_inds'].tolist() == [60, 63, 63, 63, 63]
    assert (results['clip_len'], results['num_clips']) == (5, 1)
    results = SampleWindowFrames()(
        dict(
            time_shift=0.,
            time_scale=0.1,
            valid_len=5,
            avg_fps=29.97,
            total_frames=100,
            start_index=1))
    # floor(2.997 k), then 1-based file names
    assert results['frame_inds'].tolist() == [1, 3, 6, 9, 12]
    results = SampleWindowFrames()(
        dict(
            time_shift=0.3,
            time_scale=0.1,
            valid_len=3,
            avg_fps=10.0,
            total_frames=100,
            start_index=0))
    # 0.3 * 10 is 2.9999999999999996 in floats: still frame 3
    assert results['frame_inds'].tolist() == [3, 4, 5]


def test_sample_window_frames_video2npy():
    """AFSD's video2npy keeps a frame each time its count reaches another
    fps / 10: frame ceil((k + 1) fps / 10) - 1 for step k."""
    for fps, expected in ((30., [2, 5, 8, 11]), (25., [2, 4, 7,
                                                       9]), (24., [2, 4, 7,
                                                                   9])):
        results = SampleWindowFrames(rule='video2npy')(
            dict(
                time_shift=0.,
                time_scale=0.1,
                valid_len=4,
                avg_fps=fps,
                total_frames=100,
                start_index=0))
        assert results['frame_inds'].tolist() == expected
    # a window from step 20 of a 30 fps video; past the end: the last frame
    results = SampleWindowFrames(rule='video2npy')(
        dict(
            time_shift=2.0,
            time_scale=0.1,
            valid_len=3,
            avg_fps=30.,
            total_frames=66,
            start_index=1))
    assert results['frame_inds'].tolist() == [63, 66, 66]
    with pytest.raises(ValueError, match='rule'):
        SampleWindowFrames(rule='nearest')


def test_convert_gt_to_window_afsd_rule():
    results = ConvertGtToWindow()(
        dict(
            META,
            num_steps=20,
            min_kept_ratio=0.5,
            window_gt_rule='afsd',
            ann_segments=np.array([[1.25, 2.0], [1.5, 4.0]]),
            ann_labels=np.array([2, 1])))
    # positions [0.5, 2] clipped to AFSD's [1, window_size = 5]; [1, 6]
    # clipped at 5, past valid_len 3
    np.testing.assert_allclose(results['gt_segments'], [[1, 2], [1, 5]])


def test_resize_frames_backends():
    frame = np.random.default_rng(0).integers(0, 256, (24, 32, 3), np.uint8)

    def resize(**kwargs):
        return ResizeFrames(
            scale=(8, 6), keep_ratio=False, **kwargs)(
                dict(imgs=[frame], img_shape=(24, 32)))

    results = resize(interpolation='bicubic', backend='pillow')
    # PIL's antialiased bicubic, not OpenCV's
    np.testing.assert_array_equal(
        results['imgs'][0],
        np.asarray(Image.fromarray(frame).resize((8, 6), Image.BICUBIC)))
    assert results['img_shape'] == (6, 8)
    assert not np.array_equal(
        resize(interpolation='bicubic')['imgs'][0], results['imgs'][0])
    with pytest.raises(ValueError, match='backend'):
        ResizeFrames(scale=(8, 6), backend='skimage')


def test_raw_frame_init(tmp_path):
    for index in range(1, 8):
        (tmp_path / f'img_{index:05}.jpg').write_bytes(b'')
    (tmp_path / 'notes.txt').write_text('')
    results = RawFrameInit(fps=10.)(
        dict(frame_dir=str(tmp_path), filename_tmpl='img_{:05}.jpg'))
    assert (results['total_frames'], results['avg_fps']) == (7, 10.)
    with pytest.raises(FileNotFoundError, match=r"'e'.*no \.png frames"):
        RawFrameInit(fps=10.)(
            dict(
                frame_dir=str(tmp_path),
                filename_tmpl='{:03}.png',
                video_name='e'))


def test_raw_frame_init_flow_at_the_videos_fps(tmp_path):
    for index in range(5):
        for axis in 'xy':
            (tmp_path / f'flow_{axis}_{index:05}.jpg').write_bytes(b'')
    results = RawFrameInit()(
        dict(
            frame_dir=str(tmp_path),
            filename_tmpl='flow_{}_{:05}.jpg',
            modality='Flow',
            fps=25.))
    # an x and a y image per frame; the annotation file's fps
    assert (results['total_frames'], results['avg_fps']) == (5, 25.)
    with pytest.raises(ValueError, match="'e'.*no fps"):
        RawFrameInit()(
            dict(
                frame_dir=str(tmp_path),
                filename_tmpl='{:03}.jpg',
                video_name='e',
                fps=None))


def test_pack_flow():
    # RawFrameDecode's flow layout: x, y images of each frame in turn
    images = [
        np.full((4, 6), 10 * step + axis, np.uint8) for step in range(3)
        for axis in range(2)
    ]
    inputs = PackTADInputs()(dict(META, imgs=images,
                                  modality='Flow'))['inputs']
    assert inputs.shape == (2, 5, 4, 6)
    assert inputs[:, :, 0, 0].tolist() == [[0, 10, 20, 0, 0],
                                           [1, 11, 21, 0, 0]]
