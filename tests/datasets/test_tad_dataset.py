import numpy as np
import pytest
import torch

from mmgaf.datasets.transforms import ConvertGtToWindow
from mmgaf.registry import DATASETS

# I3D-like timing: a step every 4 frames at 30 fps, centred 8 frames after
# its clip's first frame: step p of the video is at (4 p + 8) / 30 seconds
TIMING = dict(fps=30.0, feature_stride=4, feature_clip_len=16)
PIPELINE = [
    dict(type='LoadFeatures'),
    dict(type='CropWindow'),
    dict(type='ConvertGtToWindow'),
    dict(type='PackTADInputs')
]


def seconds(step):
    return (4 * step + 8) / 30


def ramp(num_steps, channels=3):
    """(C, T) features whose value tells channel and step: 100 c + t."""
    return (100. * np.arange(channels)[:, None] +
            np.arange(num_steps)[None]).astype(np.float32)


@pytest.fixture
def videos():
    return {
        'v1':
        dict(
            subset='training',
            duration=13.75,
            annotations=[
                # numeric strings, as in THUMOS's thumos_gt.json
                dict(label='Jump', segment=['1.6', str(seconds(20))]),
                dict(label='Throw', segment=[seconds(60),
                                             seconds(80)]),
                dict(label='Dive', segment=[seconds(90),
                                            seconds(101)]),
            ]),
        'v2':
        dict(subset='training', duration=9.6, annotations=[]),
        'v3':
        dict(
            subset='test',
            duration=5.6,
            annotations=[dict(label='Dive', segment=[1.0, 2.0])]),
    }


@pytest.fixture
def files(tad_files, videos):
    return tad_files(videos, dict(v1=ramp(100), v2=ramp(70), v3=ramp(40)))


def build(files, **kwargs):
    cfg = dict(
        type='TADDataset',
        ann_file=files['ann_file'],
        class_file=files['class_file'],
        data_prefix=dict(feature=files['features']),
        window_size=64,
        window_stride=32,
        pipeline=PIPELINE,
        **TIMING)
    cfg.update(kwargs)
    return DATASETS.build(cfg)


def test_training_windows(files):
    dataset = build(files, subset='training')
    assert dataset.metainfo['classes'] == ('Jump', 'Throw', 'Dive')
    # v1: starts 0, 32 and 36 (aligned to its 100 steps); v2 has no ground
    # truth and its windows are dropped
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    assert [(i['video_name'], i['window_start'])
            for i in infos] == [('v1', 0), ('v1', 32), ('v1', 36)]
    for info in infos:
        assert info['valid_len'] == 64 and info['window_size'] == 64
        assert info['num_steps'] == 100
        assert info['time_scale'] == pytest.approx(4 / 30)
    assert infos[1]['time_shift'] == pytest.approx((4 * 32 + 8) / 30)
    assert infos[2]['time_shift'] == pytest.approx(152 / 30)


def test_ground_truth_in_window_steps(files):
    dataset = build(files, subset='training')
    expected = [
        ([[10, 20]], [0]),  # Throw: 4 of 20 steps inside, dropped
        ([[28, 48], [58, 64]], [1, 2]),  # Dive cut: 6 of 11 kept
        ([[24, 44], [54, 65]], [1, 2]),  # last window: the video's end
    ]
    for index, (segments, labels) in enumerate(expected):
        sample = dataset[index]['data_samples']
        np.testing.assert_allclose(
            sample.gt_instances.segments.numpy(), segments, atol=1e-4)
        assert sample.gt_instances.labels.tolist() == labels
        assert sample.gt_instances.labels.dtype == torch.int64


def test_inputs_are_the_window_steps(files):
    dataset = build(files, subset='training')
    packed = dataset[1]
    np.testing.assert_array_equal(packed['inputs'].numpy(),
                                  ramp(100)[:, 32:96])
    meta = packed['data_samples'].metainfo
    assert meta['video_name'] == 'v1' and meta['duration'] == 13.75
    assert (meta['window_start'], meta['window_size'],
            meta['valid_len']) == (32, 64, 64)
    # position 28 of window 32 is step 60 of the video, Throw's start
    assert 28 * meta['time_scale'] + meta['time_shift'] == pytest.approx(
        seconds(60))


