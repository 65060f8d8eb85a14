import copy

import pytest
import torch
import torch.nn as nn
from mmengine.structures import InstanceData

from mmgaf.registry import MODELS
from mmgaf.structures import TADDataSample

NUM_CLASSES = 3
CHANNELS = 64

pytestmark = pytest.mark.usefixtures('one_thread')


def afsd_cfg(in_channels=16, **kwargs):
    cfg = dict(
        type='AFSD',
        num_classes=NUM_CLASSES,
        pyramid=dict(
            type='AFSDPyramid',
            in_channels=in_channels,
            feat_channels=CHANNELS),
        coarse_head=dict(
            type='AFSDCoarseHead',
            in_channels=CHANNELS,
            feat_channels=CHANNELS),
        refine_head=dict(
            type='AFSDRefineHead',
            in_channels=CHANNELS,
            proposal_channels=CHANNELS,
            frame_channels=CHANNELS),
        loss=dict(type='AFSDLoss'),
        post_processor=dict(type='AFSDPostProcessor', max_per_window=50))
    cfg.update(kwargs)
    return cfg


def build(cfg, seed=0):
    torch.manual_seed(seed)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def window(segments, labels, window_size=32, valid_len=32):
    sample = TADDataSample(
        metainfo=dict(
            video_name='video',
            duration=10.,
            window_start=0,
            window_size=window_size,
            valid_len=valid_len,
            time_scale=0.25,
            time_shift=0.))
    sample.gt_instances = InstanceData(
        segments=torch.tensor(segments, dtype=torch.float32).view(-1, 2),
        labels=torch.tensor(labels, dtype=torch.long))
    return sample


def batch(seed=0, length=32):
    """Two windows whose features carry their actions: class c adds a
    bump on channel c, so the detector can learn them."""
    generator = torch.Generator().manual_seed(seed)
    samples = [
        window([[4., 12.], [18., 27.]], [0, 2], length, length - 2),
        window([[10., 21.]], [1], length, length)
    ]
    x = 0.1 * torch.randn(2, 16, length, generator=generator)
    for i, sample in enumerate(samples):
        for (start, end), label in zip(sample.gt_instances.segments.tolist(),
                                       sample.gt_instances.labels.tolist()):
            x[i, label, int(start):int(end)] += 1.
            x[i, 8 + label, int(start)] += 1.
            x[i, 8 + label, int(end) - 1] -= 1.
    return x, samples


def test_loss_keys_and_frame_scaling():
    model = build(afsd_cfg())
    x, samples = batch()
    losses = model(x, samples, mode='loss')
    assert set(losses) == {
        'loss_cls', 'loss_loc', 'loss_prop_cls', 'loss_prop_loc',
        'loss_centerness', 'loss_start', 'loss_end'
    }
    # Ground truth in window steps lands on the frame grid (4 per step).
    segments, labels = model._targets(samples)
    torch.testing.assert_close(segments[0],
                               torch.tensor([[16., 48.], [72., 108.]]))
    outputs = model(x, samples, mode='tensor')
    assert outputs['frame_feat'].shape[-1] == 4 * 32
    assert outputs['cls'].shape == (2, 32 + 16 + 8 + 4 + 2 + 1, NUM_CLASSES)
    total = sum(losses.values())
    total.backward()
    for name, param in model.named_parameters():
        assert param.grad is not None, name


def test_training_reduces_loss_and_finds_the_actions():
    # pos_iou_thr=0: the refinement trains from the first step, so every
    # term of the total is active throughout.
    model = build(
        afsd_cfg(
            loss=dict(type='AFSDLoss', pos_iou_thr=0.),
            post_processor=dict(type='AFSDPostProcessor', max_per_window=5)))
    x, samples = batch()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    history = []
    for _ in range(30):
        losses = model(x, samples, mode='loss')
        total = sum(losses.values())
        optimizer.zero_grad()
        total.backward()
        optimizer.step()
        history.append(total.item())
    assert history[9] < 0.5 * history[0]
    assert max(history[-5:]) < 0.3 * history[0]

    model.eval()
    with torch.no_grad():
        results = model(x, copy.deepcopy(samples), mode='predict')
    assert len(results) == 2
    for result, sample in zip(results, samples):
        pred = result.pred_instances
        assert 0 < len(pred.scores) <= 5
        assert (pred.segments[:, 0] >= 0).all()
        assert (pred.segments[:, 1] <= sample.valid_len).all()
        assert (pred.segments[:, 0] <= pred.segments[:, 1]).all()
        assert ((pred.scores > 0.01) & (pred.scores <= 1)).all()
        assert pred.scores.tolist() == sorted(
            pred.scores.tolist(), reverse=True)
        assert result.metainfo['video_name'] == 'video'
        # Every action is found among the five best detections: right
        # class, tIoU at least 0.5.
        for (start, end), label in zip(sample.gt_instances.segments.tolist(),
                                       sample.gt_instances.labels.tolist()):
            inter = (torch.minimum(pred.segments[:, 1], torch.tensor(end)) -
                     torch.maximum(pred.segments[:, 0],
                                   torch.tensor(start))).clamp(min=0)
            union = (pred.segments[:, 1] -
                     pred.segments[:, 0]) + (end - start) - inter
            assert ((inter / union >= 0.5) & (pred.labels == label)).any()


