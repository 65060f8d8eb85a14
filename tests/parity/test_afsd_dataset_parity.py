"""THUMOS14 windows and targets: AFSD's ``thumos_dataset.py`` / ``test.py``
against :class:`TADDataset` on the real annotation files.

AFSD works on the frames its ``video2npy`` extracted at 10 fps
(``sample_count`` of ``video_info.csv``) and reads the training ground truth
from the frame columns of ``*_Annotation_ours.csv``, scaled by ``sample_count
/ count``. mmgaf reproduces it with the converter's ``frame_times``,
``frame_count='floor'`` and ``window_gt_rule='afsd'`` (the end-to-end
THUMOS14 config's settings). Measured on the 200 validation videos: the same
7842 training windows, the same instances per window (float64 positions
within 2.0e-12 frames of AFSD's, the float32 ground truth within 7.6e-6),
the same th for every video, and the same boundary maps but for 17 of their
4.0e6 elements (11 windows), each a bound at a tie x.5 that float32 rounds
the other way; the same test windows for all 212 test videos. The frames
themselves: ``SampleWindowFrames(rule='video2npy')`` and ``ResizeFrames(
backend='pillow')`` give ``video2npy``'s and ``gen_flow_npy_with_sample``'s
pixels exactly.
"""
import ast
import math
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmaction.datasets.transforms import RawFrameDecode

from mmgaf.datasets.converters import (TADAnnotationBuilder, add_thumos14_csv,
                                       read_class_index, read_video_info)
from mmgaf.datasets.transforms import (BoundaryContrast, ConvertGtToWindow,
                                       RawFrameInit, ResizeFrames,
                                       SampleWindowFrames)
from mmgaf.models.losses import AFSDBoundaryLoss
from mmgaf.registry import DATASETS

CLIP_LENGTH = 256
TRAIN_STRIDE = 30
TEST_STRIDE = 128


@pytest.fixture(scope='module')
def thumos_dir(shared_data):
    path = osp.join(shared_data, 'thumos14')
    if not osp.isfile(osp.join(path, 'val_Annotation_ours.csv')):
        pytest.skip(f'THUMOS14 annotation files absent from {path}')
    return path


@pytest.fixture(scope='module')
def afsd_data(afsd_reference, thumos_dir):
    """AFSD's ``thumos_dataset`` module, its class map on the real file."""
    module = afsd_reference.module('common.thumos_dataset')
    class_file = osp.join(thumos_dir, 'class_index_detection.txt')
    class_map = module.get_class_index_map
    return module, lambda: class_map(class_file)


def afsd_training_windows(afsd_data, thumos_dir, split='val'):
    module, class_map = afsd_data
    infos = module.get_video_info(
        osp.join(thumos_dir, f'{split}_video_info.csv'))
    original = module.get_class_index_map
    module.get_class_index_map = class_map
    try:
        annos = module.get_video_anno(
            infos, osp.join(thumos_dir, f'{split}_Annotation_ours.csv'))
    finally:
        module.get_class_index_map = original
    return module.split_videos(infos, annos, CLIP_LENGTH, TRAIN_STRIDE)


def mmgaf_dataset(tmp_path, thumos_dir, split, subset, **kwargs):
    """A frames :class:`TADDataset` of one split, converted with AFSD's
    frame times; the videos are empty files (only their names are read)."""
    classes = read_class_index(
        osp.join(thumos_dir, 'class_index_detection.txt'))
    builder = TADAnnotationBuilder(classes, excluded_labels=('Ambiguous', ))
    info = read_video_info(osp.join(thumos_dir, f'{split}_video_info.csv'))
    add_thumos14_csv(
        builder,
        osp.join(thumos_dir, f'{split}_Annotation_ours.csv'),
        info,
        subset,
        frame_times=kwargs.pop('frame_times', True))
    ann_file, class_file = builder.dump(str(tmp_path), 'thumos14.json')
    videos = tmp_path / 'videos'
    videos.mkdir(exist_ok=True)
    for name in info:
        (videos / f'{name}.mp4').touch()
    cfg = dict(
        type='TADDataset',
        ann_file=ann_file,
        class_file=class_file,
        subset=subset,
        data_prefix=dict(video=str(videos)),
        sample_fps=10.0,
        window_size=CLIP_LENGTH,
        frame_count='floor',
        pipeline=[])
    cfg.update(kwargs)
    return DATASETS.build(cfg), info


def windows_by_key(dataset):
    windows = {}
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        windows[(info['video_name'], info['window_start'])] = info
    return windows


