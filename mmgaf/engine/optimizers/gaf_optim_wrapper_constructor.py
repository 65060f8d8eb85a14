from typing import Callable, Optional

import torch.nn as nn
from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapper

from mmgaf.models.gaf import ConditionalVAE
from mmgaf.registry import (OPTIM_WRAPPER_CONSTRUCTORS, OPTIM_WRAPPERS,
                            OPTIMIZERS)
from .gaf_optim_wrapper import GAFOptimWrapperDict


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class GAFOptimWrapperConstructor:
    """Builds the two optimizers of GAF's alternating updates.

    The parameters of every :class:`ConditionalVAE` (frame-GAF) go to the
    ``frame`` wrapper, all others (backbone, segment-GAF, detector or
    classifier) to the ``segment`` wrapper. Config::

        optim_wrapper = dict(
            constructor='GAFOptimWrapperConstructor',
            frame=dict(type='OptimWrapper', optimizer=dict(type='Adam', ...)),
            segment=dict(type='OptimWrapper', optimizer=dict(...)),
            paramwise_cfg=None)   # optional, applied within both groups

    Args:
        optim_wrapper_cfg (dict): The ``frame`` and ``segment`` wrapper
            configs.
        paramwise_cfg (dict, optional): MMEngine's parameter-wise options.
    """

    GROUPS = ('frame', 'segment')

    def __init__(self,
                 optim_wrapper_cfg: dict,
                 paramwise_cfg: Optional[dict] = None) -> None:
        unknown = set(optim_wrapper_cfg) - set(self.GROUPS)
        missing = set(self.GROUPS) - set(optim_wrapper_cfg)
        if unknown or missing:
            raise KeyError('GAFOptimWrapperConstructor needs exactly the '
                           f'keys {self.GROUPS} in optim_wrapper; missing '
                           f'{sorted(missing)}, unexpected {sorted(unknown)}')
        self.optim_wrapper_cfg = optim_wrapper_cfg
        self.paramwise_cfg = paramwise_cfg

    def __call__(self, model: nn.Module) -> GAFOptimWrapperDict:
        if hasattr(model, 'module'):
            model = model.module
        frame_params = {
            id(param)
            for module in model.modules()
            if isinstance(module, ConditionalVAE)
            for param in module.parameters()
        }
        if not frame_params:
            raise ValueError(
                'GAFOptimWrapperConstructor found no frame-GAF '
                '(ConditionalVAE) in the model: use a GAFNeck with a cvae, '
                'or a single optimizer')
        in_frame = lambda param: id(param) in frame_params  # noqa: E731
        return GAFOptimWrapperDict(
            frame=self._build(self.optim_wrapper_cfg['frame'], model,
                              in_frame),
            segment=self._build(self.optim_wrapper_cfg['segment'], model,
                                lambda param: not in_frame(param)))

    def _build(self, cfg: dict, model: nn.Module,
               keep: Callable) -> OptimWrapper:
        cfg = dict(cfg)
        cfg.setdefault('type', 'OptimWrapper')
        optimizer_cfg = dict(cfg.pop('optimizer'))
        if self.paramwise_cfg:
            groups = []
            DefaultOptimWrapperConstructor(
                dict(optimizer=optimizer_cfg),
                self.paramwise_cfg).add_params(groups, model)
            # add_params makes one group per parameter
            optimizer_cfg['params'] = [
                group for group in groups if keep(group['params'][0])
            ]
        else:
            optimizer_cfg['params'] = [
                param for param in model.parameters() if keep(param)
            ]
        optimizer = OPTIMIZERS.build(optimizer_cfg)
        return OPTIM_WRAPPERS.build(
            cfg, default_args=dict(optimizer=optimizer))
