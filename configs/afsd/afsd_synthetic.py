# AFSD on the built-in synthetic dataset (20 classes, 256-d features,
# 128-step windows), sized to train from scratch on 2 CPU cores in about
# five minutes. Departures from AFSD's THUMOS14 recipe, chosen on this data:
# - 128 channels instead of 512 everywhere;
# - Adam at lr 2e-3 (AFSD's 1e-5 suits its pretrained I3D and 16 long
#   epochs), divided by 10 for the last two epochs, gradients clipped;
# - localisation weight lw=1 instead of 10 on both localisation terms: with
#   10, localisation dominates the shared pyramid early on and
#   classification learns much more slowly (10 epochs: 0.28 average mAP with
#   lw=10 at lr 1e-3, 0.35 with lw=1; 0.44 with lw=1 at lr 2e-3);
# - at most 100 detections per window (the metric keeps 200 per video after
#   soft-NMS; fewer candidates keep its soft-NMS quick).
# It also keeps mmgaf's defaults where AFSD's recipe
# (../_base_/models/afsd_recipe.py, the THUMOS14 / ActivityNet configs)
# differs: K sigmoid logits with MMDetection's focal loss instead of the
# softmax over K + 1, symmetric padding of the stride-2 convolutions,
# normal(0, 0.01) prediction convolutions (classifier bias at prior 0.01),
# no boundary-contrastive loss (its pipeline has no BoundaryContrast).
# Measured since (benchmarks/bench_afsd_recipe.py, 5 seeds, one thread per
# run): AFSD's recipe with this config's sizes and schedule
# (./afsd_synthetic_parity.py) reaches 53.7 +- 2.3 average mAP against this
# config's 37.0 +- 3.5, a paired difference of +16.7 (95 % CI +10.9 to
# +22.6). This config stays as it is for now because the GAF configs of the
# built-in dataset, the demo and their measured numbers build on it; moving
# them onto the recipe is the accuracy benchmark's next step (README,
# "Results").
# Generate the data first:
#     python tools/data/synthetic/generate.py data/synthetic
# On a shared 2-core machine, OMP_NUM_THREADS=1 avoids OpenMP stalls.
_base_ = [
    '../_base_/models/afsd.py', '../_base_/datasets/synthetic_feat.py',
    '../_base_/default_runtime.py'
]

channels = 128
model = dict(
    num_classes=20,
    pyramid=dict(in_channels=256, feat_channels=channels),
    coarse_head=dict(in_channels=channels, feat_channels=channels),
    refine_head=dict(
        in_channels=channels,
        proposal_channels=channels,
        frame_channels=channels),
    loss=dict(
        loss_loc=dict(loss_weight=1.0), loss_prop_loc=dict(loss_weight=1.0)),
    post_processor=dict(max_per_window=100))

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=2e-3, weight_decay=1e-4),
    clip_grad=dict(max_norm=10., norm_type=2))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[8], gamma=0.1)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=10, val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

# a fixed seed: the result varies by a few points of mAP between seeds
randomness = dict(seed=0)

default_hooks = dict(
    logger=dict(interval=10), checkpoint=dict(interval=5, max_keep_ckpts=1))
