from typing import Sequence

from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmengine.runner import EpochBasedTrainLoop

from mmgaf.models.gaf.phase import ALTERNATING_PHASES, GAF_PHASE_INFO
from mmgaf.registry import LOOPS


@LOOPS.register_module()
class GAFEpochBasedTrainLoop(EpochBasedTrainLoop):
    """MMEngine's epoch-based training loop for GAF's alternating updates.

    Each iteration hands the model's unchanged ``train_step`` the optimizer
    wrapper of the current phase, ``runner.optim_wrapper[phase]`` of the
    :class:`~mmengine.optim.OptimWrapperDict` built by
    :class:`GAFOptimWrapperConstructor`, so a phase steps its own
    parameters only, with its own gradient accumulation, clipping and AMP
    scaling. :class:`GAFAlternatingHook` chooses the phase (in
    ``before_train_iter`` at the latest) and publishes it in the message
    hub under :data:`GAF_PHASE_INFO`; the loop only reads it. Config::

        train_cfg = dict(type='GAFEpochBasedTrainLoop', max_epochs=20)

    Args: as :class:`~mmengine.runner.EpochBasedTrainLoop`.
    """

    def run_iter(self, idx: int, data_batch: Sequence[dict]) -> None:
        """One mini-batch through ``train_step`` with the phase's wrapper.

        Args:
            idx (int): Index of the batch in the epoch.
            data_batch (Sequence[dict]): Batch of data from the dataloader.
        """
        self.runner.call_hook(
            'before_train_iter', batch_idx=idx, data_batch=data_batch)
        outputs = self.runner.model.train_step(
            data_batch, optim_wrapper=self.phase_optim_wrapper())
        self.runner.call_hook(
            'after_train_iter',
            batch_idx=idx,
            data_batch=data_batch,
            outputs=outputs)
        self._iter += 1

    def phase_optim_wrapper(self) -> OptimWrapper:
        """The wrapper of the phase published in the message hub."""
        optim_wrapper = self.runner.optim_wrapper
        if not isinstance(optim_wrapper, OptimWrapperDict) or set(
                optim_wrapper.keys()) != {p.value
                                          for p in ALTERNATING_PHASES}:
            raise TypeError(
                'GAFEpochBasedTrainLoop needs the two optimizer wrappers of '
                "constructor='GAFOptimWrapperConstructor', got "
                f'{type(optim_wrapper).__name__}')
        phase = self.runner.message_hub.get_info(GAF_PHASE_INFO)
        if phase not in {p.value for p in ALTERNATING_PHASES}:
            raise RuntimeError(
                'GAFEpochBasedTrainLoop found no GAF phase in the message '
                f'hub (info {GAF_PHASE_INFO!r} is {phase!r}): add '
                "dict(type='GAFAlternatingHook') to custom_hooks")
        return optim_wrapper[phase]
