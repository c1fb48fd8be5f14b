"""Pooling layers: max (keep each window's strongest response), average and adaptive average.

MaxPool2d: y[n,c,i,j] = max_{u,v} x[n,c, s·i + d·u − p, s·j + d·v − p];  AvgPool2d: the window's mean.
"""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from . import functional as F
from .module import Module


def _check(layer: Module, x: Tensor) -> None:
    if x.ndim not in (3, 4):
        raise RuntimeError(f"{type(layer).__name__}({layer.extra_repr()}): expected a 3-D (C, H, W) or 4-D "
                           f"(N, C, H, W) input, got input of shape {tuple(x.shape)}")


class _MaxPoolNd(Module):
    """What MaxPool1d and MaxPool2d share: the arguments and the repr (stride defaults to kernel_size)."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def _pool(self, x: Tensor, pool) -> Any:
        return pool(x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                    self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool2d(_MaxPoolNd):
    """Max over kernel_size windows (stride defaults to kernel_size); ties go to the first, as in PyTorch."""

    def forward(self, x: Tensor) -> Any:
        _check(self, x)
        return self._pool(x, F.max_pool2d)


class AvgPool2d(Module):
    """Mean over kernel_size windows; ``count_include_pad`` counts zero padding in the divisor."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: int | None = None) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, x: Tensor) -> Tensor:
        _check(self, x)
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad,
                            self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average into a fixed output_size (OH, OW) whatever the input size (None keeps that dim)."""

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        _check(self, x)
        return F.adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


def _check1(layer: Module, x: Tensor) -> None:
    if x.ndim not in (2, 3):
        raise RuntimeError(f"{type(layer).__name__}({layer.extra_repr()}): expected a 2-D (C, L) or 3-D "
                           f"(N, C, L) input, got input of shape {tuple(x.shape)}")


def _single(v: Any) -> tuple:
    return tuple(v) if isinstance(v, tuple | list) else (v,)


class MaxPool1d(_MaxPoolNd):
    """Max over kernel_size windows of the last dim (stride defaults to kernel_size); ties go to the first."""

    def forward(self, x: Tensor) -> Any:
        _check1(self, x)
        return self._pool(x, F.max_pool1d)


class AvgPool1d(Module):
    """Mean over kernel_size windows of the last dim; ``count_include_pad`` counts zero padding in the divisor."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True) -> None:
        super().__init__()
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, x: Tensor) -> Tensor:
        _check1(self, x)
        return F.avg_pool1d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool1d(Module):
    """Average the last dim into a fixed output_size whatever its length."""

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        _check1(self, x)
        return F.adaptive_avg_pool1d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool2d(Module):
    """Max over adaptive bins into a fixed output_size (OH, OW) (None keeps that dim)."""

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size, self.return_indices = output_size, return_indices

    def forward(self, x: Tensor) -> Any:
        _check(self, x)
        return F.adaptive_max_pool2d(x, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
