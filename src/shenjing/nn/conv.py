"""Convolution layers (the lecture's local receptive fields with shared weights) and Dropout2d.

Conv2d: y[n,o,i,j] = b[o] + Σ_{c,u,v} W[o,c,u,v] · x[n,c, s·i + d·u − p, s·j + d·v − p], W of shape
(out_channels, in_channels/groups, kh, kw) and W, b ~ U(−1/√fan_in, 1/√fan_in) as in PyTorch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backend import get_default_dtype, to_dtype
from ..ops.conv import conv_padding, ntuple
from ..tensor import Tensor
from . import functional as F
from . import init
from .linear import Dropout
from .module import Module
from .parameter import Parameter

_PAD_MODES = ("zeros", "reflect", "replicate", "circular")


def _check_groups(name: str, in_channels: int, out_channels: int, groups: int) -> None:
    if groups <= 0:
        raise ValueError(f"{name}: groups must be a positive integer, got {groups}")
    if in_channels % groups:
        raise ValueError(f"{name}: in_channels={in_channels} must be divisible by groups={groups}")
    if out_channels % groups:
        raise ValueError(f"{name}: out_channels={out_channels} must be divisible by groups={groups}")


class _ConvNd(Module):
    """Shared by Conv1d and Conv2d: parameters, checks, repr."""

    _dims = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 dilation: Any = 1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        name = type(self).__name__
        n = self._dims
        _check_groups(name, in_channels, out_channels, groups)
        if padding_mode not in _PAD_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {_PAD_MODES}, got {padding_mode!r}")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = ntuple(kernel_size, n, "kernel_size")
        self.stride = ntuple(stride, n, "stride")
        self.dilation = ntuple(dilation, n, "dilation")
        if isinstance(padding, str):
            conv_padding(padding, self.kernel_size, self.stride, self.dilation, name)  # validates
            self.padding = padding
        else:
            self.padding = ntuple(padding, n, "padding")
        self.groups, self.padding_mode = groups, padding_mode
        self._init_parameters((out_channels, in_channels // groups, *self.kernel_size), out_channels, bias, dtype)

    def _init_parameters(self, weight_shape: tuple, out_channels: int, bias: bool, dtype: Any) -> None:
        npd = (to_dtype(dtype) if dtype is not None else get_default_dtype()).np
        self.weight = Parameter(np.empty(weight_shape, dtype=npd))
        if bias:
            self.bias = Parameter(np.empty(out_channels, dtype=npd))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.default_linear_init_(self.weight, self.bias)

    def _check(self, x: Tensor) -> None:
        n = self._dims
        spatial = "L" if n == 1 else "H, W"
        if x.ndim not in (n + 1, n + 2):
            raise RuntimeError(
                f"{self._label()}: expected a {n + 1}-D (C, {spatial}) or {n + 2}-D (N, C, {spatial}) input, "
                f"got input of shape {tuple(x.shape)}"
            )
        c = x.shape[-n - 1]
        if c != self.in_channels:
            raise RuntimeError(
                f"{self._label()}: expected input with {self.in_channels} channels (shape (N, "
                f"{self.in_channels}, {spatial})), got input of shape {tuple(x.shape)} with {c} channels"
            )

    def _label(self) -> str:
        return f"{type(self).__name__}({self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size})"

    def _forward(self, x: Tensor, fn) -> Tensor:
        self._check(x)
        if self.padding_mode != "zeros" and self.padding != "valid":
            pads = conv_padding(self.padding, self.kernel_size, self.stride, self.dilation, type(self).__name__)
            torch_order: list[int] = []  # F.pad wants (last_before, last_after, previous_before, ...)
            for i in reversed(range(self._dims)):
                torch_order += [pads[2 * i], pads[2 * i + 1]]
            x = F.pad(x, tuple(torch_order), mode=self.padding_mode)
            return fn(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)
        return fn(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)

    def extra_repr(self) -> str:
        n = self._dims
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * n:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * n:
            s += f", dilation={self.dilation}"
        s += self._repr_after_dilation()
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s

    def _repr_after_dilation(self) -> str:
        return ""


class Conv2d(_ConvNd):
    """2-D convolution over (N, C, H, W) (or unbatched (C, H, W)); weight (out, in/groups, kh, kw).

    ``padding``: int, pair, 'valid' or 'same'; ``groups=in_channels`` gives a depthwise convolution."""

    _dims = 2

    def forward(self, x: Tensor) -> Tensor:
        return self._forward(x, F.conv2d)


class Conv1d(_ConvNd):
    """1-D convolution over (N, C, L) (or unbatched (C, L)); weight (out, in/groups, k)."""

    _dims = 1

    def forward(self, x: Tensor) -> Tensor:
        return self._forward(x, F.conv1d)


class Dropout2d(Dropout):
    """In training, zero each whole channel (feature map) with probability p and scale the rest by 1/(1 − p)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout2d(x, self.p, self.training, self.inplace)


