from .anet_format import (PROTOCOLS, anet_detection_map, format_anet_results,
                          load_anet_ground_truth, load_anet_results)
from .detection_map import average_precision_at_tiou, detection_map
from .detection_summary import (detection_summary_table,
                                summarize_detection_map, tiou_name)
from .tiou import segment_tiou

__all__ = [
    'PROTOCOLS', 'segment_tiou', 'average_precision_at_tiou', 'detection_map',
    'load_anet_ground_truth', 'load_anet_results', 'format_anet_results',
    'anet_detection_map', 'summarize_detection_map', 'detection_summary_table',
    'tiou_name'
]
