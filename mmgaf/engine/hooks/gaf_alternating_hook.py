import math
from typing import List, Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmgaf.engine.optimizers import GAFOptimWrapperDict
from mmgaf.models.necks import GAFNeck
from mmgaf.registry import HOOKS

# The runtime-info key under which the current phase is published (read by
# FiniteLossHook's error message).
GAF_PHASE_INFO = 'gaf_phase'


@HOOKS.register_module()
class GAFAlternatingHook(Hook):
    """GAF's alternating updates (paper Fig. 2).

    Phase ``frame`` (step 1) trains frame-GAF with λ fixed; phase
    ``segment`` (step 2) trains everything else with frame-GAF frozen. The
    hook sets the phase on every :class:`GAFNeck` of the model and on the
    :class:`GAFOptimWrapperDict`, which then steps only that phase's
    optimizer. A cycle is ``frame_interval`` units (epochs, or iterations
    when ``by_epoch=False``) of one phase followed by ``segment_interval``
    units of the other; the authors' schedule is one pass of each per epoch,
    i.e. ``by_epoch=True`` with both intervals 1 (so a run of N paper epochs
    has ``max_epochs = 2 * N``).

    L_R's weight ramps linearly with the cycle count, ``c / total_cycles``
    for the c-th cycle (1-based), as the authors' ``min(epoch, max_epoch) /
    max_epoch``. Phase and ramp are written to checkpoints and restored on
    resume. At each switch the smoothed loss history is cleared, so that the
    log shows the losses of the current phase only.

    Args:
        by_epoch (bool): Alternate per epoch (True) or per iteration.
            Defaults to True.
        frame_interval (int): Units of phase ``frame`` per cycle.
            Defaults to 1.
        segment_interval (int): Units of phase ``segment`` per cycle.
            Defaults to 1.
        first_phase (str): The phase a cycle starts with. Defaults to
            ``'frame'``, as the paper.
        ramp_recon_weight (bool): Whether to ramp L_R's weight. Defaults to
            True.
    """

    priority = 'HIGH'

    def __init__(self,
                 by_epoch: bool = True,
                 frame_interval: int = 1,
                 segment_interval: int = 1,
                 first_phase: str = 'frame',
                 ramp_recon_weight: bool = True) -> None:
        if frame_interval < 1 or segment_interval < 1:
            raise ValueError('frame_interval and segment_interval must be '
                             f'>= 1, got {frame_interval}, {segment_interval}')
        if first_phase not in ('frame', 'segment'):
            raise ValueError("first_phase must be 'frame' or 'segment', got "
                             f'{first_phase!r}')
        self.by_epoch = by_epoch
        self.intervals = {
            'frame': frame_interval,
            'segment': segment_interval
        }
        self.first_phase = first_phase
        self.second_phase = 'segment' if first_phase == 'frame' else 'frame'
        self.ramp_recon_weight = ramp_recon_weight
        self.phase: Optional[str] = None
        self.recon_weight_scale = 1.0

    @property
    def cycle_length(self) -> int:
        return self.intervals['frame'] + self.intervals['segment']

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
        return [m for m in model.modules() if isinstance(m, GAFNeck)]

    def _apply(self, runner, phase: str, recon_weight_scale: float) -> None:
        necks = self._necks(runner)
        if not necks:
            raise RuntimeError('GAFAlternatingHook found no GAFNeck in the '
                               'model')
        if not isinstance(runner.optim_wrapper, GAFOptimWrapperDict):
            raise TypeError(
                'GAFAlternatingHook needs optim_wrapper built by '
                "constructor='GAFOptimWrapperConstructor' (two optimizers), "
                f'got {type(runner.optim_wrapper).__name__}')
        if phase != self.phase:
            unit = 'epoch' if self.by_epoch else 'iter'
            count = runner.epoch if self.by_epoch else runner.iter
            runner.logger.info(f'GAF phase "{phase}" from {unit} {count + 1}'
                               f' (L_R weight scale {recon_weight_scale:.3f})')
            # otherwise the log of this phase would average in the other
            # phase's losses, and repeat its gradient norm where this
            # phase's optimizer clips none
            scalars = runner.message_hub.log_scalars
            for key in [key for key in scalars
                        if 'loss' in key or key == 'train/grad_norm']:
                scalars.pop(key)
        self.phase = phase
        self.recon_weight_scale = recon_weight_scale
        if runner.optim_wrapper.phase != phase:
            runner.optim_wrapper.set_phase(phase)
        for neck in necks:
            neck.set_phase(phase)
            neck.set_recon_weight_scale(recon_weight_scale)
        runner.message_hub.update_info(GAF_PHASE_INFO, phase)
        runner.message_hub.update_scalar('train/gaf_phase_is_frame',
                                         float(phase == 'frame'))
        runner.message_hub.update_scalar('train/gaf_recon_weight_scale',
                                         recon_weight_scale)

    def before_train_epoch(self, runner) -> None:
        if self.by_epoch:
            self._apply(runner, self.phase_at(runner.epoch),
                        self.recon_weight_scale_at(runner.epoch,
                                                   runner.max_epochs))

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch=None) -> None:
        if not self.by_epoch:
            self._apply(runner, self.phase_at(runner.iter),
                        self.recon_weight_scale_at(runner.iter,
                                                   runner.max_iters))

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
        for neck in self._necks(runner):
            neck.set_phase(state['phase'])
            neck.set_recon_weight_scale(state['recon_weight_scale'])
        self.phase = state['phase']
        self.recon_weight_scale = state['recon_weight_scale']
