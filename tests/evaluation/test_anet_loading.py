"""The vectorised readers of ActivityNet-layout files against the
per-entry loops they fall back to, and the orjson loader against
``load_json_strict``."""
import json

import numpy as np
import pytest

from mmgaf.evaluation.functional import (load_anet_ground_truth,
                                         load_anet_results)
from mmgaf.evaluation.functional.anet_format import (
    _flat_instances, _ground_truth_entry_by_entry, _results_entry_by_entry)
from mmgaf.evaluation.functional.fast_json import count_pairs, load_json
from mmgaf.fileio import load_json_strict


def random_results(rng, num_videos=6):
    """Detections with every accepted form: ints, floats, numeric strings,
    points, empty videos."""
    results = {}
    for v in range(num_videos):
        detections = []
        for _ in range(rng.integers(0, 8)):
            start = float(rng.uniform(0, 100))
            end = start + float(rng.choice([0., rng.uniform(0, 10)]))
            segment = [start, end]
            if rng.random() < 0.2:
                segment = [int(start), int(end) + 1]
            if rng.random() < 0.2:
                segment = [repr(start), repr(end)]
            score = float(rng.random()) if rng.random() < 0.8 else int(
                rng.integers(0, 3))
            detections.append(
                dict(
                    label=str(rng.choice(['a', 'b', 'c'])),
                    score=score,
                    segment=segment))
        results[f'v{v}'] = detections
    return results


def test_vectorised_results_equal_the_loop():
    rng = np.random.default_rng(0)
    for _ in range(50):
        results = random_results(rng)
        fast = load_anet_results(dict(results=results))
        slow = _results_entry_by_entry(results, 'the results')
        assert fast['labels'] == slow['labels']
        for key in ('videos', 'segments', 'scores'):
            np.testing.assert_array_equal(fast[key], slow[key])
            assert fast[key].dtype == slow[key].dtype
            assert fast[key].shape == slow[key].shape


def test_vectorised_ground_truth_equals_the_loop():
    rng = np.random.default_rng(1)
    for _ in range(30):
        database = {
            name:
            dict(
                subset=str(rng.choice(['test', 'val'])),
                annotations=[{
                    key: det[key]
                    for key in ('label', 'segment')
                } for det in detections])
            for name, detections in random_results(rng).items()
        }
        for subset in ('test', ['test', 'val'], None):
            fast = load_anet_ground_truth(dict(database=database), subset)
            subsets = None if subset is None else set(np.atleast_1d(subset))
            slow = _ground_truth_entry_by_entry(database, subsets, 'gt')
            assert fast['video_names'] == slow['video_names']
            assert fast['labels'] == slow['labels']
            np.testing.assert_array_equal(fast['videos'], slow['videos'])
            np.testing.assert_array_equal(fast['segments'], slow['segments'])


# Each bad detection, put at position 1 of video v3: the vectorised check
# must refuse it and the loop name it.
BAD_DETECTIONS = [
    ([0, 1], 'has no string "label"'),
    (dict(score=.5, segment=[0, 1]), 'has no string "label"'),
    (dict(label=3, score=.5, segment=[0, 1]), 'has no string "label"'),
    (dict(label='a', segment=[0, 1]), 'has no numeric "score"'),
    (dict(label='a', score='0.5', segment=[0, 1]), 'has no numeric'),
    (dict(label='a', score=True, segment=[0, 1]), 'has no numeric'),
    (dict(label='a', score=float('nan'), segment=[0, 1]), 'not finite'),
    (dict(label='a', score=.5), 'must be two numbers'),
    (dict(label='a', score=.5, segment=[0, 1, 2]), 'must be two numbers'),
    (dict(label='a', score=.5, segment='01'), 'must be two numbers'),
    (dict(label='a', score=.5, segment=[0, None]), 'must be two numbers'),
    (dict(label='a', score=.5, segment=['0', 'one']), 'must be two'),
    (dict(label='a', score=.5, segment=[2, 1]), r'bad segment \[2.0, 1.0\]'),
    (dict(label='a', score=.5, segment=[0, 'inf']), 'bad segment'),
]


@pytest.mark.parametrize('bad, message', BAD_DETECTIONS)
def test_bad_detection_is_named(bad, message):
    results = random_results(np.random.default_rng(2))
    results['v3'] = [dict(label='a', score=.5, segment=[0, 1]), bad]
    assert _flat_instances(list(results['v3']), with_scores=True) is None
    with pytest.raises(
            ValueError, match=f'the results: video v3, detection 1.*'
            f'{message}'):
        load_anet_results(dict(results=results))


def test_results_of_a_video_not_a_list():
    with pytest.raises(ValueError, match='video b are not a list'):
        load_anet_results(dict(results=dict(a=[], b={})))


@pytest.mark.parametrize('text', [
    '{"a": 1, "b": {"c": ":", "d": [1, 2, {"e": "\\\\"}]}}',
    '{"k\\"ey:": "va:l\\\\", "\\\\\\"": ":\\":"}',
    '{"caf\u00e9 :": "\u65e5\u672c:", "x": []}',
    '[]',
    '"just: a string"',
    '{}',
])
def test_count_pairs(text):
    counted = []
    json.loads(
        text,
        object_pairs_hook=lambda pairs: counted.append(len(pairs)) or dict(
            pairs))
    assert count_pairs(text.encode()) == sum(counted)


@pytest.mark.parametrize('text', [
    '{"results": {"v1": [], "v1": []}}',
    '{"results": {"v1": [{"label": "a", "label": "b"}]}}',
    '{"a\\"b": 1, "a\\"b": 2}',
    '[{"x": {"y": 1, "y": 1}}]',
])
def test_repeated_keys_are_refused(tmp_path, text):
    path = tmp_path / 'repeated.json'
    path.write_text(text)
    with pytest.raises(ValueError, match='repeated.json: key.*repeated'):
        load_json(str(path))


@pytest.mark.parametrize('text', [
    '{"a": NaN, "b": [Infinity]}',
    '{"results": {"v": [{"label": "a", "score": 0.5, "segment": [0, 1]}]}}',
    '  [1, 2.5e-3, "\\u00e9", null, true]  ',
    '{"deep": ' + '[' * 300 + ']' * 300 + '}',
])
def test_same_as_strict_loader(tmp_path, text):
    path = tmp_path / 'file.json'
    path.write_text(text)
    expected = load_json_strict(str(path))
    loaded = load_json(str(path))
    # NaN != NaN: compare the text of both.
    assert json.dumps(loaded) == json.dumps(expected)


def test_integers_beyond_64_bits_become_floats(tmp_path):
    path = tmp_path / 'big.json'
    path.write_text('{"big": 123456789012345678901234567890}')
    assert load_json(str(path)) == dict(
        big=float(123456789012345678901234567890))


@pytest.mark.parametrize('text, message', [('', 'the file is empty'),
                                           ('{"a": ', 'not valid JSON')])
def test_bad_files_named_as_by_strict_loader(tmp_path, text, message):
    path = tmp_path / 'bad.json'
    path.write_text(text)
    with pytest.raises(ValueError, match=f'bad.json: {message}'):
        load_json(str(path))
    path.write_bytes(b'{"a": "\xff"}')
    with pytest.raises(ValueError, match='bad.json: not UTF-8'):
        load_json(str(path))
    with pytest.raises(FileNotFoundError, match='absent.json'):
        load_json(str(tmp_path / 'absent.json'))
