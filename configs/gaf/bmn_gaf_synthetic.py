# GAF on MMAction2's BMN on the built-in ActivityNet-like features:
# configs/localization/bmn_synthetic.py with BMN given a neck
# (mmgaf.BMNWithNeck) and GAFNeck in it, as configs/gaf/bmn_gaf_activitynet.py
# does for ActivityNet: BMN trains on GAF's foreground features, with L_CVAE,
# L_R and the alternating updates (paper Fig. 2), one frame and one segment
# pass per epoch of the twin. BMN's labels need an action per video, so
# GAF's non-action term L_n-ai is off (see BMNWithNeck).
_base_ = ['../localization/bmn_synthetic.py', '../_base_/gaf_training.py']
ann_file_val = {{_base_.ann_file_val}}

# this package's hooks, loop and optimizer constructor; MMAction2's
# datasets, transforms and metrics are found through the parent registries
default_scope = 'mmgaf'

model = dict(
    type='mmgaf.BMNWithNeck',
    neck=dict(
        type='GAFNeck',
        in_channels=256,
        attention=dict(type='SegmentAttention', hidden_channels=128),
        cvae=dict(
            type='ConditionalVAE', hidden_channels=128, latent_channels=64),
        loss_cvae=dict(type='CVAELoss', beta=0.1),
        loss_recon=dict(type='ReconstructionLoss', loss_weight=0.5),
        loss_detection=None,
        return_background=True))

# the inherited Adam trains phase `segment`
optim_wrapper = dict(
    constructor='GAFOptimWrapperConstructor',
    frame={{_base_.gaf_frame_optim_wrapper}})
# the twin's 16 epochs, each a frame and a segment pass
max_epochs = 32
train_cfg = dict(
    type='mmgaf.GAFEpochBasedTrainLoop',
    max_epochs=max_epochs,
    val_begin=2,
    val_interval=max_epochs)
param_scheduler = [
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_epochs,
        by_epoch=True,
        milestones=[24],
        gamma=0.1)
]
default_hooks = dict(checkpoint=dict(interval=max_epochs))
work_dir = './work_dirs/bmn_gaf_synthetic'
# the twin's metrics, ANetMetric's proposals written to this work_dir
val_evaluator = [
    dict(
        type='ANetMetric',
        metric_type='AR@AN',
        dump_config=dict(out=f'{work_dir}/results.json',
                         output_format='json')),
    dict(type='mmgaf.ProposalDetectionMetric', ann_file=ann_file_val)
]
test_evaluator = val_evaluator
