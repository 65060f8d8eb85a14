from .gaf_alternating_hook import GAFAlternatingHook

__all__ = ['GAFAlternatingHook']