def test_seconds_to_steps_and_back(files, videos):
    dataset = build(files, subset='training')
    sample = dataset[2]['data_samples']
    back = (
        sample.gt_instances.segments.numpy().astype(np.float64) *
        sample.time_scale + sample.time_shift)
    truth = [ann['segment'] for ann in videos['v1']['annotations'][1:]]
    np.testing.assert_allclose(back, truth, atol=1e-5)


def test_test_mode_covers_every_video(files):
    dataset = build(files, test_mode=True)
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    assert [(i['video_name'], i['window_start'], i['valid_len'])
            for i in infos] == [('v1', 0, 64), ('v1', 32, 64), ('v1', 36, 64),
                                ('v2', 0, 64), ('v2', 6, 64), ('v3', 0, 40)]
    short = dataset[5]
    assert short['inputs'].shape == (3, 64)
    np.testing.assert_array_equal(short['inputs'][:, :40].numpy(), ramp(40))
    assert not short['inputs'][:, 40:].any()
    # v3's Dive [1, 2] s in steps of its only window, not clipped
    np.testing.assert_allclose(
        short['data_samples'].gt_instances.segments.numpy(), [[(30 - 8) / 4,
                                                               (60 - 8) / 4]])


def test_drop_empty_windows_and_min_kept_ratio(files):
    kept = build(files, subset='training', drop_empty_windows=False)
    assert [kept.get_data_info(i)['video_name']
            for i in range(len(kept))] == ['v1'] * 3 + ['v2'] * 2
    strict = build(files, subset='training', min_kept_ratio=0.6)
    # Dive's 6 of 11 steps in window 32 are now too few
    assert strict[1]['data_samples'].gt_instances.labels.tolist() == [1]


def test_layout_ct_and_metainfo_classes(tad_files, videos):
    files = tad_files(dict(v1=videos['v1']), dict(v1=ramp(100)), layout='CT')
    dataset = build(
        files,
        class_file=None,
        metainfo=dict(classes=['Dive', 'Throw', 'Jump']),
        feature_layout='CT',
        feature_dim=3)
    assert dataset.metainfo['classes'] == ('Dive', 'Throw', 'Jump')
    np.testing.assert_array_equal(dataset[1]['inputs'].numpy(),
                                  ramp(100)[:, 32:96])
    # labels index the given class order
    assert dataset[0]['data_samples'].gt_instances.labels.tolist() == [2]


def test_rescale_mode(tad_files):
    # features of 2-frame clips every 2 frames of a 10 fps video: feature i
    # is at (2 i + 1) / 10 = 0.2 i + 0.1 s; 20 steps over 10 s: 0.5 s each
    feats = np.stack([np.arange(50.), -np.arange(50.)]).astype(np.float32)
    files = tad_files(
        dict(
            r1=dict(
                subset='validation',
                duration=10.0,
                fps=10.0,
                annotations=[dict(label='Jump', segment=[2.0, 5.0])])),
        dict(r1=feats))
    dataset = build(
        files,
        window_stride=None,
        rescale=True,
        window_size=20,
        fps=None,  # from the annotation file
        feature_stride=2,
        feature_clip_len=2,
        pipeline=[
            dict(type='LoadFeatures'),
            dict(type='RescaleFeatures'),
            dict(type='ConvertGtToWindow'),
            dict(type='PackTADInputs')
        ])
    assert len(dataset) == 1
    packed = dataset[0]
    meta = packed['data_samples'].metainfo
    assert (meta['time_scale'], meta['time_shift']) == (0.5, 0.)
    assert (meta['window_size'], meta['valid_len']) == (20, 20)
    np.testing.assert_allclose(
        packed['data_samples'].gt_instances.segments.numpy(), [[4, 10]])
    # step j at 0.5 j s interpolates feature index 2.5 j - 0.5, clamped
    index = np.clip(2.5 * np.arange(20) - 0.5, 0, 49)
    np.testing.assert_allclose(
        packed['inputs'].numpy(), [index, -index], atol=1e-5)


def test_per_video_fps(tad_files):
    files = tad_files(
        dict(a=dict(subset='s', duration=10., fps=25., annotations=[])),
        dict(a=ramp(30)))
    dataset = build(
        files, fps=None, window_size=16, window_stride=16, test_mode=True)
    info = dataset.get_data_info(1)
    assert info['window_start'] == 14
    assert info['time_scale'] == pytest.approx(4 / 25)
    assert info['time_shift'] == pytest.approx((14 * 4 + 8) / 25)
    # the configured fps wins over the file's
    dataset = build(
        files, fps=50., window_size=16, window_stride=16, test_mode=True)
    assert dataset.get_data_info(0)['time_scale'] == pytest.approx(4 / 50)


