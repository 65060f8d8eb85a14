"""GAF in training: the alternating updates with two optimizers, the hook,
checkpoint/resume, a Recognizer3D with GAFNeck, and the detector hand-over
with background intervals."""
import copy
import os.path as osp
import uuid

import pytest
import torch
from mmaction.structures import ActionDataSample
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.optim import OptimWrapperDict, build_optim_wrapper
from mmengine.runner import Runner
from mmengine.structures import InstanceData
from torch.utils.data import Dataset

from mmgaf.engine import GAF_PHASE_INFO
from mmgaf.engine.hooks import GAFAlternatingHook
from mmgaf.engine.optimizers import GAFOptimWrapperConstructor
from mmgaf.models.losses import BACKGROUND_LABEL, ActionBackgroundLoss
from mmgaf.models.necks import GAFNeck
from mmgaf.registry import MODELS
from mmgaf.structures import TADDataSample

NUM_CLASSES = 4


def recognizer_cfg():
    """A small Recognizer3D (MMAction2's, unchanged) with a GAF neck."""
    return dict(
        type='Recognizer3D',
        backbone=dict(
            type='ResNet3d',
            depth=18,
            pretrained=None,
            pretrained2d=False,
            base_channels=8,
            out_indices=(3, ),
            conv1_stride_t=1,
            pool1_stride_t=1,
            inflate=((1, 1), (1, 0), (1, 0), (0, 1)),
            norm_eval=False),
        neck=dict(
            type='GAFNeck',
            in_channels=64,
            spatial_sizes=[(1, 1)],
            attention=dict(type='SegmentAttention', hidden_channels=32),
            cvae=dict(
                type='ConditionalVAE', hidden_channels=32, latent_channels=8)),
        cls_head=dict(type='I3DHead', num_classes=NUM_CLASSES, in_channels=64),
        data_preprocessor=dict(
            type='ActionDataPreprocessor', format_shape='NCTHW'))


class ClipDataset(Dataset):
    """Random 8-frame 32x32 clips with labels; deterministic."""

    def __init__(self, num=4):
        generator = torch.Generator().manual_seed(0)
        self.clips = torch.randn(num, 1, 3, 8, 32, 32, generator=generator)
        self.labels = [i % NUM_CLASSES for i in range(num)]

    def __len__(self):
        return len(self.clips)

    def __getitem__(self, index):
        sample = ActionDataSample().set_gt_labels(self.labels[index])
        return dict(inputs=self.clips[index], data_samples=sample)


def gaf_optim_wrapper():
    return dict(
        constructor='GAFOptimWrapperConstructor',
        frame=dict(
            type='OptimWrapper',
            optimizer=dict(type='Adam', lr=1e-2, betas=(0.8, 0.999))),
        segment=dict(
            type='OptimWrapper',
            optimizer=dict(type='Adam', lr=1e-2, weight_decay=1e-3)))


def split_state(model):
    """Copies of (frame-GAF, other) trainable parameters."""
    frame, other = {}, {}
    for name, param in model.named_parameters():
        target = frame if '.cvaes.' in f'.{name}' else other
        target[name] = param.detach().clone()
    return frame, other


def changed(before, after):
    return {
        name
        for name in before if not torch.equal(before[name], after[name])
    }


class SnapshotHook(Hook):
    """Records the parameters and the GAF phase around every epoch."""

    def __init__(self):
        self.records = []

    def before_train_epoch(self, runner):
        self._before = split_state(runner.model)

    def after_train_epoch(self, runner):
        neck = runner.model.neck
        self.records.append(
            dict(
                phase=neck.phase,
                published_phase=runner.message_hub.get_info(GAF_PHASE_INFO),
                before=self._before,
                after=split_state(runner.model)))


def make_runner(work_dir,
                max_epochs,
                hooks,
                resume=False,
                optim_wrapper=None,
                random_state=False,
                train_loop='GAFEpochBasedTrainLoop',
                experiment_name=None):
    return Runner(
        model=recognizer_cfg(),
        work_dir=work_dir,
        train_dataloader=dict(
            dataset=ClipDataset(),
            sampler=dict(type='DefaultSampler', shuffle=False),
            batch_size=2,
            num_workers=0,
            collate_fn=dict(type='pseudo_collate')),
        optim_wrapper=optim_wrapper or gaf_optim_wrapper(),
        train_cfg=dict(type=train_loop, max_epochs=max_epochs),
        custom_hooks=hooks,
        default_hooks=dict(
            checkpoint=dict(type='CheckpointHook', interval=1),
            logger=dict(type='LoggerHook', interval=1),
            **(dict(random_state=dict(
                type='RandomStateHook')) if random_state else {})),
        resume=resume,
        default_scope='mmgaf',
        randomness=dict(seed=0),
        # MMEngine names its message hub, logger and visualizer after the
        # experiment, by default a timestamp: two runners built in the same
        # second would share one message hub and mix their logs
        experiment_name=experiment_name or f'gaf_{uuid.uuid4().hex}')


