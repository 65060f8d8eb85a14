# Table IV, row 2 (+ L_n-ai) on the built-in dataset with the precise
# benchmark's recipe (configs/gaf/synthetic_precise_recipe.py); model and
# losses are afsd_gaf-ai-nai_synthetic.py's.
_base_ = ['./afsd_gaf-ai-nai_synthetic.py', './synthetic_precise_recipe.py']

train_dataloader = dict(dataset={{_base_.precise_data}})
val_dataloader = dict(dataset={{_base_.precise_data}})
test_dataloader = dict(dataset={{_base_.precise_data}})
val_evaluator = {{_base_.precise_evaluator}}
test_evaluator = {{_base_.precise_evaluator}}
optim_wrapper = {{_base_.precise_optim_wrapper}}
param_scheduler = {{_base_.precise_param_scheduler}}
train_cfg = {{_base_.precise_train_cfg}}
custom_hooks = [{{_base_.precise_ema_hook}}]
default_hooks = dict(checkpoint={{_base_.precise_checkpoint}})
