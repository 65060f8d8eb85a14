from .gaf import GAFNeck, weighted_map

__all__ = ['GAFNeck', 'weighted_map']
