import math
from typing import Callable, List, Optional

from mmengine.hooks import Hook
from mmengine.logging import MessageHub
from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapperDict

from mmgaf.models.gaf.phase import ALTERNATING_PHASES, GAF_PHASE_INFO, GAFPhase
from mmgaf.models.necks import GAFNeck
from mmgaf.registry import HOOKS
from ..runner import GAFEpochBasedTrainLoop

__all__ = ['GAFAlternatingHook', 'GAF_PHASE_INFO', 'restart_log_history']


@HOOKS.register_module()
class GAFAlternatingHook(Hook):
    """GAF's alternating updates (paper Fig. 2): the owner of the phase.

    Phase ``frame`` (step 1) trains frame-GAF with λ fixed; phase
    ``segment`` (step 2) trains everything else with frame-GAF frozen. The
    hook decides the phase of every epoch (or iteration), sets it on every
    :class:`GAFNeck` of the model (what the losses compute) and publishes it
    in the message hub under :data:`GAF_PHASE_INFO`, where
    :class:`GAFEpochBasedTrainLoop` reads which of the two optimizer
    wrappers built by :class:`GAFOptimWrapperConstructor` to step. A cycle
    is ``frame_interval`` units (epochs, or iterations when
    ``by_epoch=False``) of one phase followed by ``segment_interval`` units
    of the other; the authors' schedule is one pass of each per epoch, i.e.
    ``by_epoch=True`` with both intervals 1 (so a run of N paper epochs has
    ``max_epochs = 2 * N``). Config::

        optim_wrapper = dict(
            constructor='GAFOptimWrapperConstructor',
            frame=dict(type='OptimWrapper', optimizer=dict(type='Adam')))
        train_cfg = dict(type='GAFEpochBasedTrainLoop', max_epochs=20)
        custom_hooks = [dict(type='GAFAlternatingHook')]

    L_R's weight ramps linearly with the cycle count, ``c / total_cycles``
    for the c-th cycle (1-based), as the authors' ``min(epoch, max_epoch) /
    max_epoch``. Phase and ramp are written to checkpoints and restored on
    resume. At each switch both wrappers' gradients are cleared (nothing
    accumulated in one phase reaches the other's step) and the smoothed
    history of the losses and of the gradient norm restarts, so that the
    log shows the current phase's values only.

    Args:
        by_epoch (bool): Alternate per epoch (True) or per iteration.
            Defaults to True.
        frame_interval (int): Units of phase ``frame`` per cycle.
            Defaults to 1.
        segment_interval (int): Units of phase ``segment`` per cycle.
            Defaults to 1.
        first_phase (str): The phase a cycle starts with, ``'frame'`` or
            ``'segment'``. Defaults to ``'frame'``, as the paper.
        ramp_recon_weight (bool): Whether to ramp L_R's weight. Defaults to
            True.
    """

    priority = 'HIGH'

    def __init__(self,
                 by_epoch: bool = True,
                 frame_interval: int = 1,
                 segment_interval: int = 1,
                 first_phase: str = GAFPhase.FRAME.value,
                 ramp_recon_weight: bool = True) -> None:
        if frame_interval < 1 or segment_interval < 1:
            raise ValueError('frame_interval and segment_interval must be '
                             f'>= 1, got {frame_interval}, {segment_interval}')
        if first_phase not in ALTERNATING_PHASES:
            raise ValueError(
                'first_phase must be one of '
                f'{[phase.value for phase in ALTERNATING_PHASES]}, got '
                f'{first_phase!r}')
        self.by_epoch = by_epoch
        self.intervals = {
            GAFPhase.FRAME.value: frame_interval,
            GAFPhase.SEGMENT.value: segment_interval
        }
        self.first_phase = GAFPhase(first_phase).value
        self.second_phase = next(phase.value for phase in ALTERNATING_PHASES
                                 if phase != first_phase)
        self.ramp_recon_weight = ramp_recon_weight
        self.phase: Optional[str] = None
        self.recon_weight_scale = 1.0

    @property
    def cycle_length(self) -> int:
        return sum(self.intervals.values())

    def phase_at(self, unit: int) -> str:
        """The phase of the ``unit``-th epoch or iteration (0-based)."""
        position = unit % self.cycle_length
        return self.first_phase if position < self.intervals[
            self.first_phase] else self.second_phase

    def recon_weight_scale_at(self, unit: int, max_units: int) -> float:
        """L_R's ramp in the ``unit``-th epoch or iteration (0-based)."""
        if not self.ramp_recon_weight:
            return 1.0
        cycle = unit // self.cycle_length + 1
        total_cycles = max(1, math.ceil(max_units / self.cycle_length))
        return min(cycle / total_cycles, 1.0)

    @staticmethod
    def _necks(runner) -> List[GAFNeck]:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        necks = [m for m in model.modules() if isinstance(m, GAFNeck)]
        if not necks:
            raise RuntimeError('GAFAlternatingHook found no GAFNeck in the '
                               'model')
        return necks

    def before_train(self, runner) -> None:
        optim_wrapper = runner.optim_wrapper
        if not isinstance(optim_wrapper, OptimWrapperDict) or set(
                optim_wrapper.keys()) != set(self.intervals):
            raise TypeError(
                'GAFAlternatingHook needs optim_wrapper built by '
                "constructor='GAFOptimWrapperConstructor' (two optimizers), "
                f'got {type(optim_wrapper).__name__}')
        if not isinstance(runner.train_loop, GAFEpochBasedTrainLoop):
            raise TypeError(
                "GAFAlternatingHook needs train_cfg = dict(type='"
                "GAFEpochBasedTrainLoop', ...), which steps the phase's "
                'optimizer; got '
                f'{type(runner.train_loop).__name__}')
        self._necks(runner)

    def _apply(self, runner, phase: str, recon_weight_scale: float) -> None:
        if phase != self.phase:
            unit = 'epoch' if self.by_epoch else 'iter'
            count = runner.epoch if self.by_epoch else runner.iter
            runner.logger.info(f'GAF phase "{phase}" from {unit} {count + 1}'
                               f' (L_R weight scale {recon_weight_scale:.3f})')
            runner.optim_wrapper.zero_grad()
            # otherwise the log of this phase would average in the other
            # phase's losses, and repeat its gradient norm where this
            # phase's optimizer clips none
            restart_log_history(
                runner.message_hub,
                lambda key: 'loss' in key or key == 'train/grad_norm')
        self._set(runner, phase, recon_weight_scale)
        runner.message_hub.update_scalar('train/gaf_phase_is_frame',
                                         float(phase == GAFPhase.FRAME))
        runner.message_hub.update_scalar('train/gaf_recon_weight_scale',
                                         recon_weight_scale)

    def _set(self, runner, phase: str, recon_weight_scale: float) -> None:
        self.phase = phase
        self.recon_weight_scale = recon_weight_scale
        for neck in self._necks(runner):
            neck.set_phase(phase)
            neck.set_recon_weight_scale(recon_weight_scale)
        runner.message_hub.update_info(GAF_PHASE_INFO, phase)

    def before_train_epoch(self, runner) -> None:
        if self.by_epoch:
            self._apply(
                runner, self.phase_at(runner.epoch),
                self.recon_weight_scale_at(runner.epoch, runner.max_epochs))

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch=None) -> None:
        if not self.by_epoch:
            self._apply(
                runner, self.phase_at(runner.iter),
                self.recon_weight_scale_at(runner.iter, runner.max_iters))

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint.setdefault('meta', {})['gaf'] = dict(
            phase=self.phase,
            recon_weight_scale=self.recon_weight_scale,
            by_epoch=self.by_epoch,
            intervals=dict(self.intervals),
            first_phase=self.first_phase)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get('meta', {}).get('gaf')
        if state is None or state['phase'] is None:
            return
        schedule = (state['by_epoch'], state['intervals'],
                    state['first_phase'])
        if schedule != (self.by_epoch, self.intervals, self.first_phase):
            runner.logger.warning(
                'The checkpoint was trained with another GAF schedule '
                f'{schedule}; continuing with {self.by_epoch}, '
                f'{self.intervals}, {self.first_phase}')
        self._set(runner, state['phase'], state['recon_weight_scale'])


def restart_log_history(message_hub: MessageHub,
                        is_restarted: Callable[[str], bool]) -> None:
    """Drop the history of the scalars whose key ``is_restarted``, keeping
    every other scalar and all runtime information.

    MessageHub has no call that removes a scalar; loading another hub's
    contents (:meth:`MessageHub.load_state_dict` with a hub) replaces them,
    so the kept scalars go through a hub of their own.
    """
    state = message_hub.state_dict()
    kept = MessageHub(
        name=f'{message_hub.instance_name}/gaf-phase-switch',
        log_scalars={
            key: buffer
            for key, buffer in message_hub.log_scalars.items()
            if not is_restarted(key)
        },
        runtime_info=message_hub.runtime_info,
        resumed_keys={
            key: resumed
            for key, resumed in state['resumed_keys'].items()
            if not is_restarted(key)
        })
    message_hub.load_state_dict(kept)
