import datetime
import warnings


def register_all_modules(init_default_scope: bool = True) -> None:
    """Register every module of mmgaf, MMAction2 and MMDetection, and let
    ``torch.load`` read MMEngine's checkpoints (see
    :func:`allow_mmengine_checkpoint_globals`).

    Args:
        init_default_scope (bool): Whether to make ``'mmgaf'`` the default
            scope, so that registries build mmgaf's modules first and fall
            back to MMAction2's and MMEngine's. Defaults to True.
    """
    from mmaction.utils import register_all_modules as register_mmaction
    from mmdet.utils import register_all_modules as register_mmdet
    from mmengine import DefaultScope

    from .checkpoint_compat import allow_mmengine_checkpoint_globals

    register_mmaction(init_default_scope=False)
    register_mmdet(init_default_scope=False)
    allow_mmengine_checkpoint_globals()

    import mmgaf.datasets  # noqa: F401
    import mmgaf.engine  # noqa: F401
    import mmgaf.evaluation  # noqa: F401
    import mmgaf.fileio  # noqa: F401
    import mmgaf.models  # noqa: F401
    import mmgaf.structures  # noqa: F401
    import mmgaf.visualization  # noqa: F401

    if not init_default_scope:
        return
    current = DefaultScope.get_current_instance()
    if current is None or not DefaultScope.check_instance_created('mmgaf'):
        DefaultScope.get_instance('mmgaf', scope_name='mmgaf')
        return
    if current.scope_name != 'mmgaf':
        warnings.warn(f'The current default scope "{current.scope_name}" is '
                      'not "mmgaf"; register_all_modules sets it to "mmgaf".')
        DefaultScope.get_instance(
            f'mmgaf-{datetime.datetime.now()}', scope_name='mmgaf')
