# AFSD's ActivityNet v1.3 model as its authors wrote it (AFSD/anet/BDNet.py,
# configs/anet.yaml): every video resized to 768 frames at 96x96, I3D's
# Mixed_5c alone (B, 1024, 96, 3, 3) reduced by a 1x3x3 convolution to level
# 0 (96 positions; 8 frames each), five stride-2 levels, the frame-level
# branch on the 768 frames, the distances of level i scaled by AFSD's
# fpn_strides (4, 8, ..., 128), and class-agnostic detection: 1 class, a
# softmax over 2 channels (background, action). Initialisation as
# AFSD/anet's BDNet.reset_params: glorot on the pyramid and the frame-level
# branch, normal(0, 0.01) with zero biases on every convolution of the
# heads. Loss: AFSD/anet's regress ranges (bounds, frame-level positions)
# and its per-sample tIoU threshold min(0.5, best tIoU). The boundary-
# contrastive pass pools its level-0 maps at frames / 4, AFSD's
# BDNet.scales, although level 0 has 8 frames per position here: kept as
# AFSD wrote it. Optimisation: Adam lr 1e-4, weight decay 1e-4, batch 1,
# 16 epochs (AFSD evaluates its 10th checkpoint).
# Use: convert AFSD's released ActivityNet checkpoint
#     python tools/model_converters/afsd_to_mmgaf.py checkpoint-10.ckpt \
#         work_dirs/afsd_anet.pth --config THIS_CONFIG
# Not here yet: a dataset of 768-frame ActivityNet clips
# (AFSD/common/anet_dataset.py) and AFSD's test-time labelling of the
# class-agnostic detections with an external video classifier (CUHK's
# scores, AFSD/anet/test.py); add train/val/test dataloaders before
# tools/train.py or tools/test.py.
_base_ = [
    '../_base_/models/afsd_recipe.py', '../_base_/schedules/afsd_adam_16e.py',
    '../_base_/default_runtime.py'
]

anet_head_init_cfg = dict(
    _delete_=True, type='Normal', layer='Conv1d', std=0.01, bias=0)
model = dict(
    num_classes=1,
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[127.5, 127.5, 127.5],
        std=[127.5, 127.5, 127.5],
        format_shape='NCTHW'),
    backbone=dict(
        type='InceptionI3d',
        in_channels=3,
        out_endpoints=('Mixed_5c', ),
        # AFSD freezes the BatchNorm statistics and affine parameters.
        norm_eval=True,
        norm_cfg=dict(
            type='BN3d', eps=1e-3, momentum=0.001, requires_grad=False)),
    pyramid=dict(
        in_channels=(1024, ),
        spatial_sizes=(3, ),
        input_stride=8,
        frame_scale=8),
    coarse_head=dict(
        distance_strides=(4, 8, 16, 32, 64, 128), init_cfg=anet_head_init_cfg),
    refine_head=dict(init_cfg=anet_head_init_cfg),
    loss=dict(
        adaptive_pos_iou_thr=True,
        regress_ranges=[(0, 30), (15, 60), (30, 120), (60, 240), (96, 768),
                        (256, 768)]))

optim_wrapper = dict(optimizer=dict(lr=1e-4, weight_decay=1e-4))
