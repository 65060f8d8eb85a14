"""AFSD's boundary-contrastive augmentation (``--ssl 0.1``).

An action of the window is split in two at a step ``split`` and a piece of
background of ``length`` steps is moved into the cut; the steps between are
shifted to make room. The model pools boundary features of the three
resulting segments (the first half of the action, its second half, the
inserted background) and a triplet loss pulls the two halves' inner
boundaries together and pushes the background away.

The random choices (:class:`BoundaryContrast`) are kept apart from the
arithmetic (:func:`contrast_actions`, :func:`split_steps`,
:func:`background_regions`, :func:`insert_background`), which is
deterministic.
"""
import math
from typing import List, Sequence, Tuple

import numpy as np
from mmcv.transforms import BaseTransform

from mmgaf.registry import TRANSFORMS
from .formatting import window_inputs


def contrast_actions(segments: np.ndarray,
                     length: int,
                     inclusive: bool = False) -> List[int]:
    """Indices of the actions long enough to be split: longer than
    ``2 * length`` steps (or as long, ``inclusive``), so that both halves
    keep ``length`` steps.

    Args:
        segments (np.ndarray): ``(N, 2)`` instances in window steps.
        length (int): The background's length.
        inclusive (bool): Accept actions of exactly ``2 * length`` steps
            (AFSD's ActivityNet). Defaults to False (its THUMOS14).

    Returns:
        list[int]: Indices into ``segments``, in order.
    """
    segments = np.asarray(segments, dtype=np.float64).reshape(-1, 2)
    lengths = segments[:, 1] - segments[:, 0]
    long_enough = lengths >= 2 * length if inclusive else \
        lengths > 2 * length
    return np.flatnonzero(long_enough).tolist()


def split_steps(segment: Sequence[float], length: int) -> range:
    """The steps an action may be split at: at least ``floor(length)`` steps
    after its start, rounded up to a step, and before ``ceil(len - length)``
    steps after it."""
    start, end = (float(x) for x in segment)
    first = math.ceil(start)
    return range(
        math.floor(length) + first,
        math.ceil(end - start - length) + first)


def background_regions(segments: np.ndarray, length: int,
                       window_size: int) -> List[Tuple[int, int]]:
    """The gaps the background may be taken from.

    As AFSD's ``get_bg``: the instances' starts and ends and the window's
    first and last steps, sorted, cut the window into consecutive regions;
    a region that is not itself an instance and spans more than ``length``
    whole steps is a candidate, shrunk to whole steps. Overlapping instances
    make regions inside actions candidates too, and a region is listed as
    often as it occurs; both as AFSD.

    Args:
        segments (np.ndarray): ``(N, 2)`` instances in window steps.
        length (int): The background's length.
        window_size (int): Steps in the window.

    Returns:
        list[tuple[int, int]]: ``(first, last)`` steps of each candidate.
    """
    segments = np.asarray(segments, dtype=np.float64).reshape(-1, 2)
    instances = {(float(start), float(end)) for start, end in segments}
    times = sorted([float(time) for time in segments.ravel()] +
                   [0., float(window_size - 1)])
    regions = []
    for start, end in zip(times[:-1], times[1:]):
        if (start, end) in instances:
            continue
        if math.floor(end) - math.ceil(start) > length:
            regions.append((math.ceil(start), math.floor(end)))
    return regions


def insert_background(inputs: np.ndarray, segment: Sequence[float], split: int,
                      background_start: int,
                      length: int) -> Tuple[np.ndarray, np.ndarray]:
    """Move ``length`` background steps into an action, at step ``split``.

    When the background lies after the action's end, the steps ``[split,
    background_start)`` move ``length`` steps later and the background
    takes their place at ``split``; otherwise the steps ``[background_start
    + length, split)`` move ``length`` steps earlier and the background ends
    at ``split``. The other steps are unchanged.

    Args:
        inputs (np.ndarray): ``(C, T, ...)`` window, time on axis 1.
        segment (Sequence[float]): ``[start, end]`` of the split action.
        split (int): The step the action is split at
            (:func:`split_steps`).
        background_start (int): The background's first step, inside one of
            :func:`background_regions`.
        length (int): Steps of background moved.

    Returns:
        tuple[np.ndarray, np.ndarray]: The new ``(C, T, ...)`` window and the
        ``(3, 2)`` float32 segments, in window steps, of the action's first
        half, its second half and the inserted background.

    Raises:
        ValueError: When the moved steps do not fit in the window (possible
            only for instances reaching past it).
    """
    start, end = (float(x) for x in segment)
    background_end = background_start + length
    out = inputs.copy()
    if end < background_start:
        out[:, split:split + length] = inputs[:,
                                              background_start:background_end]
        out[:, split + length:background_end] = inputs[:,
                                                       split:background_start]
        segments = [[start, split], [split + length, end + length],
                    [split + 1, split + length - 1]]
    else:
        out[:, background_start:split - length] = inputs[:,
                                                         background_end:split]
        out[:, split - length:split] = inputs[:,
                                              background_start:background_end]
        segments = [[start - length, split - length], [split, end],
                    [split - length + 1, split - 1]]
    return out, np.array(segments, dtype=np.float32)


