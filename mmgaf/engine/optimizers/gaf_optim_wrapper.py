from contextlib import contextmanager
from typing import Dict, List, Optional

import torch
import torch.nn as nn
from mmengine.optim import AmpOptimWrapper, OptimWrapper, OptimWrapperDict

from mmgaf.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class GAFOptimWrapperDict(OptimWrapperDict):
    """Two optimizer wrappers, ``frame`` (frame-GAF) and ``segment``
    (everything else), one of which is active.

    It is an :class:`OptimWrapperDict`, so checkpoints, learning-rate logs
    and parameter schedulers treat both optimizers as MMEngine does; and it
    acts as the wrapper of the current phase (``update_params``,
    ``optim_context``...), so a model's unchanged ``train_step`` updates the
    active group only. In phase ``'joint'`` both step after one backward
    pass. :class:`GAFAlternatingHook` switches the phase.

    Args:
        frame (OptimWrapper): Optimizes the conditional VAEs.
        segment (OptimWrapper): Optimizes all other parameters.
    """

    PHASES = ('joint', 'frame', 'segment')

    def __init__(self, frame: OptimWrapper, segment: OptimWrapper) -> None:
        super().__init__(frame=frame, segment=segment)
        self.phase = 'joint'

    def set_phase(self, phase: str) -> None:
        """Make ``phase``'s wrapper(s) active and clear every gradient, so
        that nothing computed in one phase leaks into the other's steps."""
        if phase not in self.PHASES:
            raise ValueError(f'phase must be one of {self.PHASES}, '
                             f'got {phase!r}')
        self.phase = phase
        self.zero_grad()

    @property
    def active_wrappers(self) -> List[OptimWrapper]:
        if self.phase == 'joint':
            return [self.optim_wrappers['frame'],
                    self.optim_wrappers['segment']]
        return [self.optim_wrappers[self.phase]]

    def update_params(self,
                      loss: torch.Tensor,
                      step_kwargs: Optional[Dict] = None,
                      zero_kwargs: Optional[Dict] = None) -> None:
        """Back-propagate ``loss`` once and step the active wrapper(s)."""
        wrappers = self.active_wrappers
        if len(wrappers) == 1:
            wrappers[0].update_params(loss, step_kwargs, zero_kwargs)
            return
        if any(isinstance(wrapper, AmpOptimWrapper) for wrapper in wrappers):
            raise RuntimeError(
                'GAF phase "joint" steps two optimizers after one backward '
                'pass, which AMP loss scaling does not support; alternate '
                'the phases with GAFAlternatingHook')
        first = wrappers[0]
        first.backward(first.scale_loss(loss))
        for wrapper in wrappers[1:]:
            # every wrapper counts the iteration for gradient accumulation
            wrapper._inner_count += 1
        for wrapper in wrappers:
            if wrapper.should_update():
                wrapper.step(**(step_kwargs or {}))
                wrapper.zero_grad(**(zero_kwargs or {}))

    def backward(self, loss: torch.Tensor, **kwargs) -> None:
        self.active_wrappers[0].backward(loss, **kwargs)

    def step(self, **kwargs) -> None:
        for wrapper in self.active_wrappers:
            wrapper.step(**kwargs)

    @contextmanager
    def optim_context(self, model: nn.Module):
        with self.active_wrappers[0].optim_context(model):
            yield

    def state_dict(self) -> dict:
        state = super().state_dict()
        state['phase'] = self.phase
        return state

    def load_state_dict(self, state_dict: dict) -> None:
        state_dict = dict(state_dict)
        phase = state_dict.pop('phase', 'joint')
        super().load_state_dict(state_dict)
        self.set_phase(phase)
