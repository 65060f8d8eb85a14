"""mmgaf: the GAF generative attention module for the OpenMMLab video stack."""
from .utils.version_check import check_versions
from .version import __version__

check_versions()

# after the check, which names a missing MMEngine better than an ImportError
from .utils.mmaction_configs import \
    enable_mmaction_config_inheritance  # noqa: E402

# `_base_ = ['mmaction::...']` in users' configs and through tools/train.py
# and tools/test.py, which import mmgaf before they parse a config
enable_mmaction_config_inheritance()

__all__ = ['__version__']
