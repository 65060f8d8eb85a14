from .atomic_local_backend import AtomicLocalBackend
from .json_strict import load_json_strict

__all__ = ['AtomicLocalBackend', 'load_json_strict']
