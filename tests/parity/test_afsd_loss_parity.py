"""``AFSDLoss`` against AFSD's own training losses, term by term.

The oracle is the original code, run as written: ``MultiSegmentLoss`` of
``AFSD/thumos14/multisegment_loss.py`` built as ``train.py`` builds
``CPD_Loss`` (``piou=0.5`` of AFSD's README, focal loss on), the
``forward_one_epoch`` and ``calc_bce_loss`` functions of ``train.py`` (which
add the boundary terms, 0.1 on the proposal-level ones) with ``lw`` and
``cw`` applied as ``run_one_epoch`` does, and ``split_videos`` of
``AFSD/common/thumos_dataset.py`` for the boundary score maps. Those
functions are taken from their files' source at test time (importing
``train.py`` would create its checkpoint folders), and ``Tensor.cuda`` is
the identity while they run.

Both sides get the same random predictions as separate leaf tensors, and the
same windows: AFSD's targets are ``(N, 3)`` rows ``[start / 256, end / 256,
label]`` with labels 1..K, mmgaf's the same segments in frames with labels
0..K-1. Every loss and the gradient with respect to every prediction agree
to 1e-5 relative; the largest differences measured (float32, CPU) are
noted at ``MEASURED_RELATIVE`` below and in ``docs/afsd_parity.md``.
"""
import ast
import glob
import math
import os.path as osp

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.config import Config

from mmgaf.models.losses import distance_iou
from mmgaf.registry import MODELS
from mmgaf.utils import register_all_modules

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CLIP = 256
NUM_CLASSES = 20
LEVEL_SIZES = (64, 32, 16, 8, 4, 2)
TOLERANCE = dict(rtol=1e-5, atol=1e-6)

# mmgaf's THUMOS14 configs, whose loss must be AFSD's recipe
# (configs/thumos14.yaml, README: --lw=10 --cw=1 --piou=0.5).
PARITY_CONFIG = 'afsd_thumos14_i3d-e2e.py'

# The largest relative difference measured over every term and gradient of
# every case (max |AFSD - mmgaf| / max |AFSD| per tensor): 3.2e-7 on
# THUMOS14, 3.6e-7 on ActivityNet; the largest absolute one, 3.1e-5, is on
# loss_cls of a window without positives (about 100: AFSD sums over every
# position and divides by 1).
MEASURED_RELATIVE = 1e-6

# mmgaf's name of each of AFSD's seven training terms, in train.py's order.
TERMS = ('loss_loc', 'loss_cls', 'loss_prop_loc', 'loss_prop_cls',
         'loss_centerness', 'loss_start', 'loss_end')

# Windows in frames of a 256-frame clip, (start, end, class 0..K-1).
WINDOWS = dict(
    # several actions, one long enough to reach priors of every level;
    # 12.0 is a level-1 prior exactly (ends count as inside)
    several=[(5.0, 250.0, 3), (12.0, 30.5, 0), (140.25, 147.75, 19)],
    # nested and overlapping actions: a prior takes the shortest one
    overlapping=[(20.0, 200.0, 1), (60.0, 90.0, 7), (80.0, 150.0, 2),
                 (84.0, 88.0, 5)],
    # an action between priors (2, 4 and 6 are the nearest): no positive,
    # AFSD divides by max(N, 1) = 1
    no_positive=[(2.5, 3.5, 4)],
)


def _function(path: str, name: str, namespace: dict):
    """Function ``name`` of the Python file ``path``, defined alone in
    ``namespace``."""
    with open(path, encoding='utf-8') as f:
        tree = ast.parse(f.read(), filename=path)
    node = next(
        n for n in tree.body
        if isinstance(n, ast.FunctionDef) and n.name == name)
    exec(compile(ast.Module([node], []), path, 'exec'), namespace)
    return namespace[name]


@pytest.fixture(scope='module')
def afsd(afsd_reference):
    """AFSD's ``MultiSegmentLoss`` module, ``config``, ``forward_one_epoch``
    (with its ``calc_bce_loss``) and ``split_videos``."""
    losses = afsd_reference.module('thumos14.multisegment_loss')
    config = afsd_reference.module('common.config').config
    namespace = dict(torch=torch, nn=nn, F=F, np=np, math=math, config=config)
    train = afsd_reference.path('AFSD', 'thumos14', 'train.py')
    _function(train, 'calc_bce_loss', namespace)
    forward_one_epoch = _function(train, 'forward_one_epoch', namespace)
    split_videos = _function(
        afsd_reference.path('AFSD', 'common', 'thumos_dataset.py'),
        'split_videos', namespace)
    assert config['dataset']['training']['clip_length'] == CLIP
    assert config['training']['focal_loss']
    # train.py: MultiSegmentLoss(num_classes, piou, 1.0, use_focal_loss=...)
    namespace['CPD_Loss'] = losses.MultiSegmentLoss(
        config['dataset']['num_classes'],
        0.5,
        1.0,
        use_focal_loss=config['training']['focal_loss'])
    return dict(
        module=losses,
        config=config,
        forward_one_epoch=forward_one_epoch,
        split_videos=split_videos)


