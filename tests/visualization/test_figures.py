"""Detection timelines and attention curves are drawn from the data given."""
import numpy as np
from matplotlib.patches import Rectangle

from mmgaf.visualization import draw_attention_curve, draw_detection_timeline
from mmgaf.visualization.timeline import _lanes


def test_lanes_never_overlap_and_are_few():
    segments = np.array([[0, 5], [1, 3], [5, 8], [2, 9], [8, 10]], float)
    lanes = _lanes(segments)
    assert lanes.tolist() == [0, 1, 0, 2, 0]
    for lane in set(lanes):
        spans = sorted(segments[lanes == lane].tolist())
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))


def test_timeline_draws_ground_truth_and_top_k(tmp_path):
    out = tmp_path / 'timeline.png'
    names = ['jump', 'throw', 'run']
    scores = [0.9, 0.1, 0.5, 0.7]
    figure = draw_detection_timeline(
        gt_segments=np.array([[1., 4.], [6., 9.]]),
        gt_labels=[0, 2],
        pred_segments=np.array([[1., 4.], [0., 2.], [5., 9.], [6., 7.]]),
        pred_labels=[0, 1, 2, 2],
        pred_scores=scores,
        duration=10.,
        class_names=names,
        top_k=3,
        out_file=str(out))
    assert out.stat().st_size > 1000
    axes = figure.axes[0]
    bars = [p for p in axes.patches if isinstance(p, Rectangle)]
    assert len(bars) == 2 + 3
    widths = sorted(round(bar.get_width(), 6) for bar in bars)
    assert widths == sorted([3., 3., 3., 4., 1.])
    # the 0.1 detection is not among the top 3
    texts = [t.get_text() for t in axes.texts]
    assert sorted(texts) == ['0.50', '0.70', '0.90']
    legend = [t.get_text() for t in axes.get_legend().get_texts()]
    assert legend == ['jump', 'run']


def test_attention_curve(tmp_path):
    out = tmp_path / 'attention.png'
    times = np.linspace(0, 10, 50)
    curve = np.clip(np.sin(times), 0, 1)
    figure = draw_attention_curve(
        times, {'level 0': curve},
        np.array([[2., 3.], [5., 7.]]),
        10.,
        out_file=str(out))
    assert out.stat().st_size > 1000
    axes = figure.axes[0]
    (line, ) = axes.get_lines()
    assert np.allclose(line.get_ydata(), curve)
    assert len(axes.patches) == 2
