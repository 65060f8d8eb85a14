# GAF on MMAction2's I3D ResNet-50 for UCF101 (paper §IV: 91.9 -> 92.4 top-1):
# configs/recognition/i3d_ucf101.py with GAF as the neck. Recognition keeps
# L_clf of eq. 12, -log p(c | f_ai) - log p(0 | f_n-ai): GAFRecognitionHead
# is MMAction2's I3DHead with one more output, the background class, scored
# on the background map the neck hands it (return_background=True); L_CVAE
# and L_R as in detection, with the alternating updates (paper Fig. 2).
# Split, data and checkpoints: see the twin.
_base_ = ['../recognition/i3d_ucf101.py']

# the model comes from `mmaction::` (MMEngine gives it _scope_='mmaction'),
# so this package's parts are named with their scope
# 32-frame clips at 224x224: the last ResNet stage gives (B, 2048, 8, 7, 7)
model = dict(
    neck=dict(
        type='mmgaf.GAFNeck',
        in_channels=2048,
        spatial_sizes=[(7, 7)],
        attention=dict(type='SegmentAttention', hidden_channels=512),
        cvae=dict(
            type='ConditionalVAE', hidden_channels=512, latent_channels=256),
        loss_cvae=dict(type='CVAELoss', beta=0.1),
        loss_recon=dict(type='ReconstructionLoss', loss_weight=0.5),
        loss_detection=None,
        return_background=True),
    cls_head=dict(type='mmgaf.GAFRecognitionHead', background_weight=1.0))

# frame-GAF: the authors' Adam; the rest: MMAction2's SGD of the twin
optim_wrapper = dict(
    constructor='GAFOptimWrapperConstructor',
    frame=dict(
        type='OptimWrapper',
        optimizer=dict(type='Adam', lr=1e-3, betas=(0.8, 0.999))))
# each iteration steps the optimizer of its phase
train_cfg = dict(type='mmgaf.GAFEpochBasedTrainLoop')
# alternate every 100 iterations: per-epoch passes double a long schedule
custom_hooks = [
    dict(
        type='GAFAlternatingHook',
        by_epoch=False,
        frame_interval=100,
        segment_interval=100)
]
# frame-GAF is idle in phase segment and the rest in phase frame
find_unused_parameters = True
# A Kinetics-400 checkpoint (load_from) has no GAF neck and a 400-class head.
default_hooks = dict(
    checkpoint_agreement=dict(
        allow_missing=[r'^neck\.'], allow_mismatched=[r'^cls_head\.fc_cls\.']))
