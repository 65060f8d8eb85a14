"""Integer-array primitives of the vectorised evaluator, each faster than
the obvious NumPy call it replaces (the docstrings say why)."""
import numpy as np


def repeat_index(counts: np.ndarray) -> np.ndarray:
    """``np.arange(len(counts)).repeat(counts)`` for non-negative counts.

    At each place of the output, the index is the number of runs that end
    at or before it: a running sum of marks at the run ends. ``repeat``
    pays a copy call per element, this two vectorised passes.

    Args:
        counts (np.ndarray): ``(N, )`` non-negative integers.

    Returns:
        np.ndarray: ``(counts.sum(), )`` indices.
    """
    ends = counts.cumsum()
    marks = np.zeros(int(ends[-1]) + 1 if len(ends) else 1, dtype=np.intp)
    np.add.at(marks, ends, 1)
    return marks[:-1].cumsum()


def stable_argsort(values: np.ndarray, upper: int) -> np.ndarray:
    """Stable argsort of non-negative integers ``(N, )`` below ``upper``.

    NumPy's stable sort of 16-bit integers is a radix sort (linear time);
    of wider integers it is a merge sort. Keys below ``2**32`` are sorted
    by two radix passes, the low 16 bits then the high ones.
    """
    if upper <= 1 << 16:
        return values.astype(np.uint16).argsort(kind='stable')
    if upper <= 1 << 32:
        order = values.astype(np.uint16).argsort(kind='stable')
        high = (values[order] >> 16).astype(np.uint16)
        return order[high.argsort(kind='stable')]
    return values.argsort(kind='stable')


def run_starts(keys: np.ndarray) -> np.ndarray:
    """Positions where a run of equal values starts in ``keys`` ``(K, )``."""
    starts = np.ones(len(keys), dtype=bool)
    np.not_equal(keys[1:], keys[:-1], out=starts[1:])
    return starts.nonzero()[0]
