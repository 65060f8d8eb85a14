import math

import pytest
import torch

from mmgaf.models.losses import (AFSDBoundaryLoss, AFSDIoULoss, AFSDLoss,
                                 distance_iou)
from mmgaf.registry import MODELS

NUM_CLASSES = 3


def make_outputs(batch=2, sizes=(8, 4, 2), frame_num=32, channels=8, seed=0):
    """Raw outputs as AFSD.forward_feats returns them, as leaf tensors."""
    generator = torch.Generator().manual_seed(seed)
    num = sum(sizes)

    def rand(*shape, scale=1.):
        return (torch.randn(*shape, generator=generator) *
                scale).requires_grad_()

    def after_relu(*shape):
        return torch.randn(
            *shape, generator=generator).relu_().requires_grad_()

    priors = torch.cat([(torch.arange(s) + 0.5) * frame_num / s
                        for s in sizes])
    return dict(
        cls=rand(batch, num, NUM_CLASSES),
        loc=(torch.rand(batch, num, 2, generator=generator) * 8 +
             1).requires_grad_(),
        prop_cls=rand(batch, num, NUM_CLASSES),
        prop_loc=rand(batch, num, 2, scale=0.3),
        centerness=rand(batch, num),
        priors=priors,
        # Boundary features come after a ReLU.
        frame_feat=after_relu(batch, channels, frame_num),
        proposal_feats=[after_relu(batch, channels, sizes[0])] * 2)


def test_distance_iou_values():
    pred = torch.tensor([[2., 3.], [1., 1.], [4., 0.]])
    target = torch.tensor([[1., 1.], [3., 0.5], [4., 0.]])
    # [p-2, p+3] vs [p-1, p+1]: 2 / 5; [p-1, p+1] vs [p-3, p+0.5]: 1.5 / 4
    torch.testing.assert_close(
        distance_iou(pred, target), torch.tensor([0.4, 0.375, 1.]))
    loss = AFSDIoULoss(loss_weight=10.)
    torch.testing.assert_close(
        loss(pred, target, weight=torch.tensor([1., 2., 1.]), avg_factor=2.),
        torch.tensor(10. * (0.6 + 2 * 0.625) / 2.))
    with pytest.raises(ValueError, match='pred and target'):
        loss(pred, target[:, :1])


def test_assignment_prefers_shortest_containing_segment():
    loss = AFSDLoss(num_classes=NUM_CLASSES)
    priors = torch.tensor([1., 5., 9., 12., 20.])
    segments = [torch.tensor([[0., 10.], [4., 6.], [12., 14.]])]
    labels = [torch.tensor([0, 2, -1])]
    targets = loss.get_targets(priors, segments, labels)
    # 5 lies in both [0, 10] and [4, 6]: the shorter wins; 12 touches the
    # start of [12, 14] (ends count); 20 lies in none.
    assert targets.labels.tolist() == [[0, 2, 0, -1, NUM_CLASSES]]
    torch.testing.assert_close(
        targets.distances[0, :4],
        torch.tensor([[1., 9.], [1., 1.], [9., 1.], [0., 2.]]))


