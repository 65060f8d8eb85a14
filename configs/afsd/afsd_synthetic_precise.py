# AFSD as its authors wrote it (./afsd_synthetic_parity.py) on the built-in
# dataset with the precise benchmark's recipe
# (configs/gaf/synthetic_precise_recipe.py: warm-up, the step schedule, EMA of
# the weights evaluated at test time, 400 validation videos): the baseline
# of benchmarks/bench_gaf_ablation.py. Generate its data first:
#     python tools/data/synthetic/generate.py data/synthetic_precise \
#         --num-videos 200 400
_base_ = ['./afsd_synthetic_parity.py', '../gaf/synthetic_precise_recipe.py']

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
