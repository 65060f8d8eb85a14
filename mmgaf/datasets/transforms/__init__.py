from .formatting import PackTADInputs
from .loading import (LoadFeatures, RawFrameInit, SampleWindowFrames,
                      open_features)
from .processing import ConvertGtToWindow, CropWindow, RescaleFeatures

__all__ = [
    'LoadFeatures', 'SampleWindowFrames', 'RawFrameInit', 'open_features',
    'CropWindow', 'RescaleFeatures', 'ConvertGtToWindow', 'PackTADInputs'
]
