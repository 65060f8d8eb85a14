import re
from typing import List, Sequence

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmgaf.registry import HOOKS


@HOOKS.register_module()
class CheckpointAgreementHook(Hook):
    """Refuse a checkpoint that does not fit the model.

    MMEngine loads ``load_from`` and ``--resume`` checkpoints non-strictly:
    a checkpoint of another model, or one whose ``state_dict`` is empty,
    only logs a warning and the run goes on with randomly initialised
    weights (``tools/test.py`` then reports the mAP of a random model). This
    hook checks the checkpoint as soon as it is read, before it is loaded,
    and raises naming the missing, unexpected and mismatched keys, except
    those the config allows (e.g. a new head when fine-tuning).

    Args:
        allow_missing (Sequence[str]): Regular expressions of model keys the
            checkpoint may lack. Defaults to ().
        allow_unexpected (Sequence[str]): Regular expressions of checkpoint
            keys the model may lack. Defaults to ().
        allow_mismatched (Sequence[str]): Regular expressions of keys whose
            shapes may differ. Defaults to ().
        strip_prefixes (Sequence[str]): Prefixes removed from checkpoint keys
            first, as MMEngine's loader does. Defaults to ``('module.',)``.
    """

    priority = 'VERY_HIGH'

    def __init__(
        self,
        allow_missing: Sequence[str] = (),
        allow_unexpected: Sequence[str] = (),
        allow_mismatched: Sequence[str] = (),
        strip_prefixes: Sequence[str] = ('module.', )
    ) -> None:
        self.allow_missing = [re.compile(p) for p in allow_missing]
        self.allow_unexpected = [re.compile(p) for p in allow_unexpected]
        self.allow_mismatched = [re.compile(p) for p in allow_mismatched]
        self.strip_prefixes = tuple(strip_prefixes)

    def _strip(self, key: str) -> str:
        for prefix in self.strip_prefixes:
            if key.startswith(prefix):
                return key[len(prefix):]
        return key

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get('state_dict', checkpoint) if isinstance(
            checkpoint, dict) else None
        if not isinstance(state, dict):
            raise ValueError('the checkpoint holds no state_dict, got '
                             f'{type(state).__name__}')
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        expected = model.state_dict()
        given = {self._strip(key): value for key, value in state.items()}

        def refused(keys, allowed) -> List[str]:
            return sorted(
                key for key in keys
                if not any(pattern.search(key) for pattern in allowed))

        missing = refused(set(expected) - set(given), self.allow_missing)
        unexpected = refused(set(given) - set(expected), self.allow_unexpected)
        mismatched = refused([
            key for key in set(expected) & set(given)
            if hasattr(given[key], 'shape')
            and tuple(given[key].shape) != tuple(expected[key].shape)
        ], self.allow_mismatched)
        if not (missing or unexpected or mismatched):
            return
        problems = []
        for name, keys in (('missing', missing), ('unexpected', unexpected),
                           ('with another shape', mismatched)):
            if keys:
                shown = ', '.join(keys[:10])
                more = f' and {len(keys) - 10} more' if len(keys) > 10 else ''
                problems.append(f'{len(keys)} keys {name}: {shown}{more}')
        raise ValueError(
            f'the checkpoint does not fit {type(model).__name__} '
            f'({len(given)} keys in the checkpoint, {len(expected)} in the '
            f'model): ' + '; '.join(problems) +
            '. Check the config, or allow these keys with '
            'default_hooks.checkpoint_agreement.allow_missing / '
            'allow_unexpected / allow_mismatched.')
