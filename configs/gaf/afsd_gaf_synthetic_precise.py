# AFSD + GAF (Table IV, row 3) on the built-in dataset with the precise
# benchmark's recipe (configs/gaf/synthetic_precise_recipe.py); model,
# losses and alternating updates are afsd_gaf_synthetic.py's. Its schedule
# counts paper epochs: each is a frame and a segment epoch.
_base_ = ['./afsd_gaf_synthetic.py', './synthetic_precise_recipe.py']

train_dataloader = dict(dataset={{_base_.precise_data}})
val_dataloader = dict(dataset={{_base_.precise_data}})
test_dataloader = dict(dataset={{_base_.precise_data}})
val_evaluator = {{_base_.precise_evaluator}}
test_evaluator = {{_base_.precise_evaluator}}
# the precise optimizer trains phase `segment`
optim_wrapper = {{_base_.precise_optim_wrapper}}
param_scheduler = {{_base_.precise_gaf_param_scheduler}}
train_cfg = {{_base_.precise_gaf_train_cfg}}
custom_hooks = [
    dict(
        type='GAFAlternatingHook',
        by_epoch=True,
        frame_interval=1,
        segment_interval=1), {{_base_.precise_gaf_ema_hook}}
]
default_hooks = dict(checkpoint={{_base_.precise_gaf_checkpoint}})
