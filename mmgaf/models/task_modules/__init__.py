from .segment_nms import batched_segment_nms, batched_segment_soft_nms
from .window_merger import WindowMerger

__all__ = ['batched_segment_nms', 'batched_segment_soft_nms', 'WindowMerger']
