from typing import Dict, List, Optional, Sequence, Union

import torch
from mmengine.model import BaseModel
from torch import Tensor

from mmgaf.registry import MODELS
from mmgaf.structures import TADDataSample

#: Raw outputs that late fusion averages (AFSD's ``test.py --fusion``).
FUSED_OUTPUTS = ('loc', 'prop_loc', 'cls', 'prop_cls', 'centerness')


@MODELS.register_module()
class TwoStreamLocalizer(BaseModel):
    """Late fusion of an RGB and a flow localizer, as AFSD's two-stream
    test (``test.py`` with ``fusion``).

    The input channels are split between the streams (e.g. two-stream I3D
    features: the first 1024 RGB, the last 1024 flow). At test time both
    localizers run on their part and their raw outputs (coarse and refined
    locations, class logits, centerness logits) are averaged before the RGB
    localizer's post-processor decodes them. In training each stream learns
    from its own part on its own; its losses are prefixed ``rgb_`` /
    ``flow_``.

    Each stream loads its own checkpoint through its ``init_cfg`` (``dict(
    type='Pretrained', checkpoint=...)``) when the weights are initialised;
    ``tools/analysis_tools/fuse_two_stream_checkpoints.py`` merges two
    single-stream checkpoints into one for ``tools/test.py``.

    Args:
        rgb (dict): Config of the RGB localizer (e.g. :class:`AFSD`).
        flow (dict): Config of the flow localizer; its outputs must cover
            the same positions as the RGB one's.
        split (Sequence[int]): Input channels of the RGB and of the flow
            stream, in that order along dim 1. Defaults to (1024, 1024).
        data_preprocessor (dict, optional): Config of the data preprocessor.
            Defaults to ``dict(type='ActionDataPreprocessor')``.
        init_cfg (dict or list[dict], optional): Initialisation config.
    """

    def __init__(self,
                 rgb: dict,
                 flow: dict,
                 split: Sequence[int] = (1024, 1024),
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='ActionDataPreprocessor')
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if len(split) != 2 or min(split) < 1:
            raise ValueError('split must give the positive channels of the '
                             f'RGB and the flow stream, got {split}')
        self.split = tuple(split)
        self.rgb = MODELS.build(rgb)
        self.flow = MODELS.build(flow)

    def _split_inputs(self, inputs: Tensor) -> Sequence[Tensor]:
        if inputs.size(1) != sum(self.split):
            raise ValueError(f'inputs have {inputs.size(1)} channels, but '
                             f'split={self.split} needs {sum(self.split)}')
        return inputs.split(self.split, dim=1)

    def loss(self, inputs: Tensor,
             data_samples: Sequence[TADDataSample]) -> Dict:
        losses = dict()
        for stream, (name, model, x) in enumerate(
                zip(('rgb', 'flow'), (self.rgb, self.flow),
                    self._split_inputs(inputs))):
            samples = self._stream_samples(data_samples, stream)
            for key, value in model.loss(x, samples).items():
                losses[f'{name}_{key}'] = value
        return losses

    def _stream_samples(self, data_samples: Sequence[TADDataSample],
                        stream: int) -> Sequence[TADDataSample]:
        """The samples as one stream sees them: their boundary-contrastive
        inputs (``ssl_inputs``, (C, T), see :class:`AFSD`) split like the
        inputs."""
        if not any('ssl_inputs' in sample for sample in data_samples):
            return data_samples
        samples = []
        for i, sample in enumerate(data_samples):
            if 'ssl_inputs' in sample:
                ssl_inputs = sample.ssl_inputs
                if ssl_inputs.size(0) != sum(self.split):
                    raise ValueError(
                        f'data_samples[{i}].ssl_inputs has '
                        f'{ssl_inputs.size(0)} channels, but split='
                        f'{self.split} needs {sum(self.split)}')
                sample = sample.clone()
                sample.ssl_inputs = ssl_inputs.split(self.split)[stream]
            samples.append(sample)
        return samples

    def _forward(
        self,
        inputs: Tensor,
        data_samples: Optional[Sequence[TADDataSample]] = None
    ) -> Dict[str, Tensor]:
        """The RGB stream's raw outputs with :data:`FUSED_OUTPUTS` replaced
        by the mean of both streams'."""
        rgb_inputs, flow_inputs = self._split_inputs(inputs)
        rgb = self.rgb(rgb_inputs, mode='tensor')
        flow = self.flow(flow_inputs, mode='tensor')
        if rgb['priors'].shape != flow['priors'].shape or not torch.allclose(
                rgb['priors'], flow['priors']):
            raise ValueError('the RGB and flow localizers predict at '
                             'different positions; late fusion needs the '
                             'same pyramid')
        fused = dict(rgb)
        for key in FUSED_OUTPUTS:
            fused[key] = (rgb[key].float() + flow[key].float()) / 2.
        return fused

    def predict(self, inputs: Tensor,
                data_samples: Sequence[TADDataSample]) -> List[TADDataSample]:
        """Fused detections per window, decoded by the RGB localizer's
        post-processor."""
        if self.rgb.pyramid.frames_per_step != \
                self.flow.pyramid.frames_per_step:
            raise ValueError('the RGB and flow localizers use different '
                             'frame-level grids (frames_per_step)')
        return self.rgb.post_processor(
            self._forward(inputs), self.rgb.pyramid.frames_per_step,
            data_samples)

    def forward(self,
                inputs: Tensor,
                data_samples: Optional[Sequence[TADDataSample]] = None,
                mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self._forward(inputs, data_samples)
        raise RuntimeError(f'Invalid mode "{mode}". Only supports loss, '
                           'predict and tensor mode')
