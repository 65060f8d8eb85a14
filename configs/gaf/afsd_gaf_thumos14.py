# AFSD + GAF on THUMOS14's two-stream I3D features: the paper's model (Table
# IV, row 3: L_ai + L_n-ai + L_R). Row 2 plus frame-GAF, a conditional VAE of
# the features given λ, trained with L_CVAE in phase `frame`; in phase
# `segment` the reconstruction loss L_R (weight ramped to 0.5) reaches λ
# through the frozen decoder. Train on 8 GPUs:
#     tools/dist_train.sh configs/gaf/afsd_gaf_thumos14.py 8
_base_ = ['./afsd_gaf-ai-nai_thumos14.py', '../_base_/gaf_training.py']

model = dict(
    neck=dict(
        cvae=dict(
            _delete_=True,
            type='ConditionalVAE',
            hidden_channels=512,
            latent_channels=256),
        loss_cvae=dict(_delete_=True, type='CVAELoss', beta=0.1),
        loss_recon=dict(
            _delete_=True, type='ReconstructionLoss', loss_weight=0.5)))

# the inherited optimizer trains phase `segment`
optim_wrapper = dict(
    constructor='GAFOptimWrapperConstructor',
    frame={{_base_.gaf_frame_optim_wrapper}})
# AFSD's 16 epochs, each a frame pass and a segment pass; the detector only
# changes in segment passes, so validate after them
train_cfg = dict(
    type='GAFEpochBasedTrainLoop', max_epochs=32, val_interval=2)
