"""ProposalDetectionMetric: BMN's proposals classified by video-level labels,
then the ActivityNet detection mAP, on cases computed by hand."""
import json

import numpy as np
import pytest
from mmengine.evaluator import Evaluator

from mmgaf.evaluation import ProposalDetectionMetric

# MMAction2's BMN annotation layout
GROUND_TRUTH = {
    'v_a':
    dict(
        duration_second=20.,
        annotations=[
            dict(segment=[2., 6.], label='jump'),
            dict(segment=[10., 14.], label='run')
        ]),
    'v_b':
    dict(
        duration_second=10.,
        annotations=[dict(segment=[1., 5.], label='jump')]),
}
PROPOSALS = [
    dict(
        video_name='v_a',
        proposal_list=[
            dict(segment=[2., 6.], score=0.9),
            dict(segment=[10., 14.], score=0.8)
        ]),
    dict(
        video_name='v_b',
        proposal_list=[
            dict(segment=[6., 9.], score=0.7),
            dict(segment=[1., 5.], score=0.6)
        ]),
]


@pytest.fixture
def ann_file(tmp_path):
    path = tmp_path / 'anno_val.json'
    path.write_text(json.dumps(GROUND_TRUTH))
    return str(path)


def evaluate(metric, proposals=PROPOSALS):
    metric.process({}, proposals)
    return metric.compute_metrics(metric.results)


def test_ground_truth_labels_by_hand(ann_file):
    metric = ProposalDetectionMetric(
        ann_file, iou_thrs=[0.5], average_iou_thrs=[0.5])
    # jump (2 instances): v_a's proposals 0.9 (TP) and 0.8 (FP); v_b's 0.7
    # (FP) and 0.6 (TP): precision 1 at recall 0.5, 2/4 at recall 1,
    # AP = 0.5 * 1 + 0.5 * 0.5 = 0.75. run (1 instance, only v_a's
    # proposals): 0.9 (FP), 0.8 (TP): AP = 0.5. mAP = 0.625.
    assert evaluate(metric)['mAP'] == pytest.approx(0.625)


def test_classifier_results_top_k(ann_file, tmp_path):
    classifier = tmp_path / 'cls.json'
    # keys with or without MMAction2's "v_"
    classifier.write_text(
        json.dumps(
            dict(
                results=dict(
                    a=[
                        dict(label='run', score=0.5),
                        dict(label='jump', score=0.25)
                    ],
                    v_b=[dict(label='jump', score=1.)]))))
    top1 = ProposalDetectionMetric(
        ann_file,
        video_labels=str(classifier),
        iou_thrs=[0.5],
        average_iou_thrs=[0.5])
    detections = top1.detections([
        ('v_a', np.array([[2., 6.]]), np.array([0.9])),
    ])
    assert detections['labels'] == ['run']
    np.testing.assert_allclose(detections['scores'], [0.45])
    # top-1: v_a is "run" only; jump: v_b's 0.7 (FP), 0.6 (TP) of 2
    # instances: AP 0.5 * 0.5 = 0.25; run: v_a's 0.45 (FP), 0.4 (TP): 0.5
    assert evaluate(top1)['mAP'] == pytest.approx(0.375)
    top2 = ProposalDetectionMetric(
        ann_file,
        video_labels=str(classifier),
        top_k=2,
        iou_thrs=[0.5],
        average_iou_thrs=[0.5])
    # jump gains v_a's proposals at 0.225 (TP) and 0.2: ranks 0.7 (FP),
    # 0.6 (TP), 0.225 (TP), 0.2 (FP): precision 1/2 then 2/3, interpolated
    # (the best precision at any higher recall) 2/3 at both recalls
    expected = (2 / 3 + 0.5) / 2
    assert evaluate(top2)['mAP'] == pytest.approx(expected)


def test_through_mmengine_evaluator_with_prefix(ann_file):
    evaluator = Evaluator(
        dict(type='mmgaf.ProposalDetectionMetric', ann_file=ann_file))
    evaluator.process(PROPOSALS, {})
    metrics = evaluator.evaluate(2)
    assert set(metrics) == {
        'tad/mAP@0.50', 'tad/mAP@0.75', 'tad/mAP@0.95', 'tad/mAP'
    }
    # every proposal is exact or misses entirely: the same AP at all tIoUs
    assert metrics['tad/mAP'] == pytest.approx(0.625)


def test_unpredicted_videos_lower_recall(ann_file):
    metric = ProposalDetectionMetric(
        ann_file, iou_thrs=[0.5], average_iou_thrs=[0.5])
    # without v_b: jump finds 1 of 2 instances (AP 0.5), run 0.5
    assert evaluate(metric, PROPOSALS[:1])['mAP'] == pytest.approx(0.5)


def test_bad_input_is_named(ann_file, tmp_path):
    activitynet = tmp_path / 'activitynet.json'
    activitynet.write_text(json.dumps(dict(database={})))
    with pytest.raises(
            ValueError,
            match="activitynet.json: expected "
            "MMAction2's BMN layout"):
        ProposalDetectionMetric(str(activitynet))
    bad = tmp_path / 'bad.json'
    bad.write_text(json.dumps({'v_a': dict(annotations=[dict(segment=[1.])])}))
    with pytest.raises(ValueError, match=r'bad\.json.*v_a'):
        ProposalDetectionMetric(str(bad))
    classifier = tmp_path / 'cls.json'
    classifier.write_text(
        json.dumps(dict(results=dict(a=[dict(label='run', score='x')]))))
    with pytest.raises(
            ValueError, match=r'cls\.json: video a, entry 0: '
            'field "score"'):
        ProposalDetectionMetric(ann_file, video_labels=str(classifier))
    classifier.write_text(
        json.dumps(dict(results=dict(a=[dict(label='run', score=1)]))))
    metric = ProposalDetectionMetric(ann_file, video_labels=str(classifier))
    with pytest.raises(
            KeyError, match=r'cls\.json has no results for '
            'video v_b'):
        evaluate(metric)
    with pytest.raises(KeyError, match='proposal_list'):
        metric.process({}, [dict(video_name='v_a')])
    with pytest.raises(ValueError, match='top_k'):
        ProposalDetectionMetric(ann_file, top_k=0)
