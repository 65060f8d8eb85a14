# AFSD's two-stream late fusion on THUMOS14's I3D features: an RGB model on
# the first 1024 channels and a flow model on the last 1024; at test time
# their raw outputs (coarse and refined locations, class logits,
# centerness) are averaged before decoding, as AFSD's test.py --fusion.
# Training this config trains both streams side by side (losses rgb_* and
# flow_*). To fuse two separately trained single-stream AFSD checkpoints:
#     python tools/analysis_tools/fuse_two_stream_checkpoints.py \
#         RGB.pth FLOW.pth work_dirs/afsd_two_stream.pth
#     python tools/test.py configs/afsd/afsd_thumos14_i3d-feat_two-stream.py \
#         work_dirs/afsd_two_stream.pth
# (or give each stream init_cfg=dict(type='Pretrained', checkpoint=...)).
_base_ = [
    '../_base_/models/afsd_single_stream.py',
    '../_base_/datasets/thumos14_i3d_feat.py',
    '../_base_/schedules/afsd_adam_16e.py', '../_base_/default_runtime.py'
]

model = dict(
    _delete_=True,
    type='TwoStreamLocalizer',
    rgb={{_base_.model}},
    flow={{_base_.model}},
    split=(1024, 1024),
    data_preprocessor=dict(type='ActionDataPreprocessor'))

train_dataloader = dict(batch_size=1)
