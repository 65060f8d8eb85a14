from .proposal_detection_metric import ProposalDetectionMetric
from .tad_metric import TADMetric

__all__ = ['TADMetric', 'ProposalDetectionMetric']
