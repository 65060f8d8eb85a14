"""AFSDTripletLoss: AFSD's boundary-contrastive loss, by hand."""
import pytest
import torch

from mmgaf.models.losses import AFSDTripletLoss

# The first part of a split action, its second part, the inserted
# background, on the frame-level grid. Their boundary regions (inclusive
# length 4: inner and outer 1) are [3, 5, 6, 8], [9, 11, 12, 14] and
# [-1, 1, 2, 4].
SEGMENTS = torch.tensor([[[4., 7.], [10., 13.], [0., 3.]]])


def maps():
    frame = torch.arange(16.).repeat(2, 1)[None]  # both halves 0..15
    # 4x coarser: start half 10, 20, 30, 40; end half 1, 2, 3, 4
    level = torch.tensor([[[10., 20., 30., 40.], [1., 2., 3., 4.]]])
    return [frame, level]


def test_triplets_and_loss_by_hand():
    loss = AFSDTripletLoss(
        level_weights=(1., 0.5), scales=(1., 4.), margin=5., loss_weight=0.1)
    (a0, a1), (p0, p1), (n0, n1) = loss.triplets(maps(), SEGMENTS)
    # frame map: anchor = end half over [6, 8], positive / negative = start
    # half over [9, 11] / [0, 1] (clamped)
    assert (a0.item(), p0.item(), n0.item()) == (8., 11., 1.)
    # coarser map, regions / 4 truncated: [1, 2] -> 3, [2, 2] -> 30,
    # [0, 0] -> 10
    assert (a1.item(), p1.item(), n1.item()) == (3., 30., 10.)
    # max(|a - p| - |a - n| + margin, 0): 3 - 7 + 5 = 1 and 27 - 7 + 5 = 25
    expected = 0.1 * (1. * 1. + 0.5 * 25.)
    torch.testing.assert_close(
        loss(maps(), SEGMENTS), torch.tensor(expected), rtol=1e-5, atol=0)


def test_hinge_and_batch_mean():
    loss = AFSDTripletLoss(
        level_weights=(1., ), scales=(1., ), margin=1., loss_weight=1.)
    # margin 1: 3 - 7 + 1 < 0, the triplet is already separated
    assert loss(maps()[:1], SEGMENTS).item() == 0.
    # a second sample whose negative is the positive's value: 3 - 3 + 1
    frame = maps()[0]
    other = frame.clone()
    other[0, 0, :2] = 11.
    batch = torch.cat([frame, other])
    torch.testing.assert_close(
        loss([batch], SEGMENTS.repeat(2, 1, 1)),
        torch.tensor(0.5),
        rtol=1e-5,
        atol=1e-6)


def test_afsd_defaults_and_bad_input():
    loss = AFSDTripletLoss()
    assert loss.level_weights == (1., 0.1, 0.1)
    assert loss.scales == (1., 4., 4.)
    assert (loss.margin, loss.p, loss.loss_weight) == (1., 2., 0.1)
    with pytest.raises(ValueError, match='segments must be'):
        loss(maps() + [maps()[1]], SEGMENTS[:, :2])
    with pytest.raises(ValueError, match='3 feature maps'):
        loss(maps(), SEGMENTS)
    with pytest.raises(ValueError, match='level_weights'):
        AFSDTripletLoss(level_weights=(1., ), scales=(1., 4.))
    with pytest.raises(ValueError, match='scales must be positive'):
        AFSDTripletLoss(level_weights=(1., ), scales=(0., ))
