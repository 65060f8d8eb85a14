# ActivityNet v1.3 with per-video features, each video rescaled to a fixed
# number of steps. Prepare under data_root:
#     annotations/activitynet.json, annotations/classes.txt
#         python tools/data/activitynet/convert_annotations.py \
#             data/activitynet/annotations --anno anet_anno_action.json \
#             --video-info video_info_new.csv --action-names action_name.csv
#     features/<video>.npy  (T, 2048) float32, e.g. two-stream I3D: one step
#         per 16-frame clip every 16 frames of the video at its own frame
#         rate (the annotation file's "fps"); set feature_* to your features
# Training uses the training videos, testing the validation videos (the
# test labels are not public).
dataset_type = 'TADDataset'
data_root = 'data/activitynet'
ann_file = 'annotations/activitynet.json'
class_file = 'annotations/classes.txt'

# every video resampled to 256 steps (AFSD's frame model uses 768 frames)
window_size = 256
feature_timing = dict(
    fps=None,  # each video's fps from the annotation file
    feature_stride=16,
    feature_clip_len=16,
    feature_layout='TC',
    feature_dim=2048)

train_pipeline = [
    dict(type='LoadFeatures'),
    dict(type='RescaleFeatures'),
    dict(type='ConvertGtToWindow'),
    dict(type='PackTADInputs')
]
test_pipeline = train_pipeline

train_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file=ann_file,
        class_file=class_file,
        subset='training',
        data_prefix=dict(feature='features'),
        window_size=window_size,
        rescale=True,
        **feature_timing,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file=ann_file,
        class_file=class_file,
        subset='validation',
        data_prefix=dict(feature='features'),
        window_size=window_size,
        rescale=True,
        **feature_timing,
        pipeline=test_pipeline,
        test_mode=True))
test_dataloader = val_dataloader

val_evaluator = dict(
    type='TADMetric',
    ann_file=f'{data_root}/{ann_file}',
    subset='validation',
    iou_thrs=(0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95))
test_evaluator = val_evaluator
