from .frozen_parameters import frozen_parameters

__all__ = ['frozen_parameters']
