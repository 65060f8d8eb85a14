from .synthetic import SyntheticTAD
from .synthetic_video import SyntheticMotionVideos
from .tad_dataset import TADDataset
from .transforms import *  # noqa: F401,F403

__all__ = ['TADDataset', 'SyntheticTAD', 'SyntheticMotionVideos']