def test_losses_against_hand_computation():
    focal = MODELS.build(
        dict(type='mmdet.FocalLoss', use_sigmoid=True, reduction='none'))
    outputs = make_outputs(batch=1, sizes=(8, 4, 2), frame_num=32)
    segments = [torch.tensor([[2., 14.], [20., 31.]])]
    labels = [torch.tensor([1, 2])]
    loss = AFSDLoss(num_classes=NUM_CLASSES, pos_iou_thr=0.3)
    losses = loss(outputs, segments, labels)
    assert set(losses) == {
        'loss_cls', 'loss_loc', 'loss_prop_cls', 'loss_prop_loc',
        'loss_centerness', 'loss_start', 'loss_end'
    }

    priors = outputs['priors']
    inside = (priors[:, None] >= segments[0][:, 0]) & (
        priors[:, None] <= segments[0][:, 1])
    assigned = inside.float().argmax(1)
    positive = inside.any(1)
    target_labels = torch.where(positive, labels[0][assigned],
                                torch.tensor(NUM_CLASSES))
    distances = torch.stack(
        [priors - segments[0][assigned, 0], segments[0][assigned, 1] - priors],
        -1)
    one_hot = torch.nn.functional.one_hot(target_labels,
                                          NUM_CLASSES + 1)[:, :-1].float()
    num_pos = positive.sum().item()
    cls = outputs['cls'][0]
    torch.testing.assert_close(losses['loss_cls'],
                               focal(cls, one_hot).sum() / num_pos)
    loc = outputs['loc'][0]
    iou = distance_iou(loc, distances)
    torch.testing.assert_close(losses['loss_loc'],
                               10. * (1 - iou[positive]).sum() / num_pos)

    refine = positive & (iou.detach() >= 0.3)
    assert 0 < refine.sum() < positive.sum()
    half_width = loc.detach().sum(-1, keepdim=True) / 2
    offsets = (distances - loc.detach()) / half_width
    prop_loc = outputs['prop_loc'][0]
    torch.testing.assert_close(
        losses['loss_prop_loc'],
        10. * (prop_loc[refine] - offsets[refine]).abs().sum() / refine.sum())
    refine_hot = one_hot * refine[:, None]
    torch.testing.assert_close(
        losses['loss_prop_cls'],
        focal(outputs['prop_cls'][0], refine_hot).sum() / refine.sum())
    refined = loc.detach() + half_width * prop_loc.detach()
    quality = distance_iou(refined, distances)[positive].clamp(min=0)
    torch.testing.assert_close(
        losses['loss_centerness'],
        torch.nn.functional.binary_cross_entropy_with_logits(
            outputs['centerness'][0][positive], quality, reduction='sum') /
        num_pos)


def test_background_intervals():
    outputs = make_outputs(batch=1)
    priors = outputs['priors']
    background = [torch.tensor([[3., 17.]])]
    labels = [torch.tensor([-1])]
    in_interval = (priors >= 3.) & (priors <= 17.)

    def run(weight, segments=background):
        loss = AFSDLoss(num_classes=NUM_CLASSES, background_loc_weight=weight)
        return loss(outputs, segments, labels), loss

    losses, loss = run(2.)
    targets = loss.get_targets(priors, background, labels)
    assert (targets.labels[0] == -1).tolist() == in_interval.tolist()
    # No classification positives: the focal loss sees all-zero targets,
    # averaged over the interval's positions.
    focal = MODELS.build(
        dict(type='mmdet.FocalLoss', use_sigmoid=True, reduction='sum'))
    zeros = torch.zeros_like(outputs['cls'][0])
    torch.testing.assert_close(
        losses['loss_cls'],
        focal(outputs['cls'][0], zeros) / in_interval.sum())
    # Refinement, centerness and boundaries have no positives.
    for key in ('loss_prop_loc', 'loss_centerness'):
        assert losses[key].item() == 0
    torch.testing.assert_close(losses['loss_prop_cls'],
                               focal(outputs['prop_cls'][0], zeros))
    start, end = AFSDBoundaryLoss().get_targets([torch.zeros(0, 2)], 32)
    expected_start, expected_end = AFSDBoundaryLoss()(
        outputs['frame_feat'], outputs['proposal_feats'], [torch.zeros(0, 2)])
    torch.testing.assert_close(losses['loss_start'], expected_start)
    assert start.sum() == 0 and end.sum() == 0

    # The coarse localisation regresses the interval, with its weight.
    loc = outputs['loc'][0]
    distances = torch.stack([priors - 3., 17. - priors], -1)
    expected = 10. * 2. * (1 - distance_iou(loc, distances))[in_interval]
    torch.testing.assert_close(losses['loss_loc'],
                               expected.sum() / in_interval.sum())
    grad, = torch.autograd.grad(losses['loss_loc'], outputs['loc'])
    assert (grad[0].abs().sum(-1) > 0).tolist() == in_interval.tolist()
    moved, _ = run(2., [torch.tensor([[3., 25.]])])
    assert not torch.isclose(moved['loss_loc'], losses['loss_loc'])

    # Weight 0: no regression, and the classification is still averaged
    # over the intervals' positions (not summed over every position).
    plain, _ = run(0.)
    assert plain['loss_loc'].item() == 0
    torch.testing.assert_close(
        plain['loss_cls'],
        focal(outputs['cls'][0], zeros) / in_interval.sum())


