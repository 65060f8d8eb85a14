from .attention import draw_attention_curve
from .curves import draw_training_curves, load_scalars
from .metrics import draw_class_ap, load_per_class_ap
from .results import draw_results
from .tad_visualizer import TADVisualizer, figure_to_image
from .timeline import draw_class_timeline, draw_detection_timeline

__all__ = [
    'draw_attention_curve', 'draw_class_ap', 'draw_class_timeline',
    'draw_detection_timeline', 'draw_results', 'draw_training_curves',
    'figure_to_image', 'load_per_class_ap', 'load_scalars', 'TADVisualizer'
]
