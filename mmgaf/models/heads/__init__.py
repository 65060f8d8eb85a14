from .afsd_coarse_head import AFSDCoarseHead
from .afsd_post_processor import AFSDPostProcessor
from .afsd_pyramid import AFSDPyramid
from .afsd_refine_head import (AFSDProposalBranch, AFSDRefineHead,
                               boundary_regions)
from .gaf_recognition_head import GAFRecognitionHead

__all__ = [
    'AFSDCoarseHead', 'AFSDPostProcessor', 'AFSDProposalBranch', 'AFSDPyramid',
    'AFSDRefineHead', 'boundary_regions', 'GAFRecognitionHead'
]
