"""MMAction2's shipped configs in configs of ours.

``_base_ = ['mmaction::_base_/models/i3d_r50.py']`` is MMEngine's way to
inherit a config of an installed package. MMEngine 0.10.7 resolves such a
name by first reading every metafile listed in the package's
``.mim/model-index.yml`` (``mmengine.config.utils._get_cfg_metainfo``), and
expects each model's ``Config`` field to be one path. MMAction2 1.1.0's BSN
metafile (``configs/localization/bsn/metafile.yml``) gives a list of three
(BSN's TEM, PGM and PEM stages; MMAction2 fixed the metafile after 1.1.0, in
open-mmlab/mmaction2#2590), so every ``mmaction::`` name fails with
``AttributeError: 'list' object has no attribute 'partition'``.

MMEngine has no public hook for this lookup, so
:func:`enable_mmaction_config_inheritance` (called by ``import mmgaf``)
replaces that one function with :func:`get_cfg_metainfo`, which differs only
in reading a list-valued ``Config`` as one entry per listed config. It does
so only on the MMEngine release it was checked against; elsewhere it leaves
MMEngine alone and the relays in ``configs/_base_/mmaction/``
(:func:`load_mmaction_config`) remain the way to inherit MMAction2's
configs.
"""
import importlib.util
import os.path as osp
import warnings
from typing import Dict

import mmengine
from mmengine.config import Config
from mmengine.fileio import load

# the MMEngine releases whose ``_get_cfg_metainfo`` was read and replaced
PATCHED_MMENGINE_VERSIONS = ('0.10.7', )


def mmaction_config_path(relative_path: str) -> str:
    """The path of a config shipped in the installed mmaction2 package,
    e.g. ``'_base_/models/i3d_r50.py'``."""
    spec = importlib.util.find_spec('mmaction')
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError('mmaction2 is not installed')
    path = osp.join(osp.dirname(spec.origin), '.mim', 'configs', relative_path)
    if not osp.isfile(path):
        raise FileNotFoundError(f'mmaction2 ships no config {relative_path!r}'
                                f' (looked for {path})')
    return path


def load_mmaction_config(relative_path: str) -> dict:
    """The variables of an MMAction2 config, with its own ``_base_``
    inheritance applied, as plain dicts.

    Used by the relay files in ``configs/_base_/mmaction/``: a config of ours
    that lists such a relay in its ``_base_`` inherits MMAction2's config and
    overrides it with MMEngine's usual merge rules. It is the equivalent of
    ``_base_ = 'mmaction::<relative_path>'`` without MMEngine's model-index
    lookup, for processes that parse configs before ``import mmgaf`` (e.g.
    MMAction2's own ``tools/train.py``) and MMEngine releases other than
    :data:`PATCHED_MMENGINE_VERSIONS`. Unlike ``mmaction::``, the variables
    carry no ``_scope_='mmaction'``, so they build in the config's default
    scope.
    """
    return Config.fromfile(mmaction_config_path(relative_path)).to_dict()


def _model_configs(metafile: str) -> Dict[str, dict]:
    """``{config name without 'configs/': model entry}`` of one metafile;
    an entry listing several configs gives one item per config, each with
    its own ``Config``."""
    configs = {}
    for model in load(metafile).get('Models', []):
        if 'Config' not in model:
            warnings.warn(f'There is not `Config` define in {model}')
            continue
        paths = model['Config']
        paths = [paths] if isinstance(paths, str) else paths
        if not isinstance(paths, list) or not all(
                isinstance(path, str) for path in paths):
            raise ValueError(
                f'{metafile}: model {model.get("Name")!r} has Config '
                f'{model["Config"]!r}, expected a path or a list of paths')
        for path in paths:
            # several weights of one config: the first entry wins, as in
            # MMEngine
            configs.setdefault(
                path.partition('/')[-1], dict(model, Config=path))
    return configs


def get_cfg_metainfo(package_path: str, cfg_path: str) -> dict:
    """MMEngine's ``_get_cfg_metainfo`` (0.10.7) reading list-valued
    ``Config`` fields too.

    Args:
        package_path (str): Path of the installed package.
        cfg_path (str): Config name, compared with the metafiles'
            ``Config`` paths without their leading ``configs/``.

    Returns:
        dict: The model-index entry of that config, ``Config`` one path.

    Raises:
        ValueError: The config is in no metafile (MMEngine then looks for a
            base config under ``.mim/configs``), or a metafile entry is
            malformed.
    """
    index = load(osp.join(package_path, '.mim', 'model-index.yml'))
    configs = {}
    for metafile in index['Import']:
        for name, model in _model_configs(
                osp.join(package_path, '.mim', metafile)).items():
            configs.setdefault(name, model)
    if cfg_path not in configs:
        raise ValueError(f'Expected configs: {configs.keys()}, but got '
                         f'{cfg_path}')
    return configs[cfg_path]


def enable_mmaction_config_inheritance() -> bool:
    """Let ``mmaction::`` base configs resolve with MMAction2 1.1.0.

    Replaces ``_get_cfg_metainfo`` in ``mmengine.config.utils`` (used by
    ``Config.fromfile`` for ``package::`` names) and in ``mmengine.hub.hub``
    (``mmengine.hub.get_config``) by :func:`get_cfg_metainfo`, on the MMEngine
    releases in :data:`PATCHED_MMENGINE_VERSIONS` only. Calling it again
    changes nothing.

    Returns:
        bool: Whether ``mmaction::`` names resolve now; False on other
        MMEngine releases, where the relays in ``configs/_base_/mmaction/``
        are the way (a warning says so).
    """
    import mmengine.config.utils as config_utils
    import mmengine.hub.hub as hub

    if mmengine.__version__ not in PATCHED_MMENGINE_VERSIONS:
        warnings.warn(
            'mmgaf did not enable `mmaction::` base configs on '
            f'mmengine=={mmengine.__version__} (checked on '
            f'{", ".join(PATCHED_MMENGINE_VERSIONS)}); if they fail with '
            "\"'list' object has no attribute 'partition'\", inherit "
            "MMAction2's configs through mmgaf's relays in "
            'configs/_base_/mmaction/ or install mmengine==0.10.7')
        return False
    config_utils._get_cfg_metainfo = get_cfg_metainfo
    hub._get_cfg_metainfo = get_cfg_metainfo
    return True
