"""Padding layers: grow the last 1 or 2 dims by a constant border, a mirror image (reflect: the border
repeats x[1], x[2], … without the edge) or copies of the edge (replicate).

``padding`` is an int (every side) or PyTorch's tuple (left, right[, top, bottom]); all of them call
``F.pad``, whose backward routes each border gradient back to the input element it copied.
"""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from . import functional as F
from .module import Module


def _ntuple(padding: Any, n: int) -> tuple[int, ...]:
    if isinstance(padding, tuple | list):
        return tuple(int(p) for p in padding)
    return (int(padding),) * n


class _ConstantPadNd(Module):
    _sides = 2

    def __init__(self, padding: Any, value: float) -> None:
        super().__init__()
        self.padding = _ntuple(padding, self._sides)
        self.value = value

    def forward(self, x: Tensor) -> Tensor:
        if len(self.padding) > 2 * x.ndim:
            raise RuntimeError(f"{type(self).__name__}: Padding length should be less than or equal to two times the "
                               f"input dimension but got padding length {len(self.padding)} and input of dimension "
                               f"{x.ndim}")
        return F.pad(x, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with ``value``: padding int or (left, right)."""

    _sides = 2


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dims with ``value``: padding int or (left, right, top, bottom)."""

    _sides = 4


class ZeroPad2d(ConstantPad2d):
    """Pad the last two dims with zeros: padding int or (left, right, top, bottom)."""

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _CopyPadNd(Module):
    """Reflection or replication padding of the last ``_dims`` dims of a (_dims + 1)- or (_dims + 2)-D input."""

    _dims = 1
    _mode = "reflect"

    def __init__(self, padding: Any) -> None:
        super().__init__()
        self.padding = _ntuple(padding, 2 * self._dims)

    def forward(self, x: Tensor) -> Tensor:
        name, n = type(self).__name__, self._dims
        if x.ndim not in (n + 1, n + 2):
            raise RuntimeError(f"{name}: expected a {n + 1}-D or {n + 2}-D input, got input of shape "
                               f"{tuple(x.shape)}")
        if len(self.padding) != 2 * n:
            raise RuntimeError(f"{name}: padding must have {2 * n} values, got {self.padding}")
        for i in range(n):
            dim = x.ndim - 1 - i
            lo, hi = self.padding[2 * i], self.padding[2 * i + 1]
            if self._mode == "reflect" and (lo >= x.shape[dim] or hi >= x.shape[dim]):
                raise RuntimeError(f"{name}: Padding size should be less than the corresponding input dimension, "
                                   f"but got: padding ({lo}, {hi}) at dimension {dim} of input {list(x.shape)}")
            if x.shape[dim] == 0:
                raise RuntimeError(f"{name}: cannot pad dimension {dim} of size 0 (input {list(x.shape)})")
        return F.pad(x, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad1d(_CopyPadNd):
    """Mirror the last dim about its edges (edge not repeated); each pad must be < the dim's size."""

    _dims, _mode = 1, "reflect"


class ReflectionPad2d(_CopyPadNd):
    """Mirror the last two dims about their edges (edge not repeated)."""

    _dims, _mode = 2, "reflect"


class ReplicationPad1d(_CopyPadNd):
    """Repeat the edge values of the last dim."""

    _dims, _mode = 1, "replicate"


class ReplicationPad2d(_CopyPadNd):
    """Repeat the edge values of the last two dims."""

    _dims, _mode = 2, "replicate"
