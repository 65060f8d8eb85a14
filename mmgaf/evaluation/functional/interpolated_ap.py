"""Interpolated AP of many rows of true positives at once.

A row is the true positives of one (threshold, class) in rank order. The
interpolated precision at a true positive is the largest precision of the
true positives from it on (the running maximum from the right); the AP is
the sum of ``recall_step * envelope`` over the row, left to right, as the
official evaluator adds it. Both passes run over all the rows together:
the running maximum on the bits of the precisions read as integers, each
row offset above the next ones, and the sums as ``cumsum`` over a table of
stripes of the rows.
"""
import numpy as np

# Rows are summed in stripes of at least STRIPE_WIDTH points, at most
# MAX_STRIPES of them.
STRIPE_WIDTH = 128
MAX_STRIPES = 16


def envelope_area(row: np.ndarray, length: np.ndarray, k: np.ndarray,
                  precision: np.ndarray,
                  recall_step: np.ndarray) -> np.ndarray:
    """Per row, the sum of ``recall_step * envelope`` over its points, left
    to right, where ``envelope`` is the running maximum of ``precision``
    from the right: the interpolated AP of a row of true positives. (False
    positives move no recall, and the precision at one is below that at
    the position before it, so the envelope at a true positive is the
    largest precision of the true positives from it on.)

    Args:
        row (np.ndarray): ``(N, )`` row of each point, non-decreasing.
        length (np.ndarray): ``(R, )`` number of points of each row.
        k (np.ndarray): ``(N, )`` place of each point in its row, from 1.
        precision (np.ndarray): ``(N, )`` positive values.
        recall_step (np.ndarray): ``(N, )`` values.

    Returns:
        np.ndarray: ``(R, )`` sums, 0 for an empty row.
    """
    # The running maximum: the bits of positive floats are in their order,
    # so integer keys ``(bits - lowest) + (rows after this one) * step``,
    # with ``step`` above every ``bits - lowest``, keep each row's values
    # in order and above every later row's: a plain running maximum from
    # the right over all the rows never crosses into a row before.
    bits = precision.view(np.int64)
    lowest = int(bits.min())
    step = 1 << (int(bits.max()) - lowest).bit_length()
    dense_row = (length > 0).cumsum()[row]
    rows_per_chunk = (1 << 63) // step
    envelope = np.empty_like(bits)
    num_rows = int(dense_row[-1])
    bounds = dense_row.searchsorted(
        list(range(1, num_rows + 1, rows_per_chunk)) + [num_rows + 1])
    for start, stop in zip(bounds[:-1], bounds[1:]):
        offset = dense_row[start:stop]
        offset -= dense_row[stop - 1]
        offset *= -step
        key = bits[start:stop] - lowest
        key += offset
        key = np.maximum.accumulate(key[::-1])[::-1]
        key -= offset
        key += lowest
        envelope[start:stop] = key
    envelope = envelope.view(np.float64)
    envelope *= recall_step

    # The sums, in stripes: each row is cut into stripes of ``width``
    # points, stacked in a table with the longest rows first: stripe s
    # holds the rows longer than s * width, a prefix of them. Sums go
    # stripe by stripe, each carrying on from the last, so that the table
    # is not as wide as the longest row for every row, and each sum adds
    # the same terms in the same order as a plain loop would.
    longest = int(length.max())
    # A power of two, at least STRIPE_WIDTH.
    shift = max(STRIPE_WIDTH.bit_length() - 1,
                (-(-longest // MAX_STRIPES) - 1).bit_length())
    width = 1 << shift
    by_length = (-length).argsort(kind='stable')
    slot = np.empty(len(length), dtype=np.int64)
    slot[by_length] = np.arange(len(length))
    num_stripes = -(-longest // width)
    rows_in = (length[by_length] > np.arange(0, longest, width)[:, None])
    rows_in = rows_in.sum(1)
    first_row = rows_in.cumsum()
    first_row -= rows_in
    place = k - 1
    cell = first_row[place >> shift]
    cell += slot[row]
    cell <<= shift
    place &= width - 1
    cell += place
    table = np.zeros((int(rows_in.sum()), width))
    table.reshape(-1)[cell] = envelope
    blocks = [
        table[first_row[s]:first_row[s] + rows_in[s]]
        for s in range(num_stripes)
    ]
    for s in range(num_stripes):
        block = blocks[s]
        if s:
            block[:, 0] += blocks[s - 1][:len(block), -1]
        # ``cumsum`` adds left to right, the order of the official
        # evaluator's sum, so both give the same float.
        np.cumsum(block, axis=1, out=block)
    area = np.zeros(len(length))
    present = length > 0
    last_stripe = (length[present] - 1) >> shift
    area[present] = table[first_row[last_stripe] + slot[present], -1]
    return area
