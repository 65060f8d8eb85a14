# THUMOS14 with the community's two-stream I3D features (as used by G-TAD,
# AFSD's feature variant, ActionFormer, TadTR...). Prepare under data_root:
#     annotations/thumos14.json, annotations/classes.txt
#         python tools/data/thumos14/convert_annotations.py csv \
#             data/thumos14/annotations \
#             --class-index class_index_detection.txt \
#             --val val_Annotation_ours.csv --val-info val_video_info.csv \
#             --test test_Annotation_ours.csv --test-info test_video_info.csv
#         (or the txt / gt-json / gt-csv layouts; see data/README.md)
#     i3d_features/<video>.npy  (T, 2048) float32 = RGB 1024 + flow 1024, one
#         step per 16-frame clip every 4 frames of the video at 30 fps
# Training uses the validation videos, testing the test videos.
_base_ = ['./thumos14_evaluator.py']

dataset_type = 'TADDataset'
data_root = 'data/thumos14'
ann_file = 'annotations/thumos14.json'
class_file = 'annotations/classes.txt'

# AFSD's windows are 256 frames at 10 fps (25.6 s), slid by 30 frames (3 s)
# for training and 128 (12.8 s) for testing. Every third feature is a step
# (as OpenTAD's sample_stride=3): a step is 12 frames at 30 fps = 0.4 s, the
# temporal resolution of AFSD's Mixed_4f level, so 64 steps span 25.6 s.
window_size = 64
feature_timing = dict(
    fps=30.0,  # None: each video's fps from the annotation file
    feature_stride=4,
    feature_clip_len=16,
    feature_sample_stride=3,
    feature_layout='TC',
    feature_dim=2048)

# AFSD's boundary-contrastive copy (its --ssl), on feature steps; the
# windows keep mmgaf's rules (window_gt_rule='mmgaf'): AFSD's are defined on
# its 10 fps frames (see thumos14_frames.py).
train_pipeline = [
    dict(type='LoadFeatures'),
    dict(type='CropWindow'),
    dict(type='ConvertGtToWindow'),
    dict(type='BoundaryContrast'),
    dict(type='PackTADInputs')
]
test_pipeline = [
    dict(type='LoadFeatures'),
    dict(type='CropWindow'),
    dict(type='ConvertGtToWindow'),
    dict(type='PackTADInputs')
]

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
        subset='validation',
        data_prefix=dict(feature='i3d_features'),
        window_size=window_size,
        window_stride=8,
        min_kept_ratio=0.5,
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
        subset='test',
        data_prefix=dict(feature='i3d_features'),
        window_size=window_size,
        window_stride=32,
        **feature_timing,
        pipeline=test_pipeline,
        test_mode=True))
test_dataloader = val_dataloader
