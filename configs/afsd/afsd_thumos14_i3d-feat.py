# AFSD on THUMOS14's two-stream I3D features (RGB 1024 + flow 1024 channels,
# fused early), 64-step windows (256 frames of the video): level 0 of the
# pyramid has 64 positions and the frame-level branch 256. The model is
# AFSD's recipe (../_base_/models/afsd_recipe.py) on features instead of
# frames, as OpenTAD's feature-based AFSD.
_base_ = [
    '../_base_/models/afsd_recipe.py',
    '../_base_/datasets/thumos14_i3d_feat.py',
    '../_base_/schedules/afsd_adam_16e.py', '../_base_/default_runtime.py'
]

model = dict(num_classes=20, pyramid=dict(in_channels=2048))

# AFSD trains on one window per step.
train_dataloader = dict(batch_size=1)
