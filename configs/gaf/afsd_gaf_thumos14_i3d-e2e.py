# AFSD + GAF end to end on THUMOS14's RGB frames, as the paper: GAF on both
# I3D levels AFSD uses, Mixed_4f (832 channels, 6x6 at 96x96 crops) and
# Mixed_5c (1024, 3x3), with the 1xnxn reductions over space of the authors'
# code; each level has its own attention head and conditional VAE.
_base_ = ['../afsd/afsd_thumos14_i3d-e2e.py', '../_base_/gaf_training.py']

# GAFNeck's defaults: SegmentAttention, a conditional VAE with a 256-d
# latent, L_CVAE (β = 0.1), L_R (weight 0.5) and L_n-ai (weight 35)
model = dict(
    neck=dict(
        type='GAFNeck',
        in_channels=(832, 1024),
        spatial_sizes=((6, 6), (3, 3)),
        loss_detection=dict(
            type='ActionBackgroundLoss',
            background_loss_keys=('loss_cls', 'loss_loc'))))

# the inherited optimizer trains phase `segment`
optim_wrapper = dict(
    constructor='GAFOptimWrapperConstructor',
    frame={{_base_.gaf_frame_optim_wrapper}})
train_cfg = dict(type='GAFEpochBasedTrainLoop', max_epochs=32, val_interval=2)