def test_training_windows_targets_and_th(afsd_data, thumos_dir, tmp_path):
    training_list, th = afsd_training_windows(afsd_data, thumos_dir)
    dataset, _ = mmgaf_dataset(
        tmp_path,
        thumos_dir,
        'val',
        'validation',
        window_stride=TRAIN_STRIDE,
        window_gt_rule='afsd')
    windows = windows_by_key(dataset)
    # the same windows: (video, offset), AFSD's kept ones only
    assert sorted(windows) == sorted(
        (w['video_name'], w['offset']) for w in training_list)
    assert len(windows) == len(training_list) == 7842

    convert = ConvertGtToWindow()
    max_diff, flipped = 0., 0
    for window in training_list:
        info = windows[(window['video_name'], window['offset'])]
        assert info['time_shift'] == pytest.approx(window['offset'] / 10)
        results = convert(dict(info))
        ours = sorted(
            zip(results['gt_segments'].astype(np.float64).tolist(),
                (results['gt_labels'] + 1).tolist()))
        theirs = sorted(([s, e], label) for s, e, label in window['annos'])
        assert [label for _, label in ours] == [label for _, label in theirs]
        max_diff = max(
            max_diff,
            float(
                np.abs(
                    np.array([s for s, _ in ours]) -
                    np.array([s for s, _ in theirs])).max()))
        # the boundary targets AFSD stores with the window, from mmgaf's
        # ground truth by the boundary loss: equal but where AFSD rounds a
        # bound that is a tie (x.5), which float32 may break the other way
        start, end = AFSDBoundaryLoss.get_targets(
            [torch.from_numpy(results['gt_segments'])], CLIP_LENGTH)
        for ours_map, key, column in ((start, 'start', 0), (end, 'end', 1)):
            wrong = np.flatnonzero(ours_map[0].numpy() != window[key])
            assert set(wrong) <= tie_positions(window['annos'], column)
            flipped += len(wrong)
    # float32 ground truth of positions up to 256 frames
    assert max_diff <= CLIP_LENGTH * 2**-24
    # measured: 17 of the 4.0e6 map elements, in 11 of the 7842 windows
    assert flipped <= 17

    # th, the boundary-contrastive length, per video
    for (name, _), info in windows.items():
        assert BoundaryContrast().background_length(
            info['min_gt_len']) == th[name], name


def test_test_windows(afsd_reference, thumos_dir, tmp_path):
    offsets_of = afsd_test_offsets(afsd_reference)
    dataset, info = mmgaf_dataset(
        tmp_path,
        thumos_dir,
        'test',
        'test',
        window_stride=TEST_STRIDE,
        test_mode=True)
    ours = {}
    for index in range(len(dataset)):
        window = dataset.get_data_info(index)
        name, start = window['video_name'], window['window_start']
        ours.setdefault(name, []).append(start)
        # AFSD's seconds of a position p: (p + offset) / sample_fps
        assert window['time_scale'] == 0.1
        assert window['time_shift'] == start / 10
        # real frames, then zeros up to the clip's 256
        sample_count = int(info[name]['sample_count'])
        assert window['valid_len'] == min(CLIP_LENGTH, sample_count - start)
    assert ours == {
        name: offsets_of(int(video['sample_count']))
        for name, video in info.items()
    }


def tie_positions(annos, column):
    """Map positions whose value depends on how a tie is rounded: AFSD
    rounds each bound ``point -+ max(len / 10, 2) / 2`` of its boundary
    regions, and a bound at x.5 may round to x or x + 1."""
    positions = set()
    for anno in annos:
        point, radius = anno[column], max((anno[1] - anno[0]) / 10, 2) / 2
        for bound in (point - radius, point + radius):
            if abs(bound - math.floor(bound) - 0.5) < 1e-4:
                positions.update((math.floor(bound), math.floor(bound) + 1))
    return positions


def afsd_test_offsets(afsd_reference):
    """The window offsets of AFSD's ``test.py``: its ``if sample_count <
    clip_length: ... else: ...`` statement, run as written."""
    path = afsd_reference.path('AFSD', 'thumos14', 'test.py')
    with open(path) as f:
        tree = ast.parse(f.read())
    statements = [
        node for node in ast.walk(tree)
        if isinstance(node, ast.If) and isinstance(node.test, ast.Compare)
        and isinstance(node.test.left, ast.Name)
        and node.test.left.id == 'sample_count'
    ]
    assert len(statements) == 1, 'test.py changed: no single offset rule'
    code = compile(ast.Module(body=statements, type_ignores=[]), path, 'exec')

    def offsets(sample_count):
        scope = dict(
            sample_count=sample_count,
            clip_length=CLIP_LENGTH,
            stride=TEST_STRIDE)
        exec(code, scope)
        return scope['offsetlist']

    return offsets


def test_frame_count_is_sample_count(thumos_dir, tmp_path):
    """``frame_count='floor'`` gives every video the ``sample_count`` of its
    ``video_info.csv``; the default ``'ceil'`` one more frame where the
    duration does not end on a 10 fps frame."""
    for split, subset in (('val', 'validation'), ('test', 'test')):
        dataset, info = mmgaf_dataset(
            tmp_path / split,
            thumos_dir,
            split,
            subset,
            window_stride=TEST_STRIDE,
            test_mode=True)
        counts = {
            window['video_name']: window['num_steps']
            for window in (dataset.get_data_info(i)
                           for i in range(len(dataset)))
        }
        assert counts == {
            name: int(video['sample_count'])
            for name, video in info.items()
        }
        ceil = {
            name: max(1, math.ceil(video['duration'] * 10 - 1e-6))
            for name, video in info.items()
        }
        longer = sum(ceil[name] != counts[name] for name in counts)
        assert longer == {'val': 138, 'test': 138}[split]