def config_losses(name):
    """The loss dicts of ``configs/afsd/<name>`` (one per stream)."""
    model = Config.fromfile(osp.join(REPO_ROOT, 'configs', 'afsd', name)).model
    streams = [model[k] for k in ('rgb', 'flow') if k in model] or [model]
    return [stream.loss.to_dict() for stream in streams]


@pytest.fixture(scope='module')
def parity_loss():
    register_all_modules()
    loss, = config_losses(PARITY_CONFIG)
    return loss


def test_thumos14_configs_share_the_parity_loss():
    names = sorted(
        osp.basename(f) for f in glob.glob(
            osp.join(REPO_ROOT, 'configs', 'afsd', '*thumos14*.py')))
    assert PARITY_CONFIG in names and len(names) > 1
    expected = config_losses(PARITY_CONFIG)[0]
    for name in names:
        for loss in config_losses(name):
            assert loss == expected, name


@pytest.fixture
def cuda_is_identity(monkeypatch):
    monkeypatch.setattr(torch.Tensor, 'cuda', lambda self, *a, **k: self)


def afsd_window(afsd, actions):
    """AFSD's target (N, 3) and score maps (2, 256) of a one-window video
    (``split_videos`` with offset 0)."""
    annos = [[s, e, c + 1] for s, e, c in actions]
    infos = {'v': dict(fps=10, sample_fps=10, count=CLIP, sample_count=CLIP)}
    windows, _ = afsd['split_videos'](infos, {'v': annos}, CLIP, 30)
    assert len(windows) == 1
    window = windows[0]
    target = torch.FloatTensor([[s / CLIP, e / CLIP, c]
                                for s, e, c in window['annos']])
    scores = torch.from_numpy(np.stack([window['start'],
                                        window['end']])).float()
    return target, scores


def random_predictions(batch, seed, boundary_channels=4, proposal_channels=6):
    """AFSD's ``BDNet`` outputs (its layout), as plain tensors."""
    g = torch.Generator().manual_seed(seed)
    num = sum(LEVEL_SIZES)
    t0 = LEVEL_SIZES[0]

    def positive(*shape):
        # boundary features come after a ReLU; + 0.01 keeps tanh's mean
        # off 0, where both sides' BCE clamps its log at -100
        return torch.rand(*shape, generator=g) + 0.01

    return dict(
        loc=4. + 60. * torch.rand(batch, num, 2, generator=g),
        conf=2. * torch.randn(batch, num, NUM_CLASSES + 1, generator=g),
        prop_loc=0.3 * torch.randn(batch, num, 2, generator=g),
        prop_conf=2. * torch.randn(batch, num, NUM_CLASSES + 1, generator=g),
        center=torch.randn(batch, num, 1, generator=g),
        start=positive(batch, CLIP, boundary_channels),
        end=positive(batch, CLIP, boundary_channels),
        start_loc_prop=positive(batch, t0, proposal_channels),
        end_loc_prop=positive(batch, t0, proposal_channels),
        start_conf_prop=positive(batch, t0, proposal_channels),
        end_conf_prop=positive(batch, t0, proposal_channels))


def leaves(predictions):
    return {k: v.clone().requires_grad_() for k, v in predictions.items()}


def run_afsd(afsd, predictions, targets, scores):
    """The seven weighted terms of AFSD's ``run_one_epoch`` (ssl off)."""
    priors = torch.cat([
        torch.Tensor([[(c + 0.5) / t] for c in range(t)]).view(-1, 1)
        for t in LEVEL_SIZES
    ])
    output_dict = dict(predictions, priors=priors[None])
    net = lambda clips, ssl: output_dict  # noqa: E731
    terms = list(afsd['forward_one_epoch'](
        net, torch.zeros(1), targets, scores, training=True, ssl=False))
    lw = afsd['config']['training']['lw']
    cw = afsd['config']['training']['cw']
    for i, weight in enumerate((lw, cw, lw, cw, cw)):
        terms[i] = terms[i] * weight
    return dict(zip(TERMS, terms))


