import math

import pytest
import torch

from mmgaf.models.losses import (AFSDBoundaryLoss, AFSDIoULoss, AFSDLoss,
                                 distance_iou)
from mmgaf.registry import MODELS

NUM_CLASSES = 3


def make_outputs(batch=2, sizes=(8, 4, 2), frame_num=32, channels=8,
                 seed=0):
    """Raw outputs as AFSD.forward_feats returns them, as leaf tensors."""
    generator = torch.Generator().manual_seed(seed)
    num = sum(sizes)

    def rand(*shape, scale=1.):
        return (torch.randn(*shape, generator=generator) *
                scale).requires_grad_()

    def after_relu(*shape):
        return torch.randn(*shape, generator=generator).relu_(
        ).requires_grad_()


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
    distances = torch.stack([
        priors - segments[0][assigned, 0], segments[0][assigned, 1] - priors
    ], -1)
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
        10. * (prop_loc[refine] - offsets[refine]).abs().sum() /
        refine.sum())
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
        loss = AFSDLoss(
            num_classes=NUM_CLASSES, background_loc_weight=weight)
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
    torch.testing.assert_close(
        losses['loss_prop_cls'],
        focal(outputs['prop_cls'][0], zeros))
    start, end = AFSDBoundaryLoss().get_targets([torch.zeros(0, 2)], 32)
    expected_start, expected_end = AFSDBoundaryLoss()(
        outputs['frame_feat'], outputs['proposal_feats'],
        [torch.zeros(0, 2)])
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
    torch.testing.assert_close(plain['loss_cls'],
                               focal(outputs['cls'][0], zeros) /
                               in_interval.sum())


def test_boundary_targets_and_loss():
    segments = [torch.tensor([[10., 30.], [40., 80.]]), torch.zeros(0, 2)]
    start, end = AFSDBoundaryLoss.get_targets(segments, 64)
    # [10, 30]: half-width max(20 / 10, 2) / 2 = 1 -> [9, 11] and [29, 31];
    # [40, 80]: 2 -> [38, 42], and the end region past the grid clamps to
    # its last position, as AFSD's np.clip does.
    assert start[0].nonzero().flatten().tolist() == [9, 10, 11, 38, 39, 40,
                                                     41, 42]
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
    expected = 2. * (bce(feat[:, :3], start) +
                     0.1 * bce(proposal[:, :2], sampled))
    torch.testing.assert_close(loss_start, expected)
    expected_end = 2. * (bce(feat[:, 3:], end) +
                         0.1 * bce(proposal[:, 2:], end[:, ::4]))
    torch.testing.assert_close(loss_end, expected_end)
    (loss_start + loss_end).backward()
    assert feat.grad.abs().sum() > 0 and proposal.grad.abs().sum() > 0


def test_gradients_reach_every_output():
    outputs = make_outputs(batch=2)
    segments = [torch.tensor([[2., 14.]]), torch.tensor([[5., 30.]])]
    labels = [torch.tensor([0]), torch.tensor([2])]
    losses = AFSDLoss(num_classes=NUM_CLASSES, pos_iou_thr=0.)(outputs,
                                                               segments,
                                                               labels)
    total = sum(losses.values())
    assert math.isfinite(total.item())
    total.backward()
    for key in ('cls', 'loc', 'prop_cls', 'prop_loc', 'centerness',
                'frame_feat'):
        assert outputs[key].grad.abs().sum() > 0, key


def test_bad_background_weight():
    with pytest.raises(ValueError, match='background_loc_weight'):
        AFSDLoss(num_classes=2, background_loc_weight=-1.)