class FakeGAFNeck(nn.Module):
    """Implements the GAF protocol: hands features and targets of its own
    to the detector's loss."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(1.))
        self.calls = []

    def forward(self, x, data_samples=None):
        return x * self.scale, dict(loss_neck=self.scale * 0.)

    def loss_with_detector(self, x, data_samples, detector_loss):
        background = []
        for sample in data_samples:
            other = sample.clone()
            other.gt_instances = InstanceData(
                segments=torch.tensor([[0., 3.]]), labels=torch.tensor([-1]))
            background.append(other)
        foreground = detector_loss(x * self.scale, data_samples)
        background_losses = detector_loss(x * (2 - self.scale), background)
        self.calls.append((x, data_samples))
        losses = dict(foreground)
        losses.update({
            f'bg_{key}': value
            for key, value in background_losses.items()
        })
        return losses


def test_neck_with_loss_with_detector_takes_over():
    model = build(afsd_cfg(neck=dict(type=FakeGAFNeck)))
    x, samples = batch()
    losses = model(x, samples, mode='loss')
    (features, given), = model.neck.calls
    assert features is x and given is samples
    assert 'loss_neck' not in losses
    assert {key
            for key in losses if key.startswith('bg_')
            } == {'bg_' + key
                  for key in losses if not key.startswith('bg_')}
    # The background windows hold one background interval and no action.
    assert losses['bg_loss_loc'].item() == 0
    assert losses['bg_loss_prop_loc'].item() == 0
    # The foreground pass is the plain detector loss (the neck's scale is 1).
    torch.testing.assert_close(losses['loss_cls'],
                               model.loss_by_feat(x, samples)['loss_cls'])
    sum(losses.values()).backward()
    assert model.neck.scale.grad is not None
    assert model.pyramid.input_convs[0].conv.weight.grad is not None


class PlainNeck(nn.Module):

    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.tensor(2.))

    def forward(self, x, data_samples=None):
        aux = dict(loss_aux=self.weight * 3.) if self.training else {}
        return x * self.weight, aux


def test_plain_neck_runs_and_adds_aux_losses():
    model = build(afsd_cfg(neck=dict(type=PlainNeck)))
    plain = build(afsd_cfg())
    x, samples = batch()
    losses = model(x, samples, mode='loss')
    assert losses['loss_aux'].item() == 6.
    detector = plain.loss_by_feat(2 * x, samples)
    for key, value in detector.items():
        torch.testing.assert_close(losses[key], value)
    model.eval()
    plain.eval()
    with torch.no_grad():
        torch.testing.assert_close(
            model(x, mode='tensor')['cls'],
            plain(2 * x, mode='tensor')['cls'])


def test_background_only_window_through_localizer():
    model = build(
        afsd_cfg(loss=dict(type='AFSDLoss', background_loc_weight=1.)))
    x, _ = batch()
    samples = [
        window([[0., 10.], [20., 32.]], [-1, -1]),
        window([[5., 9.]], [-1])
    ]
    losses = model.loss_by_feat(x, samples)
    assert losses['loss_loc'].item() > 0
    for key in ('loss_prop_loc', 'loss_centerness'):
        assert losses[key].item() == 0


def test_bad_ground_truth_names_the_field():
    model = build(afsd_cfg())
    x, samples = batch()
    bad = copy.deepcopy(samples)
    bad[1].gt_instances.labels = torch.tensor([NUM_CLASSES])
    with pytest.raises(ValueError, match='gt_instances.labels'):
        model.loss(x, bad)
    bad = copy.deepcopy(samples)
    bad[0].gt_instances.segments = torch.tensor([[5., 1.], [2., 3.]])
    with pytest.raises(ValueError, match='end before its start'):
        model.loss(x, bad)
    bad = copy.deepcopy(samples)
    del bad[0].gt_instances.segments
    with pytest.raises(KeyError, match='gt_instances has no segments'):
        model.loss(x, bad)
    with pytest.raises(ValueError, match='num_classes'):
        MODELS.build(
            afsd_cfg(loss=dict(type='AFSDLoss', num_classes=NUM_CLASSES + 1)))
    with pytest.raises(RuntimeError, match='Invalid mode'):
        model(x, samples, mode='train')


@pytest.mark.slow
def test_end_to_end_on_frames_with_inception_i3d():
    """Frames (B, 3, T, 96, 96) through InceptionI3d: the window is frames,
    the frame grid is the window itself (T positions)."""
    cfg = afsd_cfg(
        backbone=dict(type='InceptionI3d', frozen_stages=2),
        pyramid=dict(
            type='AFSDPyramid',
            in_channels=(832, 1024),
            feat_channels=CHANNELS,
            spatial_sizes=(6, 3),
            input_stride=4))
    model = build(cfg)
    samples = [window([[6., 20.]], [1], window_size=32, valid_len=32)]
    frames = torch.randn(1, 3, 32, 96, 96)
    assert model.pyramid.frames_per_step == 1
    segments, _ = model._targets(samples)
    torch.testing.assert_close(segments[0], torch.tensor([[6., 20.]]))
    losses = model(frames, samples, mode='loss')
    total = sum(losses.values())
    total.backward()
    assert model.backbone.mixed_5c.branch0_0a.conv.weight.grad is not None
    model.eval()
    with torch.no_grad():
        result, = model(frames, samples, mode='predict')
    assert (result.pred_instances.segments <= 32).all()


SOFTMAX_LOSS = dict(
    type='AFSDLoss',
    loss_cls=dict(type='AFSDSoftmaxFocalLoss'),
    loss_prop_cls=dict(type='AFSDSoftmaxFocalLoss'))


def test_softmax_loss_switches_heads_and_post_processor():
    """One switch, the loss: a softmax loss gives K + 1 class channels
    (background first) to both heads and softmax scoring to the
    post-processor."""
    model = build(afsd_cfg(loss=SOFTMAX_LOSS))
    assert model.use_background_class
    assert model.post_processor.score == 'softmax'
    x, samples = batch()
    outputs = model(x, samples, mode='tensor')
    assert outputs['cls'].shape[-1] == NUM_CLASSES + 1
    assert outputs['prop_cls'].shape[-1] == NUM_CLASSES + 1
    losses = model(x, samples, mode='loss')
    assert all(torch.isfinite(v) for v in losses.values())
    model.eval()
    with torch.no_grad():
        outputs = model(x[:1], mode='tensor')
        # A window whose logits say "background" everywhere detects nothing;
        # one that says "class 2" scores class 2 only.
        for channel, expected in ((0, set()), (3, {2})):
            forced = dict(outputs)
            for key in ('cls', 'prop_cls'):
                logits = torch.full_like(outputs[key], -20.)
                logits[..., channel] = 20.
                forced[key] = logits
            forced['centerness'] = torch.full_like(outputs['centerness'], 20.)
            result, = model.post_processor(forced, 4., samples[:1])
            assert set(result.pred_instances.labels.tolist()) == expected
    plain = build(afsd_cfg())
    assert not plain.use_background_class
    assert plain.post_processor.score == 'sigmoid'
    assert plain(x, mode='tensor')['cls'].shape[-1] == NUM_CLASSES


def test_contradicting_classification_is_refused():
    with pytest.raises(ValueError, match='coarse_head.use_background_class'):
        MODELS.build(
            afsd_cfg(
                coarse_head=dict(
                    type='AFSDCoarseHead',
                    in_channels=CHANNELS,
                    feat_channels=CHANNELS,
                    use_background_class=True)))
    with pytest.raises(ValueError, match='post_processor.score'):
        MODELS.build(
            afsd_cfg(
                loss=SOFTMAX_LOSS,
                post_processor=dict(type='AFSDPostProcessor',
                                    score='sigmoid')))


def with_ssl(samples, x, valid):
    """Boundary-contrastive fields as the data pipeline packs them: the
    second part of each sample's first action moved behind an inserted
    background (a stand-in for AFSD's augment_)."""
    out = []
    for i, (sample, ok) in enumerate(zip(samples, valid)):
        sample = sample.clone()
        sample.ssl_inputs = x[i].flip(-1)
        sample.ssl_segments = torch.tensor([[4., 9.], [14., 20.], [10., 13.]])
        sample.ssl_valid = torch.tensor([ok])
        out.append(sample)
    return out


TRIPLET = dict(
    type='AFSDTripletLoss', level_weights=(1., .1, .1), loss_weight=0.1)


def test_boundary_contrast_pass():
    model = build(afsd_cfg(loss_boundary_contrast=TRIPLET))
    model.train()
    x, samples = batch()
    ssl_samples = with_ssl(samples, x, valid=[False, True])
    losses = model(x, ssl_samples, mode='loss')
    # the detector's losses are unchanged, loss_triplet is added
    plain = model.loss_by_feat(x, samples)
    assert set(losses) == set(plain) | {'loss_triplet'}
    for key, value in plain.items():
        torch.testing.assert_close(losses[key], value)
    # only the valid sample, its window steps on the frame grid (x4), its
    # augmented input through the same pyramid and heads
    feats = model.boundary_feats(x[1:].flip(-1))
    expected = model.loss_boundary_contrast(
        feats, ssl_samples[1].ssl_segments[None] * 4.)
    torch.testing.assert_close(losses['loss_triplet'], expected)
    assert losses['loss_triplet'] > 0
    losses['loss_triplet'].backward()
    assert model.pyramid.frame_convs[0].conv.weight.grad.abs().sum() > 0
    assert model.refine_head.loc_branch.boundary_conv.conv.weight.grad \
        .abs().sum() > 0
    # the mean over valid samples
    both = model(x, with_ssl(samples, x, [True, True]), mode='loss')
    first = model.loss_boundary_contrast(
        model.boundary_feats(x[:1].flip(-1)),
        ssl_samples[0].ssl_segments[None] * 4.)
    torch.testing.assert_close(both['loss_triplet'], (first + expected) / 2)
    # none valid, or no fields at all: 0
    none = model(x, with_ssl(samples, x, [False, False]), mode='loss')
    assert none['loss_triplet'].item() == 0
    assert model(x, samples, mode='loss')['loss_triplet'].item() == 0
    # switched off: no term
    assert 'loss_triplet' not in build(afsd_cfg())(x, ssl_samples, mode='loss')


def test_boundary_contrast_normalises_like_the_inputs():
    """ssl_inputs skip the data preprocessor before the model: the pass
    normalises them itself."""
    model = build(
        afsd_cfg(
            loss_boundary_contrast=TRIPLET,
            # one mean and std for all channels of (B, C, T) features
            data_preprocessor=dict(
                type='ActionDataPreprocessor',
                mean=[1.],
                std=[2.],
                format_shape='NCHW')))
    x, samples = batch()
    ssl_samples = with_ssl(samples, x, valid=[True, False])
    losses = model.loss(x, ssl_samples)
    expected = model.loss_boundary_contrast(
        model.boundary_feats((x[:1].flip(-1) - 1.) / 2.),
        ssl_samples[0].ssl_segments[None] * 4.)
    torch.testing.assert_close(losses['loss_triplet'], expected)


def test_boundary_contrast_bad_fields_are_named():
    model = build(afsd_cfg(loss_boundary_contrast=TRIPLET))
    x, samples = batch()
    bad = with_ssl(samples, x, [True, True])
    bad[1].ssl_segments = torch.zeros(2, 2)
    with pytest.raises(ValueError, match=r'data_samples\[1\].ssl_segments'):
        model.loss(x, bad)
    bad = with_ssl(samples, x, [True, True])
    del bad[0].ssl_inputs
    with pytest.raises(KeyError, match='ssl_inputs'):
        model.loss(x, bad)


def test_boundary_contrast_follows_the_detector_under_a_gaf_neck():
    """With a neck that hands over the detector's loss, loss_triplet is
    added when the neck trains the detector, not in a phase without it."""

    class PhasedNeck(FakeGAFNeck):
        train_detector = True

        def loss_with_detector(self, x, data_samples, detector_loss):
            if not self.train_detector:
                return dict(loss_neck=self.scale * 0.)
            return super().loss_with_detector(x, data_samples, detector_loss)

    model = build(
        afsd_cfg(neck=dict(type=PhasedNeck), loss_boundary_contrast=TRIPLET))
    x, samples = batch()
    ssl_samples = with_ssl(samples, x, [True, False])
    losses = model(x, ssl_samples, mode='loss')
    assert losses['loss_triplet'] > 0
    # through the neck's plain forward (its scale is 1)
    model.neck.scale.data.fill_(2.)
    doubled = model(x, ssl_samples, mode='loss')['loss_triplet']
    expected = model.loss_boundary_contrast(
        model.boundary_feats(2. * x[:1].flip(-1)),
        ssl_samples[0].ssl_segments[None] * 4.)
    torch.testing.assert_close(doubled, expected)
    model.neck.train_detector = False
    assert set(model(x, ssl_samples, mode='loss')) == {'loss_neck'}
