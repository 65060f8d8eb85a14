"""AFSDPostProcessor's AFSD switches: softmax over K + 1 channels
(background first), no per-window cap in position order, clamping to the
whole window. (The sigmoid default is tested in
tests/models/test_afsd_heads.py.)"""
import pytest
import torch
from mmengine.structures import InstanceData

from mmgaf.models.heads import AFSDPostProcessor
from mmgaf.registry import TASK_UTILS
from mmgaf.structures import TADDataSample


def outputs():
    """Two positions, K = 2 classes plus the background channel 0; the
    logits are log-probabilities, so the softmax gives them back."""
    log = torch.log
    return dict(
        loc=torch.tensor([[[4., 4.], [8., 40.]]]),
        prop_loc=torch.tensor([[[0.5, -0.5], [0., 0.]]]),
        cls=log(torch.tensor([[[0.2, 0.6, 0.2], [0.5, 0.1, 0.4]]])),
        prop_cls=log(torch.tensor([[[0.4, 0.4, 0.2], [0.5, 0.3, 0.2]]])),
        centerness=torch.logit(torch.tensor([[0.5, 0.25]])),
        priors=torch.tensor([8., 24.]),
        frame_feat=torch.zeros(1, 2, 32))


def window():
    return TADDataSample(
        metainfo=dict(video_name='v', window_size=8, valid_len=7))


def run(**kwargs):
    post = TASK_UTILS.build(dict(type='AFSDPostProcessor', **kwargs))
    result, = post(outputs(), 4., [window()])
    return result.pred_instances


def test_softmax_scores_all_in_position_order_window_clamp():
    pred = run(
        score='softmax', score_thr=0.04, max_per_window=None, clamp='window')
    # Position 0: class 0 (0.6 + 0.4) / 2 * 0.5 = 0.25, class 1 (0.2 + 0.2)
    # / 2 * 0.5 = 0.1; position 1: (0.1 + 0.3) / 2 * 0.25 = 0.05 and
    # (0.4 + 0.2) / 2 * 0.25 = 0.075. The background channel is no class.
    torch.testing.assert_close(pred.scores,
                               torch.tensor([0.25, 0.1, 0.05, 0.075]))
    assert pred.labels.tolist() == [0, 1, 0, 1]
    # Position 0: distances (6, 2) -> frames [2, 10] -> steps [0.5, 2.5].
    # Position 1: frames [16, 64] -> steps [4, 16], clamped to the window's
    # 8 steps (32 frames / 4), not to valid_len 7 (AFSD's clamp_(0,
    # clip_length)).
    torch.testing.assert_close(
        pred.segments,
        torch.tensor([[0.5, 2.5], [0.5, 2.5], [4., 8.], [4., 8.]]))


def test_softmax_with_cap_and_valid_clamp():
    pred = run(score='softmax', score_thr=0.06, max_per_window=2)
    torch.testing.assert_close(pred.scores, torch.tensor([0.25, 0.1]))
    pred = run(score='softmax', score_thr=0.06)
    # 0.05 is not above 0.06; best first.
    torch.testing.assert_close(pred.scores, torch.tensor([0.25, 0.1, 0.075]))
    torch.testing.assert_close(pred.segments[-1], torch.tensor([4., 7.]))


def test_sigmoid_of_the_same_logits_differs():
    # Sigmoid reads all three channels as classes.
    pred = run(score_thr=0., max_per_window=None)
    assert pred.labels.tolist() == [0, 1, 2, 0, 1, 2]
    p = torch.tensor([0.2, 0.6, 0.2])
    q = torch.tensor([0.4, 0.4, 0.2])
    expected = (torch.sigmoid(p.log()) + torch.sigmoid(q.log())) / 2 * 0.5
    torch.testing.assert_close(pred.scores[:3], expected)


def test_bad_configs_and_outputs():
    with pytest.raises(ValueError, match='score must be one of'):
        AFSDPostProcessor(score='tanh')
    with pytest.raises(ValueError, match='clamp must be one of'):
        AFSDPostProcessor(clamp='video')
    with pytest.raises(ValueError, match='max_per_window'):
        AFSDPostProcessor(max_per_window=0)
    bad = outputs()
    bad['cls'] = bad['cls'][..., :1]
    bad['prop_cls'] = bad['prop_cls'][..., :1]
    with pytest.raises(ValueError, match='K \\+ 1 >= 2 channels'):
        AFSDPostProcessor(score='softmax')(bad, 4., [window()])
    bad = outputs()
    bad['prop_cls'] = bad['prop_cls'][..., :2]
    with pytest.raises(ValueError, match='"prop_cls"'):
        AFSDPostProcessor()(bad, 4., [window()])
    sample = window()
    sample.gt_instances = InstanceData()
    with pytest.raises(ValueError, match='1 data samples for a batch of 2'):
        AFSDPostProcessor()({
            key:
            value.expand(2, *value.shape[1:])
            if key not in ('priors', ) else value
            for key, value in outputs().items()
        }, 4., [sample])
