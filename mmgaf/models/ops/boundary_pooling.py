"""Boundary max pooling of AFSD (Lin et al., CVPR 2021) in plain PyTorch.

For every proposal the op takes the maximum of a 1-D feature map over a
start region (first half of the channels) and over an end region (second
half). It runs wherever PyTorch runs and is vectorised over batch, channels
and proposals.

How: every element is turned into one int64 *key* that orders like the
value and, among equal values, prefers the earlier position (the value's
order-preserving bits in the high part, the reversed position in the low
part). A sparse table (doubling range maximum) of keys gives the maximum
and its first arg-max of any range with two gathers. The output then reads
``x`` at the arg-max with ``gather``, so autograd sends each output gradient
to that position only, as AFSD's CUDA kernel does.
"""
from typing import Tuple

import torch
from torch import Tensor

# Bytes of sparse table built at once on the CPU; larger tables are built for
# groups of (sample, channel half) rows in turn (on GPUs, with their caching
# allocator, in one go). Measured on 2 CPU cores: a table that stays in cache
# builds 2-3x faster per element (batch 4 at AFSD's frame-level size: 6 ms
# with 4 MiB blocks, 14 ms with 16 MiB), and glibc serves blocks above
# 32 MiB with a fresh mmap whose page faults cost more than the op (about
# 30 ms for 64 MiB).
TABLE_BYTES = 4 << 20


def _check_inputs(x: Tensor, segments: Tensor) -> None:
    if not isinstance(x, Tensor) or x.dim() != 3:
        raise ValueError('boundary_max_pooling: x must be a (B, C, T) tensor, '
                         f'got {_describe(x)}')
    if not x.is_floating_point():
        raise TypeError('boundary_max_pooling: x must be floating point, got '
                        f'{x.dtype}')
    if x.size(1) % 2 != 0:
        raise ValueError('boundary_max_pooling: the channels of x are split '
                         'into a start and an end half, so C must be even, '
                         f'got C={x.size(1)}')
    if x.size(2) < 1:
        raise ValueError('boundary_max_pooling: x has no temporal positions')
    if not isinstance(segments, Tensor) or segments.dim() != 3 \
            or segments.size(2) != 4:
        raise ValueError('boundary_max_pooling: segments must be a '
                         f'(B, N, 4) tensor, got {_describe(segments)}')
    if segments.size(0) != x.size(0):
        raise ValueError('boundary_max_pooling: segments has batch size '
                         f'{segments.size(0)} but x has {x.size(0)}')
    if segments.device != x.device:
        raise ValueError('boundary_max_pooling: segments is on '
                         f'{segments.device} but x is on {x.device}')


def _describe(value) -> str:
    if isinstance(value, Tensor):
        return f'a tensor of shape {tuple(value.shape)}'
    return type(value).__name__


def _packed_keys(x: Tensor, index_bits: int) -> Tensor:
    """int64 keys that order like ``x`` along the last axis and, for equal
    values, prefer the earlier position.

    Args:
        x (Tensor): (..., T).
        index_bits (int): Low bits that hold the reversed position.

    Returns:
        Tensor: int64, the shape of ``x``. Exact for 32-bit and narrower
        floats; float64 values are compared on their top ``64 -
        index_bits`` bits (values closer than about ``2**(index_bits - 52)``
        relative count as equal).
    """
    # + 0.0 turns -0.0 into +0.0 (they must tie) and makes a contiguous copy
    # that can be reinterpreted as integers.
    if x.dtype == torch.float64:
        bits = (x + 0.0).view(torch.int64)
        # Negative floats order backwards as signed integers: flip all their
        # bits but the sign.
        key = bits ^ ((bits >> 63) & 0x7FFFFFFFFFFFFFFF)
        key = (key >> index_bits) << index_bits
    else:
        bits = (x.float() + 0.0).view(torch.int32)
        key = (bits ^ ((bits >> 31) & 0x7FFFFFFF)).long() << 32
    length = x.size(-1)
    reversed_position = length - 1 - torch.arange(length, device=x.device)
    return key | reversed_position


def _sparse_table(keys: Tensor, num_levels: int) -> Tensor:
    """Range maxima of ``keys`` over windows of length ``2**k``.

    Args:
        keys (Tensor): (R, T) int64.
        num_levels (int): K.

    Returns:
        Tensor: (K, R * T); entry ``[k, r * T + t]`` is the maximum of
        ``keys[r, t:t + 2**k]`` for ``t <= T - 2**k``. Entries past that
        mix neighbouring rows or are unset; queries never read them.
    """
    flat = keys.reshape(-1)
    table = flat.new_empty(num_levels, flat.numel())
    table[0] = flat
    for k in range(1, num_levels):
        half = 1 << (k - 1)
        # On the flat layout the shifted operand stays contiguous, which
        # keeps the op vectorised.
        torch.maximum(
            table[k - 1, :-half], table[k - 1, half:], out=table[k, :-half])
    return table