def test_frames_of_video2npy(afsd_reference, tmp_path, monkeypatch):
    """SampleWindowFrames(rule='video2npy') picks the frames AFSD's
    ``video2npy`` keeps, for the frame rates of THUMOS14's videos."""
    video2npy = afsd_reference.module('common.video2npy')

    class Capture:
        """A video whose frame i has R, G = i % 256, i // 256."""

        def __init__(self, fps, count):
            self.fps, self.count, self.index = fps, count, 0

        def isOpened(self):
            return True

        def get(self, prop):
            return {
                cv2.CAP_PROP_FPS: self.fps,
                cv2.CAP_PROP_FRAME_COUNT: float(self.count),
                cv2.CAP_PROP_FRAME_HEIGHT: 4.,
                cv2.CAP_PROP_FRAME_WIDTH: 4.
            }[prop]

        def read(self):
            if self.index == self.count:
                return False, None
            frame = np.zeros((4, 4, 3), np.uint8)
            # BGR: video2npy flips it to RGB
            frame[..., 2], frame[..., 1] = self.index % 256, self.index // 256
            self.index += 1
            return True, frame

    for fps, count in ((30., 1012), (30000 / 1001, 2999), (25., 1001), (24.,
                                                                        999)):
        monkeypatch.setattr(video2npy.cv2, 'VideoCapture',
                            lambda path: Capture(fps, count))
        (tmp_path / 'ann.csv').write_text('video\nv\n')
        video2npy.video2npy(
            str(tmp_path),
            str(tmp_path / 'ann.csv'),
            str(tmp_path / 'npy'),
            resolution=4)
        kept = np.load(tmp_path / 'npy' / 'v.npy')
        theirs = kept[:, 0, 0, 0].astype(int) + 256 * kept[:, 0, 0, 1]
        duration = count / fps
        num_steps = math.floor(duration * 10 + 1e-6)
        assert len(theirs) == num_steps
        results = SampleWindowFrames(rule='video2npy')(
            dict(
                time_scale=0.1,
                time_shift=0.,
                valid_len=num_steps,
                avg_fps=fps,
                total_frames=count,
                start_index=0))
        np.testing.assert_array_equal(results['frame_inds'], theirs)


def test_resize_as_video2npy(afsd_reference):
    """ResizeFrames(backend='pillow', interpolation='bicubic') gives the
    pixels of video2npy's ``imresize(frame, [112, 112], 'bicubic')``."""
    videotransforms = afsd_reference.module('common.videotransforms')
    frames = list(
        np.random.default_rng(0).integers(
            0, 256, (3, 240, 320, 3), dtype=np.uint8))
    ours = ResizeFrames(
        scale=(112, 112),
        keep_ratio=False,
        interpolation='bicubic',
        backend='pillow')(dict(imgs=frames, img_shape=(240, 320)))['imgs']
    for frame, resized in zip(frames, ours):
        np.testing.assert_array_equal(
            resized, videotransforms.imresize(frame, [112, 112], 'bicubic'))


def test_flow_frames_of_gen_denseflow_npy(afsd_reference, tmp_path):
    """The flow pipeline of thumos14_flow_frames.py gives the pixels of
    AFSD's ``gen_flow_npy_with_sample``: the same flow images per step, the
    last one repeated up to ``sample_count``, the same resize."""
    denseflow = afsd_reference.module('common.gen_denseflow_npy')
    rng = np.random.default_rng(0)
    fps, count = 25., 101  # 100 flow images; video2npy keeps 40 frames
    sample_count = math.floor(count / fps * 10)
    folder = tmp_path / 'flow' / 'v'
    folder.mkdir(parents=True)
    for index in range(1, count):
        for axis in 'xy':
            cv2.imwrite(
                str(folder / f'flow_{axis}_{index:05}.jpg'),
                rng.integers(0, 256, (24, 32), dtype=np.uint8))
    info = tmp_path / 'info.csv'
    info.write_text('video,fps,sample_fps,count,sample_count\n'
                    f'v,{fps},10.0,{float(count)},{sample_count}\n')
    denseflow.gen_flow_npy_with_sample(
        str(info), str(tmp_path / 'flow'), str(tmp_path / 'npy'), [112, 112])
    theirs = np.load(tmp_path / 'npy' / 'v.npy')
    assert theirs.shape == (sample_count, 112, 112, 2)

    results = dict(
        frame_dir=str(folder),
        filename_tmpl='flow_{}_{:05}.jpg',
        modality='Flow',
        fps=fps,
        start_index=1,
        time_scale=0.1,
        time_shift=0.,
        valid_len=sample_count)
    for transform in (RawFrameInit(), SampleWindowFrames(rule='video2npy'),
                      RawFrameDecode(),
                      ResizeFrames(
                          scale=(112, 112),
                          keep_ratio=False,
                          interpolation='bicubic',
                          backend='pillow')):
        results = transform(results)
    ours = np.stack(results['imgs']).reshape(sample_count, 2, 112, 112)
    np.testing.assert_array_equal(ours.transpose(0, 2, 3, 1), theirs)
