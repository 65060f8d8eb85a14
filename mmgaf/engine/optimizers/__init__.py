from .gaf_optim_wrapper_constructor import GAFOptimWrapperConstructor

__all__ = ['GAFOptimWrapperConstructor']
