# AFSD (Lin et al., CVPR 2021) on pre-extracted features (B, C, T), T window
# steps. Level 0 of the pyramid is at T (a 1x1 convolution of the features)
# and level 1 a stride-2 convolution of it, upsampled and added into level 0
# as AFSD adds Mixed_5c into Mixed_4f; the frame-level branch runs at 4 * T
# positions. Every temporal position is in window steps outside the model.
model = dict(
    type='AFSD',
    num_classes=20,
    data_preprocessor=dict(type='ActionDataPreprocessor'),
    pyramid=dict(
        type='AFSDPyramid',
        in_channels=2048,
        feat_channels=512,
        num_levels=6,
        input_stride=1,
        frame_scale=4),
    coarse_head=dict(
        type='AFSDCoarseHead',
        in_channels=512,
        feat_channels=512,
        num_levels=6,
        stacked_convs=2),
    refine_head=dict(
        type='AFSDRefineHead',
        in_channels=512,
        proposal_channels=512,
        frame_channels=512),
    # AFSD's THUMOS14 run: lw=10 on both localisation terms, cw=1 on the
    # classification and centerness terms, piou=0.5; boundary terms 1 with
    # 0.1 on the proposal-level ones.
    loss=dict(
        type='AFSDLoss',
        pos_iou_thr=0.5,
        # AFSD's ActivityNet loss only: per-sample refinement threshold
        # lowered to the best positive's tIoU, per-level regress ranges
        adaptive_pos_iou_thr=False,
        regress_ranges=None,
        # AFSD's code lets the centerness target's gradient reach loc and
        # prop_loc (False, ./afsd_recipe.py); mmgaf's default cuts it
        detach_centerness_target=True,
        background_loc_weight=0.,
        loss_cls=dict(
            type='mmdet.FocalLoss',
            use_sigmoid=True,
            gamma=2.0,
            alpha=0.25,
            loss_weight=1.0),
        loss_loc=dict(type='AFSDIoULoss', loss_weight=10.0),
        loss_prop_cls=dict(
            type='mmdet.FocalLoss',
            use_sigmoid=True,
            gamma=2.0,
            alpha=0.25,
            loss_weight=1.0),
        loss_prop_loc=dict(type='mmdet.L1Loss', loss_weight=10.0),
        loss_centerness=dict(
            type='mmdet.CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0),
        loss_boundary=dict(
            type='AFSDBoundaryLoss', proposal_weight=0.1, loss_weight=1.0)),
    post_processor=dict(
        type='AFSDPostProcessor', score_thr=0.01, max_per_window=2000))
