import os.path as osp

import cv2
import decord
import numpy as np
import pytest

from mmgaf.registry import DATASETS

DECODE = [
    dict(type='DecordInit'),
    dict(type='SampleWindowFrames'),
    dict(type='DecordDecode')
]
PACK = [dict(type='ConvertGtToWindow'), dict(type='PackTADInputs')]


def build(files, data_prefix, pipeline, **kwargs):
    cfg = dict(
        type='TADDataset',
        ann_file=files['ann_file'],
        class_file=files['class_file'],
        data_prefix=data_prefix,
        sample_fps=10.0,
        window_size=16,
        window_stride=8,
        test_mode=True,
        pipeline=pipeline)
    cfg.update(kwargs)
    return DATASETS.build(cfg)


def decoded_indices(inputs, frame_index):
    """The coded frame index of every step of a (3, T, H, W) input."""
    return [
        frame_index(inputs[:, step].permute(1, 2, 0).numpy())
        for step in range(inputs.shape[1])
    ]


@pytest.fixture
def video_files(tmp_path, tad_files, write_video):
    (tmp_path / 'videos').mkdir()
    # 100 frames at 30 fps: 3.33 s, 34 steps at 10 fps
    write_video(tmp_path / 'videos' / 'a.avi', 100)
    # 30 frames: 1 s, 10 steps
    write_video(tmp_path / 'videos' / 'b.avi', 30)
    return tad_files(
        dict(
            a=dict(
                subset='test',
                duration=100 / 30,
                annotations=[dict(label='Jump', segment=[1.0, 2.0])]),
            b=dict(subset='test', duration=1.0, annotations=[])))


def test_video_windows(video_files, frame_index):
    dataset = build(
        video_files,
        dict(video=osp.join(video_files['root'], 'videos')),
        DECODE + PACK,
        video_suffix='.avi')
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    assert [(i['video_name'], i['window_start'], i['valid_len'])
            for i in infos] == [('a', 0, 16), ('a', 8, 16), ('a', 16, 16),
                                ('a', 18, 16), ('b', 0, 10)]
    packed = dataset[1]
    inputs, sample = packed['inputs'], packed['data_samples']
    assert inputs.shape == (3, 16, 24, 32)
    # step k of the window starting at step 8 is the frame shown at
    # (8 + k) / 10 s: frame 3 (8 + k) of the 30 fps video
    assert decoded_indices(inputs,
                           frame_index) == [3 * (8 + k) for k in range(16)]
    assert (sample.time_scale, sample.time_shift) == (0.1, 0.8)
    np.testing.assert_allclose(
        sample.gt_instances.segments.numpy(), [[2, 12]], atol=1e-5)
    # the last window ends with the video's last frames
    assert decoded_indices(dataset[3]['inputs'], frame_index)[-1] == 3 * 33
    # a video shorter than a window is padded with zeros
    short = dataset[4]['inputs']
    assert decoded_indices(short[:, :10], frame_index) == list(range(0, 30, 3))
    assert not short[:, 10:].any()


def test_afsd_frames(video_files, frame_index):
    """frame_count='floor' and rule='video2npy': AFSD's video2npy keeps
    floor(3.33 s * 10) = 33 frames of the 100, frame 3 k + 2 for step k
    (tests/parity checks the rule against video2npy itself)."""
    dataset = build(
        video_files,
        dict(video=osp.join(video_files['root'], 'videos')),
        [
            dict(type='DecordInit'),
            dict(type='SampleWindowFrames', rule='video2npy'),
            dict(type='DecordDecode')
        ] + PACK,
        video_suffix='.avi',
        frame_count='floor')
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    assert [(i['video_name'], i['window_start'], i['num_steps'])
            for i in infos] == [('a', 0, 33), ('a', 8, 33), ('a', 16, 33),
                                ('a', 17, 33), ('b', 0, 10)]
    last = decoded_indices(dataset[3]['inputs'], frame_index)
    assert last == [3 * (17 + k) + 2 for k in range(16)]
    # b: 30 frames, 10 steps either way; its last step takes frame 29
    assert decoded_indices(dataset[4]['inputs'][:, :10],
                           frame_index) == list(range(2, 30, 3))
    with pytest.raises(ValueError, match='frame_count'):
        build(
            video_files,
            dict(video=video_files['root']),
            PACK,
            frame_count='round')


