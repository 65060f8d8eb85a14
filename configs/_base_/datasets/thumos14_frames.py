# THUMOS14 as RGB frames, for the end-to-end AFSD (I3D backbone). Prepare
# under data_root:
#     annotations/thumos14.json, annotations/classes.txt: as in
#         thumos14_i3d_feat.py (tools/data/thumos14/convert_annotations.py)
#     videos/<video>.mp4  the THUMOS14 validation and test videos
# Frames are decoded with decord at 10 fps (a step is a frame, time_scale
# 0.1 s), resized to 112x112 and cropped to 96x96 (random crop and flip for
# training, centre crop for testing), as AFSD. For rawframe folders
# <video>/img_00001.jpg... extracted at 10 fps use
#     data_prefix=dict(img='frames'), start_index=1, and the pipeline
#     RawFrameInit(fps=10.0), SampleWindowFrames, RawFrameDecode, ...
# The model's data preprocessor normalises: I3D takes [-1, 1], i.e.
#     mean=[127.5] * 3, std=[127.5] * 3, format_shape='NCTHW'.
dataset_type = 'TADDataset'
data_root = 'data/thumos14'
ann_file = 'annotations/thumos14.json'
class_file = 'annotations/classes.txt'

sample_fps = 10.0
window_size = 256

train_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleWindowFrames'),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(112, 112), keep_ratio=False),
    dict(type='RandomCrop', size=96),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='ConvertGtToWindow'),
    dict(type='PackTADInputs')
]
test_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleWindowFrames'),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(112, 112), keep_ratio=False),
    dict(type='CenterCrop', crop_size=96),
    dict(type='ConvertGtToWindow'),
    dict(type='PackTADInputs')
]

train_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file=ann_file,
        class_file=class_file,
        subset='validation',
        data_prefix=dict(video='videos'),
        video_suffix='.mp4',
        sample_fps=sample_fps,
        window_size=window_size,
        window_stride=30,
        min_kept_ratio=0.5,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file=ann_file,
        class_file=class_file,
        subset='test',
        data_prefix=dict(video='videos'),
        video_suffix='.mp4',
        sample_fps=sample_fps,
        window_size=window_size,
        window_stride=128,
        pipeline=test_pipeline,
        test_mode=True))
test_dataloader = val_dataloader

val_evaluator = dict(
    type='TADMetric',
    ann_file=f'{data_root}/{ann_file}',
    subset='test',
    iou_thrs=(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7),
    average_iou_thrs=(0.3, 0.4, 0.5, 0.6, 0.7))
test_evaluator = val_evaluator