class _ConvTransposeNd(_ConvNd):
    """Shared by ConvTranspose1d and ConvTranspose2d: weight (in_channels, out_channels/groups, *kernel_size),
    W, b ~ U(−1/√fan_in, 1/√fan_in) with fan_in = out_channels/groups · Πkernel_size, as in PyTorch."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 output_padding: Any = 0, groups: int = 1, bias: bool = True, dilation: Any = 1,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        Module.__init__(self)
        name = type(self).__name__
        n = self._dims
        _check_groups(name, in_channels, out_channels, groups)
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {name}, got {padding_mode!r}')
        if isinstance(padding, str):
            raise ValueError(f"{name}: padding must be an int or a tuple of ints, got {padding!r}")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = ntuple(kernel_size, n, "kernel_size")
        self.stride = ntuple(stride, n, "stride")
        self.padding = ntuple(padding, n, "padding")
        self.output_padding = ntuple(output_padding, n, "output_padding")
        self.dilation = ntuple(dilation, n, "dilation")
        self.groups, self.padding_mode = groups, padding_mode
        self._init_parameters((in_channels, out_channels // groups, *self.kernel_size), out_channels, bias, dtype)

    def _output_padding(self, x: Tensor, output_size: Any) -> tuple[int, ...]:
        """``output_padding``, or what it must be for the output to have ``output_size`` (PyTorch's rule)."""
        if output_size is None:
            return self.output_padding
        n = self._dims
        lead = 2 if x.ndim == n + 2 else 1
        size = [int(s) for s in output_size]
        if len(size) == lead + n:
            size = size[lead:]
        if len(size) != n:
            raise ValueError(f"ConvTranspose{n}D: for {x.ndim}D input, output_size must have {n} or {lead + n} "
                             f"elements (got {len(size)})")
        mins = [(x.shape[d + lead] - 1) * self.stride[d] - 2 * self.padding[d]
                + self.dilation[d] * (self.kernel_size[d] - 1) + 1 for d in range(n)]
        maxs = [m + self.stride[d] - 1 for d, m in enumerate(mins)]
        for s, lo, hi in zip(size, mins, maxs):
            if s < lo or s > hi:
                raise ValueError(f"requested an output size of {size}, but valid sizes range from {mins} to {maxs} "
                                 f"(for an input of {tuple(x.shape[lead:])})")
        return tuple(s - m for s, m in zip(size, mins))

    def _forward_t(self, x: Tensor, output_size: Any, fn) -> Tensor:
        self._check(x)
        op = self._output_padding(x, output_size)
        return fn(x, self.weight, self.bias, self.stride, self.padding, op, self.groups, self.dilation)

    def _repr_after_dilation(self) -> str:
        return f", output_padding={self.output_padding}" if self.output_padding != (0,) * self._dims else ""


class ConvTranspose2d(_ConvTransposeNd):
    """2-D transposed convolution (the adjoint of Conv2d, "deconvolution") over (N, C, H, W) or (C, H, W):
    OH = (H − 1)·stride − 2·padding + dilation·(kh − 1) + output_padding + 1."""

    _dims = 2

    def forward(self, x: Tensor, output_size: Any = None) -> Tensor:
        return self._forward_t(x, output_size, F.conv_transpose2d)


class ConvTranspose1d(_ConvTransposeNd):
    """1-D transposed convolution over (N, C, L) or (C, L): OL = (L − 1)·s − 2p + d·(k − 1) + output_padding + 1."""

    _dims = 1

    def forward(self, x: Tensor, output_size: Any = None) -> Tensor:
        return self._forward_t(x, output_size, F.conv_transpose1d)
