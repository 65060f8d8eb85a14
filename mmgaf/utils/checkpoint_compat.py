"""Reading MMEngine's checkpoints with torch's weights-only unpickler, and
nothing that could run code.

Since torch 2.6 ``torch.load`` unpickles only allow-listed globals, and
MMEngine 0.10.7 loads checkpoints without saying more. Its checkpoints carry
the message hub's ``HistoryBuffer`` objects: NumPy arrays, and a dict of the
buffer's statistics methods, which pickle protocol 2 writes as
``getattr(HistoryBuffer, 'mean')``. Allow-listing ``getattr`` itself would
let a crafted file walk from any allow-listed object to ``exec`` (torch's
allow-listed ``_rebuild_from_type_v2`` calls whatever it is handed), so the
name ``builtins.getattr`` resolves to :func:`history_buffer_attribute`,
which reaches those methods and nothing else.
"""
import pickle
from typing import Any, Callable, Union

import numpy as np
import torch
from mmengine.logging import HistoryBuffer

# The statistics MMEngine's HistoryBuffer registers for itself.
HISTORY_BUFFER_STATISTICS = ('min', 'max', 'current', 'mean')


def history_buffer_attribute(owner: Any, name: str) -> Callable:
    """``getattr`` as a checkpoint may call it: one of HistoryBuffer's
    statistics methods.

    Args:
        owner: Must be :class:`mmengine.logging.HistoryBuffer`.
        name (str): One of :data:`HISTORY_BUFFER_STATISTICS`.

    Raises:
        pickle.UnpicklingError: For any other object or name.
    """
    if owner is not HistoryBuffer:
        raise pickle.UnpicklingError(
            f'a checkpoint may call getattr on HistoryBuffer only, not on '
            f'{type(owner).__name__} (attribute {name!r})')
    if name not in HISTORY_BUFFER_STATISTICS:
        raise pickle.UnpicklingError(
            f'a checkpoint may read HistoryBuffer\'s statistics methods '
            f'{HISTORY_BUFFER_STATISTICS} only, not {name!r}')
    return getattr(HistoryBuffer, name)


def allow_mmengine_checkpoint_globals() -> None:
    """Add what MMEngine's checkpoints need to torch's weights-only
    allow-list: ``HistoryBuffer``, NumPy arrays, dtypes and scalars (the
    message hub's buffers and :class:`~mmgaf.engine.RandomStateHook`'s
    generator states), and
    :func:`history_buffer_attribute` under the name ``builtins.getattr``.

    Each entry builds data or returns one of the buffer's own methods; none
    can call, import or look up anything else.
    """
    numpy_dtypes = [
        type(np.dtype(name))
        for name in ('float16', 'float32', 'float64', 'int8', 'int16', 'int32',
                     'int64', 'uint8', 'uint32', 'uint64', 'bool')
    ]
    torch.serialization.add_safe_globals([
        HistoryBuffer, (history_buffer_attribute, 'builtins.getattr'),
        np.ndarray, np.dtype, np.core.multiarray._reconstruct,
        np.core.multiarray.scalar, *numpy_dtypes
    ])


def load_checkpoint_safely(filename: str,
                           map_location: Union[str,
                                               torch.device] = 'cpu') -> Any:
    """``torch.load`` with the weights-only unpickler and the allow-list of
    :func:`allow_mmengine_checkpoint_globals`: a checkpoint of MMEngine or a
    plain ``state_dict``, never code.

    Args:
        filename (str): The checkpoint.
        map_location (str | torch.device): Where to put tensors. Defaults
            to ``'cpu'``.

    Raises:
        pickle.UnpicklingError: Naming the file, when it holds anything but
            tensors, containers, NumPy data and MMEngine's message hub.
    """
    allow_mmengine_checkpoint_globals()
    try:
        return torch.load(
            filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as error:
        raise pickle.UnpicklingError(
            f'{filename}: refused to load, it holds more than weights and '
            f'MMEngine\'s training state (no code is run from a checkpoint)'
            f': {error}') from error
