# AFSD as its authors wrote it (AFSD/thumos14/BDNet.py, multisegment_loss.py,
# train.py, test.py; configs/thumos14.yaml), on top of ./afsd.py; the parity
# tests in tests/parity/ compare it with the original code.
# - padding: the stride-2 convolutions pad (0, 1) on even lengths, as
#   AFSD's Unit1D (TensorFlow's 'SAME'), not (1, 1);
# - initialisation: glorot-uniform on every convolution with zero biases,
#   the prediction convolutions included (BDNet.reset_params);
# - classification: a softmax over K + 1 channels, channel 0 the
#   background, with AFSD's focal loss; the heads and the post-processor
#   follow the loss (AFSD.use_background_class);
# - the boundary-contrastive loss (train.py --ssl 0.1): triplet margin loss
#   on boundary-pooled features, level weights 1, 0.1, 0.1;
# - test time: softmax scores, every candidate above 0.01 per window, the
#   segments clamped to the window (test.py).
_base_ = './afsd.py'

afsd_init_cfg = dict(
    type='Xavier', layer='Conv1d', distribution='uniform', bias=0)

model = dict(
    pyramid=dict(padding='tf_same'),
    coarse_head=dict(init_cfg=afsd_init_cfg),
    refine_head=dict(init_cfg=afsd_init_cfg),
    loss=dict(
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
        score='softmax', score_thr=0.01, max_per_window=None,
        clamp='window'))
