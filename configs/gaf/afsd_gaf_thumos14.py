# AFSD + GAF on THUMOS14's two-stream I3D features: the paper's model (Table
# IV, row 3: L_ai + L_n-ai + L_R). Row 2 plus frame-GAF, a conditional VAE of
# the features given λ, trained with L_CVAE in phase `frame`; in phase
# `segment` the reconstruction loss L_R (weight ramped to 0.5) reaches λ
# through the frozen decoder. Train on 8 GPUs:
#     tools/dist_train.sh configs/gaf/afsd_gaf_thumos14.py 8
_base_ = ['../afsd/afsd_thumos14_i3d-feat.py', '../_base_/gaf_training.py']

# GAFNeck's defaults: SegmentAttention, a conditional VAE with a 256-d
# latent, L_CVAE (β = 0.1), L_R (weight 0.5) and L_n-ai (weight 35)
model = dict(
    neck=dict(
        type='GAFNeck',
        in_channels=2048,
        loss_detection=dict(
            type='ActionBackgroundLoss',
            background_loss_keys=('loss_cls', 'loss_loc'))))

optim_wrapper = dict(
    constructor='GAFOptimWrapperConstructor',
    frame={{_base_.gaf_frame_optim_wrapper}})
# AFSD's 16 epochs, each a frame pass and a segment pass; the detector only
# changes in segment passes, so validate after them
train_cfg = dict(type='GAFEpochBasedTrainLoop', max_epochs=32, val_interval=2)
