import json
import os.path as osp
import subprocess
import sys

import pytest


def run_tool(repo_root, *args):
    return subprocess.run(
        [
            sys.executable,
            osp.join(repo_root, 'tools', 'analysis_tools', 'eval_detection.py')
        ] + list(args),
        capture_output=True,
        text=True)


def test_known_answer_from_the_command_line(shared_data, repo_root, tmp_path):
    folder = osp.join(shared_data, 'activitynet', 'eval_mini')
    if not osp.isdir(folder):
        pytest.skip(f'{folder} is absent')
    out = str(tmp_path / 'metrics.json')
    # ActivityNet's reporting: mAP at 0.5, 0.75, 0.95, averaged over
    # 0.5:0.05:0.95.
    completed = run_tool(repo_root, osp.join(folder, 'gt.json'),
                         osp.join(folder,
                                  'results.json'), '--subset', 'validation',
                         '--tiou', '0.5', '0.75', '0.95', '--average-tiou',
                         *[f'{0.5 + 0.05 * i:.2f}'
                           for i in range(10)], '--out', out)
    assert completed.returncode == 0, completed.stderr
    for line in ('mAP@0.50: 71.43', 'mAP@0.75: 59.72', 'mAP@0.95: 50.00',
                 'mAP: 61.78',
                 '| Wakeboarding   |   3 |   42.86 |   19.44 |    0.00 |'):
        assert line in completed.stdout
    with open(out) as file:
        summary = json.load(file)
    # MMAction2's official numbers for these files.
    assert summary['metrics']['mAP'] == pytest.approx(0.6177579365079365)
    assert summary['metrics']['mAP@0.75'] == pytest.approx(0.59722222)


def test_wrong_subset_fails_clearly(repo_root, tmp_path):
    gt = tmp_path / 'gt.json'
    gt.write_text(
        json.dumps(
            {'database': {
                'v': {
                    'subset': 'validation',
                    'annotations': []
                }
            }}))
    results = tmp_path / 'results.json'
    results.write_text(json.dumps({'results': {}}))
    completed = run_tool(repo_root, str(gt), str(results))
    assert completed.returncode != 0
    assert "has no video of subset ['test']" in completed.stderr


def test_a_label_that_is_not_a_class_fails_clearly(repo_root, tmp_path):
    gt = tmp_path / 'gt.json'
    gt.write_text(
        json.dumps({
            'database': {
                'v': {
                    'subset': 'test',
                    'annotations': [{
                        'label': 'Jump',
                        'segment': [0, 10]
                    }]
                }
            }
        }))
    results = tmp_path / 'results.json'
    results.write_text(
        json.dumps({
            'results': {
                'v': [{
                    'label': 'Jump',
                    'score': 0.9,
                    'segment': [0, 10]
                }, {
                    'label': 'Jmup',
                    'score': 0.8,
                    'segment': [0, 10]
                }]
            }
        }))
    completed = run_tool(repo_root, str(gt), str(results), '--subset', 'test')
    assert completed.returncode != 0
    assert "video v has label 'Jmup', which is not one of the classes" in \
        completed.stderr
    classes = tmp_path / 'classes.txt'
    classes.write_text('Jump\nJmup\n')
    completed = run_tool(repo_root, str(gt), str(results), '--subset', 'test',
                         '--class-file', str(classes))
    assert completed.returncode == 0, completed.stderr
    assert 'mAP@0.50: 100.00' in completed.stdout
