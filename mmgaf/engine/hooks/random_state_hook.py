import random
from typing import Optional

import numpy as np
import torch
from mmengine.hooks import Hook

from mmgaf.registry import HOOKS


@HOOKS.register_module()
class RandomStateHook(Hook):
    """Resume with the random streams of the uninterrupted run.

    MMEngine's checkpoints hold the seed but not the state of the random
    generators, so a resumed run draws other numbers than the run it
    continues (GAF's conditional VAE samples z with ``torch.randn_like``
    every step). This hook

    - writes the states of Python's ``random``, NumPy's global generator and
      torch's CPU (and CUDA) generators into ``checkpoint['meta']
      ['random_state']``;
    - restores them when training starts from a resumed checkpoint (the
      runner's epoch or iteration is past 0 after loading, so ``load_from``
      for fine-tuning or testing leaves the generators alone);
    - keeps validation during training from consuming the training streams
      (the states are put back after each validation), so that whether or
      not a run validated at an epoch does not change what it draws next.

    Together with MMEngine's seeded samplers this makes ``--resume`` exact
    on the CPU with deterministic settings.
    """

    priority = 'VERY_LOW'

    def __init__(self) -> None:
        self._resumed_state: Optional[dict] = None
        self._before_val: Optional[dict] = None

    @staticmethod
    def get_state() -> dict:
        """The generators' states, as plain data and tensors."""
        state = dict(
            python=random.getstate(),
            numpy=np.random.get_state(),
            torch=torch.get_rng_state())
        if torch.cuda.is_available() and torch.cuda.is_initialized():
            state['cuda'] = torch.cuda.get_rng_state_all()
        return state

    @staticmethod
    def set_state(state: dict) -> None:
        """Restore :meth:`get_state`'s result."""
        random.setstate(_as_tuple(state['python']))
        np.random.set_state(tuple(state['numpy']))
        torch.set_rng_state(state['torch'].cpu())
        if 'cuda' in state and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state['cuda'])

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint.setdefault('meta', {})['random_state'] = self.get_state()

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        self._resumed_state = checkpoint.get('meta', {}).get('random_state')

    def before_train(self, runner) -> None:
        if self._resumed_state is not None and (runner.iter > 0
                                                or runner.epoch > 0):
            self.set_state(self._resumed_state)
            runner.logger.info('Random generators restored from the '
                               'resumed checkpoint')
        self._resumed_state = None

    def before_val_epoch(self, runner) -> None:
        self._before_val = self.get_state()

    def after_val_epoch(self, runner, metrics=None) -> None:
        if self._before_val is not None:
            self.set_state(self._before_val)
            self._before_val = None


def _as_tuple(value):
    """``random.setstate`` wants tuples; a state that went through a
    checkpoint may come back with lists."""
    if isinstance(value, (list, tuple)):
        return tuple(_as_tuple(item) for item in value)
    return value
