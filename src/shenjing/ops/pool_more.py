"""More pooling: 1-D max/average/adaptive-average pooling (the 2-D ops of ops/pool.py on a height-1 image)
and adaptive max pooling.

Adaptive max pooling over bins ⌊i·H/OH⌋ … ⌈(i+1)·H/OH⌉ − 1 (and the same along W):
y[n,c,i,j] = max over the bin;  ∂L/∂x = g at the bin's (first) maximum, 0 elsewhere.  Every bin is
gathered as a (kh_max, kw_max) window whose short bins repeat their last index, so one argmax over the
window axis does all bins at once; the gradient is scattered with one bincount.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.function import Function
from . import pool as _pool
from .pool import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d


def bin_starts_ends(size: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch's adaptive bins: start ⌊i·size/out⌋, end ⌈(i+1)·size/out⌉ (exclusive)."""
    i = np.arange(out)
    return (i * size) // out, -((-(i + 1) * size) // out)


def _bin_index(size: int, out: int) -> np.ndarray:
    """(out, k_max) input positions of each bin; a short bin repeats its last position."""
    start, end = bin_starts_ends(size, out)
    kmax = int((end - start).max())
    return np.minimum(start[:, None] + np.arange(kmax), end[:, None] - 1)


class AdaptiveMaxPool2d(Function):
    """y = max over each adaptive bin; ∂L/∂x = g at the bin's first maximum (NaN wins, as in PyTorch)."""

    def forward(self, x, output_size=(1, 1), sink=None):
        if sink is not None:
            sink.append(self)
        n, c, h, w = x.shape
        oh, ow = output_size
        rows, cols = _bin_index(h, oh), _bin_index(w, ow)  # (OH, kh), (OW, kw)
        kh, kw = rows.shape[1], cols.shape[1]
        win = x[:, :, rows[:, :, None, None], cols[None, None, :, :]]  # (N, C, OH, kh, OW, kw)
        win = win.transpose(0, 1, 2, 4, 3, 5).reshape(n, c, oh, ow, kh * kw)
        arg = np.argmax(win, axis=-1)  # the first maximum in row-major order; NaN counts as the maximum
        out = np.take_along_axis(win, arg[..., None], axis=-1)[..., 0]
        u, v = np.divmod(arg, kw)
        self.pos = rows[np.arange(oh)[:, None], u] * w + cols[np.arange(ow), v]  # flat h·W + w per output
        self.shape = x.shape
        return out

    def indices(self) -> np.ndarray:
        return self.pos.astype(np.int64)

    def backward(self, g):
        n, c, h, w = self.shape
        planes = np.arange(n * c).reshape(n, c, 1, 1) * (h * w)
        flat = (self.pos + planes).ravel()
        gx = np.bincount(flat, weights=g.ravel(), minlength=n * c * h * w)
        return gx.astype(g.dtype, copy=False).reshape(n, c, h, w)


# ----------------------------------------------------------------- argument handling for nn.functional
def _check3(x: Any, name: str) -> tuple[Any, bool]:
    """(C, L) → (1, C, 1, L), (N, C, L) → (N, C, 1, L); returns (x4, unbatched)."""
    if x.ndim not in (2, 3):
        raise RuntimeError(f"{name}: expected a 2-D (C, L) or 3-D (N, C, L) input, got input of shape "
                           f"{tuple(x.shape)}")
    unbatched = x.ndim == 2
    x3 = x.unsqueeze(0) if unbatched else x
    return x3.unsqueeze(2), unbatched


def _back3(out: Any, unbatched: bool) -> Any:
    out = out.squeeze(2)
    return out.squeeze(0) if unbatched else out


def _one(value: Any, name: str, op: str) -> int:
    if isinstance(value, int | np.integer):
        return int(value)
    t = tuple(value)
    if len(t) != 1:
        raise RuntimeError(f"{op}: {name} must be a single int or a tuple of one int, got {value!r}")
    return int(t[0])


