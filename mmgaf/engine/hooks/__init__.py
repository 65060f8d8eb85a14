from .checkpoint_agreement_hook import CheckpointAgreementHook
from .finite_loss_hook import FiniteLossHook
from .gaf_alternating_hook import GAFAlternatingHook
from .random_state_hook import RandomStateHook

__all__ = [
    'CheckpointAgreementHook', 'FiniteLossHook', 'GAFAlternatingHook',
    'RandomStateHook'
]
