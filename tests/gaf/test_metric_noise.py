"""benchmarks/bench_metric_noise.py: the bootstrap of validation videos."""
import importlib.util
import os.path as osp

import pytest


@pytest.fixture(scope='module')
def noise_module(repo_root):
    path = osp.join(repo_root, 'benchmarks', 'bench_metric_noise.py')
    spec = importlib.util.spec_from_file_location('bench_metric_noise', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def toy(num_videos=40, found=None):
    """One instance of class 'a' per video at [10, 20]; the detector finds
    it exactly in the videos of ``found`` (every video by default) and
    reports a false one elsewhere."""
    found = range(num_videos) if found is None else found
    database, results = {}, {}
    for i in range(num_videos):
        name = f'v{i:03d}'
        database[name] = dict(
            subset='validation',
            duration=60.,
            annotations=[dict(label='a', segment=[10., 20.])])
        segment = [10., 20.] if i in found else [40., 50.]
        results[name] = [dict(label='a', score=1. - i / 100, segment=segment)]
    database['t000'] = dict(subset='training', duration=60., annotations=[])
    return dict(database=database), dict(results=results)


def test_perfect_detections_have_no_metric_noise(noise_module):
    gt, res = toy()
    noise = noise_module.metric_noise(gt, res, 'validation', 40, draws=20)
    assert noise['mean'] == pytest.approx(1.)
    assert noise['std'] == pytest.approx(0.)


def test_noise_shrinks_with_more_videos(noise_module):
    # the detector finds the action in every second video
    gt, res = toy(found=range(0, 40, 2))
    small = noise_module.metric_noise(gt, res, 'validation', 10, draws=60)
    large = noise_module.metric_noise(gt, res, 'validation', 160, draws=60)
    assert small['std'] > 0
    # about 1 / sqrt(16) of it: a quarter, give or take the draws
    assert large['std'] < 0.5 * small['std']
    assert abs(large['mean'] - small['mean']) < 0.1


def test_a_video_drawn_twice_counts_twice(noise_module):
    gt, res = toy()
    names = ['v000', 'v000', 'v001']
    sub_gt, sub_res = noise_module.resampled(gt, res, names, 'validation')
    assert sorted(sub_gt['database']) == ['v000#0', 'v000#1', 'v001#0']
    assert sub_res['results']['v000#1'] == res['results']['v000']


def test_unknown_subset_is_named(noise_module):
    gt, res = toy(num_videos=2)
    with pytest.raises(ValueError, match="'test'"):
        noise_module.metric_noise(gt, res, 'test', 2, draws=1)


def test_a_draw_without_some_class_is_evaluated(noise_module):
    gt, res = toy(num_videos=4)
    # video v003 is the only one of class 'b' (and found exactly)
    gt['database']['v003']['annotations'] = [
        dict(label='b', segment=[10., 20.])
    ]
    res['results']['v003'] = [dict(label='b', score=.5, segment=[10., 20.])]
    noise = noise_module.metric_noise(gt, res, 'validation', 2, draws=30)
    # every class a draw holds is found exactly: always 1
    assert noise['mean'] == pytest.approx(1.)


def test_paired_draws_evaluate_every_run_on_the_same_videos(noise_module):
    gt, perfect = toy()
    _, half = toy(found=range(0, 40, 2))
    values = noise_module.bootstrap_maps(
        gt, [perfect, half, half], 'validation', 40, draws=30)
    assert values.shape == (30, 3)
    # a perfect run is 1 on every draw, so its difference to another run
    # moves exactly as that run does; two equal runs never differ
    assert values[:, 0] == pytest.approx(1.)
    assert values[:, 2] == pytest.approx(values[:, 1])
    assert values[:, 1].std() > 0
    noise = noise_module.paired_metric_noise(
        gt, [perfect, half], 'validation', 40, draws=30)
    assert noise['difference_std'] == pytest.approx(noise['run_std'][1])
    whole = noise_module.evaluate(gt, half, 'validation')
    assert noise['between_runs_std'] == pytest.approx((1 - whole) / 2**0.5)
    assert noise['metric_share'] == pytest.approx(noise['difference_std']**2 /
                                                  2 /
                                                  noise['between_runs_std']**2)


def test_metric_share_is_scaled_to_the_subset(noise_module):
    gt, perfect = toy()
    _, half = toy(found=range(0, 40, 2))
    # four times the videos per draw: a quarter of the variance, which the
    # share scales back to the subset's 40 videos
    small = noise_module.paired_metric_noise(
        gt, [perfect, half], 'validation', 40, draws=300)
    large = noise_module.paired_metric_noise(
        gt, [perfect, half], 'validation', 160, draws=300)
    assert large['difference_std'] < 0.7 * small['difference_std']
    assert large['metric_share'] == pytest.approx(
        small['metric_share'], rel=0.3)


def test_paired_noise_needs_two_runs(noise_module):
    gt, res = toy(num_videos=2)
    with pytest.raises(ValueError, match='two results files'):
        noise_module.paired_metric_noise(gt, [res], 'validation', 2, draws=1)
