# AFSD on ActivityNet v1.3 features, each video rescaled to one window of
# 256 steps (level 0 at 256, the frame-level branch at 1024 positions), with
# AFSD's recipe (../_base_/models/afsd_recipe.py: padding, initialisation of
# the shared parts, softmax focal loss, boundary-contrastive loss 0.1,
# test-time limits) and its ActivityNet optimisation: Adam lr 1e-4, weight
# decay 1e-4, 16 epochs (its 10th checkpoint is evaluated), batch size 1.
# Departures from AFSD/anet, which trains end to end on 768 frames: features
# instead of frames, Mixed_4f + Mixed_5c-like fusion of two levels instead
# of Mixed_5c alone, 200 classes where AFSD detects class-agnostic
# proposals (2 channels) and labels them with an external video classifier,
# AFSD/anet's per-level distance scales (fpn_strides) and regress ranges
# (bounds) left out: they are sized for its 768-frame grid.
_base_ = [
    '../_base_/models/afsd_recipe.py',
    '../_base_/datasets/activitynet_feat.py',
    '../_base_/schedules/afsd_adam_16e.py', '../_base_/default_runtime.py'
]

model = dict(num_classes=200, pyramid=dict(in_channels=2048))

train_dataloader = dict(batch_size=1)
optim_wrapper = dict(optimizer=dict(lr=1e-4, weight_decay=1e-4))
