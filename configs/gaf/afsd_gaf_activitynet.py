# AFSD + GAF on ActivityNet v1.3 features (whole videos rescaled to 256
# steps): the AFSD config with GAF as its neck and the alternating updates.
_base_ = ['../afsd/afsd_activitynet_feat.py', '../_base_/gaf_training.py']

model = dict(
    neck=dict(
        type='GAFNeck',
        in_channels=2048,
        attention=dict(type='SegmentAttention', hidden_channels=512),
        cvae=dict(
            type='ConditionalVAE', hidden_channels=512, latent_channels=256),
        loss_cvae=dict(type='CVAELoss', beta=0.1),
        loss_recon=dict(type='ReconstructionLoss', loss_weight=0.5),
        loss_detection=dict(
            type='ActionBackgroundLoss',
            action_weight=1.0,
            background_weight=35.,
            background_loss_keys=('loss_cls', 'loss_loc'))))

# the inherited optimizer trains phase `segment`
optim_wrapper = dict(
    constructor='GAFOptimWrapperConstructor',
    frame={{_base_.gaf_frame_optim_wrapper}})
train_cfg = dict(
    type='GAFEpochBasedTrainLoop', max_epochs=32, val_interval=2)
