"""Every THUMOS14 config scores as AFSD's and GAF's published numbers:
AFSD's test.py merging and evaluator protocol, against the whole published
ground truth (thumos_gt.json)."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

from mmgaf.registry import METRICS

AFSD_MERGING = dict(
    nms_cfg=dict(
        type='soft_nms',
        sigma=0.5,
        min_score=0.001,
        max_per_class=5000,
        keep_last=False),
    max_per_video=-1,
    clip_to_duration=False,
    protocol='afsd')


def thumos14_configs(repo_root):
    return sorted(
        glob.glob(osp.join(repo_root, 'configs', '*', '*thumos14*.py')))


def test_thumos14_evaluators_are_afsds(repo_root):
    paths = thumos14_configs(repo_root)
    assert len(paths) >= 4
    for path in paths:
        cfg = Config.fromfile(path)
        for key in ('val_evaluator', 'test_evaluator'):
            evaluator = cfg[key]
            assert evaluator.ann_file.endswith('annotations/thumos_gt.json')
            assert {
                name: evaluator[name]
                for name in AFSD_MERGING
            } == AFSD_MERGING, (path, key)


def test_thumos14_evaluator_reads_the_published_ground_truth(
        repo_root, shared_data):
    gt_file = osp.join(shared_data, 'thumos14', 'thumos_gt.json')
    if not osp.isfile(gt_file):
        pytest.skip(f'{gt_file} is absent')
    for path in thumos14_configs(repo_root):
        evaluator = Config.fromfile(path).test_evaluator
        metric = METRICS.build(dict(evaluator, ann_file=gt_file))
        # All 3311, the 4 past their video's end included.
        assert len(metric.ground_truth['labels']) == 3311, path
        assert len(metric.ground_truth['video_names']) == 210
