# The flow stream of AFSD end to end on THUMOS14, as the authors' code
# (configs/thumos14_flow.yaml): the RGB recipe of afsd_thumos14_i3d-e2e.py
# on 2-channel TV-L1 optical flow clips (x, y) stored as images, scaled to
# [-1, 1] like RGB (x / 127.5 - 1), I3D built for 2 input channels.
# AFSD's released flow checkpoint (checkpoint-16.ckpt) converts with
#     python tools/model_converters/afsd_to_mmgaf.py checkpoint-16.ckpt \
#         work_dirs/afsd_thumos14_flow.pth --config THIS_CONFIG
_base_ = [
    '../_base_/models/afsd_i3d.py',
    '../_base_/datasets/thumos14_flow_frames.py',
    '../_base_/schedules/afsd_adam_16e.py', '../_base_/default_runtime.py'
]

model = dict(
    num_classes=20,
    data_preprocessor=dict(mean=[127.5, 127.5], std=[127.5, 127.5]),
    backbone=dict(
        in_channels=2,
        # AFSD's flow backbone starts from pytorch-i3d's flow_imagenet.pt,
        # converted by tools/model_converters/afsd_to_mmgaf.py --variant
        # i3d (AFSD's released flow checkpoint already holds its weights)
        init_cfg=dict(
            type='Pretrained',
            checkpoint='work_dirs/pretrained/afsd_flow_imagenet.pth')))
