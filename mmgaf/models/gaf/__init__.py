from .conditional_vae import ConditionalVAE, CVAEOutput
from .segment_attention import SegmentAttention
from .temporal_projection import TemporalExpansion, TemporalReduction

__all__ = [
    'ConditionalVAE', 'CVAEOutput', 'SegmentAttention', 'TemporalExpansion',
    'TemporalReduction'
]
