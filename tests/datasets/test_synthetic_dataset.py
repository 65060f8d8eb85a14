import filecmp
import json
import os

import numpy as np
import pytest

from mmgaf.datasets.synthetic import PHASES, SyntheticTAD


def read_tree(root):
    return {
        os.path.relpath(os.path.join(folder, name), root)
        for folder, _, names in os.walk(root)
        for name in names
    }


def test_same_seed_same_files(tmp_path):
    sizes = dict(training=4, validation=2)
    SyntheticTAD(seed=3).write(str(tmp_path / 'a'), sizes)
    SyntheticTAD(seed=3).write(str(tmp_path / 'b'), sizes)
    files = read_tree(tmp_path / 'a')
    assert files == read_tree(tmp_path / 'b')
    assert files == {
        'annotations.json', 'classes.txt', 'meta.json',
        *(f'features/training_000{i}.npy' for i in range(4)),
        'features/validation_0000.npy', 'features/validation_0001.npy'
    }
    for name in files:
        assert filecmp.cmp(
            tmp_path / 'a' / name, tmp_path / 'b' / name, shallow=False), name


def test_other_seed_other_data(tmp_path):
    sizes = dict(training=2, validation=1)
    SyntheticTAD(seed=0).write(str(tmp_path / 'a'), sizes)
    SyntheticTAD(seed=1).write(str(tmp_path / 'b'), sizes)
    for name in ('annotations.json', 'features/training_0000.npy'):
        assert not filecmp.cmp(
            tmp_path / 'a' / name, tmp_path / 'b' / name, shallow=False), name


def test_a_video_does_not_depend_on_the_others(tmp_path):
    SyntheticTAD(seed=0).write(str(tmp_path), dict(training=3))
    alone = SyntheticTAD(seed=0).video('training', 2)
    np.testing.assert_array_equal(
        np.load(tmp_path / 'features' / 'training_0002.npy'), alone.feats)


def test_layout(tmp_path):
    meta = SyntheticTAD(
        seed=0).write(str(tmp_path), dict(training=2, validation=1))
    assert meta['features'] == dict(
        layout='TC', dim=256, fps=30.0, stride=4, clip_len=16)
    with open(tmp_path / 'annotations.json') as f:
        database = json.load(f)['database']
    assert {video['subset']
            for video in database.values()} == {'training', 'validation'}
    classes = (tmp_path / 'classes.txt').read_text().splitlines()
    assert len(classes) == 20
    for name, video in database.items():
        feats = np.load(tmp_path / 'features' / f'{name}.npy')
        assert feats.dtype == np.float32 and feats.shape[1] == 256
        assert 200 <= feats.shape[0] <= 600
        # the clips of the T steps span the video: (T - 1) * 4 + 16 frames
        assert video['duration'] == pytest.approx(
            ((feats.shape[0] - 1) * 4 + 16) / 30, abs=1e-3)
        assert video['fps'] == 30.0
        for ann in video['annotations']:
            assert ann['label'] in classes
            assert 0 < ann['segment'][0] < ann['segment'][1] < \
                video['duration']
        assert name in meta['distractors']


@pytest.fixture(scope='module')
def sample():
    generator = SyntheticTAD(seed=0)
    return generator, [generator.video('training', i) for i in range(60)]


def steps_of(generator, segment):
    return generator.seconds_to_steps(np.asarray(segment))


def test_statistics(sample):
    generator, videos = sample
    lengths = np.array([
        np.diff(steps_of(generator, ann['segment']))[0] for video in videos
        for ann in video.annotations
    ])
    labels = {ann['label'] for video in videos for ann in video.annotations}
    assert len(labels) == 20
    assert 5 <= len(lengths) / len(videos) <= 15
    # THUMOS-like: short instances dominate, a long tail remains
    assert np.mean(lengths < 16) > 0.55
    assert np.median(lengths) < np.mean(lengths)
    assert lengths.min() > 2.99 and lengths.max() > 40
    for video in videos:
        segments = sorted(ann['segment'] for ann in video.annotations)
        for (_, end), (start, _) in zip(segments, segments[1:]):
            assert end <= start  # instances do not overlap
    distractors = [d for video in videos for d in video.distractors]
    assert len(distractors) > 0.3 * len(lengths)
    # a distractor never carries a whole action
    assert all(len(d['phases']) < len(PHASES) for d in distractors)


def test_patterns_mark_the_instances(sample):
    generator, videos = sample

    def mean_response(video, segment, label):
        start, end = np.round(steps_of(generator, segment)).astype(int)
        pattern = generator.patterns[label].sum(0)
        return float((video.feats[start:end + 1] @ pattern).mean() /
                     np.linalg.norm(pattern))

    classes = list(generator.classes)
    inside, distractor, background = [], [], []
    for video in videos:
        covered = np.zeros(len(video.feats), bool)
        for ann in video.annotations + video.distractors:
            start, end = np.round(steps_of(generator, ann['segment']))
            covered[int(start) - 3:int(end) + 4] = True
        for ann in video.annotations:
            label = classes.index(ann['label'])
            inside.append(mean_response(video, ann['segment'], label))
            free = np.flatnonzero(~covered)
            background.append(
                float((video.feats[free]
                       @ generator.patterns[label].sum(0)).mean() /
                      np.linalg.norm(generator.patterns[label].sum(0))))
        for ann in video.distractors:
            distractor.append(
                mean_response(video, ann['segment'],
                              classes.index(ann['label'])))
    # instances respond to their class, distractors less, background least
    assert np.mean(inside) > np.mean(distractor) > np.mean(background)
    assert np.mean(background) == pytest.approx(0, abs=0.3)


def test_difficulty_knobs():
    video = SyntheticTAD(seed=0, distractor_rate=0.).video('training', 0)
    assert video.distractors == []
    quiet = SyntheticTAD(
        seed=0, noise_std=0., background=0., distractor_rate=0.)
    video = quiet.video('training', 0)
    first = video.annotations[0]
    start, end = np.round(
        quiet.seconds_to_steps(np.asarray(first['segment']))).astype(int)
    # without noise, background nor distractors only the instances remain:
    # nothing before the first, its own class's pattern inside it
    assert np.abs(video.feats[:start - 6]).max() < 1e-3
    inside = video.feats[start:end + 1].mean(0)
    pattern = quiet.patterns[quiet.classes.index(first['label'])].sum(0)
    assert inside @ pattern / np.linalg.norm(inside) / np.linalg.norm(
        pattern) > 0.9
    with pytest.raises(ValueError, match='class_overlap'):
        SyntheticTAD(class_overlap=1.)
    with pytest.raises(ValueError, match='min_steps'):
        SyntheticTAD(min_steps=300, max_steps=200)
