# Table IV, row 2 (L_ai + L_n-ai): row 1 plus AFSD's loss on the background
# ((1 - λ)-weighted) features, whose targets are the action-free intervals:
# classification as background and, as in the authors' code, the coarse
# localisation and classification terms only, weighted 35 against 1.
_base_ = ['../afsd/afsd_thumos14_i3d-feat.py']

model = dict(
    neck=dict(
        type='GAFNeck',
        in_channels=2048,
        cvae=None,
        loss_detection=dict(
            type='ActionBackgroundLoss',
            background_loss_keys=('loss_cls', 'loss_loc'))))
