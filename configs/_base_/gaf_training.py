# GAF's alternating updates (paper Fig. 2) with the authors' settings: phase
# `frame` trains the conditional VAEs (Adam lr 1e-3, betas 0.8 / 0.999) with
# the attention fixed, phase `segment` trains everything else with its usual
# optimizer; one pass of each per epoch. A GAF config adds to what it
# inherits (MMEngine refuses a key that two bases both define, so these two
# cannot live here)
#     optim_wrapper = dict(
#         constructor='GAFOptimWrapperConstructor',
#         frame={{_base_.gaf_frame_optim_wrapper}})
#     train_cfg = dict(type='GAFEpochBasedTrainLoop', max_epochs=2 * N)
# the inherited optimizer trains phase `segment`; the loop gives each
# iteration its phase's optimizer; each epoch of the paper is two MMEngine
# epochs.
gaf_frame_optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=1e-3, betas=(0.8, 0.999)))
custom_hooks = [
    dict(
        type='GAFAlternatingHook',
        by_epoch=True,
        frame_interval=1,
        segment_interval=1)
]
# each phase leaves the other phase's parameters without gradients
find_unused_parameters = True
