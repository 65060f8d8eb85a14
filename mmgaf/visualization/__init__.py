from .attention import draw_attention_curve
from .timeline import draw_detection_timeline

__all__ = ['draw_attention_curve', 'draw_detection_timeline']
