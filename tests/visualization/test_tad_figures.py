"""Per-class timelines, AP bars, training curves, and TADVisualizer's
pictures reaching a vis backend."""
import json
import os

import numpy as np
import pytest
from matplotlib.image import imread
from matplotlib.patches import Rectangle

from mmgaf.registry import VISUALIZERS
from mmgaf.visualization import (draw_class_ap, draw_class_timeline,
                                 draw_training_curves, load_per_class_ap,
                                 load_scalars)

NAMES = ['jump', 'throw', 'run', 'swim']


def bars(figure):
    return [p for p in figure.axes[0].patches if isinstance(p, Rectangle)]


def test_class_timeline_one_row_per_class(tmp_path):
    out = tmp_path / 'timeline.png'
    figure = draw_class_timeline(
        pred_segments=[[1., 4.], [0., 2.], [5., 9.], [6., 7.]],
        pred_labels=[0, 1, 2, 2],
        pred_scores=[0.9, 0.1, 0.5, 0.7],
        duration=10.,
        class_names=NAMES,
        gt_segments=[[1., 4.5], [6., 9.]],
        gt_labels=[0, 3],
        top_k=3,
        out_file=str(out))
    axes = figure.axes[0]
    # rows: jump (gt + det), run (2 dets), swim (gt only); throw's 0.1
    # detection is not in the top 3
    assert [t.get_text()
            for t in axes.get_yticklabels()] == ['jump', 'run', 'swim']
    rects = bars(figure)
    assert len(rects) == 2 + 3
    gt = sorted((round(r.get_y() + r.get_height() / 2, 3), r.get_width())
                for r in rects
                if r.get_facecolor()[1] > 0.4 and r.get_facecolor()[0] < 0.3)
    assert gt == [(-0.2, 3.5), (1.8, 3.)]
    assert sorted(t.get_text() for t in axes.texts) == ['0.50', '0.70', '0.90']
    assert imread(str(out)).shape[:2] == (280, 1200)


def test_class_timeline_checks_labels():
    with pytest.raises(ValueError, match='label 7'):
        draw_class_timeline([[0, 1]], [7], [0.5], 5., NAMES)
    with pytest.raises(ValueError, match='2 ground-truth segments but 1'):
        draw_class_timeline([], [], [], 5., NAMES, [[0, 1], [2, 3]], [0])


def test_class_ap_from_metrics_file(tmp_path):
    metrics = tmp_path / 'results.json'
    metrics.write_text(
        json.dumps(
            dict(
                results={},
                metrics=dict(
                    per_class=dict(
                        jump=dict(num_gt=3, AP=0.5),
                        run=dict(num_gt=1, AP=0.25),
                        swim=dict(num_gt=0, AP=None))))))
    per_class = load_per_class_ap(str(metrics))
    assert per_class == dict(jump=0.5, run=0.25, swim=None)
    out = tmp_path / 'ap.png'
    figure = draw_class_ap(per_class, out_file=str(out))
    widths = [r.get_width() for r in bars(figure)]
    assert widths == [0., 25., 50.]  # no GT first, then worst to best
    labels = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert labels == ['swim (no GT)', 'run', 'jump']
    assert imread(str(out)).shape[:2] == (175, 800)
    bad = tmp_path / 'bad.json'
    bad.write_text('{"metrics": {}}')
    with pytest.raises(ValueError, match='bad.json: no "per_class"'):
        load_per_class_ap(str(bad))


def test_training_curves(tmp_path):
    scalars = tmp_path / 'scalars.json'
    lines = [
        dict(loss=4. / i, loss_cls=1. / i, lr=1e-3, epoch=1, iter=i, step=i)
        for i in range(1, 6)
    ]
    lines += [{
        'tad/mAP': 0.2,
        'tad/mAP@0.50': 0.3,
        'step': 1
    }, {
        'tad/mAP': 0.4,
        'tad/mAP@0.50': 0.5,
        'step': 2
    }]
    scalars.write_text('\n'.join(json.dumps(line) for line in lines) + '\n')
    records = load_scalars(str(scalars))
    out = tmp_path / 'curves.png'
    figure = draw_training_curves(records, out_file=str(out))
    losses, metrics = figure.axes
    assert [line.get_label()
            for line in losses.get_lines()] == ['loss', 'loss_cls']
    np.testing.assert_allclose(losses.get_lines()[0].get_ydata(),
                               [4., 2., 4 / 3, 1., 0.8])
    np.testing.assert_allclose(metrics.get_lines()[0].get_xdata(), [1, 2])
    assert imread(str(out)).shape[:2] == (400, 1200)
    scalars.write_text('{"loss": 1}\n')
    with pytest.raises(ValueError, match='line 1: a record needs a "step"'):
        load_scalars(str(scalars))


def test_visualizer_sends_pictures_to_backends(tmp_path):
    visualizer = VISUALIZERS.build(
        dict(
            type='TADVisualizer',
            name='test_tad_visualizer',
            vis_backends=[dict(type='LocalVisBackend')],
            save_dir=str(tmp_path),
            class_names=NAMES))
    out = tmp_path / 'direct.png'
    image = visualizer.add_datasample(
        'video_1',
        dict(segments=[[1., 3.]], labels=[2], scores=[0.8]),
        duration=10.,
        gt=dict(segments=[[1., 2.5]], labels=[2]),
        step=3,
        out_file=str(out))
    assert image.shape == (160, 1200, 3) and image.dtype == np.uint8
    assert imread(str(out)).shape[:2] == (160, 1200)
    visualizer.add_class_ap('class_ap', dict(jump=0.5, run=None))
    images = tmp_path / 'vis_data' / 'vis_image'
    assert sorted(os.listdir(images)) == ['class_ap_0.png', 'video_1_3.png']
    assert imread(str(images / 'video_1_3.png')).shape[:2] == (160, 1200)
