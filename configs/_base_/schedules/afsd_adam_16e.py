# AFSD's optimisation: Adam, lr 1e-5, weight decay 1e-3, 16 epochs, no
# learning-rate schedule (AFSD trains with batch size 1).
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=1e-5, weight_decay=1e-3))

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=16, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
