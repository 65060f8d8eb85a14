# Table IV, row 1 (L_ai): AFSD with segment-GAF as its neck. The attention λ
# weights the features, and learns only through AFSD's own losses on the
# foreground (λ-weighted) features; no background loss, no frame-GAF.
# GAFNeck's defaults otherwise (SegmentAttention, 512 hidden channels).
_base_ = ['../afsd/afsd_thumos14_i3d-feat.py']

model = dict(
    neck=dict(
        type='GAFNeck',
        in_channels=2048,
        cvae=None,
        loss_detection=dict(type='ActionBackgroundLoss',
                            background_weight=0.)))
