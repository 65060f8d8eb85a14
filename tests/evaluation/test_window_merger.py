import math

import pytest
import torch

from mmgaf.models.task_modules import WindowMerger
from mmgaf.registry import TASK_UTILS


def window(segments, scores, labels, time_scale, time_shift):
    return dict(
        segments=torch.tensor(segments, dtype=torch.float32),
        scores=torch.tensor(scores),
        labels=torch.tensor(labels),
        time_scale=time_scale,
        time_shift=time_shift)


# A 20 s video seen through two windows of 0.5 s steps, the second
# starting 8 s in. Both see the instance at [2, 6] s.
FIRST = window([[4., 12.], [30., 50.]], [0.9, 0.5], [0, 1], 0.5, 0.)
SECOND = window([[-12., -4.], [30., 40.], [2., 4.]], [0.8, 0.7, 0.3],
                [0, 0, 1], 0.5, 8.)


def test_time_map_clip_and_hard_nms():
    merger = WindowMerger(nms_cfg=dict(type='nms', iou_thr=0.5))
    merged = merger([FIRST, SECOND], duration=20.)
    # [4,12] -> [2,6]; [30,50] -> [15,25] clipped to [15,20]; the second
    # window's [-12,-4] -> [2,6] again (suppressed), [30,40] -> [23,28]
    # lies past the end (dropped), [2,4] -> [9,10].
    torch.testing.assert_close(
        merged['segments'],
        torch.tensor([[2., 6.], [15., 20.], [9., 10.]], dtype=torch.float64))
    torch.testing.assert_close(merged['scores'], torch.tensor([0.9, 0.5, 0.3]))
    assert merged['labels'].tolist() == [0, 1, 1]


def test_soft_nms_decays_the_duplicate():
    merged = WindowMerger()([FIRST, SECOND], duration=20.)
    # The duplicate [2,6] (tIoU 1) decays to 0.8 e^{-1 / 0.5}.
    torch.testing.assert_close(
        merged['scores'], torch.tensor([0.9, 0.5, 0.3, 0.8 * math.exp(-2)]))
    assert merged['labels'].tolist() == [0, 1, 1, 0]


def test_no_nms_score_thr_and_max_per_video():
    merger = WindowMerger(nms_cfg=None, max_per_video=2, score_thr=0.4)
    merged = merger([FIRST, SECOND], duration=20.)
    torch.testing.assert_close(merged['scores'], torch.tensor([0.9, 0.8]))
    torch.testing.assert_close(
        merged['segments'],
        torch.tensor([[2., 6.], [2., 6.]], dtype=torch.float64))
    everything = WindowMerger(
        nms_cfg=None, max_per_video=-1)([FIRST, SECOND], duration=20.)
    assert len(everything['scores']) == 4


def test_no_window():
    merged = WindowMerger()([], duration=3.)
    assert merged['segments'].shape == (0, 2)


def test_registered_and_bad_configs():
    assert TASK_UTILS.get('WindowMerger') is WindowMerger
    with pytest.raises(ValueError, match='type must be one of'):
        WindowMerger(nms_cfg=dict(type='nmw'))
    with pytest.raises(ValueError, match="bad nms_cfg for 'nms'"):
        WindowMerger(nms_cfg=dict(type='nms', sigma=0.5))
    with pytest.raises(ValueError, match='max_per_class'):
        WindowMerger(nms_cfg=dict(type='nms', max_per_class=3))
    with pytest.raises(ValueError, match='max_per_video'):
        WindowMerger(max_per_video=0)
