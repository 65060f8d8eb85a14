# Table IV, row 1 (L_ai) on the built-in synthetic dataset: AFSD as its
# authors wrote it (../afsd/afsd_synthetic_parity.py) with segment-GAF as its
# neck, λ learning only through AFSD's losses on the foreground features.
# The attention is the authors' (one weight per channel and step over the
# 128-step window). Rows 2 and 3 inherit this config.
_base_ = ['../afsd/afsd_synthetic_parity.py']

model = dict(
    neck=dict(
        type='GAFNeck',
        in_channels=256,
        attention=dict(
            type='ChannelTimeAttention',
            num_steps={{_base_.window_size}},
            hidden_channels=128),
        cvae=None,
        loss_cvae=None,
        loss_recon=None,
        loss_detection=dict(
            type='ActionBackgroundLoss',
            action_weight=1.0,
            background_weight=0.)))