def test_video_training_augmentation(video_files, frame_index):
    dataset = build(
        video_files,
        dict(video=osp.join(video_files['root'], 'videos')),
        DECODE + [
            dict(type='Resize', scale=(20, 20), keep_ratio=False),
            dict(type='RandomCrop', size=16),
            dict(type='Flip', flip_ratio=0.5),
        ] + PACK,
        video_suffix='.avi',
        test_mode=False)
    # only 'a' has ground truth; its windows 0 and 8 hold Jump [10, 20]
    assert len(dataset) == 2
    inputs = dataset[0]['inputs']
    assert inputs.shape == (3, 16, 16, 16)
    assert decoded_indices(inputs, frame_index) == [3 * k for k in range(16)]


def test_rescaled_video(video_files, frame_index):
    dataset = build(
        video_files,
        dict(video=osp.join(video_files['root'], 'videos')),
        DECODE + PACK,
        video_suffix='.avi',
        window_size=8,
        window_stride=None,
        rescale=True,
        sample_fps=None)
    packed = dataset[0]
    # 8 steps over 3.33 s: frames floor(12.5 j)
    assert decoded_indices(packed['inputs'],
                           frame_index) == [0, 12, 25, 37, 50, 62, 75, 87]
    np.testing.assert_allclose(
        packed['data_samples'].gt_instances.segments.numpy(), [[2.4, 4.8]],
        atol=1e-5)


def test_rawframes(tmp_path, tad_files, frame_index):
    frame_dir = tmp_path / 'frames' / 'a'
    frame_dir.mkdir(parents=True)
    for index in range(34):  # 10 fps frames of a 3.4 s video
        image = np.full((12, 16, 3), (0, index, 0), np.uint8)
        cv2.imwrite(str(frame_dir / f'img_{index + 1:05}.png'), image)
    files = tad_files(
        dict(
            a=dict(
                subset='test',
                duration=3.4,
                annotations=[dict(label='Dive', segment=[0.5, 1.5])])))
    dataset = build(
        files,
        dict(img=str(tmp_path / 'frames')),
        [
            dict(type='RawFrameInit', fps=10.0),
            dict(type='SampleWindowFrames'),
            dict(type='RawFrameDecode')
        ] + PACK,
        filename_tmpl='img_{:05}.png',
        start_index=1)
    assert [
        dataset.get_data_info(i)['window_start'] for i in range(len(dataset))
    ] == [0, 8, 16, 18]
    packed = dataset[3]
    assert decoded_indices(packed['inputs'],
                           frame_index) == list(range(18, 34))


def test_missing_inputs(video_files):
    with pytest.raises(FileNotFoundError, match="'a'.*a.mp4"):
        build(video_files, dict(video=osp.join(video_files['root'], 'videos')),
              DECODE + PACK)
    with pytest.raises(FileNotFoundError, match="'a'.*frame folder"):
        build(video_files, dict(img=video_files['root']), PACK)


@pytest.mark.parametrize('name, fps, num_frames', [
    ('arm_wrestling.mp4', 28, 280),
    ('apply_eye_makeup.avi', 25, 164),
])
def test_real_videos(shared_data, tad_files, name, fps, num_frames):
    path = osp.join(shared_data, 'videos', name)
    stem, suffix = osp.splitext(name)
    files = tad_files({
        stem:
        dict(
            subset='test',
            duration=num_frames / fps,
            annotations=[dict(label='Jump', segment=[2.0, 5.0])])
    })
    dataset = build(
        files,
        dict(video=osp.dirname(path)),
        DECODE + [
            dict(type='Resize', scale=(112, 112), keep_ratio=False),
            dict(type='CenterCrop', crop_size=96)
        ] + PACK,
        video_suffix=suffix,
        window_size=64,
        window_stride=36)
    reader = decord.VideoReader(path)
    assert len(reader) == num_frames
    num_steps = int(np.ceil(num_frames / fps * 10))
    last = dataset[len(dataset) - 1]
    start = last['data_samples'].window_start
    assert start == num_steps - 64
    assert last['inputs'].shape == (3, 64, 96, 96)
    # the frames of the window are the video's frames at (start + k) / 10 s
    indices = np.floor((start + np.arange(64)) / 10 * reader.get_avg_fps() +
                       1e-6).astype(int)
    expected = reader.get_batch(list(indices)).asnumpy()
    expected = np.stack([
        cv2.resize(frame, (112, 112))[8:104, 8:104] for frame in expected
    ]).transpose(3, 0, 1, 2)
    np.testing.assert_allclose(last['inputs'].numpy(), expected, atol=1)
