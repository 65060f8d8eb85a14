from .boundary_pooling import boundary_max_pooling

__all__ = ['boundary_max_pooling']