def test_boundary_targets_and_loss():
    segments = [torch.tensor([[10., 30.], [40., 80.]]), torch.zeros(0, 2)]
    start, end = AFSDBoundaryLoss.get_targets(segments, 64)
    # [10, 30]: half-width max(20 / 10, 2) / 2 = 1 -> [9, 11] and [29, 31];
    # [40, 80]: 2 -> [38, 42], and the end region past the grid clamps to
    # its last position, as AFSD's np.clip does.
    assert start[0].nonzero().flatten().tolist() == [
        9, 10, 11, 38, 39, 40, 41, 42
    ]
    assert end[0].nonzero().flatten().tolist() == [29, 30, 31, 63]
    assert start[1].sum() == 0 and end[1].sum() == 0

    feat = torch.rand(2, 6, 64).requires_grad_()
    proposal = torch.rand(2, 4, 16).requires_grad_()
    loss = AFSDBoundaryLoss(proposal_weight=0.1, loss_weight=2.)
    loss_start, loss_end = loss(feat, [proposal], segments)

    def bce(x, target):
        prob = torch.tanh(x).mean(1)
        return torch.nn.functional.binary_cross_entropy(prob, target)

    sampled = start[:, ::4]  # nearest sampling of 64 positions to 16
    expected = 2. * (
        bce(feat[:, :3], start) + 0.1 * bce(proposal[:, :2], sampled))
    torch.testing.assert_close(loss_start, expected)
    expected_end = 2. * (
        bce(feat[:, 3:], end) + 0.1 * bce(proposal[:, 2:], end[:, ::4]))
    torch.testing.assert_close(loss_end, expected_end)
    (loss_start + loss_end).backward()
    assert feat.grad.abs().sum() > 0 and proposal.grad.abs().sum() > 0


def test_gradients_reach_every_output():
    outputs = make_outputs(batch=2)
    segments = [torch.tensor([[2., 14.]]), torch.tensor([[5., 30.]])]
    labels = [torch.tensor([0]), torch.tensor([2])]
    losses = AFSDLoss(
        num_classes=NUM_CLASSES, pos_iou_thr=0.)(outputs, segments, labels)
    total = sum(losses.values())
    assert math.isfinite(total.item())
    total.backward()
    for key in ('cls', 'loc', 'prop_cls', 'prop_loc', 'centerness',
                'frame_feat'):
        assert outputs[key].grad.abs().sum() > 0, key


def test_bad_background_weight():
    with pytest.raises(ValueError, match='background_loc_weight'):
        AFSDLoss(num_classes=2, background_loc_weight=-1.)


SOFTMAX_FOCAL = dict(type='AFSDSoftmaxFocalLoss', gamma=2.0, alpha=0.25)


def softmax_loss(**kwargs):
    return AFSDLoss(
        num_classes=NUM_CLASSES,
        loss_cls=SOFTMAX_FOCAL,
        loss_prop_cls=SOFTMAX_FOCAL,
        **kwargs)


def test_softmax_focal_loss_by_hand():
    # softmax(log [1, 3, 4]) = [1/8, 3/8, 1/2]
    logits = torch.tensor([[1., 3., 4.], [1., 3., 4.]]).log()
    target = torch.tensor([0, 2])
    loss = MODELS.build(dict(SOFTMAX_FOCAL, reduction='none'))
    # background rows weigh alpha = 0.25, action rows 1 - alpha = 0.75;
    # AFSD adds 1e-6 to p_t before (1 - p_t) ** 2 and the log
    p_bg, p_action = 1 / 8 + 1e-6, 1 / 2 + 1e-6
    expected = torch.tensor([
        -0.25 * (1 - p_bg)**2 * math.log(p_bg),
        -0.75 * (1 - p_action)**2 * math.log(p_action)
    ])
    torch.testing.assert_close(loss(logits, target), expected)
    summed = MODELS.build(dict(SOFTMAX_FOCAL, loss_weight=2.))
    torch.testing.assert_close(
        summed(logits, target, avg_factor=4.), 2. * expected.sum() / 4.)
    # gamma 0 and alpha 0.5 leave half the cross-entropy (+ eps)
    plain = MODELS.build(
        dict(
            type='AFSDSoftmaxFocalLoss', gamma=0., alpha=0.5,
            reduction='none'))
    torch.testing.assert_close(
        plain(logits, target), -0.5 * torch.tensor([p_bg, p_action]).log())
    with pytest.raises(ValueError, match=r'target must be in \[0, 3\)'):
        loss(logits, torch.tensor([0, 3]))
    with pytest.raises(ValueError, match='class indices'):
        loss(logits, torch.tensor([0., 1.]))
    with pytest.raises(ValueError, match='alpha'):
        MODELS.build(dict(type='AFSDSoftmaxFocalLoss', alpha=1.))