def run_mmgaf(predictions, windows, loss_cfg):
    """``AFSDLoss`` on the same predictions in mmgaf's layout."""
    loss = MODELS.build(dict(loss_cfg, num_classes=NUM_CLASSES))
    p = predictions
    outputs = dict(
        loc=p['loc'],
        cls=p['conf'],
        prop_loc=p['prop_loc'],
        prop_cls=p['prop_conf'],
        centerness=p['center'][..., 0],
        priors=torch.cat([(torch.arange(t) + 0.5) * (CLIP / t)
                          for t in LEVEL_SIZES]),
        frame_feat=torch.cat([p['start'], p['end']], -1).permute(0, 2, 1),
        proposal_feats=[
            torch.cat([p[f'start_{k}_prop'], p[f'end_{k}_prop']],
                      -1).permute(0, 2, 1) for k in ('loc', 'conf')
        ])
    segments = [
        torch.tensor([[s, e] for s, e, _ in w]).reshape(-1, 2) for w in windows
    ]
    labels = [
        torch.tensor([c for _, _, c in w], dtype=torch.long) for w in windows
    ]
    return loss(outputs, segments, labels)


def max_differences(expected, actual):
    diff = (expected - actual).abs().max().item()
    scale = expected.abs().max().item()
    return diff, diff / scale if scale else 0.


def compare(afsd_terms, afsd_leaves, mmgaf_terms, mmgaf_leaves):
    """Assert every term of ``afsd_terms`` and its gradient with respect to
    every prediction equal; return the largest absolute and relative
    differences."""
    worst = [0., 0.]
    for key in afsd_terms:
        torch.testing.assert_close(
            mmgaf_terms[key],
            afsd_terms[key].reshape(()),
            **TOLERANCE,
            msg=lambda m: f'{key}: {m}')
        worst = np.maximum(worst,
                           max_differences(afsd_terms[key], mmgaf_terms[key]))
        afsd_grads = torch.autograd.grad(
            afsd_terms[key],
            list(afsd_leaves.values()),
            allow_unused=True,
            retain_graph=True)
        mmgaf_grads = torch.autograd.grad(
            mmgaf_terms[key],
            list(mmgaf_leaves.values()),
            allow_unused=True,
            retain_graph=True)
        for name, a, m in zip(afsd_leaves, afsd_grads, mmgaf_grads):
            a = torch.zeros_like(afsd_leaves[name]) if a is None else a
            m = torch.zeros_like(afsd_leaves[name]) if m is None else m
            torch.testing.assert_close(
                m, a, **TOLERANCE, msg=lambda s: f'd {key} / d {name}: {s}')
            worst = np.maximum(worst, max_differences(a, m))
    return worst


@pytest.mark.parametrize('names', [('several', 'overlapping'),
                                   ('overlapping', ), ('no_positive', ),
                                   ('several', 'no_positive')])
def test_every_term_and_gradient(afsd, parity_loss, cuda_is_identity, names):
    windows = [WINDOWS[n] for n in names]
    pairs = [afsd_window(afsd, w) for w in windows]
    targets = [t for t, _ in pairs]
    scores = torch.stack([s for _, s in pairs])
    predictions = random_predictions(len(windows), seed=len(names))
    afsd_leaves, mmgaf_leaves = leaves(predictions), leaves(predictions)

    afsd_terms = run_afsd(afsd, afsd_leaves, targets, scores)
    mmgaf_terms = run_mmgaf(mmgaf_leaves, windows, parity_loss)
    _, relative = compare(afsd_terms, afsd_leaves, mmgaf_terms, mmgaf_leaves)
    assert relative <= MEASURED_RELATIVE


def test_cases_exercise_every_rule(parity_loss):
    """The windows above reach what they claim (with the predictions of
    their case above): positives on every level, refinement positives and
    negatives, a prior in overlapping actions taking the shortest, and no
    positive in ``no_positive``."""
    loss = MODELS.build(dict(parity_loss, num_classes=NUM_CLASSES))
    predictions = random_predictions(2, seed=2)
    priors = torch.cat([(torch.arange(t) + 0.5) * (CLIP / t)
                        for t in LEVEL_SIZES])
    level = torch.cat(
        [torch.full((t, ), i) for i, t in enumerate(LEVEL_SIZES)])
    windows = [WINDOWS['several'], WINDOWS['overlapping']]
    targets = loss.get_targets(
        priors, [torch.tensor([w[:2] for w in ws]) for ws in windows],
        [torch.tensor([w[2] for w in ws]) for ws in windows])
    positive = targets.labels < NUM_CLASSES
    assert set(level[positive[0]].tolist()) == set(range(len(LEVEL_SIZES)))
    # 86 (level 0) lies in all four overlapping actions: it takes class 5
    assert targets.labels[1, priors.tolist().index(86.)] == 5
    assert targets.labels[1, priors.tolist().index(70.)] == 7
    iou = distance_iou(predictions['loc'], targets.distances)
    refine = positive & (iou >= 0.5)
    assert 0 < refine.sum() < positive.sum()
    none = loss.get_targets(priors, [torch.tensor([[2.5, 3.5]])],
                            [torch.tensor([4])])
    assert (none.labels == NUM_CLASSES).all()


