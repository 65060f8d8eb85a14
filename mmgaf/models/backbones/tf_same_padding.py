"""TensorFlow's ``padding='SAME'`` for 3-D convolutions and max-pools.

TF pads so that ``out = ceil(in / stride)`` and puts the odd pixel, when the
total padding is odd, after the input rather than before. The amounts depend
on the input size, so they are computed at run time: PyTorch's static,
symmetric ``padding`` cannot express them (e.g. a 7x7 stride-2 kernel on 224
pixels needs 2 before and 3 after).
"""
from typing import Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule


def tf_same_padding(in_size: int, kernel_size: int,
                    stride: int) -> Tuple[int, int]:
    """The padding TF's ``'SAME'`` adds to one dimension.

    Args:
        in_size (int): Input length along the dimension.
        kernel_size (int): Kernel length along the dimension.
        stride (int): Stride along the dimension.

    Returns:
        tuple[int, int]: Padding before and after the input.
    """
    out_size = -(-in_size // stride)
    total = max((out_size - 1) * stride + kernel_size - in_size, 0)
    return total // 2, total - total // 2


def pad_tf_same(x: torch.Tensor,
                kernel_size: Sequence[int],
                stride: Sequence[int],
                value: float = 0.) -> torch.Tensor:
    """Pad a ``(B, C, T, H, W)`` tensor as TF's ``'SAME'`` does.

    Args:
        x (torch.Tensor): Input of shape ``(B, C, T, H, W)``.
        kernel_size (Sequence[int]): Kernel size ``(kT, kH, kW)``.
        stride (Sequence[int]): Stride ``(sT, sH, sW)``.
        value (float): Fill value: 0 for convolutions, ``-inf`` for
            max-pools (TF's max-pool never picks a padded element).

    Returns:
        torch.Tensor: The padded tensor ``(B, C, T', H', W')``.
    """
    pads = []
    # F.pad lists the last dimension first.
    for in_size, k, s in reversed(list(zip(x.shape[2:], kernel_size, stride))):
        pads.extend(tf_same_padding(in_size, k, s))
    if not any(pads):
        return x
    return F.pad(x, pads, value=value)


class ConvModule3dTFSame(ConvModule):
    """MMCV's conv-norm-activation module with TF ``'SAME'`` padding.

    Takes the arguments of :class:`mmcv.cnn.ConvModule` for a 3-D
    convolution; ``padding`` must stay 0 since the padding is computed from
    each input.

    Args:
        in_channels (int): Input channels C.
        out_channels (int): Output channels C'.
        kernel_size (int | tuple[int]): Kernel size.
        stride (int | tuple[int]): Stride. Defaults to 1.
        **kwargs: Other arguments of :class:`mmcv.cnn.ConvModule`;
            ``conv_cfg`` defaults to ``dict(type='Conv3d')``.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 kernel_size,
                 stride=1,
                 **kwargs) -> None:
        if kwargs.get('padding', 0) != 0:
            raise ValueError('ConvModule3dTFSame computes its padding from '
                             f'the input; got padding={kwargs["padding"]}')
        kwargs.setdefault('conv_cfg', dict(type='Conv3d'))
        super().__init__(
            in_channels, out_channels, kernel_size, stride=stride, **kwargs)
        if len(self.conv.kernel_size) != 3:
            raise ValueError('ConvModule3dTFSame needs a 3-D convolution, '
                             f'got conv_cfg={self.conv_cfg}')

    def forward(self, x: torch.Tensor, **kwargs) -> torch.Tensor:
        """``(B, C, T, H, W)`` -> ``(B, C', ceil(T/sT), ceil(H/sH),
        ceil(W/sW))``."""
        x = pad_tf_same(x, self.conv.kernel_size, self.conv.stride)
        return super().forward(x, **kwargs)


class MaxPool3dTFSame(nn.MaxPool3d):
    """3-D max-pool with TF ``'SAME'`` padding (padded with ``-inf``).

    Args:
        kernel_size (int | tuple[int]): Window size ``(kT, kH, kW)``.
        stride (int | tuple[int]): Stride ``(sT, sH, sW)``.
    """

    def __init__(self, kernel_size, stride) -> None:
        super().__init__(kernel_size, stride)
        self.kernel_size = _triple(self.kernel_size)
        self.stride = _triple(self.stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, C, T, H, W)`` -> ``(B, C, ceil(T/sT), ceil(H/sH),
        ceil(W/sW))``."""
        x = pad_tf_same(x, self.kernel_size, self.stride, value=float('-inf'))
        return F.max_pool3d(x, self.kernel_size, self.stride)


def _triple(value) -> Tuple[int, int, int]:
    return tuple(value) if isinstance(value, Sequence) else (value, ) * 3
