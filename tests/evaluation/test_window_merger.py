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


def test_afsd_merging_no_clip_and_max_per_class():
    # AFSD's test.py: no clipping to the video, no per-video cap, at most
    # max_per_class per class (top_k), and soft-NMS's last candidate left.
    merger = WindowMerger(
        nms_cfg=dict(
            type='soft_nms',
            sigma=0.5,
            min_score=0.001,
            max_per_class=1,
            keep_last=False),
        max_per_video=-1,
        clip_to_duration=False)
    merged = merger([FIRST, SECOND], duration=20.)
    # Class 0: [2,6] 0.9 first (one per class). Class 1: [15,25] 0.5 is
    # kept past the 20 s end.
    torch.testing.assert_close(
        merged['segments'],
        torch.tensor([[2., 6.], [15., 25.]], dtype=torch.float64))
    assert merged['labels'].tolist() == [0, 1]
    unclipped = WindowMerger(
        nms_cfg=None, max_per_video=-1,
        clip_to_duration=False)([FIRST, SECOND], duration=20.)
    # [30,40] -> [23,28], wholly past the end, is kept too.
    assert len(unclipped['scores']) == 5
    assert [23., 28.] in unclipped['segments'].tolist()
    # tIoU never exceeds 1: nothing is suppressed, only capped. One per
    # class: 0.9 (class 0) and 0.5 (class 1); then one per video.
    capped = WindowMerger(
        nms_cfg=dict(type='nms', iou_thr=1., max_per_class=1))
    merged = capped([FIRST, SECOND], duration=20.)
    torch.testing.assert_close(merged['scores'], torch.tensor([0.9, 0.5]))
    assert merged['labels'].tolist() == [0, 1]
    capped = WindowMerger(
        nms_cfg=dict(type='nms', iou_thr=1., max_per_class=1), max_per_video=1)
    assert capped([FIRST, SECOND], duration=20.)['labels'].tolist() == [0]


def test_no_window():
    merged = WindowMerger()([], duration=3.)
    assert merged['segments'].shape == (0, 2)


def test_registered_and_bad_configs():
    assert TASK_UTILS.get('WindowMerger') is WindowMerger
    with pytest.raises(ValueError, match='type must be one of'):
        WindowMerger(nms_cfg=dict(type='nmw'))
    with pytest.raises(ValueError, match="bad nms_cfg for 'nms'"):
        WindowMerger(nms_cfg=dict(type='nms', sigma=0.5))
    with pytest.raises(ValueError, match='nms_cfg.max_per_class'):
        WindowMerger(nms_cfg=dict(type='nms', max_per_class=0))
    with pytest.raises(ValueError, match='max_per_video'):
        WindowMerger(max_per_video=0)
