# AFSD + GAF on the built-in synthetic dataset (Table IV, row 3: L_ai +
# L_n-ai + L_R): the README's main job. Row 2 plus frame-GAF (the authors'
# CVAE, ../_base_/models/gaf_synthetic_parts.py; L_CVAE and L_R with
# GAFNeck's default weights) and the alternating updates.
_base_ = [
    '../afsd/afsd_synthetic_parity.py',
    '../_base_/models/gaf_synthetic_parts.py', '../_base_/gaf_training.py'
]

model = dict(
    neck=dict(
        type='GAFNeck',
        in_channels=256,
        attention={{_base_.gaf_attention}},
        cvae={{_base_.gaf_cvae}},
        loss_detection={{_base_.gaf_background_loss}}))

optim_wrapper = dict(
    constructor='GAFOptimWrapperConstructor',
    frame={{_base_.gaf_frame_optim_wrapper}})
# AFSD's schedule of this dataset, each epoch a frame and a segment pass,
# validated once at the end (the demo then tests the final model)
train_cfg = dict(type='GAFEpochBasedTrainLoop', max_epochs=20, val_interval=20)
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[16], gamma=0.1)
]
