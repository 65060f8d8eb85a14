# MMAction2's 100-epoch SGD schedule, read from the installed package
# (mmaction2/configs/_base_/schedules/sgd_100e.py); see
# mmgaf.utils.mmaction_configs for why this relay replaces `mmaction::`.
# `_base_` marks this as a classic MMEngine config, where imports are allowed
_base_ = []
from mmgaf.utils.mmaction_configs import load_mmaction_config  # noqa: E402

_schedule = load_mmaction_config('_base_/schedules/sgd_100e.py')
train_cfg = _schedule['train_cfg']
val_cfg = _schedule['val_cfg']
test_cfg = _schedule['test_cfg']
param_scheduler = _schedule['param_scheduler']
optim_wrapper = _schedule['optim_wrapper']
del _schedule
