from .gaf_train_loop import GAFEpochBasedTrainLoop

__all__ = ['GAFEpochBasedTrainLoop']
