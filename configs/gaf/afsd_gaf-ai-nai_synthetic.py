# Table IV, row 2 (L_ai + L_n-ai) on the built-in synthetic dataset: row 1
# plus AFSD's coarse losses on the background features against the
# action-free intervals, as the authors' code computes them
# (../_base_/models/gaf_synthetic_parts.py).
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
        loss_detection={{_base_.gaf_background_loss}}))
