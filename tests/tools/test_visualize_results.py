"""tools/test.py --show-dir and tools/analysis_tools/visualize_results.py
draw detections against ground truth from a tiny checkpoint's results."""
import json
import os
import os.path as osp
import runpy
import sys

import pytest
from matplotlib.image import imread

from tests.apis import inference_setup

pytestmark = pytest.mark.usefixtures('one_thread')

# the shared fixtures
inference_setting = inference_setup.inference_setting
VIDEOS = ('validation_0000', 'validation_0001')


def run_tool(path, monkeypatch, *args):
    monkeypatch.setattr(sys, 'argv', [path, *map(str, args)])
    try:
        runpy.run_path(path, run_name='__main__')
    except SystemExit as exit:
        return exit.code
    return 0


def test_show_dir_and_visualize_results(repo_root, inference_setting, tmp_path,
                                        monkeypatch):
    config, _, checkpoint, _, data_root = inference_setting
    show_dir = tmp_path / 'show'
    work_dir = tmp_path / 'work'
    code = run_tool(
        osp.join(repo_root, 'tools', 'test.py'), monkeypatch, config,
        checkpoint, '--work-dir', work_dir, '--show-dir', show_dir)
    assert code == 0
    results = show_dir / 'results.json'
    assert set(json.loads(results.read_text())['results']) == set(VIDEOS)
    for video in VIDEOS:
        picture = show_dir / f'{video}_timeline.png'
        assert picture.stat().st_size > 5000
        assert imread(str(picture)).shape[1] == 1200
    assert imread(str(show_dir / 'class_ap.png')).shape[:2] == (600, 800)
    # the runner's visualizer (LocalVisBackend) received them too
    (vis_images, ) = [
        root for root, _, files in os.walk(work_dir)
        if root.endswith('vis_image') and files
    ]
    assert len(os.listdir(vis_images)) == 3

    run_dir = tmp_path / 'run' / '20240101_000000' / 'vis_data'
    run_dir.mkdir(parents=True)
    (run_dir / 'scalars.json').write_text('\n'.join(
        json.dumps(dict(loss=1. / i, iter=i, epoch=1, step=i))
        for i in range(1, 4)))
    out_dir = tmp_path / 'pictures'
    code = run_tool(
        osp.join(repo_root, 'tools', 'analysis_tools',
                 'visualize_results.py'), monkeypatch, results,
        osp.join(data_root, 'annotations.json'), '--out-dir', out_dir,
        '--videos', VIDEOS[1], '--work-dir', tmp_path / 'run')
    assert code == 0
    assert sorted(os.listdir(out_dir)) == [
        'class_ap.png', 'training_curves.png', f'{VIDEOS[1]}_timeline.png'
    ]
    assert imread(str(out_dir / 'training_curves.png')).shape[:2] == (400,
                                                                      1200)
    code = run_tool(
        osp.join(repo_root, 'tools', 'analysis_tools',
                 'visualize_results.py'), monkeypatch, results,
        osp.join(data_root, 'annotations.json'), '--videos', 'nope')
    assert 'nope' in str(code)