def test_recognizer3d_with_gaf_neck_trains_one_step():
    torch.manual_seed(0)
    model = MODELS.build(recognizer_cfg())
    model.init_weights()
    optim_wrapper = build_optim_wrapper(model, gaf_optim_wrapper())
    dataset = ClipDataset(2)
    batch = dict(
        inputs=[dataset[i]['inputs'] for i in range(2)],
        data_samples=[dataset[i]['data_samples'] for i in range(2)])
    frame_before, other_before = split_state(model)
    log_vars = model.train_step(batch, optim_wrapper['segment'])
    assert {'loss_cls', 'loss_recon'} <= set(log_vars)
    frame_after, other_after = split_state(model)
    assert changed(other_before, other_after)
    assert not changed(frame_before, frame_after)
    # the neck's λ head learned from the classification loss and L_R
    assert any('neck.attention_heads' in name
               for name in changed(other_before, other_after))


def test_alternating_phases_update_only_their_parameters(tmp_path):
    snapshots = SnapshotHook()
    runner = make_runner(
        str(tmp_path), 2, [dict(type='GAFAlternatingHook'), snapshots])
    runner.train()
    frame_epoch, segment_epoch = snapshots.records
    assert (frame_epoch['phase'], frame_epoch['published_phase']) == \
        ('frame', 'frame')
    assert (segment_epoch['phase'], segment_epoch['published_phase']) == \
        ('segment', 'segment')
    # phase frame: every change is in frame-GAF, and frame-GAF changed
    assert changed(frame_epoch['before'][0], frame_epoch['after'][0])
    assert not changed(frame_epoch['before'][1], frame_epoch['after'][1])
    # phase segment: frame-GAF frozen, the rest (backbone, λ, head) learns
    assert not changed(segment_epoch['before'][0], segment_epoch['after'][0])
    changed_other = changed(segment_epoch['before'][1],
                            segment_epoch['after'][1])
    assert any(name.startswith('backbone.') for name in changed_other)
    assert any(
        name.startswith('neck.attention_heads') for name in changed_other)
    assert any(name.startswith('cls_head.') for name in changed_other)
    checkpoint = torch.load(osp.join(str(tmp_path), 'epoch_2.pth'))
    assert checkpoint['meta']['gaf']['phase'] == 'segment'
    assert checkpoint['meta']['gaf']['recon_weight_scale'] == 1.0
    assert set(checkpoint['optimizer']) == {'frame', 'segment'}


def test_resume_restores_phase_and_ramp(tmp_path):
    make_runner(str(tmp_path), 1, [dict(type='GAFAlternatingHook')]).train()
    checkpoint = torch.load(osp.join(str(tmp_path), 'epoch_1.pth'))
    # 4 epochs = 2 cycles: epoch 1 is the frame pass of cycle 1 (ramp 1/2)
    assert checkpoint['meta']['gaf']['phase'] == 'frame'

    class PhaseAtStart(Hook):

        def before_run(self, runner):
            self.seen = []

        def before_train(self, runner):
            neck = runner.model.neck
            self.seen.append(
                (neck.phase, runner.message_hub.get_info(GAF_PHASE_INFO),
                 runner.epoch))

        def before_train_iter(self, runner, batch_idx, data_batch=None):
            neck = runner.model.neck
            self.seen.append(
                (neck.phase, neck.recon_weight_scale, runner.epoch))

    probe = PhaseAtStart()
    resumed = make_runner(
        str(tmp_path),
        4, [dict(type='GAFAlternatingHook'), probe],
        resume=True)
    resumed.train()
    # restored from the checkpoint before training continues
    assert probe.seen[0] == ('frame', 'frame', 1)
    by_epoch = {
        epoch: (phase, scale)
        for phase, scale, epoch in probe.seen[1:]
    }
    assert by_epoch == {
        1: ('segment', 0.5),
        2: ('frame', 1.0),
        3: ('segment', 1.0)
    }


