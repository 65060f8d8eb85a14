from .tad_metric import TADMetric

__all__ = ['TADMetric']
