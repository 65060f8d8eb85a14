# Table IV, row 1 (L_ai) on the built-in synthetic dataset: AFSD as its
# authors wrote it (../afsd/afsd_synthetic_parity.py) with segment-GAF as its
# neck, λ learning only through AFSD's losses on the foreground features.
_base_ = [
    '../afsd/afsd_synthetic_parity.py',
    '../_base_/models/gaf_synthetic_parts.py'
]

model = dict(
    neck=dict(
        type='GAFNeck',
        in_channels=256,
        attention={{_base_.gaf_attention}},
        cvae=None,
        loss_detection=dict(type='ActionBackgroundLoss',
                            background_weight=0.)))