def test_hook_requires_the_gaf_optimizer(tmp_path):
    runner = make_runner(
        str(tmp_path),
        1, [dict(type='GAFAlternatingHook')],
        optim_wrapper=dict(
            type='OptimWrapper', optimizer=dict(type='SGD', lr=0.1)))
    with pytest.raises(TypeError, match='GAFOptimWrapperConstructor'):
        runner.train()


def test_iteration_schedule_and_ramp():
    hook = GAFAlternatingHook(
        by_epoch=False, frame_interval=2, segment_interval=3)
    assert [hook.phase_at(i) for i in range(7)] == [
        'frame', 'frame', 'segment', 'segment', 'segment', 'frame', 'frame'
    ]
    # 20 iterations = 4 cycles of 5
    assert [hook.recon_weight_scale_at(i, 20)
            for i in (0, 4, 5, 19)] == [0.25, 0.25, 0.5, 1.0]
    assert GAFAlternatingHook(
        ramp_recon_weight=False).recon_weight_scale_at(0, 10) == 1.0
    with pytest.raises(ValueError):
        GAFAlternatingHook(first_phase='joint')


def test_joint_phase_trains_everything_with_one_optimizer():
    """Without the hook the neck is in phase joint: every loss in one step,
    so one optimizer over all parameters trains both parts; the GAF
    constructor's plain OptimWrapperDict refuses that ambiguity, as
    MMEngine intends."""
    torch.manual_seed(0)
    model = MODELS.build(recognizer_cfg())
    assert model.neck.phase == 'joint'
    dataset = ClipDataset(2)
    batch = dict(
        inputs=[dataset[i]['inputs'] for i in range(2)],
        data_samples=[dataset[i]['data_samples'] for i in range(2)])
    optim_wrapper = build_optim_wrapper(model, gaf_optim_wrapper())
    assert type(optim_wrapper) is OptimWrapperDict
    with pytest.raises(NotImplementedError):
        model.train_step(batch, optim_wrapper)
    single = build_optim_wrapper(
        model, dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-2)))
    frame_before, other_before = split_state(model)
    log_vars = model.train_step(batch, single)
    assert {'loss_cls', 'loss_recon', 'loss_cvae_rec'} <= set(log_vars)
    frame_after, other_after = split_state(model)
    assert changed(frame_before, frame_after)
    assert changed(other_before, other_after)


class StepRecorder(Hook):
    """Records, per epoch, which optimizer wrappers stepped (through
    torch's public optimizer step hooks) and whether any gradient was left
    when the epoch's first iteration started."""

    def __init__(self):
        self.steps = []
        self.grad_at_start = []

    def before_train(self, runner):
        for name, wrapper in runner.optim_wrapper.items():
            wrapper.optimizer.register_step_post_hook(
                lambda *_, name=name: self.steps[-1].add(name))

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if batch_idx == 0:
            self.steps.append(set())
            self.grad_at_start.append(
                any(
                    param.grad is not None and bool(param.grad.any())
                    for param in runner.model.parameters()))


def test_a_phase_steps_only_its_own_optimizer(tmp_path):
    recorder = StepRecorder()
    make_runner(str(tmp_path), 3,
                [dict(type='GAFAlternatingHook'), recorder]).train()
    # a phase's update must not step the other phase's optimizer (which
    # would, e.g., apply its momentum and weight decay to frozen weights)
    assert recorder.steps == [{'frame'}, {'segment'}, {'frame'}]
    # nothing computed in one phase (Recognizer3D's head reports loss_cls on
    # the detached maps of phase frame) reaches the other phase's steps
    assert recorder.grad_at_start == [False, False, False]


def test_loop_and_hook_need_each_other(tmp_path):
    # (a message hub of its own: runners started in the same second share
    # one, and an earlier runner's phase would be found in it)
    without_hook = make_runner(
        str(tmp_path / 'a'), 1, [], experiment_name=f'no-hook-{id(tmp_path)}')
    with pytest.raises(RuntimeError, match='GAFAlternatingHook'):
        without_hook.train()
    without_loop = make_runner(
        str(tmp_path / 'b'),
        1, [dict(type='GAFAlternatingHook')],
        train_loop='EpochBasedTrainLoop')
    with pytest.raises(TypeError, match='GAFEpochBasedTrainLoop'):
        without_loop.train()


