from .boundary_pooling import BoundaryMaxPooling, boundary_max_pooling

__all__ = ['BoundaryMaxPooling', 'boundary_max_pooling']
