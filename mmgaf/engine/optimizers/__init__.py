from .gaf_optim_wrapper import GAFOptimWrapperDict
from .gaf_optim_wrapper_constructor import GAFOptimWrapperConstructor

__all__ = ['GAFOptimWrapperDict', 'GAFOptimWrapperConstructor']
