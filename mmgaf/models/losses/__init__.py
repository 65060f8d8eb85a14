from .action_background_loss import (BACKGROUND_LABEL, ActionBackgroundLoss,
                                     background_intervals)
from .afsd_boundary_loss import AFSDBoundaryLoss
from .afsd_iou_loss import AFSDIoULoss, distance_iou
from .afsd_loss import AFSDLoss, AFSDTargets
from .afsd_softmax_focal_loss import AFSDSoftmaxFocalLoss
from .afsd_triplet_loss import AFSDTripletLoss
from .cvae_loss import CVAELoss, gaussian_kl_to_unit_variance
from .reconstruction_loss import ReconstructionLoss

__all__ = [
    'BACKGROUND_LABEL', 'ActionBackgroundLoss', 'background_intervals',
    'AFSDBoundaryLoss', 'AFSDIoULoss', 'distance_iou', 'AFSDLoss',
    'AFSDTargets', 'AFSDSoftmaxFocalLoss', 'AFSDTripletLoss', 'CVAELoss',
    'gaussian_kl_to_unit_variance', 'ReconstructionLoss'
]
