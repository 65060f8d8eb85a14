"""tools/demo.py, the README's main job, end to end on a tiny dataset."""
import json
import os
import os.path as osp
import subprocess
import sys

from mmgaf.datasets.synthetic import SyntheticTAD

TINY_CONFIG = """
_base_ = [{base!r}]
data_root = {data_root!r}
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + '/annotations.json')
test_evaluator = val_evaluator
# one frame pass and one segment pass
train_cfg = dict(max_epochs=2, val_interval=2)
"""


def test_demo_trains_evaluates_and_draws(repo_root, tmp_path):
    data_root = str(tmp_path / 'data')
    SyntheticTAD(seed=0).write(data_root, dict(training=3, validation=2))
    config = tmp_path / 'tiny_demo.py'
    config.write_text(
        TINY_CONFIG.format(
            base=osp.join(repo_root, 'configs', 'gaf',
                          'afsd_gaf_synthetic.py'),
            data_root=data_root))
    work_dir = tmp_path / 'work'
    result = subprocess.run([
        sys.executable, 'tools/demo.py', '--config',
        str(config), '--work-dir',
        str(work_dir)
    ],
                            cwd=repo_root,
                            env=dict(os.environ, OMP_NUM_THREADS='2'),
                            capture_output=True,
                            text=True,
                            timeout=600)
    assert result.returncode == 0, \
        result.stdout[-3000:] + result.stderr[-3000:]
    assert f'using the dataset in {data_root}' in result.stdout

    summary = json.loads((work_dir / 'summary.json').read_text())
    assert set(summary['metrics']) == {
        'tad/mAP@0.30', 'tad/mAP@0.40', 'tad/mAP@0.50', 'tad/mAP@0.60',
        'tad/mAP@0.70', 'tad/mAP'
    }
    assert all(0 <= value <= 1 for value in summary['metrics'].values())
    results = json.loads((work_dir / 'results.json').read_text())
    assert set(results['results']) <= {'validation_0000', 'validation_0001'}
    # the figures are of the validation video with the most instances
    with open(osp.join(data_root, 'annotations.json')) as f:
        database = json.load(f)['database']
    busiest = max(
        (name
         for name in database if database[name]['subset'] == 'validation'),
        key=lambda name: len(database[name]['annotations']))
    assert [osp.basename(path) for path in summary['figures']
            ] == [f'{busiest}_detections.png', f'{busiest}_attention.png']
    for path in summary['figures']:
        with open(path, 'rb') as f:
            assert f.read(8) == b'\x89PNG\r\n\x1a\n'
