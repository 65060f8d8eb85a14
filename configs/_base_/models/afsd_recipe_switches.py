# The switches of AFSD's recipe as one dict, `afsd_recipe`, for configs
# whose model comes from elsewhere (e.g. configs/afsd/afsd_synthetic_parity.py:
# `model = {{_base_.afsd_recipe}}`); ./afsd_recipe.py applies it to ./afsd.py.
# Defines no `model`, so it can be a base beside one that does.

afsd_init_cfg = dict(
    type='Xavier', layer='Conv1d', distribution='uniform', bias=0)

afsd_recipe = dict(
    pyramid=dict(padding='tf_same'),
    coarse_head=dict(init_cfg=afsd_init_cfg),
    refine_head=dict(init_cfg=afsd_init_cfg),
    loss=dict(
        # train.py --lw 10 on both localisation terms (--cw 1 on the others)
        loss_loc=dict(loss_weight=10.0),
        loss_prop_loc=dict(loss_weight=10.0),
        # AFSD's centerness target (the tIoU of the refined segment) passes
        # its gradient on to loc and prop_loc
        detach_centerness_target=False,
        loss_cls=dict(
            _delete_=True,
            type='AFSDSoftmaxFocalLoss',
            gamma=2.0,
            alpha=0.25,
            loss_weight=1.0),
        loss_prop_cls=dict(
            _delete_=True,
            type='AFSDSoftmaxFocalLoss',
            gamma=2.0,
            alpha=0.25,
            loss_weight=1.0)),
    loss_boundary_contrast=dict(
        type='AFSDTripletLoss',
        level_weights=(1.0, 0.1, 0.1),
        scales=(1.0, 4.0, 4.0),
        margin=1.0,
        loss_weight=0.1),
    post_processor=dict(
        score='softmax', score_thr=0.01, max_per_window=None, clamp='window'))
