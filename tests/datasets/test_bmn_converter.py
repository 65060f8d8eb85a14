"""mmgaf's feature datasets in MMAction2's BMN layout
(mmgaf.datasets.converters.bmn, tools/data/convert_to_bmn.py): the rescaling
is exact, and MMAction2's own BMN transforms read the files."""
import json
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
from mmaction.datasets.transforms import (GenerateLocalizationLabels,
                                          LoadLocalizationFeature)

from mmgaf.datasets import SyntheticTAD
from mmgaf.datasets.converters import (bin_means, bmn_name, rescale_features,
                                       write_bmn_dataset)

TIMING = dict(fps=10., feature_stride=2, feature_clip_len=4)


def test_bin_means_hand_example():
    feats = np.array([[0., 10.], [2., 20.], [4., 30.]])
    means = bin_means(feats, np.array([-0.5, 1.0, 2.5]))
    # [-0.5, 1]: one step of 0 and half a step of 2 over 1.5 steps
    np.testing.assert_allclose(means[:, 0], [1 / 1.5, 5 / 1.5], rtol=1e-6)
    np.testing.assert_allclose(means[:, 1], [20 / 1.5, 40 / 1.5], rtol=1e-6)


def test_bin_means_clips_and_keeps_the_mean():
    rng = np.random.default_rng(0)
    feats = rng.normal(size=(37, 5))
    edges = np.linspace(-0.5, 36.5, 11)
    means = bin_means(feats, edges)
    # equal bins over exactly the features: their mean is the features'
    np.testing.assert_allclose(means.mean(0), feats.mean(0), atol=1e-5)
    # a bin wholly past the end gets the last step
    outside = bin_means(feats, np.array([40., 41.]))
    np.testing.assert_allclose(outside[0], feats[-1], rtol=1e-6)
    with pytest.raises(ValueError, match='increasing'):
        bin_means(feats, np.array([3., 2.]))


def test_rescale_features_maps_seconds_to_steps():
    # step p is centred at (2 p + 2) / 10 s; 20 steps span 4.2 s of frames
    feats = np.zeros((20, 1))
    feats[10:] = 1.  # from the step centred at 2.2 s, i.e. from 2.1 s on
    rescaled = rescale_features(feats, 42, 4.2, **TIMING)
    assert rescaled.shape == (42, 1)
    # bins of 0.1 s: [2.0, 2.1) is all zeros, [2.1, 2.2) all ones
    assert rescaled[20, 0] == pytest.approx(0.)
    assert rescaled[21, 0] == pytest.approx(1.)


@pytest.fixture(scope='module')
def synthetic(tmp_path_factory):
    """A tiny built-in dataset and its BMN layout."""
    root = tmp_path_factory.mktemp('synthetic')
    generator = SyntheticTAD(
        seed=0,
        feat_dim=8,
        min_steps=40,
        max_steps=60,
        steps_per_instance=30.,
        median_length=8.)
    generator.write(str(root), dict(training=3, validation=2))
    out = root / 'bmn'
    counts = write_bmn_dataset(
        str(root / 'annotations.json'),
        str(root / 'features'),
        str(out),
        16,
        fps=generator.FPS,
        feature_stride=generator.FEATURE_STRIDE,
        feature_clip_len=generator.FEATURE_CLIP_LEN)
    return root, out, counts


def test_write_bmn_dataset_layout(synthetic):
    root, out, counts = synthetic
    assert counts == dict(training=3, validation=2)
    source = json.loads((root / 'annotations.json').read_text())['database']
    anno = json.loads((out / 'anno_validation.json').read_text())
    assert sorted(anno) == ['v_validation_0000', 'v_validation_0001']
    entry = anno['v_validation_0000']
    original = source['validation_0000']
    assert entry['duration_second'] == original['duration']
    assert entry['duration_frame'] == entry['feature_frame'] == round(
        original['duration'] * 30)
    assert entry['annotations'] == [
        dict(segment=[float(x) for x in a['segment']], label=a['label'])
        for a in original['annotations']
    ]


def test_mmaction_bmn_transforms_read_the_files(synthetic):
    root, out, _ = synthetic
    anno = json.loads((out / 'anno_training.json').read_text())
    name = 'v_training_0001'
    results = dict(
        anno[name],
        video_name=name,
        feature_path=str(out / 'features' / f'{name}.csv'))
    results = LoadLocalizationFeature().transform(results)
    results = GenerateLocalizationLabels().transform(results)
    assert results['raw_feature'].shape == (8, 16)
    feats = np.load(root / 'features' / 'training_0001.npy')
    expected = rescale_features(feats, 16, anno[name]['duration_second'], 30.,
                                4, 16)
    np.testing.assert_allclose(
        results['raw_feature'].T, expected, rtol=1e-5, atol=1e-5)
    segments = np.array([a['segment'] for a in anno[name]['annotations']])
    np.testing.assert_allclose(results['gt_bbox'],
                               segments / anno[name]['duration_second'])


def test_bad_input_names_file_video_and_field(tmp_path):
    ann_file = tmp_path / 'ann.json'
    (tmp_path / 'features').mkdir()
    ann_file.write_text(
        json.dumps(
            dict(database=dict(vA=dict(subset='training', duration=-1)))))
    with pytest.raises(
            ValueError, match=r'ann\.json: video vA: field '
            '"duration"'):
        write_bmn_dataset(
            str(ann_file), str(tmp_path / 'features'), str(tmp_path / 'out'),
            8, **TIMING)
    ann_file.write_text(
        json.dumps(
            dict(database=dict(vA=dict(subset='training', duration=3.)))))
    with pytest.raises(FileNotFoundError, match=r'video vA: .*vA\.npy'):
        write_bmn_dataset(
            str(ann_file), str(tmp_path / 'features'), str(tmp_path / 'out'),
            8, **TIMING)


def test_bmn_name():
    assert bmn_name('abc') == 'v_abc'
    assert bmn_name('v_abc') == 'v_abc'


def test_tool_takes_the_timing_from_meta_json(repo_root, synthetic, tmp_path):
    root, _, _ = synthetic
    out = tmp_path / 'bmn'
    result = subprocess.run([
        sys.executable,
        osp.join(repo_root, 'tools', 'data', 'convert_to_bmn.py'),
        str(root),
        str(out), '--temporal-dim', '12', '--subsets', 'validation'
    ],
                            capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        'anno_validation.json', 'classes.txt', 'features'
    ]
    rows = np.loadtxt(
        out / 'features' / 'v_validation_0000.csv', delimiter=',', skiprows=1)
    assert rows.shape == (12, 8)
    # without meta.json the timing must be given
    bare = tmp_path / 'bare'
    bare.mkdir()
    result = subprocess.run([
        sys.executable,
        osp.join(repo_root, 'tools', 'data', 'convert_to_bmn.py'),
        str(bare),
        str(tmp_path / 'x')
    ],
                            capture_output=True,
                            text=True)
    assert result.returncode != 0
    assert '--fps' in result.stderr and 'meta.json' in result.stderr