def test_softmax_classification_targets():
    """Channel 0 is background and channel c + 1 class c, for the coarse
    (positives) and the refinement (positives above pos_iou_thr) terms;
    background intervals (-1) are background."""
    loss = softmax_loss(pos_iou_thr=0.5)
    assert loss.use_background_class and loss.cls_out_channels == 4
    assert AFSDLoss(num_classes=NUM_CLASSES).cls_out_channels == 3
    priors = torch.tensor([2., 6., 10., 14.])
    generator = torch.Generator().manual_seed(1)
    outputs = dict(
        cls=torch.randn(1, 4, 4, generator=generator),
        prop_cls=torch.randn(1, 4, 4, generator=generator),
        # tIoUs with the targets below: 1, 1/3, -, -
        loc=torch.tensor([[[2., 2.], [6., 6.], [1., 1.], [1., 1.]]]),
        prop_loc=torch.zeros(1, 4, 2),
        centerness=torch.zeros(1, 4),
        priors=priors,
        frame_feat=torch.rand(1, 4, 16),
        proposal_feats=[torch.rand(1, 4, 4)])
    segments = [torch.tensor([[0., 4.], [4., 8.], [9., 11.]])]
    labels = [torch.tensor([2, 0, -1])]
    losses = loss(outputs, segments, labels)
    focal = MODELS.build(dict(SOFTMAX_FOCAL, reduction='none'))
    coarse = focal(outputs['cls'][0], torch.tensor([3, 1, 0, 0]))
    # positives 2 and 6, the background interval's position 10: 3 instances
    torch.testing.assert_close(losses['loss_cls'], coarse.sum() / 3)
    refine = focal(outputs['prop_cls'][0], torch.tensor([3, 0, 0, 0]))
    torch.testing.assert_close(losses['loss_prop_cls'], refine.sum() / 1)
    # a window of background intervals only (GAF's background pass):
    # channel 0 everywhere, averaged over the intervals' positions
    interval = loss(outputs, [torch.tensor([[1., 7.]])], [torch.tensor([-1])])
    torch.testing.assert_close(
        interval['loss_cls'],
        focal(outputs['cls'][0], torch.zeros(4, dtype=torch.long)).sum() / 2)
    with pytest.raises(ValueError, match=r"outputs\['cls'\] has 3 channels"):
        loss(dict(outputs, cls=outputs['cls'][..., 1:]), segments, labels)
    with pytest.raises(ValueError, match='both be sigmoid or both'):
        AFSDLoss(num_classes=NUM_CLASSES, loss_cls=SOFTMAX_FOCAL)


