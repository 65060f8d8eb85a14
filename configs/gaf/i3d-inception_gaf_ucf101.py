# GAF on DeepMind's Inception-I3D for UCF101 (the paper's backbone):
# configs/recognition/i3d-inception_ucf101.py with GAF as the neck, the
# non-action term of eq. 12 in the head (GAFRecognitionHead: the background
# class), L_CVAE and L_R, and the alternating updates; as
# configs/gaf/i3d_gaf_ucf101.py does for the ResNet-50 I3D.
_base_ = ['../recognition/i3d-inception_ucf101.py']

# 32-frame clips at 224x224: Mixed_5c gives (B, 1024, 4, 7, 7)
model = dict(
    neck=dict(
        type='GAFNeck',
        in_channels=1024,
        spatial_sizes=[(7, 7)],
        attention=dict(type='SegmentAttention', hidden_channels=512),
        cvae=dict(
            type='ConditionalVAE', hidden_channels=512, latent_channels=256),
        loss_cvae=dict(type='CVAELoss', beta=0.1),
        loss_recon=dict(type='ReconstructionLoss', loss_weight=0.5),
        loss_detection=None,
        return_background=True),
    cls_head=dict(type='GAFRecognitionHead', background_weight=1.0))

# frame-GAF: the authors' Adam; the inherited optimizer trains phase
# `segment`, and the loop gives each iteration its phase's optimizer
optim_wrapper = dict(
    constructor='GAFOptimWrapperConstructor',
    frame=dict(
        type='OptimWrapper',
        optimizer=dict(type='Adam', lr=1e-3, betas=(0.8, 0.999))))
train_cfg = dict(type='mmgaf.GAFEpochBasedTrainLoop')
custom_hooks = [
    dict(
        type='GAFAlternatingHook',
        by_epoch=False,
        frame_interval=100,
        segment_interval=100)
]
find_unused_parameters = True
