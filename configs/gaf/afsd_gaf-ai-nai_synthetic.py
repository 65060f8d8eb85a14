# Table IV, row 2 (L_ai + L_n-ai) on the built-in synthetic dataset: row 1
# plus AFSD's coarse losses on the background features against the
# action-free intervals as the authors' code computes them: weighted 35 : 1,
# summed over the intervals, and training the detector as well as λ.
_base_ = ['./afsd_gaf-ai_synthetic.py']

model = dict(
    neck=dict(
        loss_detection=dict(
            background_weight=35.,
            background_loss_keys=('loss_cls', 'loss_loc'),
            background_trains_detector=True,
            background_reduction='sum')))