@pytest.mark.parametrize('annotation, error', [
    (dict(label='Swim', segment=[1, 2]), "'v1'.*label 'Swim'"),
    (dict(label='Jump', segment=[2, 2]), "'v1'.*ends at or before"),
    (dict(label='Jump', segment=[3, 1]), "'v1'.*ends at or before"),
    (dict(label='Jump', segment=[-1, 2]), "'v1'.*outside the video"),
    (dict(label='Jump', segment=[1, 20]), "'v1'.*outside the video"),
    (dict(label='Jump', segment=['a', 2]), r"'v1'.*not \[start, end\]"),
    (dict(label='Jump', segment=[1]), r"'v1'.*not \[start, end\]"),
])
def test_bad_annotations(tad_files, annotation, error):
    files = tad_files(
        dict(v1=dict(subset='s', duration=13., annotations=[annotation])),
        dict(v1=ramp(100)))
    with pytest.raises(ValueError, match=error):
        build(files)


@pytest.mark.parametrize('video, error', [
    (dict(subset='s', annotations=[]), "'v1': no \"duration\""),
    (dict(subset='s', duration='long', annotations=[]), "'v1'.*not a num"),
    (dict(subset='s', duration=0, annotations=[]), "'v1'.*must be positive"),
])
def test_bad_durations(tad_files, video, error):
    files = tad_files(dict(v1=video), dict(v1=ramp(100)))
    with pytest.raises(ValueError, match=error):
        build(files)


def test_missing_fps(tad_files):
    files = tad_files(
        dict(v1=dict(subset='s', duration=13.)), dict(v1=ramp(100)))
    with pytest.raises(ValueError, match="'v1' has no \"fps\""):
        build(files, fps=None)


def test_bad_features(tad_files, videos):
    files = tad_files(dict(v1=videos['v1']))
    with pytest.raises(FileNotFoundError, match="'v1'.*v1.npy"):
        build(files)
    # a (C, T) file read as 'TC'
    files = tad_files(dict(v1=videos['v1']), dict(v1=ramp(100)), layout='CT')
    with pytest.raises(ValueError, match="'v1'.*looks like layout 'CT'"):
        build(files, feature_dim=3)
    with pytest.raises(ValueError, match="'v1'.*expected feature_dim=5"):
        build(files, feature_dim=5)
    np.save(files['features'] + '/v1.npy', np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match="'v1'.*2-D"):
        build(files)


def test_subset_and_file_errors(files, tmp_path):
    with pytest.raises(
            ValueError,
            match=r"no video of subset \('train',\)"
            r".*\['test', 'training'\]"):
        build(files, subset='train')
    with pytest.raises(FileNotFoundError, match='nothing.json'):
        build(files, ann_file=str(tmp_path / 'nothing.json'))
    (tmp_path / 'flat.json').write_text('{"v1": {}}')
    with pytest.raises(ValueError, match='flat.json: expected'):
        build(files, ann_file=str(tmp_path / 'flat.json'))


def test_class_list_errors(files, tmp_path):
    with pytest.raises(ValueError, match='either in class_file or'):
        build(files, metainfo=dict(classes=('Jump', )))
    with pytest.raises(ValueError, match='needs its classes'):
        build(files, class_file=None)
    (tmp_path / 'twice.txt').write_text('Jump\nDive\nJump\n')
    with pytest.raises(ValueError, match="'Jump' is listed twice"):
        build(files, class_file=str(tmp_path / 'twice.txt'))


@pytest.mark.parametrize('kwargs, error', [
    (dict(rescale=True), 'not both'),
    (dict(window_stride=None), 'not both'),
    (dict(window_stride=0), 'positive'),
    (dict(window_size=0), 'positive int'),
    (dict(data_prefix=dict(feature='', video='')), 'exactly one'),
    (dict(data_prefix=dict(img_path='')), 'exactly one'),
    (dict(feature_stride=None), 'feature_stride'),
    (dict(feature_layout='TCH'), 'feature_layout'),
    (dict(data_prefix=dict(video='')), 'sample_fps'),
    (dict(min_kept_ratio=1.5), 'min_kept_ratio'),
])
def test_bad_settings(files, kwargs, error):
    with pytest.raises(ValueError, match=error):
        build(files, **kwargs)


