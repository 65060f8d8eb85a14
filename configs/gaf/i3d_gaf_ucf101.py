# GAF on MMAction2's I3D (ResNet-50) for UCF101 split 1.
#
# The model and the schedule are MMAction2's own base configs, read from the
# installed mmaction2 package by the relays in configs/_base_/mmaction/ (the
# equivalent of `_base_ = 'mmaction::_base_/models/i3d_r50.py'`, which
# MMEngine 0.10.7 cannot resolve against MMAction2 1.1.0, see
# mmgaf/utils/mmaction_configs.py); only the neck, the number of classes, the
# data and the optimizers change.
# Data: UCF101 videos under data/ucf101/videos and MMAction2-style lists
# (`path label`, 0-based) for the official split, written by
#     python tools/data/ucf101/build_file_lists.py ucfTrainTestlist \
#         data/ucf101 --split 1
# Start from a Kinetics-400 I3D checkpoint of MMAction2's model zoo with
# `--cfg-options load_from=<checkpoint>`: the backbone is loaded, the new head
# and the GAF neck are initialised.
_base_ = [
    '../_base_/mmaction/i3d_r50.py', '../_base_/mmaction/sgd_100e.py',
    '../_base_/default_runtime.py'
]

default_scope = 'mmgaf'

# 32-frame clips at 224x224: the last ResNet stage gives (B, 2048, 8, 7, 7)
model = dict(
    neck=dict(
        type='GAFNeck',
        in_channels=2048,
        spatial_sizes=[(7, 7)],
        attention=dict(type='SegmentAttention', hidden_channels=512),
        cvae=dict(
            type='ConditionalVAE', hidden_channels=512, latent_channels=256),
        loss_cvae=dict(type='CVAELoss', beta=0.1),
        loss_recon=dict(type='ReconstructionLoss', loss_weight=0.5),
        loss_detection=None),
    cls_head=dict(num_classes=101))

data_root = 'data/ucf101/videos'
split = 1
ann_file_train = f'data/ucf101/ucf101_train_split_{split}_videos.txt'
ann_file_val = f'data/ucf101/ucf101_val_split_{split}_videos.txt'

train_pipeline = [
    dict(type='DecordInit', io_backend='disk'),
    dict(type='SampleFrames', clip_len=32, frame_interval=2, num_clips=1),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(
        type='MultiScaleCrop',
        input_size=224,
        scales=(1, 0.8),
        random_crop=False,
        max_wh_scale_gap=0),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
val_pipeline = [
    dict(type='DecordInit', io_backend='disk'),
    dict(
        type='SampleFrames',
        clip_len=32,
        frame_interval=2,
        num_clips=1,
        test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
# GAF's spatial reduction is built for 7x7 maps: test crops stay 224
test_pipeline = [
    dict(type='DecordInit', io_backend='disk'),
    dict(
        type='SampleFrames',
        clip_len=32,
        frame_interval=2,
        num_clips=10,
        test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='ThreeCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
train_dataloader = dict(
    batch_size=8,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='VideoDataset',
        ann_file=ann_file_train,
        data_prefix=dict(video=data_root),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='VideoDataset',
        ann_file=ann_file_val,
        data_prefix=dict(video=data_root),
        pipeline=val_pipeline,
        test_mode=True))
test_dataloader = dict(
    batch_size=1,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='VideoDataset',
        ann_file=ann_file_val,
        data_prefix=dict(video=data_root),
        pipeline=test_pipeline,
        test_mode=True))
val_evaluator = dict(type='AccMetric')
test_evaluator = val_evaluator

# frame-GAF: the authors' Adam; the rest: MMAction2's SGD of this recipe
optim_wrapper = dict(
    _delete_=True,
    constructor='GAFOptimWrapperConstructor',
    frame=dict(
        type='OptimWrapper',
        optimizer=dict(type='Adam', lr=1e-3, betas=(0.8, 0.999))),
    segment=dict(
        type='OptimWrapper',
        optimizer=dict(type='SGD', lr=0.01, momentum=0.9,
                       weight_decay=1e-4),
        clip_grad=dict(max_norm=40, norm_type=2)))
# alternate every 100 iterations: per-epoch passes double a long schedule
custom_hooks = [
    dict(
        type='GAFAlternatingHook',
        by_epoch=False,
        frame_interval=100,
        segment_interval=100)
]
train_cfg = dict(max_epochs=40)
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[20, 35], gamma=0.1)
]
# frame-GAF is idle in phase segment and the rest in phase frame
find_unused_parameters = True
# A Kinetics-400 checkpoint (load_from) has no GAF neck and a 400-class head.
default_hooks = dict(
    checkpoint_agreement=dict(
        allow_missing=[r'^neck\.'],
        allow_mismatched=[r'^cls_head\.fc_cls\.']))