def test_window_without_actions(afsd, parity_loss, cuda_is_identity):
    """AFSD cannot take an empty window (``area.min(1)`` over no segment;
    its THUMOS14 windows always hold an action): mmgaf's losses of an empty
    window equal AFSD's for a window whose action covers no prior, every
    position background, normalised by max(N, 1) = 1; the boundary terms
    equal ``calc_bce_loss`` against all-zero score maps."""
    target, _ = afsd_window(afsd, WINDOWS['no_positive'])
    predictions = random_predictions(1, seed=5)
    afsd_leaves, mmgaf_leaves = leaves(predictions), leaves(predictions)
    afsd_terms = run_afsd(afsd, afsd_leaves, [target], torch.zeros(1, 2, CLIP))
    mmgaf_terms = run_mmgaf(mmgaf_leaves, [[]], parity_loss)
    compare(afsd_terms, afsd_leaves, mmgaf_terms, mmgaf_leaves)
    assert afsd_terms['loss_cls'] > 0 and afsd_terms['loss_loc'] == 0


def test_centerness_target_gradient_is_afsd_switch(afsd, parity_loss,
                                                   cuda_is_identity):
    """AFSD's centerness target keeps its graph, so ``loss_centerness``
    moves ``loc`` and ``prop_loc``; ``detach_centerness_target=True``
    (mmgaf's default) cuts exactly that gradient and nothing else."""
    windows = [WINDOWS['several']]
    target, scores = afsd_window(afsd, windows[0])
    predictions = random_predictions(1, seed=7)
    afsd_leaves = leaves(predictions)
    afsd_terms = run_afsd(afsd, afsd_leaves, [target], scores[None])
    grad_loc, grad_prop, grad_center = torch.autograd.grad(
        afsd_terms['loss_centerness'],
        [afsd_leaves['loc'], afsd_leaves['prop_loc'], afsd_leaves['center']])
    assert grad_loc.abs().sum() > 0 and grad_prop.abs().sum() > 0

    detached = leaves(predictions)
    terms = run_mmgaf(detached, windows,
                      dict(parity_loss, detach_centerness_target=True))
    torch.testing.assert_close(terms['loss_centerness'],
                               afsd_terms['loss_centerness'].reshape(
                                   ()), **TOLERANCE)
    loc, prop, center = torch.autograd.grad(
        terms['loss_centerness'],
        [detached['loc'], detached['prop_loc'], detached['center']],
        allow_unused=True)
    assert loc is None and prop is None
    torch.testing.assert_close(center, grad_center, **TOLERANCE)


def test_softmax_focal_loss_is_focal_loss_ori(afsd, parity_loss):
    """``AFSDSoftmaxFocalLoss`` against ``FocalLoss_Ori`` as
    ``MultiSegmentLoss`` builds it (alpha 0.25 at index 0, gamma 2, sum),
    including confident rows where the 1e-6 in ``p_t`` bounds the loss."""
    g = torch.Generator().manual_seed(3)
    logits = 4. * torch.randn(300, NUM_CLASSES + 1, generator=g)
    logits[:20, 0] = 40.  # confidently background
    target = torch.randint(0, NUM_CLASSES + 1, (300, ), generator=g)
    target[:10] = 0
    target[10:20] = 3  # confidently wrong: p_t ~ 1e-6 + 0
    ref = afsd['module'].FocalLoss_Ori(
        NUM_CLASSES + 1, balance_index=0, size_average=False, alpha=0.25)
    a = logits.clone().requires_grad_()
    m = logits.clone().requires_grad_()
    expected = ref(F.softmax(a, dim=1), target[:, None])
    ours = MODELS.build(dict(parity_loss['loss_cls'], reduction='sum'))
    actual = ours(m, target)
    torch.testing.assert_close(actual, expected, **TOLERANCE)
    torch.testing.assert_close(
        torch.autograd.grad(actual, m)[0],
        torch.autograd.grad(expected, a)[0], **TOLERANCE)
    # confidently wrong rows (p ~ 1e-17) cost 0.75 * -log(1e-6) each
    rows = MODELS.build(dict(type='AFSDSoftmaxFocalLoss',
                             reduction='none'))(logits[10:20], target[10:20])
    torch.testing.assert_close(rows, torch.full(
        (10, ), -0.75 * math.log(1e-6)), **TOLERANCE)


