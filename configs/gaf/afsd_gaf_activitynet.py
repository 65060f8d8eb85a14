# AFSD + GAF on ActivityNet v1.3 features (whole videos rescaled to 256
# steps): the AFSD config with GAF as its neck and the alternating updates.
_base_ = ['../afsd/afsd_activitynet_feat.py', '../_base_/gaf_training.py']

# GAFNeck's defaults: SegmentAttention, a conditional VAE with a 256-d
# latent, L_CVAE (β = 0.1), L_R (weight 0.5) and L_n-ai (weight 35)
model = dict(
    neck=dict(
        type='GAFNeck',
        in_channels=2048,
        loss_detection=dict(
            type='ActionBackgroundLoss',
            background_loss_keys=('loss_cls', 'loss_loc'))))

# the inherited optimizer trains phase `segment`
optim_wrapper = dict(
    constructor='GAFOptimWrapperConstructor',
    frame={{_base_.gaf_frame_optim_wrapper}})
train_cfg = dict(type='GAFEpochBasedTrainLoop', max_epochs=32, val_interval=2)
