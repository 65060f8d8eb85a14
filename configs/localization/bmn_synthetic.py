# MMAction2's BMN, its own config inherited with `mmaction::`, on the
# built-in ActivityNet-like features, sized to train in minutes on 2 CPU
# cores. The twin of configs/gaf/bmn_gaf_synthetic.py, which inherits this
# file and gives BMN GAF as its neck.
# Prepare the data (seconds; the same seed gives the same files): few,
# long instances per video, as in ActivityNet, every video rescaled to
# temporal_dim steps in MMAction2's BMN layout:
#     python tools/data/synthetic/generate.py data/synthetic_anet \
#         --min-steps 128 --max-steps 384 --steps-per-instance 200 \
#         --median-length 40
#     python tools/data/convert_to_bmn.py data/synthetic_anet \
#         data/synthetic_bmn --temporal-dim 32
# On a shared 2-core machine, OMP_NUM_THREADS=1 avoids OpenMP stalls.
_base_ = [
    'mmaction::localization/bmn/bmn_2xb8-400x100-9e_activitynet-feature.py'
]

temporal_dim = 32
# BMN's boundary-matching map is (hidden_dim_1d, num_samples, T, T) per
# video: MMAction2's (256, 32, 100, 100) costs ~80 GFLOPs a video forward,
# these sizes ~0.5
model = dict(
    temporal_dim=temporal_dim,
    feat_dim=256,
    num_samples=16,
    hidden_dim_1d=64,
    hidden_dim_2d=64,
    hidden_dim_3d=128,
    # the rescaled features cover the whole video: the proposals' seconds
    # are not truncated to whole 16-frame clips
    feature_extraction_interval=1)

data_root = 'data/synthetic_bmn'
ann_file_train = f'{data_root}/anno_training.json'
ann_file_val = f'{data_root}/anno_validation.json'
loader = dict(num_workers=0, persistent_workers=False)
train_dataloader = dict(
    **loader,
    dataset=dict(
        ann_file=ann_file_train,
        data_prefix=dict(video=f'{data_root}/features')))
val_dataloader = dict(
    **loader,
    dataset=dict(
        ann_file=ann_file_val,
        data_prefix=dict(video=f'{data_root}/features')))
test_dataloader = val_dataloader

work_dir = './work_dirs/bmn_synthetic'
# MMAction2's AR@AN, and the detection mAP of the proposals classified by
# each video's ground-truth classes (localisation alone: a perfect
# classifier; see mmgaf.ProposalDetectionMetric)
val_evaluator = [
    dict(
        type='ANetMetric',
        metric_type='AR@AN',
        dump_config=dict(out=f'{work_dir}/results.json',
                         output_format='json')),
    dict(type='mmgaf.ProposalDetectionMetric', ann_file=ann_file_val)
]
test_evaluator = val_evaluator

# MMAction2's Adam and step, over more epochs of the 200 videos
max_epochs = 16
train_cfg = dict(max_epochs=max_epochs, val_begin=1, val_interval=max_epochs)
param_scheduler = [
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_epochs,
        by_epoch=True,
        milestones=[12],
        gamma=0.1)
]
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=max_epochs, max_keep_ckpts=1))
randomness = dict(seed=0)