def _query_windows(segments: Tensor, length: int) -> Tuple[Tensor, Tensor]:
    """The two windows of length ``2**k`` that cover each region.

    Args:
        segments (Tensor): (B, N, 4) ``[s0, s1, s2, s3]``.
        length (int): T.

    Returns:
        tuple: ``level`` and ``start``, (B, 2, 2N) long: for the start (index
        0) and end (index 1) region of each segment, the table level ``k``
        and the start of the window ``[left, left + 2**k)`` (first N columns)
        and ``(right - 2**k, right]`` (last N columns).
    """
    # AFSD's kernel casts the float bounds to int (truncation towards zero)
    # and then clamps them; a NaN bound (from diverged regression) casts to
    # INT_MIN there and so clamps to 0.
    bounds = torch.nan_to_num(segments.detach(), nan=0.)
    bounds = bounds.trunc().clamp(0, length - 1).long()
    bounds = bounds.view(segments.size(0), segments.size(1), 2, 2)
    left = bounds[..., 0].transpose(1, 2)
    # An empty range reads the value at its left bound.
    right = torch.maximum(bounds[..., 1].transpose(1, 2), left)
    # frexp gives span = m * 2**e with m in [0.5, 1), so floor(log2(span))
    # is e - 1, exactly (a float log2 could round across a power of two).
    _, exponent = torch.frexp((right - left + 1).double())
    level = exponent.long() - 1
    start = torch.cat([left, right - (1 << level) + 1], dim=2)
    return torch.cat([level, level], dim=2), start


def boundary_max_pooling(x: Tensor, segments: Tensor) -> Tensor:
    """AFSD's boundary max pooling.

    For proposal ``n`` with ``segments[b, n] = [s0, s1, s2, s3]``, channel
    ``c < C/2`` of the output is ``max(x[b, c, s0:s1 + 1])`` and channel
    ``c >= C/2`` is ``max(x[b, c, s2:s3 + 1])``. As in AFSD's CUDA kernel,
    the bounds are truncated to integers (like a C cast of the float) and
    clamped to ``[0, T - 1]`` (NaN to 0); both ends are included; a range
    whose right end lies before its left end reads the value at the left
    end. On ties
    the first maximum wins, and the gradient flows to it only. (Unlike the
    kernel, it does not skip NaNs: they order by their sign, above +inf or
    below -inf.)

    Args:
        x (Tensor): (B, C, T) features, C even.
        segments (Tensor): (B, N, 4) bounds in positions of ``x``. They take
            no gradient.

    Returns:
        Tensor: (B, C, N).

    Example:
        >>> import torch
        >>> from mmgaf.models.ops import boundary_max_pooling
        >>> x = torch.arange(12.).reshape(1, 2, 6)  # (B, C, T)
        >>> segments = torch.tensor([[[0., 2., 3., 5.]]])  # (B, N, 4)
        >>> boundary_max_pooling(x, segments)  # (B, C, N)
        tensor([[[ 2.],
                 [11.]]])
    """
    _check_inputs(x, segments)
    batch, channels, length = x.shape
    num_segments = segments.size(1)
    half = channels // 2
    if num_segments == 0:
        return x.gather(
            2, segments.new_zeros((batch, channels, 0), dtype=torch.long))
    index_bits = max(1, (length - 1).bit_length())
    with torch.no_grad():
        level, start = _query_windows(segments, length)
        num_levels = int(level.max()) + 1
        # Rows are grouped by (sample, channel half): the H rows of a group
        # share their windows.
        keys = _packed_keys(x.detach(), index_bits).view(-1, half, length)
        level = level.view(-1, 1, 2 * num_segments)
        start = start.view(-1, 1, 2 * num_segments)
        groups_per_table = keys.size(0) if x.is_cuda else max(
            1, TABLE_BYTES // (8 * num_levels * half * length))
        best = []
        for first in range(0, keys.size(0), groups_per_table):
            chunk = keys[first:first + groups_per_table]
            table = _sparse_table(chunk.view(-1, length), num_levels)
            last = first + chunk.size(0)
            # Flat index into the (K, R * T) table: the level and window
            # start per group, the row offset per channel.
            window = level[first:last] * table.size(1) + start[first:last]
            row = torch.arange(
                0, table.size(1), length, device=x.device).view(-1, half, 1)
            windows = table.view(-1).gather(0, (window + row).view(-1))
            windows = windows.view(-1, half, 2, num_segments)
            best.append(torch.maximum(windows[:, :, 0], windows[:, :, 1]))
        best = torch.cat(best)
        position = length - 1 - (best & ((1 << index_bits) - 1))
    # Reading x at the arg-max through gather makes autograd send each output
    # gradient to that single position (a scatter-add), like the kernel.
    return x.gather(2, position.view(batch, channels, num_segments))
