# AFSD on ActivityNet v1.3 features, each video rescaled to one window of
# 256 steps (level 0 at 256, the frame-level branch at 1024 positions).
# AFSD's ActivityNet run: Adam lr 1e-4, weight decay 1e-4, 16 epochs (its
# 10th checkpoint is evaluated), batch size 1.
_base_ = [
    '../_base_/models/afsd.py', '../_base_/datasets/activitynet_feat.py',
    '../_base_/schedules/afsd_adam_16e.py', '../_base_/default_runtime.py'
]

model = dict(num_classes=200, pyramid=dict(in_channels=2048))

train_dataloader = dict(batch_size=1)
optim_wrapper = dict(optimizer=dict(lr=1e-4, weight_decay=1e-4))
