# GAF on MMAction2's BMN for ActivityNet proposals: MMAction2's own config
# (400-d TSN features rescaled to 100 steps, AR@AN with ANetMetric; here
# also the detection mAP of the proposals, see below),
# inherited with `mmaction::`, with BMN given a neck (mmgaf.BMNWithNeck,
# MMAction2's BMN with a neck in front of its boundary-matching network)
# and GAFNeck in it: BMN trains on GAF's foreground features, with L_CVAE,
# L_R and the alternating updates (paper Fig. 2). BMN's labels need an
# action per video, so GAF's non-action term L_n-ai is off
# (loss_detection=None; see BMNWithNeck).
# Data as in MMAction2's BMN docs (tools/data/activitynet of MMAction2):
# data/ActivityNet/activitynet_feature_cuhk/csv_mean_100/ and
# data/ActivityNet/anet_anno_{train,val}.json.
_base_ = [
    'mmaction::localization/bmn/'
    'bmn_2xb8-400x100-9e_activitynet-feature.py', '../_base_/gaf_training.py'
]

# this package's hooks, loop and optimizer constructor; MMAction2's
# datasets, transforms and metrics are found through the parent registries
default_scope = 'mmgaf'

# the model comes from `mmaction::` (MMEngine gives it _scope_='mmaction'),
# so this package's parts are named with their scope
model = dict(
    type='mmgaf.BMNWithNeck',
    neck=dict(
        type='GAFNeck',
        in_channels=400,
        attention=dict(type='SegmentAttention', hidden_channels=256),
        cvae=dict(
            type='ConditionalVAE', hidden_channels=256, latent_channels=128),
        loss_cvae=dict(type='CVAELoss', beta=0.1),
        loss_recon=dict(type='ReconstructionLoss', loss_weight=0.5),
        loss_detection=None,
        return_background=True))

# the inherited Adam trains phase `segment`
optim_wrapper = dict(
    constructor='GAFOptimWrapperConstructor',
    frame={{_base_.gaf_frame_optim_wrapper}})
# MMAction2's 9 epochs, each a frame and a segment pass
train_cfg = dict(
    type='mmgaf.GAFEpochBasedTrainLoop',
    max_epochs=18,
    val_begin=2,
    val_interval=2)
param_scheduler = [
    dict(
        type='MultiStepLR',
        begin=0,
        end=18,
        by_epoch=True,
        milestones=[14],
        gamma=0.1)
]
work_dir = './work_dirs/bmn_gaf_activitynet/'
# MMAction2's AR@AN, and the detection mAP of the proposals classified by
# video-level labels: the ground truth's here (localisation alone); set
# video_labels to a classifier's results in ActivityNet's classification
# layout (e.g. the CUHK classifier's cuhk_anet17_pred.json, top_k=1, as
# MMAction2's BMN documentation reports) for published-style numbers
ann_file_val = {{_base_.ann_file_val}}
val_evaluator = [
    dict(
        type='ANetMetric',
        metric_type='AR@AN',
        dump_config=dict(out=f'{work_dir}/results.json',
                         output_format='json')),
    dict(type='mmgaf.ProposalDetectionMetric', ann_file=ann_file_val)
]
test_evaluator = val_evaluator
