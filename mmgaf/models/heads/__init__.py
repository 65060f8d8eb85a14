from .afsd_coarse_head import AFSDCoarseHead
from .afsd_post_processor import AFSDPostProcessor
from .afsd_pyramid import AFSDPyramid
from .afsd_refine_head import (AFSDProposalBranch, AFSDRefineHead,
                               boundary_regions)

__all__ = [
    'AFSDCoarseHead', 'AFSDPostProcessor', 'AFSDProposalBranch',
    'AFSDPyramid', 'AFSDRefineHead', 'boundary_regions'
]
