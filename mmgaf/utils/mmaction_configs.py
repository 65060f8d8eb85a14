import importlib.util
import os.path as osp

from mmengine.config import Config


def mmaction_config_path(relative_path: str) -> str:
    """The path of a config shipped in the installed mmaction2 package,
    e.g. ``'_base_/models/i3d_r50.py'``."""
    spec = importlib.util.find_spec('mmaction')
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError('mmaction2 is not installed')
    path = osp.join(
        osp.dirname(spec.origin), '.mim', 'configs', relative_path)
    if not osp.isfile(path):
        raise FileNotFoundError(f'mmaction2 ships no config {relative_path!r}'
                                f' (looked for {path})')
    return path


def load_mmaction_config(relative_path: str) -> dict:
    """The variables of an MMAction2 config, with its own ``_base_``
    inheritance applied, as plain dicts.

    Used by the relay files in ``configs/_base_/mmaction/``: a config of ours
    that lists such a relay in its ``_base_`` inherits MMAction2's config and
    overrides it with MMEngine's usual merge rules. This is the equivalent of
    ``_base_ = 'mmaction::<relative_path>'``, which MMEngine 0.10.7 cannot
    resolve against MMAction2 1.1.0: it first parses MMAction2's model index,
    and one entry there (BSN) lists several configs where MMEngine expects
    one.
    """
    return Config.fromfile(mmaction_config_path(relative_path)).to_dict()
