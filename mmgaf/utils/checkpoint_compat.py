import builtins

import numpy as np
import torch
from mmengine.logging import HistoryBuffer


def allow_mmengine_checkpoint_globals() -> None:
    """Let ``torch.load`` read the checkpoints MMEngine writes.

    Since torch 2.6 ``torch.load`` unpickles only allow-listed types unless
    told otherwise, and MMEngine 0.10.7 loads checkpoints without saying
    more; its checkpoints carry the message hub's ``HistoryBuffer`` (with
    NumPy arrays and, for its statistics methods, ``getattr`` on that class).
    These types are added to torch's allow-list, which keeps the safe
    unpickler (a pickle still cannot call anything outside the list) instead
    of switching it off.
    """
    numpy_dtypes = [
        type(np.dtype(name)) for name in ('float16', 'float32', 'float64',
                                          'int8', 'int16', 'int32', 'int64',
                                          'uint8', 'bool')
    ]
    torch.serialization.add_safe_globals([
        HistoryBuffer, builtins.getattr, np.ndarray, np.dtype,
        np.core.multiarray._reconstruct, np.core.multiarray.scalar,
        *numpy_dtypes
    ])
