"""benchmarks/twin_runs.py and the benchmarks built on it
(bench_recognition.py, bench_bmn.py): what a run reads from MMEngine's
logs, what it passes to tools/train.py, and the report, on fixed numbers."""
import json
import os
import os.path as osp
import sys
from unittest import mock

import pytest
from mmengine.config import Config


@pytest.fixture(scope='module')
def benchmarks(repo_root):
    sys.path.insert(0, osp.join(repo_root, 'benchmarks'))
    import bench_bmn
    import bench_recognition
    import twin_runs
    yield twin_runs, bench_recognition, bench_bmn
    sys.path.remove(osp.join(repo_root, 'benchmarks'))


def write_scalars(work_dir, records):
    path = osp.join(work_dir, '20261202_000000', 'vis_data')
    os.makedirs(path)
    with open(osp.join(path, 'scalars.json'), 'w') as f:
        f.writelines(json.dumps(record) + '\n' for record in records)


def test_run_metrics_splits_the_phases(benchmarks, tmp_path):
    twin_runs, _, _ = benchmarks
    write_scalars(
        str(tmp_path), [
            dict(loss=1., time=0.1, gaf_phase_is_frame=1),
            dict(loss=1., time=0.3, gaf_phase_is_frame=1),
            dict(loss=2., time=1.0, gaf_phase_is_frame=0),
            dict(loss=2., time=2.0, gaf_phase_is_frame=0),
            {
                'acc/top1': 0.5,
                'acc/top5': 0.9
            },
            {
                'acc/top1': 0.7,
                'acc/top5': 1.0
            },
        ])
    found = twin_runs.run_metrics(str(tmp_path), ('acc/top1', 'acc/top5'))
    # the last validation, phase segment's and phase frame's mean times
    assert found == pytest.approx({
        'acc/top1': 0.7,
        'acc/top5': 1.0,
        'iter_time': 1.5,
        'frame_iter_time': 0.2
    })
    assert twin_runs.run_metrics(str(tmp_path / 'none'), ('acc/top1', )) == {}


def test_train_passes_the_variant_and_schedule(benchmarks, tmp_path):
    twin_runs, bench_recognition, _ = benchmarks
    bench = bench_recognition.benchmark('data/videos')
    calls = []

    def fake_run(command, **kwargs):
        calls.append(command)
        work_dir = command[command.index('--work-dir') + 1]
        write_scalars(work_dir, [
            dict(loss=1., time=0.5), {
                'acc/top1': 0.5,
                'acc/top5': 0.9,
                'acc/mean1': 0.5
            }
        ])

    with mock.patch.object(twin_runs.subprocess, 'run', fake_run):
        run = twin_runs.train(
            bench, 'I3D + GAF without L_n-ai', 3, str(tmp_path), 1, epochs=2)
        again = twin_runs.train(
            bench, 'I3D + GAF without L_n-ai', 3, str(tmp_path), 1, epochs=2)
    [command] = calls  # the second call found the run done
    assert again['minutes'] is None and run['acc/top1'] == 0.5
    assert command[2] == 'configs/gaf/i3d_gaf_synthetic_video.py'
    assert command[command.index('--work-dir') +
                   1] == osp.join(str(tmp_path), 'I3D_GAF_without_L_n-ai_3')
    options = command[command.index('--cfg-options') + 1:]
    assert 'randomness.seed=3' in options
    assert 'model.cls_head.background_weight=0.0' in options
    # 2 epochs of the twin: 4 of GAF
    assert 'train_cfg.max_epochs=4' in options
    assert 'train_dataloader.dataset.ann_file=data/videos/train_list.txt' \
        in options


def test_report_pairs_every_configuration_with_the_twin(
        benchmarks, tmp_path, capsys):
    twin_runs, bench_recognition, _ = benchmarks
    bench = bench_recognition.benchmark('data/videos')

    def run(top1, iter_time, frame_iter_time=0.):
        return {
            'acc/top1': top1,
            'acc/top5': 1.,
            'acc/mean1': top1,
            'iter_time': iter_time,
            'frame_iter_time': frame_iter_time,
            'minutes': 1.
        }

    results = {
        'I3D': {
            0: run(0.5, 1.),
            1: run(0.6, 2.)
        },
        'I3D + GAF': {
            0: run(0.6, 1.5, 0.5),
            1: run(0.8, 2., 1.)
        },
    }
    summary = twin_runs.print_report(bench, results, str(tmp_path))
    diff = summary['differences']['I3D + GAF']
    assert diff['acc/top1']['mean'] == pytest.approx(0.15)
    # per seed: 1.5 / 1 and 2 / 2; (1.5 + 0.5) / 1 and (2 + 1) / 2
    assert diff['step_time_ratio']['mean'] == pytest.approx(1.25)
    assert diff['epoch_time_ratio']['mean'] == pytest.approx(1.75)
    assert 'I3D + GAF - I3D over seeds [0, 1]' in capsys.readouterr().out
    written = json.loads((tmp_path / 'summary.json').read_text())
    assert written['differences']['I3D + GAF']['acc/top1']['mean'] == \
        pytest.approx(0.15)


def overridden(cfg: Config, option: str) -> bool:
    """Whether the config has the key that a --cfg-options entry sets."""
    key = option.split('=', 1)[0]
    node = cfg.to_dict()
    *parents, leaf = key.split('.')
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    return int(leaf) < len(node) if isinstance(node, list) else leaf in node


@pytest.mark.parametrize('which', ['recognition', 'bmn'])
def test_options_exist_in_the_configs(benchmarks, repo_root, which):
    _, bench_recognition, bench_bmn = benchmarks
    module = dict(recognition=bench_recognition, bmn=bench_bmn)[which]
    bench = module.benchmark('data/x')
    configs = {
        name: Config.fromfile(osp.join(repo_root, path))
        for name, path in bench.configs.items()
    }
    for cfg in configs.values():
        for option in bench.options:
            assert overridden(cfg, option.format(work_dir='w')), option
    for name, (base, extra) in bench.variants.items():
        for option in extra:
            assert overridden(configs[base], option), (name, option)