def test_feature_sample_stride_takes_every_kth_feature(files, videos):
    # every third feature: 100 stored steps become ceil(100 / 3) = 34
    dataset = build(
        files,
        subset='training',
        window_size=16,
        window_stride=8,
        feature_sample_stride=3)
    info = dataset.get_data_info(1)
    assert info['num_steps'] == 34
    assert info['time_scale'] == pytest.approx(12 / 30)
    assert info['time_shift'] == pytest.approx((8 * 12 + 8) / 30)
    packed = dataset[1]
    np.testing.assert_array_equal(packed['inputs'].numpy(),
                                  ramp(100)[:, 24:72:3])
    # Throw [step 60, step 80] of the stored features is [20, 26.67] in
    # strided steps, [12, 18.67] in the window starting at strided step 8,
    # clipped to its 16 steps (4 of 6.67 kept)
    segments = packed['data_samples'].gt_instances.segments.numpy()
    labels = packed['data_samples'].gt_instances.labels.tolist()
    np.testing.assert_allclose(segments[labels.index(1)], [12, 16], atol=1e-4)
    with pytest.raises(ValueError, match='feature_sample_stride'):
        build(files, feature_sample_stride=0)


def at(*steps):
    """Seconds of video steps under TIMING."""
    return [seconds(step) for step in steps]


@pytest.fixture
def afsd_files(tad_files):
    # a: 100 steps, windows at 0, 32, 36; X starts at step 0.5, inside the
    # video but before AFSD's border 1 of the first window; b: one window
    return tad_files(
        dict(
            a=dict(
                subset='training',
                duration=13.75,
                annotations=[
                    dict(label='Jump', segment=at(0.5, 30)),
                    dict(label='Throw', segment=at(50, 70))
                ]),
            b=dict(
                subset='training',
                duration=5.6,
                annotations=[dict(label='Dive', segment=at(5, 7.5))])),
        dict(a=ramp(100), b=ramp(40)))


def window_gt(dataset):
    return {
        (info['video_name'], info['window_start']):
        ConvertGtToWindow()(dict(info))['gt_segments'].tolist()
        for info in map(dataset.get_data_info, range(len(dataset)))
    }


def test_afsd_window_rule(afsd_files):
    mmgaf = window_gt(build(afsd_files, subset='training'))
    afsd = window_gt(
        build(afsd_files, subset='training', window_gt_rule='afsd'))
    # mmgaf: the video's start and end cut nothing; window 0 keeps X whole
    # and Throw's 14 of 20 steps
    assert mmgaf[('a', 0)] == [[0.5, 30], [50, 64]]
    assert mmgaf[('b', 0)] == [[5, 7.5]]
    # AFSD: window 0 holds no instance whole inside [1, 64] and is dropped
    assert sorted(afsd) == [('a', 32), ('a', 36), ('b', 0)]
    assert afsd[('a', 36)] == [[14, 34]] == mmgaf[('a', 36)]
    everything = window_gt(
        build(
            afsd_files,
            subset='training',
            window_gt_rule='afsd',
            drop_empty_windows=False))
    # clipped to [1, 64] at the video's start too
    np.testing.assert_allclose(
        everything[('a', 0)], [[1, 30], [50, 64]], atol=1e-5)
    with pytest.raises(ValueError, match='window_gt_rule'):
        build(afsd_files, window_gt_rule='opentad')


def test_min_gt_len(afsd_files):
    """What AFSD's th derives from: the shortest instance kept by the
    video's windows (Throw's 14 steps cut by window 0); in a one-window
    video, every instance (Dive's 2.5 steps)."""
    for rule in ('mmgaf', 'afsd'):
        dataset = build(afsd_files, subset='training', window_gt_rule=rule)
        lengths = {
            info['video_name']: info['min_gt_len']
            for info in map(dataset.get_data_info, range(len(dataset)))
        }
        assert lengths == pytest.approx(dict(a=14, b=2.5))
    # a video whose instances no window keeps: the window size
    dataset = build(
        afsd_files,
        subset='training',
        window_size=16,
        window_stride=16,
        drop_empty_windows=False,
        min_kept_ratio=1.)
    assert dataset.get_data_info(0)['min_gt_len'] == 16
