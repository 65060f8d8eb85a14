# MMAction2's I3D ResNet-50 recognizer, read from the installed package
# (mmaction2/configs/_base_/models/i3d_r50.py); see
# mmgaf.utils.mmaction_configs for why this relay replaces `mmaction::`.
# `_base_` marks this as a classic MMEngine config, where imports are allowed
_base_ = []
from mmgaf.utils.mmaction_configs import load_mmaction_config  # noqa: E402

model = load_mmaction_config('_base_/models/i3d_r50.py')['model']
