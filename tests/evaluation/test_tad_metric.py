import json
import os.path as osp
import subprocess
import sys
from unittest import mock

import pytest
import torch
from mmengine.evaluator import Evaluator
from mmengine.structures import InstanceData

from mmgaf.evaluation import TADMetric
from mmgaf.registry import METRICS
from mmgaf.structures import TADDataSample

CLASSES = ('Jump', 'Run')
GROUND_TRUTH = {
    'database': {
        'vA': {
            'subset':
            'test',
            'annotations': [{
                'label': 'Jump',
                'segment': ['2.0', '6.0']
            }, {
                'label': 'Jump',
                'segment': ['15.0', '19.0']
            }]
        },
        'vB': {
            'subset': 'test',
            'annotations': [{
                'label': 'Run',
                'segment': [1, 3]
            }]
        },
        'vT': {
            'subset': 'train',
            'annotations': [{
                'label': 'Jump',
                'segment': [0, 5]
            }]
        },
    }
}


def output(video,
           duration,
           time_shift,
           segments,
           scores,
           labels,
           as_dict=True):
    """One window's model output; as MMEngine hands it to the metric with
    ``as_dict``."""
    sample = TADDataSample(
        metainfo=dict(
            video_name=video,
            duration=duration,
            window_start=0,
            window_size=32,
            valid_len=32,
            time_scale=0.5,
            time_shift=time_shift))
    sample.pred_instances = InstanceData(
        segments=torch.tensor(segments, dtype=torch.float32).reshape(-1, 2),
        scores=torch.tensor(scores, dtype=torch.float32),
        labels=torch.tensor(labels))
    return sample.to_dict() if as_dict else sample


def outputs():
    """0.5 s steps. vA (20 s) through two windows that overlap; vB."""
    return [
        # [4,12] -> [2,6] s.
        output('vA', 20., 0., [[4, 12]], [0.9], [0]),
        # 8 s later: [-12,-4] -> [2,6] again, [14,28] -> [15,22] clipped to
        # [15,20] (tIoU 0.8 with [15,19]).
        output('vA', 20., 8., [[-12, -4], [14, 28]], [0.8, 0.7], [0, 0]),
        # [2,6] -> [1,3]; [10,14] -> [5,7], a Jump that is not there.
        output('vB', 10., 0., [[2, 6], [10, 14]], [0.6, 0.95], [1, 0]),
    ]


@pytest.fixture
def ann_file(tmp_path):
    path = str(tmp_path / 'gt.json')
    with open(path, 'w') as file:
        json.dump(GROUND_TRUTH, file)
    return path


def evaluate(metric, samples):
    metric.process({}, samples)
    return metric.evaluate(len(samples))


def test_end_to_end_numbers(ann_file):
    metric = METRICS.build(
        dict(
            type='TADMetric',
            ann_file=ann_file,
            iou_thrs=(0.5, 0.9),
            nms_cfg=dict(type='nms', iou_thr=0.5),
            classwise=True))
    metric.dataset_meta = dict(classes=CLASSES)
    metrics = evaluate(metric, outputs())
    # Jump, by score: FP (vB), TP [2,6], TP [15,20] (the duplicate [2,6]
    # is suppressed). At 0.5: precision 2/3 at both hits -> AP 2/3. At 0.9
    # [15,20] misses: AP 1/2 * 1/2. Run: AP 1. vT (train) is ignored.
    assert metrics == pytest.approx({
        'tad/mAP@0.50': (2 / 3 + 1) / 2,
        'tad/mAP@0.90': (1 / 4 + 1) / 2,
        'tad/mAP': ((2 / 3 + 1) / 2 + (1 / 4 + 1) / 2) / 2,
        'tad/AP/Jump': (2 / 3 + 1 / 4) / 2,
        'tad/AP/Run':
        1.0,
    })
    assert list(metrics)[:3] == ['tad/mAP@0.50', 'tad/mAP@0.90', 'tad/mAP']


def test_through_mmengine_evaluator(ann_file):
    evaluator = Evaluator(
        dict(
            type='TADMetric',
            ann_file=ann_file,
            iou_thrs=(0.5, ),
            nms_cfg=dict(type='nms', iou_thr=0.5)))
    evaluator.dataset_meta = dict(classes=CLASSES)
    samples = [
        output('vA', 20., 0., [[4, 12]], [0.9], [0], as_dict=False),
        output('vB', 10., 0., [[2, 6]], [0.6], [1], as_dict=False)
    ]
    evaluator.process(samples)
    # Jump finds [2,6] of two instances: AP 1/2; Run: AP 1.
    assert evaluator.evaluate(len(samples)) == pytest.approx({
        'tad/mAP@0.50': 0.75,
        'tad/mAP': 0.75
    })


def test_soft_nms_default_and_separate_average(ann_file):
    metric = TADMetric(ann_file, iou_thrs=(0.5, ), average_iou_thrs=(0.5, 0.9))
    metric.dataset_meta = dict(classes=CLASSES)
    metrics = evaluate(metric, outputs())
    # Soft-NMS keeps the duplicate at 0.8 e^{-2}, last: a trailing false
    # positive changes no AP.
    assert metrics == pytest.approx({
        'tad/mAP@0.50': 5 / 6,
        'tad/mAP': (5 / 6 + 5 / 8) / 2
    })


