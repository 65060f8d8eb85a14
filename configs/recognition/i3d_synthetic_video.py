# A small I3D-style recognizer (MMAction2's Recognizer3D with an inflated
# ResNet-18 of few channels, trained from scratch) on the built-in motion
# videos, sized to train in a few minutes on 2 CPU cores. The twin of
# configs/gaf/i3d_gaf_synthetic_video.py, which inherits this file and
# changes the neck (and with it the head's type, the optimizers and the
# alternating hook).
# Generate the data first (seconds):
#     python tools/data/synthetic_video/generate.py data/synthetic_video
# On a shared 2-core machine, OMP_NUM_THREADS=1 avoids OpenMP stalls.
_base_ = ['../_base_/default_runtime.py']

num_classes = 10
model = dict(
    type='Recognizer3D',
    backbone=dict(
        type='ResNet3d',
        depth=18,
        base_channels=16,
        pretrained=None,
        pretrained2d=False,
        conv1_kernel=(3, 7, 7),
        conv1_stride_t=1,
        pool1_stride_t=1,
        inflate=((1, 1), (1, 1), (1, 1), (1, 1)),
        zero_init_residual=False),
    cls_head=dict(
        type='I3DHead',
        num_classes=num_classes,
        # the last stage of a base-16 ResNet-18: (B, 128, 8, 2, 2) for
        # 16-frame clips of 64x64
        in_channels=128,
        spatial_type='avg',
        dropout_ratio=0.2,
        init_std=0.01,
        average_clips='prob'),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[114.75, 114.75, 114.75],
        std=[57.375, 57.375, 57.375],
        format_shape='NCTHW'))

data_root = 'data/synthetic_video'
# 16 frames every 2 frames: the whole 32-frame video, action and all
clip_len = 16
train_pipeline = [
    dict(type='DecordInit', io_backend='disk'),
    dict(
        type='SampleFrames', clip_len=clip_len, frame_interval=2, num_clips=1),
    dict(type='DecordDecode'),
    # no flip: left and right are different classes
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
val_pipeline = [
    dict(type='DecordInit', io_backend='disk'),
    dict(
        type='SampleFrames',
        clip_len=clip_len,
        frame_interval=2,
        num_clips=1,
        test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='VideoDataset',
        ann_file=f'{data_root}/train_list.txt',
        data_prefix=dict(video=f'{data_root}/videos'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='VideoDataset',
        ann_file=f'{data_root}/val_list.txt',
        data_prefix=dict(video=f'{data_root}/videos'),
        pipeline=val_pipeline,
        test_mode=True))
test_dataloader = val_dataloader
# top-1 / top-5 and mean class accuracy
val_evaluator = dict(
    type='AccMetric',
    metric_list=('top_k_accuracy', 'mean_class_accuracy'),
    metric_options=dict(top_k_accuracy=dict(topk=(1, 5))))
test_evaluator = val_evaluator

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=2e-3, weight_decay=1e-4),
    clip_grad=dict(max_norm=10., norm_type=2))
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12, val_interval=4)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[10], gamma=0.1)
]

randomness = dict(seed=0)
default_hooks = dict(
    logger=dict(interval=10), checkpoint=dict(interval=4, max_keep_ckpts=1))
