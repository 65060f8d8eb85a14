from .boundary_contrast import (BoundaryContrast, background_regions,
                                contrast_actions, insert_background,
                                split_steps)
from .formatting import PackTADInputs, window_inputs
from .loading import (LoadFeatures, RawFrameInit, SampleWindowFrames,
                      open_features)
from .processing import (ConvertGtToWindow, CropWindow, RescaleFeatures,
                         ResizeFrames)

__all__ = [
    'LoadFeatures', 'SampleWindowFrames', 'RawFrameInit', 'open_features',
    'CropWindow', 'RescaleFeatures', 'ConvertGtToWindow', 'PackTADInputs',
    'window_inputs', 'BoundaryContrast', 'contrast_actions', 'split_steps',
    'background_regions', 'insert_background', 'ResizeFrames'
]