def test_unknown_video_is_a_false_positive(ann_file):
    metric = TADMetric(ann_file, iou_thrs=(0.5, ), prefix='x')
    metric.dataset_meta = dict(classes=CLASSES)
    extra = output('vX', 5., 0., [[2, 6]], [0.99], [1])
    with mock.patch('mmgaf.evaluation.metrics.tad_metric.print_log') as log:
        metrics = evaluate(metric, outputs() + [extra])
    # Run: FP (vX), TP -> AP 1/2; Jump: 2/3.
    assert metrics == pytest.approx({'x/mAP@0.50': 7 / 12, 'x/mAP': 7 / 12})
    messages = ' '.join(call.args[0] for call in log.call_args_list)
    assert '1 predicted video(s) are not in the ground truth' in messages
    assert 'vX' in messages


def test_afsd_protocol_leaves_unknown_video_out(ann_file):
    metric = TADMetric(ann_file, iou_thrs=(0.5, ), protocol='afsd')
    metric.dataset_meta = dict(classes=CLASSES)
    extra = output('vX', 5., 0., [[2, 6]], [0.99], [1])
    with mock.patch('mmgaf.evaluation.metrics.tad_metric.print_log') as log:
        metrics = evaluate(metric, outputs() + [extra])
    # As without vX: Run AP 1, Jump 2/3.
    assert metrics == pytest.approx({'tad/mAP@0.50': 5 / 6, 'tad/mAP': 5 / 6})
    messages = ' '.join(call.args[0] for call in log.call_args_list)
    assert 'are left out (protocol "afsd")' in messages
    with pytest.raises(ValueError, match='protocol must be one of'):
        TADMetric(ann_file, protocol='AFSD')


def test_missing_ground_truth_video_lowers_recall(ann_file):
    metric = TADMetric(ann_file, iou_thrs=(0.5, ))
    metric.dataset_meta = dict(classes=CLASSES)
    # Without vB: Jump hits both (AP 1), Run's instance is never found.
    metrics = evaluate(metric, outputs()[:2])
    assert metrics['tad/mAP@0.50'] == pytest.approx(0.5)


def test_out_file_and_eval_detection_tool_agree(ann_file, tmp_path, repo_root):
    out_file = str(tmp_path / 'results' / 'detections.json')
    metric = TADMetric(
        ann_file,
        iou_thrs=(0.5, 0.7, 0.9),
        nms_cfg=dict(type='nms', iou_thr=0.5),
        out_file=out_file)
    metric.dataset_meta = dict(classes=CLASSES)
    metrics = evaluate(metric, outputs())

    with open(out_file) as file:
        written = json.load(file)
    assert set(written) == {'version', 'results', 'external_data', 'metrics'}
    assert written['results']['vA'] == [{
        'label': 'Jump',
        'score': pytest.approx(0.9),
        'segment': [2., 6.]
    }, {
        'label': 'Jump',
        'score': pytest.approx(0.7),
        'segment': [15., 20.]
    }]
    assert written['metrics']['per_class']['Run'] == {
        'num_gt': 1,
        'AP@0.50': 1.0,
        'AP@0.70': 1.0,
        'AP@0.90': 1.0,
        'AP': 1.0
    }

    tool_out = str(tmp_path / 'metrics.json')
    completed = subprocess.run([
        sys.executable,
        osp.join(repo_root, 'tools', 'analysis_tools',
                 'eval_detection.py'), ann_file, out_file, '--subset', 'test',
        '--tiou', '0.5', '0.7', '0.9', '--out', tool_out
    ],
                               capture_output=True,
                               text=True,
                               check=True)
    assert 'mAP@0.50: 83.33' in completed.stdout
    assert '| Jump  |   2 |   66.67 |   66.67 |   25.00 |  52.78 |' in \
        completed.stdout
    with open(tool_out) as file:
        summary = json.load(file)
    assert {
        f'tad/{key}': value
        for key, value in summary['metrics'].items()
    } == pytest.approx(
        metrics, abs=1e-12)
    assert summary['per_class'] == written['metrics']['per_class']


def test_bad_inputs(ann_file):

    def metric_for(classes):
        metric = TADMetric(ann_file)
        metric.dataset_meta = None if classes is None else dict(
            classes=classes)
        return metric

    with pytest.raises(ValueError, match=r'dataset_meta\["classes"\]'):
        evaluate(metric_for(None), outputs())
    with pytest.raises(ValueError, match='video vB has predicted label 1'):
        evaluate(metric_for(('Jump', )), outputs())
    with pytest.raises(ValueError, match="gt.json: video vB has label 'Run'"):
        evaluate(metric_for(('Jump', 'Swim')), outputs()[:2])
    with pytest.raises(ValueError, match='video vA disagree on its duration'):
        evaluate(
            metric_for(CLASSES),
            outputs() + [output('vA', 21., 0., [], [], [])])
    sample = outputs()[0]
    del sample['time_shift']
    with pytest.raises(KeyError, match="video vA lacks \\['time_shift'\\]"):
        metric_for(CLASSES).process({}, [sample])
    with pytest.raises(ValueError, match='duplicate thresholds'):
        TADMetric(ann_file, iou_thrs=(0.5, 0.50001))
    with pytest.raises(ValueError, match=r'in \[0, 1\]'):
        TADMetric(ann_file, iou_thrs=(50, ))
    with pytest.raises(FileNotFoundError):
        TADMetric(ann_file + '.missing')