def test_regress_ranges_limit_each_level():
    # two levels over 16 frames: 4 positions (2, 6, 10, 14), 2 (4, 12)
    priors = torch.tensor([2., 6., 10., 14., 4., 12.])
    loss = AFSDLoss(
        num_classes=NUM_CLASSES, regress_ranges=[(0., 3.), (3., 16.)])
    segments = [torch.tensor([[1., 7.], [0., 16.]])]
    labels = [torch.tensor([0, 1])]
    targets = loss.get_targets(priors, segments, labels)
    # level 0 takes max(left, right) in (0, 3]: 2 and 6 reach 5 in
    # [1, 7] and farther in [0, 16], 10 and 14 too: none. Level 1 takes
    # (3, 16]: 4 is 3 from both ends of [1, 7] (not > 3), so [0, 16].
    assert targets.labels.tolist() == [[3, 3, 3, 3, 1, 1]]
    unlimited = AFSDLoss(
        num_classes=NUM_CLASSES).get_targets(priors, segments, labels)
    assert unlimited.labels.tolist() == [[0, 0, 1, 1, 0, 1]]
    narrow = AFSDLoss(
        num_classes=NUM_CLASSES, regress_ranges=[(0., 6.), (3., 16.)])
    assert narrow.get_targets(priors, segments,
                              labels).labels.tolist() == [[0, 0, 3, 3, 1, 1]]
    with pytest.raises(ValueError, match='regress_ranges has 1 levels'):
        AFSDLoss(
            num_classes=NUM_CLASSES,
            regress_ranges=[(0., 3.)]).get_targets(priors, segments, labels)
    with pytest.raises(ValueError, match='low < high'):
        AFSDLoss(num_classes=NUM_CLASSES, regress_ranges=[(3., 3.)])


def test_adaptive_pos_iou_thr():
    """A sample whose best coarse tIoU is under pos_iou_thr still trains
    the refinement on its best positive(s)."""
    outputs = make_outputs(batch=1, sizes=(4, ), frame_num=16)
    # targets (2, 10), (6, 6), (10, 2): tIoUs 0.1, 1/3 and 0.25
    outputs['loc'] = torch.tensor([[[1., 0.2], [2., 2.], [2., 1.], [1., 1.]]])
    segments = [torch.tensor([[0., 12.]])]
    labels = [torch.tensor([1])]
    fixed = AFSDLoss(num_classes=NUM_CLASSES, pos_iou_thr=0.5)
    adaptive = AFSDLoss(
        num_classes=NUM_CLASSES, pos_iou_thr=0.5, adaptive_pos_iou_thr=True)
    iou = distance_iou(outputs['loc'][0, :3],
                       torch.tensor([[2., 10.], [6., 6.], [10., 2.]]))
    best = int(iou.argmax())
    assert iou.max() < 0.5
    assert fixed(outputs, segments, labels)['loss_prop_loc'] == 0
    losses = adaptive(outputs, segments, labels)
    half = outputs['loc'][0, best].sum() / 2
    target = torch.tensor([[2., 10.], [6., 6.], [10., 2.]])[best]
    offsets = (target - outputs['loc'][0, best]) / half
    torch.testing.assert_close(
        losses['loss_prop_loc'],
        10. * (outputs['prop_loc'][0, best] - offsets).abs().sum())


def test_centerness_target_gradient_switch():
    """With ``detach_centerness_target=False`` (AFSD's code) the tIoU
    target is differentiable: d BCE / d target = -logit reaches ``loc``
    and ``prop_loc``."""
    outputs = make_outputs(batch=1)
    segments = [torch.tensor([[2., 14.]])]
    labels = [torch.tensor([1])]
    priors = outputs['priors']
    positive = (priors >= 2.) & (priors <= 14.)
    loss = AFSDLoss(num_classes=NUM_CLASSES, detach_centerness_target=False)
    value = loss(outputs, segments, labels)['loss_centerness']
    distances = torch.stack([priors - 2., 14. - priors], -1)[positive]
    loc = outputs['loc'][0][positive]
    refined = loc + loc.sum(-1, keepdim=True) / 2 * \
        outputs['prop_loc'][0][positive]
    quality = distance_iou(refined, distances).clamp(min=0)
    logits = outputs['centerness'][0][positive]
    expected = torch.nn.functional.binary_cross_entropy_with_logits(
        logits, quality, reduction='sum') / positive.sum()
    torch.testing.assert_close(value, expected)
    inputs = [outputs['loc'], outputs['prop_loc'], outputs['centerness']]
    for got, want in zip(
            torch.autograd.grad(value, inputs),
            torch.autograd.grad(expected, inputs)):
        torch.testing.assert_close(got, want)
    detached = AFSDLoss(num_classes=NUM_CLASSES)(outputs, segments,
                                                 labels)['loss_centerness']
    torch.testing.assert_close(detached, value)
    assert torch.autograd.grad(
        detached, outputs['loc'], allow_unused=True)[0] is None
