import numpy as np


def segment_tiou(segments1: np.ndarray,
                 segments2: np.ndarray,
                 is_aligned: bool = False) -> np.ndarray:
    """Temporal intersection over union (tIoU) of 1-D segments.

    The union is ``len1 + len2 - intersection``, the formula of the official
    ActivityNet evaluator, so that a threshold comparison gives the same
    answer bit for bit. Two segments whose union is empty (both are the same
    point) have tIoU 0.

    Args:
        segments1 (np.ndarray): ``(N, 2)`` segments ``[start, end]``.
        segments2 (np.ndarray): ``(M, 2)`` segments; ``(N, 2)`` when
            ``is_aligned``.
        is_aligned (bool): Whether to compare ``segments1[i]`` with
            ``segments2[i]`` only. Defaults to False.

    Returns:
        np.ndarray: float64 ``(N, M)``, or ``(N, )`` when ``is_aligned``.
    """
    segments1 = np.asarray(segments1, dtype=np.float64)
    segments2 = np.asarray(segments2, dtype=np.float64)
    for name, segments in (('segments1', segments1), ('segments2', segments2)):
        if segments.ndim != 2 or segments.shape[1] != 2:
            raise ValueError(f'{name} must have shape (N, 2), got '
                             f'{segments.shape}')
    if is_aligned:
        if len(segments1) != len(segments2):
            raise ValueError('aligned segments need as many rows: got '
                             f'{len(segments1)} and {len(segments2)}')
        starts1, ends1 = segments1[:, 0], segments1[:, 1]
        starts2, ends2 = segments2[:, 0], segments2[:, 1]
    else:
        starts1, ends1 = segments1[:, 0, None], segments1[:, 1, None]
        starts2, ends2 = segments2[None, :, 0], segments2[None, :, 1]
    inter = np.maximum(
        np.minimum(ends1, ends2) - np.maximum(starts1, starts2), 0.)
    union = (ends1 - starts1) + (ends2 - starts2) - inter
    positive = union > 0
    return np.divide(inter, union, out=np.zeros_like(inter), where=positive)
