from .synthetic import SyntheticTAD
from .tad_dataset import TADDataset
from .transforms import *  # noqa: F401,F403

__all__ = ['TADDataset', 'SyntheticTAD']
