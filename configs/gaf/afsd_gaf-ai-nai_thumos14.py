# Table IV, row 2 (L_ai + L_n-ai): row 1 plus AFSD's loss on the background
# ((1 - λ)-weighted) features, whose targets are the action-free intervals:
# classification as background and, as in the authors' code, the coarse
# localisation and classification terms only, weighted 35 against 1.
_base_ = ['./afsd_gaf-ai_thumos14.py']

model = dict(
    neck=dict(
        loss_detection=dict(
            background_weight=35.,
            background_loss_keys=('loss_cls', 'loss_loc'))))
