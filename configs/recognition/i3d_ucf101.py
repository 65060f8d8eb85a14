# MMAction2's I3D ResNet-50 on UCF101, without GAF: the twin of
# configs/gaf/i3d_gaf_ucf101.py, which inherits this file and changes the
# neck (and with it the head's type, the optimizers and the alternating
# hook).
#
# The model and the schedule are MMAction2's own base configs, inherited with
# `mmaction::` (see mmgaf/utils/mmaction_configs.py for the fix `import mmgaf`
# applies to MMEngine 0.10.7 for that).
# Data: UCF101 videos under data/ucf101/videos and MMAction2 video lists of
# one official split (1, 2 or 3), written by
#     python tools/data/ucf101/build_file_lists.py ucfTrainTestlist \
#         data/ucf101 --split N --video-dir data/ucf101/videos
# The split is MMEngine's environment substitution, default 1:
#     UCF101_SPLIT=2 python tools/train.py configs/recognition/i3d_ucf101.py
# Start from a Kinetics-400 I3D checkpoint of MMAction2's model zoo with
# `--cfg-options load_from=<checkpoint>`: the backbone is loaded, the new
# head is initialised.
_base_ = [
    'mmaction::_base_/models/i3d_r50.py',
    'mmaction::_base_/schedules/sgd_100e.py', '../_base_/default_runtime.py'
]

default_scope = 'mmgaf'

model = dict(cls_head=dict(num_classes=101))

split = '{{$UCF101_SPLIT:1}}'
data_root = 'data/ucf101/videos'
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
# 224 crops also at test time: GAF's spatial reduction is built for 7x7 maps
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
# top-1 / top-5 and mean class accuracy
val_evaluator = dict(
    type='AccMetric', metric_list=('top_k_accuracy', 'mean_class_accuracy'))
test_evaluator = val_evaluator

train_cfg = dict(max_epochs=40)
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[20, 35], gamma=0.1)
]
# A Kinetics-400 checkpoint (load_from) has a 400-class head.
default_hooks = dict(
    checkpoint_agreement=dict(allow_mismatched=[r'^cls_head\.fc_cls\.']))
