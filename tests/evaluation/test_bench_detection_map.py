"""The benchmark's comparison against an earlier copy of the evaluator."""
import importlib.util
import os.path as osp
import shutil

import numpy as np

import mmgaf.evaluation.functional as functional


def load_bench(repo_root):
    path = osp.join(repo_root, 'benchmarks', 'bench_detection_map.py')
    spec = importlib.util.spec_from_file_location('bench_detection_map', path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench


def test_baseline_copy_runs_beside_the_package(repo_root, tmp_path):
    bench = load_bench(repo_root)
    folder = str(tmp_path / 'functional')
    shutil.copytree(osp.dirname(functional.__file__), folder)
    baseline = bench.load_baseline(folder)
    assert baseline.detection_map is not functional.detection_map
    assert osp.dirname(baseline.__file__) == folder
    rng = np.random.default_rng(0)
    starts = rng.uniform(0, 50, 30)
    gt = dict(
        segments=np.stack([starts, starts + rng.uniform(1, 9, 30)], 1),
        labels=rng.integers(0, 3, 30),
        videos=rng.integers(0, 2, 30))
    preds = dict(
        segments=gt['segments'] + rng.normal(0, 1, (30, 1)),
        labels=gt['labels'],
        videos=gt['videos'],
        scores=rng.random(30))
    assert bench.identical(
        baseline.detection_map(gt, preds, bench.IOU_THRS, 3),
        functional.detection_map(gt, preds, bench.IOU_THRS, 3))


def test_absent_official_evaluator_is_said(repo_root, tmp_path):
    bench = load_bench(repo_root)
    message = bench.load_afsd_evaluator(str(tmp_path))
    assert isinstance(message, str) and 'absent' in message
