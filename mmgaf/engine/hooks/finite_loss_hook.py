import math
from typing import Optional, Sequence

from mmengine.hooks import Hook
from torch import Tensor

from mmgaf.models.gaf.phase import GAF_PHASE_INFO
from mmgaf.registry import HOOKS


@HOOKS.register_module()
class FiniteLossHook(Hook):
    """Stop training at the first non-finite loss, saying where it arose.

    After every ``interval``-th training iteration each logged loss term is
    checked; a NaN or infinite one raises :class:`FloatingPointError` naming
    the iteration, the epoch, the non-finite terms, GAF's phase (when a
    :class:`GAFAlternatingHook` runs) and the videos of the batch. The error
    is raised before any later hook of that iteration or epoch runs, so no
    checkpoint of the diverged weights is written and the last good one
    stays the latest.

    Args:
        interval (int): Check every this many iterations. Defaults to 1:
            with GAF's alternating phases a NaN must not survive into the
            next checkpoint.
    """

    priority = 'VERY_HIGH'

    def __init__(self, interval: int = 1) -> None:
        if interval < 1:
            raise ValueError(f'interval must be >= 1, got {interval}')
        self.interval = interval

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        if not outputs or not self.every_n_train_iters(runner, self.interval):
            return
        values = {
            name: float(value.detach() if isinstance(value, Tensor) else value)
            for name, value in outputs.items() if 'loss' in name
        }
        bad = {
            name: value
            for name, value in values.items() if not math.isfinite(value)
        }
        if not bad:
            return
        terms = ', '.join(f'{name}={value}' for name, value in bad.items())
        phase = runner.message_hub.get_info(GAF_PHASE_INFO)
        where = f' in GAF phase "{phase}"' if phase is not None else ''
        raise FloatingPointError(
            f'non-finite loss at iteration {runner.iter + 1} (epoch '
            f'{runner.epoch + 1}){where}: {terms}; videos of the batch: '
            f'{_videos(data_batch)}. Training stopped; the checkpoints '
            f'already in {runner.work_dir} are intact. Lower the learning '
            'rate, clip gradients, or check these inputs for NaN, inf or '
            'absurd magnitudes.')


def _videos(data_batch: Optional[dict]) -> str:
    samples: Sequence = (data_batch or {}).get('data_samples') or []
    names = []
    for sample in samples:
        metainfo = getattr(sample, 'metainfo', {})
        name = metainfo.get('video_name', metainfo.get('filename'))
        if name is not None:
            offset = metainfo.get('time_shift')
            names.append(name if offset is None else f'{name} (window at '
                         f'{float(offset):.2f} s)')
    return ', '.join(names) if names else 'unknown'
