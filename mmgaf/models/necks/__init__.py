from .gaf import GAFNeck, weighted_map, weighted_temporal_mean

__all__ = ['GAFNeck', 'weighted_map', 'weighted_temporal_mean']
