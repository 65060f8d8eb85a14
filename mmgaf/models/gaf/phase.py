"""The phases of GAF's alternating updates (paper Fig. 2), named once.

The two trained phases are also the keys of the two optimizer wrappers in
the :class:`~mmengine.optim.OptimWrapperDict` that
:class:`GAFOptimWrapperConstructor` builds: phase ``frame`` steps
``optim_wrapper['frame']`` (the conditional VAEs), phase ``segment`` steps
``optim_wrapper['segment']`` (everything else).
"""
from enum import Enum


class GAFPhase(str, Enum):
    """A GAF training phase. A ``str`` enum, so ``GAFPhase.FRAME == 'frame'``
    and configs, checkpoints and logs can keep plain strings."""

    #: Every loss in one step, one optimizer (a GAF neck without the hook).
    JOINT = 'joint'
    #: Step 1: frame-GAF learns L_CVAE with λ and f fixed.
    FRAME = 'frame'
    #: Step 2: everything else learns, frame-GAF frozen.
    SEGMENT = 'segment'


#: The phases that alternate, each with its own optimizer wrapper.
ALTERNATING_PHASES = (GAFPhase.FRAME, GAFPhase.SEGMENT)

#: The MessageHub runtime-info key holding the current phase's name:
#: written by :class:`GAFAlternatingHook`, read by
#: :class:`GAFEpochBasedTrainLoop` (which wrapper to step) and by
#: :class:`FiniteLossHook` (its error message).
GAF_PHASE_INFO = 'gaf_phase'
