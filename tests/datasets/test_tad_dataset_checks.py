"""What TADDataset checks at start-up: each bad file named with its video
and field, or, with skip_bad_videos, skipped, counted and reported."""
import numpy as np
import pytest

from mmgaf.datasets import tad_dataset
from mmgaf.registry import DATASETS

TIMING = dict(fps=30.0, feature_stride=4, feature_clip_len=16)
PIPELINE = [dict(type='LoadFeatures'), dict(type='PackTADInputs')]


def video(duration=6.0, end=5.0):
    return dict(
        subset='training',
        duration=duration,
        annotations=[dict(label='Jump', segment=[1.0, end])])


def build(files, **kwargs):
    return DATASETS.build(
        dict(
            type='TADDataset',
            ann_file=files['ann_file'],
            class_file=files['class_file'],
            data_prefix=dict(feature=files['features']),
            window_size=16,
            window_stride=8,
            pipeline=PIPELINE,
            **TIMING,
            **kwargs))


def feats(steps):
    return np.ones((3, steps), np.float32)


def test_repeated_video_key_is_refused(tad_files):
    files = tad_files({'a': video()}, {'a': feats(45)})
    text = open(files['ann_file']).read()
    with open(files['ann_file'], 'w') as f:
        f.write(text.replace('{"database": {', '{"database": {"a": {}, '))
    with pytest.raises(ValueError, match=r"ann.json: key\(s\) \['a'\]"):
        build(files)


@pytest.mark.parametrize('content, match', [
    ('', 'ann.json: the file is empty'),
    ('{"database": {"a": ', 'ann.json: not valid JSON'),
])
def test_broken_annotation_file_is_named(tad_files, content, match):
    files = tad_files({'a': video()}, {'a': feats(45)})
    with open(files['ann_file'], 'w') as f:
        f.write(content)
    with pytest.raises(ValueError, match=match):
        build(files)


def test_bad_feature_files_are_named(tad_files, tmp_path):
    files = tad_files({'a': video(), 'b': video()}, {'a': feats(45)})
    (tmp_path / 'features' / 'b.npy').write_bytes(b'')
    with pytest.raises(
            ValueError, match=r"video 'b' \(.*b.npy\): the file is empty"):
        build(files)
    np.save(tmp_path / 'features' / 'b.npy', np.array([['x'] * 3] * 45))
    with pytest.raises(
            ValueError, match=r"video 'b'.*dtype <U1, expected "
            'floating-point'):
        build(files)


def test_features_shorter_than_the_annotations(tad_files):
    # 30 steps of 4 frames at 30 fps cover the video up to 4.4 s; the
    # instance ends at 5 s
    files = tad_files({
        'a': video(),
        'b': video()
    }, {
        'a': feats(45),
        'b': feats(30)
    })
    with pytest.raises(ValueError) as error:
        build(files)
    message = str(error.value)
    assert "b.npy, video 'b', annotations: 1 instances end after the " \
        'features do (30 steps cover the video up to 4.40 s' in message


def test_skip_bad_videos_counts_and_reports(tad_files, tmp_path, monkeypatch):
    said = []
    monkeypatch.setattr(tad_dataset, 'print_log',
                        lambda message, **kwargs: said.append(message))
    files = tad_files({
        'a': video(),
        'b': video(),
        'c': video()
    }, {
        'a': feats(45),
        'b': feats(30)
    })
    dataset = build(files, skip_bad_videos=True)
    assert {
        dataset.get_data_info(i)['video_name']
        for i in range(len(dataset))
    } == {'a'}
    out = '\n'.join(said)
    assert 'skipped 2 of 3 videos (skip_bad_videos=True)' in out
    assert "video 'b', annotations" in out and "'c'" in out
    assert ': 1 videos,' in out
    (tmp_path / 'features' / 'a.npy').unlink()
    with pytest.raises(ValueError, match='every video of subset'):
        build(files, skip_bad_videos=True)
