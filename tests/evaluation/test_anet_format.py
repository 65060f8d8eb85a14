import json
import os.path as osp

import numpy as np
import pytest

from mmgaf.evaluation.functional import (anet_detection_map,
                                         detection_summary_table,
                                         format_anet_results,
                                         load_anet_ground_truth,
                                         load_anet_results,
                                         summarize_detection_map)

GROUND_TRUTH = {
    'database': {
        'v1': {
            'subset':
            'test',
            'annotations': [{
                'label': 'Jump',
                'segment': ['1.5', '4.0']
            }, {
                'label': 'Run',
                'segment': [10, 12.25]
            }]
        },
        'v2': {
            'subset': 'train',
            'annotations': [{
                'label': 'Swim',
                'segment': [0, 1]
            }]
        },
        'v3': {
            'subset': 'test',
            'annotations': []
        },
    }
}


def test_ground_truth_subsets_and_numeric_strings():
    gt = load_anet_ground_truth(GROUND_TRUTH, 'test')
    # A video without annotations is still one of the subset's videos.
    assert gt['video_names'] == ['v1', 'v3']
    assert gt['labels'] == ['Jump', 'Run']
    np.testing.assert_array_equal(gt['segments'], [[1.5, 4.], [10., 12.25]])
    np.testing.assert_array_equal(gt['videos'], [0, 0])
    every = load_anet_ground_truth(GROUND_TRUTH, None)
    assert every['video_names'] == ['v1', 'v2', 'v3']
    assert load_anet_ground_truth(GROUND_TRUTH,
                                  ['train'])['labels'] == ['Swim']


@pytest.mark.parametrize('annotation, message', [
    ({
        'label': 'Jump',
        'segment': ['1.5', 'x']
    }, 'must be two numbers'),
    ({
        'label': 'Jump',
        'segment': '12'
    }, 'must be two numbers'),
    ({
        'label': 'Jump',
        'segment': [3, 2]
    }, r'bad segment \[3.0, 2.0\]'),
    ({
        'segment': [1, 2]
    }, 'no string "label"'),
])
def test_bad_ground_truth_names_the_video(tmp_path, annotation, message):
    path = str(tmp_path / 'gt.json')
    with open(path, 'w') as file:
        json.dump(
            {
                'database': {
                    'v9': {
                        'subset': 'test',
                        'annotations': [annotation]
                    }
                }
            }, file)
    with pytest.raises(
            ValueError, match=rf'gt.json: video v9, annotation 0'
            rf'.*{message}'):
        load_anet_ground_truth(path, 'test')


def test_bad_files(tmp_path):
    path = tmp_path / 'broken.json'
    path.write_text('{"database": ')
    with pytest.raises(ValueError, match='broken.json: not valid JSON'):
        load_anet_ground_truth(str(path))
    path.write_text('{"database": {"v1": {"subset": "test", "annotations": '
                    '[]}, "v1": {"subset": "test", "annotations": []}}}')
    with pytest.raises(
            ValueError, match=r"broken.json: key\(s\) \['v1'\] "
            'repeated'):
        load_anet_ground_truth(str(path))
    path.write_text('')
    with pytest.raises(ValueError, match='broken.json: the file is empty'):
        load_anet_results(str(path))
    with pytest.raises(ValueError, match='no "database"'):
        load_anet_ground_truth({'videos': {}})
    with pytest.raises(ValueError, match="no video of subset 'val'"):
        load_anet_ground_truth(GROUND_TRUTH, 'val')
    with pytest.raises(ValueError, match='video v1 has no "subset"'):
        load_anet_ground_truth({'database': {
            'v1': {
                'annotations': []
            }
        }}, 'test')
    with pytest.raises(ValueError, match='no "results"'):
        load_anet_results({'version': 1})
    with pytest.raises(
            ValueError, match='video a, detection 0 has no '
            'numeric "score"'):
        load_anet_results(
            {'results': {
                'a': [{
                    'label': 'x',
                    'segment': [0, 1]
                }]
            }})


def test_results_round_trip_and_unknown_videos():
    results = {
        'results': {
            'v1': [{
                'label': 'Jump',
                'score': 0.5,
                'segment': [1.5, 4.0]
            }, {
                'label': 'Fly',
                'score': 0.9,
                'segment': [0, 1]
            }],
            'v7': [{
                'label': 'Run',
                'score': 0.8,
                'segment': [10, 12.25]
            }],
            'v3': [],
        }
    }
    loaded = load_anet_results(results)
    assert loaded['video_names'] == ['v1', 'v7', 'v3']
    assert format_anet_results(loaded)['results'] == results['results']

    gt = load_anet_ground_truth(GROUND_TRUTH, 'test')
    # Classes default to the ground truth's: Fly is not one.
    with pytest.raises(
            ValueError, match="the results: video v1 has label .Fly."):
        anet_detection_map(gt, loaded, [0.5])
    evaluation = anet_detection_map(
        gt, loaded, [0.5], class_names=['Jump', 'Run', 'Fly'])
    assert evaluation['class_names'] == ['Jump', 'Run', 'Fly']
    # v7 is not in the subset: its Run detection is a false positive, and
    # Run's instance in v1 is missed.
    assert evaluation['unknown_videos'] == ['v7']
    np.testing.assert_array_equal(evaluation['ap'][0, :2], [1., 0.])
    assert np.isnan(evaluation['ap'][0, 2])
    with pytest.raises(
            ValueError, match="the results: video v1 has label .Fly."):
        anet_detection_map(gt, loaded, [0.5], class_names=['Jump', 'Run'])