def test_constructor_takes_the_inherited_optimizer_as_segment(tmp_path):
    """A GAF config adds only ``constructor`` and ``frame`` to the
    optimizer wrapper it inherits, which becomes the segment wrapper."""
    base = tmp_path / 'base.py'
    base.write_text(
        "optim_wrapper = dict(type='OptimWrapper', optimizer=dict("
        "type='SGD', lr=0.1, momentum=0.9), clip_grad=dict(max_norm=5.))\n")
    leaf = tmp_path / 'leaf.py'
    leaf.write_text(
        "_base_ = ['./base.py']\n"
        "optim_wrapper = dict(constructor='GAFOptimWrapperConstructor', "
        "frame=dict(type='OptimWrapper', optimizer=dict(type='Adam', "
        'lr=1e-3)))\n')
    model = MODELS.build(recognizer_cfg())
    optim_wrapper = build_optim_wrapper(
        model,
        Config.fromfile(str(leaf)).optim_wrapper.to_dict())
    segment, frame = optim_wrapper['segment'], optim_wrapper['frame']
    assert isinstance(segment.optimizer, torch.optim.SGD)
    assert segment.optimizer.defaults['momentum'] == 0.9
    assert segment.clip_grad_kwargs == dict(max_norm=5.)
    assert isinstance(frame.optimizer, torch.optim.Adam)
    assert not frame.clip_grad_kwargs
    segment_ids = {
        id(p)
        for group in segment.param_groups
        for p in group['params']
    }
    assert segment_ids == {
        id(p)
        for name, p in model.named_parameters() if '.cvaes.' not in name
    }
    with pytest.raises(KeyError, match='not both'):
        GAFOptimWrapperConstructor(
            dict(gaf_optim_wrapper(), optimizer=dict(type='SGD', lr=0.1)))
    with pytest.raises(KeyError, match="no 'optimizer'"):
        GAFOptimWrapperConstructor(dict(frame=dict(type='OptimWrapper')))


def test_constructor_splits_parameters_and_requires_a_cvae():
    model = MODELS.build(recognizer_cfg())
    optim_wrapper = build_optim_wrapper(model, gaf_optim_wrapper())
    frame_ids = {
        id(p)
        for group in optim_wrapper['frame'].optimizer.param_groups
        for p in group['params']
    }
    segment_ids = {
        id(p)
        for group in optim_wrapper['segment'].optimizer.param_groups
        for p in group['params']
    }
    assert frame_ids == {id(p) for p in model.neck.cvaes.parameters()}
    assert not frame_ids & segment_ids
    assert frame_ids | segment_ids == {id(p) for p in model.parameters()}
    assert optim_wrapper['frame'].optimizer.defaults['lr'] == 1e-2
    no_cvae = copy.deepcopy(recognizer_cfg())
    no_cvae['neck']['cvae'] = None
    with pytest.raises(ValueError, match='no frame-GAF'):
        build_optim_wrapper(MODELS.build(no_cvae), gaf_optim_wrapper())
    with pytest.raises(KeyError, match='frame'):
        GAFOptimWrapperConstructor(dict(segment=dict()))


def tad_sample(segments, labels, valid_len=20):
    sample = TADDataSample(
        metainfo=dict(video_name='v', window_size=24, valid_len=valid_len))
    sample.gt_instances = InstanceData(
        segments=torch.tensor(segments, dtype=torch.float32).reshape(-1, 2),
        labels=torch.tensor(labels, dtype=torch.long))
    return sample


class RecordingDetector:
    """A detector loss that records what it was given."""

    def __init__(self):
        self.calls = []
        self.frozen = []

    def __call__(self, features, data_samples, frozen=False):
        self.calls.append((features, data_samples))
        self.frozen.append(frozen)
        return dict(
            loss_cls=features.mean(),
            loss_loc=[features.sum(), features.max()])


