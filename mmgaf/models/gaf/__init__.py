from .channel_time_attention import ChannelTimeAttention
from .conditional_vae import ConditionalVAE, CVAEOutput
from .segment_attention import SegmentAttention
from .temporal_projection import TemporalExpansion, TemporalReduction

__all__ = [
    'ChannelTimeAttention', 'ConditionalVAE', 'CVAEOutput', 'SegmentAttention',
    'TemporalExpansion', 'TemporalReduction'
]
