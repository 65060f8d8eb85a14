from .tad_data_sample import TADDataSample

__all__ = ['TADDataSample']
