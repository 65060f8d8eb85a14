# GAF's alternating updates (paper Fig. 2) with the authors' settings: phase
# `frame` trains the conditional VAEs (Adam lr 1e-3, betas 0.8 / 0.999) with
# the attention fixed, phase `segment` trains everything else with its usual
# optimizer; one pass of each per epoch. A GAF config sets
#     optim_wrapper = dict(
#         _delete_=True,
#         constructor='GAFOptimWrapperConstructor',
#         frame={{_base_.gaf_frame_optim_wrapper}},
#         segment={{_base_.optim_wrapper}})
# and doubles max_epochs (each epoch of the paper is two MMEngine epochs).
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
