from typing import Callable, Optional

import torch.nn as nn
from mmengine.optim import (DefaultOptimWrapperConstructor, OptimWrapper,
                            OptimWrapperDict)

from mmgaf.models.gaf import ConditionalVAE
from mmgaf.models.gaf.phase import GAFPhase
from mmgaf.registry import (OPTIM_WRAPPER_CONSTRUCTORS, OPTIM_WRAPPERS,
                            OPTIMIZERS)


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class GAFOptimWrapperConstructor:
    """Builds the two optimizer wrappers of GAF's alternating updates.

    The parameters of every :class:`ConditionalVAE` (frame-GAF) go to the
    ``frame`` wrapper, all others (backbone, segment-GAF, detector or
    classifier) to the ``segment`` wrapper. The result is MMEngine's plain
    :class:`OptimWrapperDict`: checkpoints, learning-rate logs and parameter
    schedulers treat both wrappers as MMEngine does, and
    :class:`GAFEpochBasedTrainLoop` hands the current phase's wrapper to the
    model's ``train_step``.

    The ``segment`` wrapper is either the ``segment`` key or, so that a GAF
    config only adds ``frame`` to the optimizer it inherits, the wrapper
    given at the top level (``type``, ``optimizer``, ``clip_grad``...)::

        optim_wrapper = dict(
            constructor='GAFOptimWrapperConstructor',
            frame=dict(type='OptimWrapper', optimizer=dict(type='Adam', ...)),
            segment=dict(type='OptimWrapper', optimizer=dict(...)),
            paramwise_cfg=None)   # optional, applied within both groups

        # the same, with the detector's optimizer inherited
        optim_wrapper = dict(
            constructor='GAFOptimWrapperConstructor',
            frame=dict(type='OptimWrapper', optimizer=dict(type='Adam', ...)))

    Args:
        optim_wrapper_cfg (dict): The ``frame`` wrapper config, and the
            ``segment`` wrapper config either under ``segment`` or at the
            top level.
        paramwise_cfg (dict, optional): MMEngine's parameter-wise options.
            Defaults to None.
    """

    def __init__(self,
                 optim_wrapper_cfg: dict,
                 paramwise_cfg: Optional[dict] = None) -> None:
        optim_wrapper_cfg = dict(optim_wrapper_cfg)
        frame = optim_wrapper_cfg.pop(GAFPhase.FRAME.value, None)
        segment = optim_wrapper_cfg.pop(GAFPhase.SEGMENT.value, None)
        if frame is None:
            raise KeyError('GAFOptimWrapperConstructor needs the key '
                           "'frame' (frame-GAF's wrapper) in optim_wrapper")
        if segment is None:
            segment = optim_wrapper_cfg
        elif optim_wrapper_cfg:
            raise KeyError(
                'GAFOptimWrapperConstructor takes the segment wrapper either '
                "under 'segment' or at the top level, not both; unexpected "
                f'top-level keys {sorted(optim_wrapper_cfg)}')
        for name, cfg in ((GAFPhase.FRAME, frame), (GAFPhase.SEGMENT,
                                                    segment)):
            if 'optimizer' not in cfg:
                raise KeyError(f'the {name.value} optimizer wrapper of '
                               'GAFOptimWrapperConstructor has no '
                               f"'optimizer': {dict(cfg)}")
        self.wrapper_cfgs = {
            GAFPhase.FRAME.value: dict(frame),
            GAFPhase.SEGMENT.value: dict(segment)
        }
        self.paramwise_cfg = paramwise_cfg

    def __call__(self, model: nn.Module) -> OptimWrapperDict:
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

        def in_frame(param: nn.Parameter) -> bool:
            return id(param) in frame_params

        return OptimWrapperDict(
            **{
                GAFPhase.FRAME.value:
                self._build(self.wrapper_cfgs[GAFPhase.FRAME.value], model,
                            in_frame),
                GAFPhase.SEGMENT.value:
                self._build(self.wrapper_cfgs[GAFPhase.SEGMENT.value], model,
                            lambda param: not in_frame(param))
            })

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