def test_summary_and_table():
    gt = load_anet_ground_truth(GROUND_TRUTH, 'test')
    results = load_anet_results({
        'results': {
            'v1': [{
                'label': 'Jump',
                'score': 0.5,
                'segment': [1.5, 3.0]
            }]
        }
    })
    # tIoU 1.5 / 2.5 = 0.6: Jump hits at 0.5, misses at 0.7; Run misses.
    evaluation = anet_detection_map(
        gt, results, [0.5, 0.6, 0.7], class_names=['Jump', 'Run', 'Swim'])
    summary = summarize_detection_map(evaluation, [0.5, 0.7], [0.5, 0.6])
    assert summary['metrics'] == {'mAP@0.50': 0.5, 'mAP@0.70': 0.0, 'mAP': 0.5}
    assert summary['per_class']['Jump'] == {
        'num_gt': 1,
        'AP@0.50': 1.0,
        'AP@0.70': 0.0,
        'AP': 1.0
    }
    assert summary['per_class']['Swim']['AP'] is None
    table = detection_summary_table(summary)
    assert '| Jump  |   1 |  100.00 |    0.00 | 100.00 |' in table
    assert '| Swim  |   0 |       - |       - |      - |' in table
    assert '| mAP   |   2 |   50.00 |    0.00 |  50.00 |' in table
    with pytest.raises(ValueError, match='tIoU 0.9 was not evaluated'):
        summarize_detection_map(evaluation, [0.9])


def test_mmaction2_known_answer(shared_data):
    """MMAction2 asserts these numbers of the official evaluator for the
    same two ActivityNet videos (tests/test_metrics/test_accuracy.py,
    ``test_activitynet_detection``)."""
    folder = osp.join(shared_data, 'activitynet', 'eval_mini')
    if not osp.isdir(folder):
        pytest.skip(f'{folder} is absent')
    gt = load_anet_ground_truth(osp.join(folder, 'gt.json'), 'validation')
    results = load_anet_results(osp.join(folder, 'results.json'))
    evaluation = anet_detection_map(gt, results, np.linspace(0.5, 0.95, 10))
    np.testing.assert_allclose(
        evaluation['map'], [
            0.71428571, 0.71428571, 0.71428571, 0.6875, 0.6875, 0.59722222,
            0.52083333, 0.52083333, 0.52083333, 0.5
        ],
        atol=1e-8)
    assert evaluation['average_map'] == pytest.approx(
        0.6177579365079365, abs=1e-15)


def test_afsd_protocol_drops_what_afsd_never_reads():
    ground_truth = load_anet_ground_truth({
        'database': {
            'a': {
                'subset': 'test',
                'annotations': [{
                    'label': 'Jump',
                    'segment': [0, 10]
                }]
            },
            # In the subset, but without ground truth.
            'b': {
                'subset': 'test',
                'annotations': []
            },
        }
    })

    def detection(label, score):
        return [{'label': label, 'score': score, 'segment': [0, 10]}]

    results = load_anet_results({
        'results': {
            'a': detection('Jump', 0.5) + detection('Swim', 0.7),
            'b': detection('Jump', 0.9),
            'c': detection('Jump', 0.8),
        }
    })
    # As the official evaluator, a label that is not a class is an error
    # (it used to become a class of its own, changing the mean silently).
    with pytest.raises(ValueError, match="video a has label 'Swim'"):
        anet_detection_map(ground_truth, results, [0.5])
    official = anet_detection_map(
        ground_truth, results, [0.5], class_names=['Jump', 'Swim'])
    # Jump: b and c are false positives ranked above the hit: AP 1/3.
    # Swim has no ground truth: no AP, no part in the mean.
    assert official['map'].tolist() == [pytest.approx(1 / 3)]
    assert official['unknown_videos'] == ['c']
    assert official['num_dropped'] == 0
    afsd = anet_detection_map(ground_truth, results, [0.5], protocol='afsd')
    # b (no ground truth), c (not in the subset) and Swim (no ground-truth
    # label) are left out: the hit alone, AP 1.
    assert afsd['map'].tolist() == [1.0]
    assert afsd['num_dropped'] == 3 and afsd['protocol'] == 'afsd'
    # An unknown class is an error by the official protocol, left out by
    # AFSD's.
    with pytest.raises(ValueError, match="label 'Swim'"):
        anet_detection_map(ground_truth, results, [0.5], class_names=['Jump'])
    assert anet_detection_map(
        ground_truth, results, [0.5], class_names=['Jump'],
        protocol='afsd')['map'].tolist() == [1.0]
    with pytest.raises(ValueError, match='protocol must be one of'):
        anet_detection_map(ground_truth, results, [0.5], protocol='AFSD')