def max_pool1d(x: Any, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    from ..tensor import Tensor

    k = _one(kernel_size, "kernel_size", "max_pool1d")
    s = k if stride is None or (not isinstance(stride, int) and len(stride) == 0) else _one(stride, "stride",
                                                                                             "max_pool1d")
    p, d = _one(padding, "padding", "max_pool1d"), _one(dilation, "dilation", "max_pool1d")
    if k < 1 or s < 1 or d < 1:
        raise RuntimeError(f"max_pool1d: kernel_size, stride and dilation must be positive, got kernel_size={k}, "
                           f"stride={s}, dilation={d}")
    if p < 0 or p > k // 2:
        raise RuntimeError(f"max_pool1d: pad should be at most half of effective kernel size, but got pad={p}, "
                           f"kernel_size={k}")
    x4, unbatched = _check3(x, "max_pool1d")
    sink: list | None = [] if return_indices else None
    out = MaxPool2d.apply(x4, kernel=(1, k), stride=(1, s), padding=(0, p), dilation=(1, d), ceil_mode=ceil_mode,
                          sink=sink)
    out = _back3(out, unbatched)
    if not return_indices:
        return out
    return out, _back3(Tensor._from_op(sink[0].indices(), None), unbatched)


def avg_pool1d(x: Any, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Any:
    k = _one(kernel_size, "kernel_size", "avg_pool1d")
    s = k if stride is None or (not isinstance(stride, int) and len(stride) == 0) else _one(stride, "stride",
                                                                                             "avg_pool1d")
    p = _one(padding, "padding", "avg_pool1d")
    if k < 1 or s < 1:
        raise RuntimeError(f"avg_pool1d: kernel_size and stride must be positive, got kernel_size={k}, stride={s}")
    if p < 0 or p > k // 2:
        raise RuntimeError(f"avg_pool1d: pad should be at most half of kernel size, but got pad={p}, "
                           f"kernel_size={k}")
    x4, unbatched = _check3(x, "avg_pool1d")
    out = AvgPool2d.apply(x4, kernel=(1, k), stride=(1, s), padding=(0, p), ceil_mode=ceil_mode,
                          count_include_pad=count_include_pad)
    return _back3(out, unbatched)


def adaptive_avg_pool1d(x: Any, output_size: Any) -> Any:
    size = _one(output_size, "output_size", "adaptive_avg_pool1d")
    if size < 1:
        raise RuntimeError(f"adaptive_avg_pool1d: output size must be positive, got {size}")
    x4, unbatched = _check3(x, "adaptive_avg_pool1d")
    length = x4.shape[3]
    if length % size == 0:
        k = length // size
        out = AvgPool2d.apply(x4, kernel=(1, k), stride=(1, k), padding=(0, 0))
    else:
        out = AdaptiveAvgPool2d.apply(x4, output_size=(1, size))
    return _back3(out, unbatched)


def adaptive_max_pool2d(x: Any, output_size: Any, return_indices: bool = False) -> Any:
    from ..tensor import Tensor

    if x.ndim not in (3, 4):
        raise RuntimeError(f"adaptive_max_pool2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got input "
                           f"of shape {tuple(x.shape)}")
    unbatched = x.ndim == 3
    x4 = x.unsqueeze(0) if unbatched else x
    h, w = x4.shape[2:]
    oh, ow = _pool.adaptive_output_size(output_size, h, w, "adaptive_max_pool2d")
    if h < 1 or w < 1:
        raise RuntimeError(f"adaptive_max_pool2d: input of shape {tuple(x.shape)} has an empty spatial dim")
    sink: list = []
    out = AdaptiveMaxPool2d.apply(x4, output_size=(oh, ow), sink=sink)
    if unbatched:
        out = out.squeeze(0)
    if not return_indices:
        return out
    idx = Tensor._from_op(sink[0].indices(), None)
    return out, (idx.squeeze(0) if unbatched else idx)
