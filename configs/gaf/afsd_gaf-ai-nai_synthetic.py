# Table IV, row 2 (L_ai + L_n-ai) on the built-in synthetic dataset: row 1
# plus AFSD's coarse losses on the background features against the
# action-free intervals, weighted 35 : 1 as in the authors' code.
_base_ = ['./afsd_gaf-ai_synthetic.py']

model = dict(
    neck=dict(
        loss_detection=dict(
            background_weight=35.,
            background_loss_keys=('loss_cls', 'loss_loc'))))
