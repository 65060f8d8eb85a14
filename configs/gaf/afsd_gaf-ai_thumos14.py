# Table IV, row 1 (L_ai): AFSD with segment-GAF as its neck. The attention λ
# weights the features, and learns only through AFSD's own losses on the
# foreground (λ-weighted) features; no background loss, no frame-GAF.
# Rows 2 and 3 inherit this config and add one term each.
_base_ = ['../afsd/afsd_thumos14_i3d-feat.py']

model = dict(
    neck=dict(
        type='GAFNeck',
        in_channels=2048,
        attention=dict(type='SegmentAttention', hidden_channels=512),
        cvae=None,
        loss_cvae=None,
        loss_recon=None,
        loss_detection=dict(
            type='ActionBackgroundLoss',
            action_weight=1.0,
            background_weight=0.)))
