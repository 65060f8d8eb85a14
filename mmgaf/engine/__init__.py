from mmgaf.models.gaf.phase import ALTERNATING_PHASES, GAF_PHASE_INFO, GAFPhase
from .hooks import (CheckpointAgreementHook, FiniteLossHook,
                    GAFAlternatingHook, RandomStateHook)
from .optimizers import GAFOptimWrapperConstructor
from .runner import GAFEpochBasedTrainLoop

__all__ = [
    'ALTERNATING_PHASES', 'GAF_PHASE_INFO', 'GAFPhase',
    'CheckpointAgreementHook', 'FiniteLossHook', 'GAFAlternatingHook',
    'RandomStateHook', 'GAFOptimWrapperConstructor', 'GAFEpochBasedTrainLoop'
]
