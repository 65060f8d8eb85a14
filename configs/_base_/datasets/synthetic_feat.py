# The built-in synthetic dataset (mmgaf/datasets/synthetic.py, data/README.md)
# Prepare it (a few seconds; the same seed gives the same files):
#     python tools/data/synthetic/generate.py data/synthetic
# which writes, under data_root:
#     annotations.json  subsets "training" (200 videos) and "validation" (80)
#     classes.txt       20 classes
#     features/<video>.npy  (T, 256) float32, T in [200, 600]: one step per
#                       16-frame clip every 4 frames at 30 fps (I3D-like)
dataset_type = 'TADDataset'
data_root = 'data/synthetic'
ann_file = 'annotations.json'
class_file = 'classes.txt'

# 128 steps = 17 s; the longest instances are about 100 steps
window_size = 128
feature_timing = dict(
    fps=30.0,
    feature_stride=4,
    feature_clip_len=16,
    feature_layout='TC',
    feature_dim=256)

train_pipeline = [
    dict(type='LoadFeatures'),
    dict(type='CropWindow'),
    dict(type='ConvertGtToWindow'),
    dict(type='PackTADInputs')
]
test_pipeline = train_pipeline

train_dataloader = dict(
    batch_size=16,
    # windows are read from memory-mapped files: workers would only compete
    # with training for the CPU
    num_workers=0,
    persistent_workers=False,
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
        window_stride=64,
        **feature_timing,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
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
        window_stride=64,
        **feature_timing,
        pipeline=test_pipeline,
        test_mode=True))
test_dataloader = val_dataloader

val_evaluator = dict(
    type='TADMetric',
    ann_file=f'{data_root}/{ann_file}',
    subset='validation',
    iou_thrs=(0.3, 0.4, 0.5, 0.6, 0.7))
test_evaluator = val_evaluator