@TRANSFORMS.register_module()
class BoundaryContrast(BaseTransform):
    """Make AFSD's boundary-contrastive copy of a training window.

    The background's length ``th`` comes from the video's shortest instance
    ``min_gt_len``: ``ceil(min_gt_len)`` in AFSD's THUMOS14 dataset,
    ``floor(min_gt_len) // 4`` in its ActivityNet one (``rounding='floor',
    divisor=4``). One try, as AFSD's training (``augment(..., max_iter=1)``):
    an action longer than ``2 th`` and a background region longer than
    ``th`` are drawn uniformly, then the split step and the background's
    first step; :func:`insert_background` makes the copy. When no action or
    no region qualifies (or, as AFSD's ActivityNet, the moved steps do not
    fit), the copy is the window itself and ``ssl_valid`` is False. The
    window is padded to ``window_size`` first, as the background may come
    from the padding (AFSD pads before it augments). Put it after the crops
    and flips, so that the copy shows the same pixels; normalisation, per
    element, commutes with it.

    Required Keys:

        - feats ``(C, valid_len)`` or imgs (``valid_len`` frames ``(H, W,
          C)``), window_size, valid_len
        - gt_segments: ``(K, 2)`` window steps (:class:`ConvertGtToWindow`)
        - min_gt_len: from :class:`TADDataset`

    Added Keys:

        - ssl_inputs: float32 ``(C, window_size)`` or ``(C, window_size, H,
          W)``, in the layout of the packed inputs
        - ssl_segments: ``(3, 2)`` float32 window steps (zeros when not
          valid)
        - ssl_valid: bool

    Args:
        rounding (str): ``'ceil'`` or ``'floor'`` of ``min_gt_len``.
            Defaults to ``'ceil'``.
        divisor (int): ``th`` is the rounded length floor-divided by it.
            Defaults to 1.
        inclusive (bool): Split actions of exactly ``2 th`` steps too (AFSD's
            ActivityNet). Defaults to False.
        pad_value (float): The padding's value, as :class:`PackTADInputs`'.
            Defaults to 0.
    """

    # min_gt_len is a float sum of positions; an integer length may come out
    # 13.999999 or 14.000001
    _EPS = 1e-6

    def __init__(self,
                 rounding: str = 'ceil',
                 divisor: int = 1,
                 inclusive: bool = False,
                 pad_value: float = 0.) -> None:
        if rounding not in ('ceil', 'floor'):
            raise ValueError(
                f"rounding must be 'ceil' or 'floor', got {rounding!r}")
        if not (isinstance(divisor, int) and divisor >= 1):
            raise ValueError(f'divisor must be an int >= 1, got {divisor!r}')
        self.rounding = rounding
        self.divisor = divisor
        self.inclusive = inclusive
        self.pad_value = pad_value

    def background_length(self, min_gt_len: float) -> int:
        """AFSD's ``th`` for a video whose shortest instance has
        ``min_gt_len`` steps."""
        if self.rounding == 'ceil':
            rounded = math.ceil(min_gt_len - self._EPS)
        else:
            rounded = math.floor(min_gt_len + self._EPS)
        return rounded // self.divisor

    def transform(self, results: dict) -> dict:
        inputs = window_inputs(results, self.pad_value)
        segments = np.asarray(
            results['gt_segments'], dtype=np.float64).reshape(-1, 2)
        length = self.background_length(results['min_gt_len'])
        results['ssl_inputs'] = inputs
        results['ssl_segments'] = np.zeros((3, 2), dtype=np.float32)
        results['ssl_valid'] = False
        actions = contrast_actions(segments, length, self.inclusive)
        if not actions:
            return results
        action = segments[self._choose(actions)]
        split = self._choose(split_steps(action, length))
        regions = background_regions(segments, length, results['window_size'])
        if not regions:
            return results
        first, last = self._choose(regions)
        background_start = first + self._choose(range(last - first - length))
        try:
            results['ssl_inputs'], results['ssl_segments'] = \
                insert_background(inputs, action, split, background_start,
                                  length)
        except ValueError:
            return results
        results['ssl_valid'] = True
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(rounding={self.rounding!r}, '
                f'divisor={self.divisor}, inclusive={self.inclusive}, '
                f'pad_value={self.pad_value})')

    @staticmethod
    def _choose(candidates: Sequence):
        return candidates[np.random.randint(len(candidates))]
