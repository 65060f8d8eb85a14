from contextlib import contextmanager
from typing import Iterator

import torch.nn as nn


@contextmanager
def frozen_parameters(*modules: nn.Module) -> Iterator[None]:
    """Treat the parameters of ``modules`` as constants inside the context.

    Operations recorded in the context pass gradients to their other inputs
    (e.g. features) but not to these parameters; their ``requires_grad``
    flags are restored on exit, so the same parameters still learn from
    computations outside the context in the same iteration.
    """
    params = [param for module in modules for param in module.parameters()]
    flags = [param.requires_grad for param in params]
    for param in params:
        param.requires_grad_(False)
    try:
        yield
    finally:
        for param, flag in zip(params, flags):
            param.requires_grad_(flag)