# AFSD's ActivityNet loss (AFSD/anet/multisegment_loss.py): actionness
# (2 channels), 768-frame clips, levels of 96 .. 3 positions, each level
# regressing a range of sizes (its ``bounds``), the refinement threshold
# lowered to the best positive's tIoU, smooth L1 offsets.
ANET_CLIP = 768
ANET_LEVEL_SIZES = (96, 48, 24, 12, 6, 3)
ANET_BOUNDS = [[0, 30], [15, 60], [30, 120], [60, 240], [96, 768], [256, 768]]
ANET_LOSS = dict(
    adaptive_pos_iou_thr=True,
    regress_ranges=ANET_BOUNDS,
    loss_prop_loc=dict(type='mmdet.SmoothL1Loss', beta=1.0, loss_weight=10.))


@pytest.mark.parametrize(
    'actions',
    [
        # positives on several levels, best coarse tIoU 0.75
        [(10.0, 700.0), (100.0, 140.5), (300.0, 308.0), (296.0, 520.0)],
        # best coarse tIoU 0.24: the refinement threshold drops to it
        [(200.0, 230.0)],
        # no position in range: no positive
        [(400.0, 401.0)],
    ])
@pytest.mark.parametrize('piou', [0.5, 0.])
def test_activitynet_terms_and_gradients(afsd_reference, parity_loss,
                                         monkeypatch, actions, piou):
    """Batch size 1, as AFSD's ActivityNet run: AFSD averages each term per
    sample and then over the batch, mmgaf over the batch's positives, the
    same for one sample. ``piou`` 0 is ``AFSD/common/config.py``'s default,
    0.5 the THUMOS14 README's."""
    losses = afsd_reference.module('anet.multisegment_loss')
    monkeypatch.setitem(losses.config['dataset']['training'], 'clip_length',
                        ANET_CLIP)
    monkeypatch.setattr(losses, 'prior_lb', None)
    monkeypatch.setattr(losses, 'prior_rb', None)
    ref = losses.MultiSegmentLoss(2, piou, 1.0, use_focal_loss=True)
    g = torch.Generator().manual_seed(11)
    num = sum(ANET_LEVEL_SIZES)
    predictions = dict(
        loc=4. + 150. * torch.rand(1, num, 2, generator=g),
        conf=2. * torch.randn(1, num, 2, generator=g),
        prop_loc=0.8 * torch.randn(1, num, 2, generator=g),
        prop_conf=2. * torch.randn(1, num, 2, generator=g),
        center=torch.randn(1, num, 1, generator=g))
    a, m = leaves(predictions), leaves(predictions)
    priors = torch.cat([
        torch.Tensor([[(c + 0.5) / t, i] for c in range(t)]).view(-1, 2)
        for i, t in enumerate(ANET_LEVEL_SIZES)
    ])
    target = torch.FloatTensor([[s / ANET_CLIP, e / ANET_CLIP, 1]
                                for s, e in actions])
    afsd_terms = ref([
        a['loc'], a['conf'], a['prop_loc'], a['prop_conf'], a['center'], priors
    ], [target])
    afsd_terms = dict(
        zip(TERMS[:5], (w * t for w, t in zip((10, 1, 10, 1, 1), afsd_terms))))

    loss = MODELS.build(
        dict(parity_loss, **ANET_LOSS, pos_iou_thr=piou, num_classes=1))
    outputs = dict(
        loc=m['loc'],
        cls=m['conf'],
        prop_loc=m['prop_loc'],
        prop_cls=m['prop_conf'],
        centerness=m['center'][..., 0],
        priors=torch.cat([(torch.arange(t) + 0.5) * (ANET_CLIP / t)
                          for t in ANET_LEVEL_SIZES]),
        frame_feat=torch.rand(1, 4, ANET_CLIP) + 0.01,
        proposal_feats=[torch.rand(1, 4, ANET_LEVEL_SIZES[0]) + 0.01] * 2)
    mmgaf_terms = loss(outputs, [torch.tensor(actions)],
                       [torch.zeros(len(actions), dtype=torch.long)])
    mmgaf_terms = {key: mmgaf_terms[key] for key in afsd_terms}
    _, relative = compare(afsd_terms, a, mmgaf_terms, m)
    assert relative <= MEASURED_RELATIVE