def test_action_background_loss_hands_background_intervals():
    loss = ActionBackgroundLoss(
        action_weight=1.,
        background_weight=35.,
        background_loss_keys=['loss_cls'])
    detector = RecordingDetector()
    foreground, background = torch.ones(1, 2, 4), 2 * torch.ones(1, 2, 4)
    samples = [tad_sample([[2., 5.], [10., 12.]], [1, 3])]
    losses = loss(detector, foreground, background, samples)
    assert set(losses) == {'loss_cls', 'loss_loc', 'bg_loss_cls'}
    assert losses['loss_cls'].item() == 1.
    assert losses['bg_loss_cls'].item() == pytest.approx(35. * 2.)
    (fg_features, fg_samples), (bg_features, bg_samples) = detector.calls
    assert fg_samples is samples
    assert bg_features is background
    # the background pass trains the attention only, by default
    assert detector.frozen == [False, True]
    gt = bg_samples[0].gt_instances
    # complement inside the valid length 20, labelled as background
    assert gt.segments.tolist() == [[0., 2.], [5., 10.], [12., 20.]]
    assert gt.labels.tolist() == [BACKGROUND_LABEL] * 3
    # the original ground truth is untouched
    assert samples[0].gt_instances.labels.tolist() == [1, 3]


def test_action_background_loss_switches():
    detector = RecordingDetector()
    samples = [tad_sample([[2., 5.]], [0])]
    features = torch.ones(1, 2, 4)
    only_action = ActionBackgroundLoss(background_weight=0.)
    assert set(only_action(detector, features, features,
                           samples)) == {'loss_cls', 'loss_loc'}
    only_background = ActionBackgroundLoss(action_weight=0.)
    assert set(only_background(detector, features, features,
                               samples)) == {'bg_loss_cls', 'bg_loss_loc'}
    detector = RecordingDetector()
    ActionBackgroundLoss(background_trains_detector=True)(detector, features,
                                                          features, samples)
    assert detector.frozen == [False, False]
    wrong_key = ActionBackgroundLoss(background_loss_keys=['loss_iou'])
    with pytest.raises(KeyError, match='loss_iou'):
        wrong_key(detector, features, features, samples)


def test_loss_with_detector_per_phase():
    neck = GAFNeck(
        in_channels=8,
        attention=dict(type='SegmentAttention', hidden_channels=32),
        cvae=dict(
            type='ConditionalVAE', hidden_channels=32, latent_channels=4))
    neck.train()
    samples = [tad_sample([[2., 5.]], [0], valid_len=10)]
    x = torch.randn(1, 8, 10)
    neck.set_phase('frame')
    detector = RecordingDetector()
    assert set(neck.loss_with_detector(
        x, samples, detector)) == {'loss_cvae_rec', 'loss_cvae_kl'}
    assert detector.calls == []
    neck.set_phase('segment')
    losses = neck.loss_with_detector(x, samples, detector)
    assert set(losses) == {
        'loss_cls', 'loss_loc', 'bg_loss_cls', 'bg_loss_loc', 'loss_recon'
    }
    (fg, _), (bg, _) = detector.calls
    attention = neck.attend(x)[0].attention
    expected_bg = x * (1 - attention).unsqueeze(1) / (1 - attention).mean()
    assert torch.allclose(bg, expected_bg, atol=1e-5)
    # gradients of the background pass reach the attention head
    losses['bg_loss_cls'].backward()
    assert neck.attention_heads[0].attention_logit.weight.grad is not None


class LoggedKeysHook(Hook):
    """The scalars the logger would print after each epoch's last iter."""

    def __init__(self):
        self.records = []

    def after_train_epoch(self, runner):
        self.records.append(
            (runner.model.neck.phase, set(runner.message_hub.log_scalars)))


def test_phase_switch_starts_a_fresh_log(tmp_path):
    logged = LoggedKeysHook()
    optim_wrapper = gaf_optim_wrapper()
    # only the segment optimizer clips, so only it reports a gradient norm
    optim_wrapper['segment']['clip_grad'] = dict(max_norm=100.)
    runner = make_runner(
        str(tmp_path),
        3, [dict(type='GAFAlternatingHook'), logged],
        optim_wrapper=optim_wrapper)
    runner.train()
    assert [phase
            for phase, _ in logged.records] == ['frame', 'segment', 'frame']
    frame_keys, segment_keys, frame_again_keys = (
        keys for _, keys in logged.records)
    assert {'train/loss_cvae_rec', 'train/loss_cvae_kl'} <= frame_keys
    assert {'train/loss_cls', 'train/loss_recon',
            'train/grad_norm'} <= segment_keys
    assert not any('cvae' in key for key in segment_keys)
    # (Recognizer3D's head still reports loss_cls in phase frame)
    assert 'train/grad_norm' not in frame_again_keys
    assert 'train/loss_recon' not in frame_again_keys
