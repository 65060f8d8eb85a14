# AFSD + GAF on the built-in synthetic dataset (Table IV, row 3: L_ai +
# L_n-ai + L_R): the README's main job. Row 2 plus frame-GAF and the
# alternating updates; the CVAE is the authors' (a latent as wide as the
# feature, GroupNorm and ReLU in encoder and decoder).
_base_ = ['./afsd_gaf-ai-nai_synthetic.py', '../_base_/gaf_training.py']

model = dict(
    neck=dict(
        cvae=dict(
            _delete_=True,
            type='ConditionalVAE',
            hidden_channels=256,
            latent_channels=256,
            norm_cfg=dict(type='GN', num_groups=32),
            act_cfg=dict(type='ReLU')),
        loss_cvae=dict(_delete_=True, type='CVAELoss', beta=0.1),
        loss_recon=dict(
            _delete_=True, type='ReconstructionLoss', loss_weight=0.5)))

# the inherited optimizer trains phase `segment`
optim_wrapper = dict(
    constructor='GAFOptimWrapperConstructor',
    frame={{_base_.gaf_frame_optim_wrapper}})
# AFSD's schedule of this dataset, each epoch a frame and a segment pass
train_cfg = dict(
    type='GAFEpochBasedTrainLoop', max_epochs=20, val_interval=10)
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[16], gamma=0.1)
]
