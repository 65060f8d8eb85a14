from .feature_extraction import (I3DFeatureExtractor, build_i3d_backbone,
                                 cached_features)
from .inference import (infer_video_attention, inference_detector,
                        init_detector, video_window_indices, window_merger_of)

__all__ = [
    'I3DFeatureExtractor', 'build_i3d_backbone', 'cached_features',
    'inference_detector', 'infer_video_attention', 'init_detector',
    'video_window_indices', 'window_merger_of'
]
