"""Pooling: max, average and adaptive average over windows of a (N, C, H, W) array.

Max pooling (the lecture's "keep the strongest response"):  y[n,c,i,j] = max_{u,v} x[n,c, s·i + d·u − p, s·j + d·v − p];
the gradient goes to the one input that was the maximum (the first one in row-major order on ties,
as in PyTorch).  Average pooling: y = (1/|window|) Σ_{u,v} x[...], its gradient is g/|window| spread over
the window.  Adaptive average pooling averages bins ⌊i·H/OH⌋ … ⌈(i+1)·H/OH⌉ − 1: y = A_H x A_Wᵀ.

Every op works on views of x, one per kernel tap (u, v) — a loop over kh·kw, never over pixels —
and keeps x's memory order (channels-last stays channels-last).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from ..autograd.function import Function
from .conv import parallel_batch

if TYPE_CHECKING:
    from ..tensor import Tensor


def pool_out_size(size: int, k: int, stride: int, pad: int, dilation: int, ceil_mode: bool) -> int:
    """⌊ or ⌈ (size + 2p − d·(k − 1) − 1)/s ⌉ + 1; in ceil mode the last window must start inside."""
    span = size + 2 * pad - dilation * (k - 1) - 1
    out = (-(-span // stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def is_channels_last(x: np.ndarray) -> bool:
    """Whether a logical (N, C, H, W) array keeps its channels innermost in memory."""
    return x.ndim == 4 and x.shape[1] > 1 and x.strides[1] < x.strides[3]


def alloc(shape: tuple, dtype, channels_last: bool, fill: float | None = None) -> np.ndarray:
    """A new logical (N, C, H, W) array, channels-last in memory or in C order."""
    if channels_last:
        n, c, h, w = shape
        mem = (n, h, w, c)
        buf = np.empty(mem, dtype=dtype) if fill is None else np.full(mem, fill, dtype=dtype)
        return buf.transpose(0, 3, 1, 2)
    return np.empty(shape, dtype=dtype) if fill is None else np.full(shape, fill, dtype=dtype)


def _like(x: np.ndarray, channels_last: bool) -> np.ndarray:
    """x copied into channels-last memory or C order."""
    out = alloc(x.shape, x.dtype, channels_last)
    out[...] = x
    return out


def _tap(buf: np.ndarray, u: int, v: int, oh: int, ow: int, stride, dilation) -> np.ndarray:
    """The (N, C, OH, OW) view of a (padded) array that kernel tap (u, v) reads."""
    r, c = u * dilation[0], v * dilation[1]
    return buf[:, :, r:r + stride[0] * (oh - 1) + 1:stride[0], c:c + stride[1] * (ow - 1) + 1:stride[1]]


def _padded(x: np.ndarray, hp: int, wp: int, pad: tuple[int, int], fill: float) -> np.ndarray:
    """x placed at (pad_h, pad_w) in an (N, C, hp, wp) array of ``fill`` (x itself when it fits exactly)."""
    n, c, h, w = x.shape
    if hp == h and wp == w and pad == (0, 0):
        return x
    buf = alloc((n, c, hp, wp), x.dtype, is_channels_last(x), fill)
    buf[:, :, pad[0]:pad[0] + h, pad[1]:pad[1] + w] = x
    return buf


def _select(idx: np.ndarray, mask: np.ndarray, value) -> None:
    """idx ← value where mask, in place, by unsigned arithmetic: idx + mask·(value − idx) (mod 2ᵇ).

    NumPy's masked writes (``copyto(where=)``, ``where``, boolean indexing) branch per element and
    were 30x slower here than these three vectorised operations."""
    diff = np.subtract(value, idx, dtype=idx.dtype)
    diff *= mask
    idx += diff


class MaxPool2d(Function):
    """y = max over each window; ∂L/∂x = g at the window's (first) maximum, 0 elsewhere.

    Saves one small integer per output: the row-major position u·kw + v of the maximum in its window."""

    def forward(self, x, kernel=(2, 2), stride=(2, 2), padding=(0, 0), dilation=(1, 1), ceil_mode=False,
                sink=None):
        if sink is not None:  # the caller wants this node, for indices(), even when nothing is recorded
            sink.append(self)
        n, c, h, w = x.shape
        kh, kw = kernel
        oh = pool_out_size(h, kh, stride[0], padding[0], dilation[0], ceil_mode)
        ow = pool_out_size(w, kw, stride[1], padding[1], dilation[1], ceil_mode)
        if oh <= 0 or ow <= 0:
            raise RuntimeError(f"max_pool2d: input of shape {tuple(x.shape)} is too small for kernel {kernel} "
                               f"(output would be {oh}x{ow})")
        self.geom = (x.shape, kernel, stride, padding, dilation, oh, ow)
        self.chl = is_channels_last(x)
        itype = np.uint8 if kh * kw <= 256 else np.uint32
        fast = (tuple(stride) == (kh, kw) and tuple(padding) == (0, 0) and tuple(dilation) == (1, 1)
                and oh * kh <= h and ow * kw <= w)
        if fast:
            out, idx = self._separable(x, kh, kw, oh, ow, itype)
            if idx is not None:
                self.idx, self.fast = idx, True
                return out
        hp = (oh - 1) * stride[0] + dilation[0] * (kh - 1) + 1
        wp = (ow - 1) * stride[1] + dilation[1] * (kw - 1) + 1
        xp = _padded(x, max(hp, h + 2 * padding[0]), max(wp, w + 2 * padding[1]), padding, -np.inf)
        out = _tap(xp, 0, 0, oh, ow, stride, dilation).copy(order="K")
        idx = np.zeros_like(out, dtype=itype)
        upd = np.empty_like(out, dtype=bool)
        t = 0
        for u in range(kh):  # row-major over the taps: a later tap wins only if strictly greater (or NaN)
            for v in range(kw):
                if t:
                    view = _tap(xp, u, v, oh, ow, stride, dilation)
                    np.greater(view, out, out=upd)
                    upd |= np.isnan(view)
                    _select(idx, upd, t)
                    np.maximum(out, view, out=out)  # NaN propagates, as the value PyTorch returns
                t += 1
        self.idx, self.fast = idx, False
        return out

    @staticmethod
    def _separable(x, kh, kw, oh, ow, itype):
        """stride = kernel, no padding: max within each row of the window first, then across rows —
        the first row that holds the window's maximum, then its first column: PyTorch's row-major choice."""
        n, c = x.shape[:2]
        x6 = x[:, :, :oh * kh, :ow * kw].reshape(n, c, oh, kh, ow, kw)
        if kh == kw == 2:  # the common case in a handful of whole-array operations
            chl = is_channels_last(x)
            out = alloc((n, c, oh, ow), x.dtype, chl)
            idx = alloc((n, c, oh, ow), np.uint8, chl)

            def pool(lo: int, hi: int) -> None:
                t0, t1 = x6[lo:hi, ..., 0], x6[lo:hi, ..., 1]
                rm = np.maximum(t0, t1)  # (n, C, OH, 2, OW): each window row's maximum ...
                col = np.greater(t1, t0)  # ... and whether it sits in column 1
                r0, r1 = rm[:, :, :, 0], rm[:, :, :, 1]
                np.maximum(r0, r1, out=out[lo:hi])
                sel = np.greater(r1, r0)  # the maximum is in row 1 only if strictly greater there
                c0, c1 = col[:, :, :, 0], col[:, :, :, 1]
                part = idx[lo:hi]
                np.bitwise_xor(c0, c1, out=c1)
                c1 &= sel
                c1 ^= c0  # the chosen row's column
                np.left_shift(sel.view(np.uint8), 1, out=part)
                part += c1.view(np.uint8)
            parallel_batch(n, pool, x6.size)
            if np.isnan(out).any():
                return out, None
            return out, idx
        rm = x6[..., 0].copy(order="K")  # (N, C, OH, kh, OW): each window row's maximum
        col = np.zeros_like(rm, dtype=itype)  # *_like keeps rm's memory order, so no op mixes layouts
        upd = np.empty_like(rm, dtype=bool)
        for v in range(1, kw):
            tap = x6[..., v]
            np.greater(tap, rm, out=upd)
            _select(col, upd, v)
            np.maximum(rm, tap, out=rm)
        out = rm[:, :, :, 0].copy(order="K")
        idx = col[:, :, :, 0].copy(order="K")
        sel = upd[:, :, :, 0]
        for u in range(1, kh):
            row = rm[:, :, :, u]
            np.greater(row, out, out=sel)
            _select(idx, sel, col[:, :, :, u] + np.asarray(u * kw, dtype=itype))
            np.maximum(out, row, out=out)
        if np.isnan(out).any():  # NaN rules (a NaN always wins) need the general path
            return out, None
        return out, idx

    def indices(self) -> np.ndarray:
        """PyTorch's int64 indices: the flat position h·W + w of each maximum in its input plane."""
        (n, c, h, w), (kh, kw), stride, padding, dilation, oh, ow = self.geom
        idx = self.idx.astype(np.int64)
        u, v = np.divmod(idx, kw)
        rows = np.arange(oh).reshape(oh, 1) * stride[0] - padding[0] + u * dilation[0]
        cols = np.arange(ow) * stride[1] - padding[1] + v * dilation[1]
        return rows * w + cols

    def backward(self, g):
        (n, c, h, w), (kh, kw), stride, padding, dilation, oh, ow = self.geom
        idx = self.idx
        if is_channels_last(g) != self.chl and c > 1:  # e.g. from Flatten's backward: one copy, then
            g = _like(g, self.chl)                    # no operation below mixes memory orders
        mask = np.empty_like(idx, dtype=bool)
        if self.fast:  # windows do not overlap: each tap's slice is written once
            gx = alloc((n, c, h, w), g.dtype, self.chl)
            if oh * kh < h or ow * kw < w:
                gx[...] = 0
            g6 = gx[:, :, :oh * kh, :ow * kw].reshape(n, c, oh, kh, ow, kw)

            def scatter(lo: int, hi: int) -> None:
                m, gp, ip = mask[lo:hi], g[lo:hi], idx[lo:hi]
                for u in range(kh):
                    for v in range(kw):
                        np.equal(ip, u * kw + v, out=m)
                        np.multiply(gp, m, out=g6[lo:hi, :, :, u, :, v])
            parallel_batch(n, scatter, gx.size)
            return gx
        hp = (oh - 1) * stride[0] + dilation[0] * (kh - 1) + 1
        wp = (ow - 1) * stride[1] + dilation[1] * (kw - 1) + 1
        hp, wp = max(hp, h + 2 * padding[0]), max(wp, w + 2 * padding[1])
        gxp = alloc((n, c, hp, wp), g.dtype, self.chl, 0.0)
        t = 0
        for u in range(kh):
            for v in range(kw):
                view = _tap(gxp, u, v, oh, ow, stride, dilation)
                np.equal(idx, t, out=mask)
                view += g * mask
                t += 1
        return gxp[:, :, padding[0]:padding[0] + h, padding[1]:padding[1] + w]


def _avg_divisor(size: int, k: int, stride: int, pad: int, out: int, count_include_pad: bool) -> np.ndarray:
    """Per output position along one axis: the window length PyTorch divides by."""
    start = np.arange(out) * stride - pad
    end = np.minimum(start + k, size + pad)
    if count_include_pad:
        return end - start
    return np.minimum(end, size) - np.maximum(start, 0)


class AvgPool2d(Function):
    """y = (1/|window|) Σ window;  ∂L/∂x = Σ over the windows containing x of g/|window|."""

    def forward(self, x, kernel=(2, 2), stride=(2, 2), padding=(0, 0), ceil_mode=False, count_include_pad=True,
                divisor_override=None):
        n, c, h, w = x.shape
        kh, kw = kernel
        oh = pool_out_size(h, kh, stride[0], padding[0], 1, ceil_mode)
        ow = pool_out_size(w, kw, stride[1], padding[1], 1, ceil_mode)
        if oh <= 0 or ow <= 0:
            raise RuntimeError(f"avg_pool2d: input of shape {tuple(x.shape)} is too small for kernel {kernel} "
                               f"(output would be {oh}x{ow})")
        hp = max((oh - 1) * stride[0] + kh, h + 2 * padding[0])
        wp = max((ow - 1) * stride[1] + kw, w + 2 * padding[1])
        xp = _padded(x, hp, wp, padding, 0.0)
        one = (1, 1)
        out = _tap(xp, 0, 0, oh, ow, stride, one).copy(order="K")
        for u in range(kh):
            for v in range(kw):
                if u or v:
                    out += _tap(xp, u, v, oh, ow, stride, one)
        if divisor_override:
            scale = np.asarray(1.0 / divisor_override, dtype=x.dtype)
        else:
            dh = _avg_divisor(h, kh, stride[0], padding[0], oh, count_include_pad)
            dw = _avg_divisor(w, kw, stride[1], padding[1], ow, count_include_pad)
            div = np.outer(dh, dw)
            scale = (1.0 / div).astype(x.dtype) if (div != kh * kw).any() else np.asarray(1.0 / (kh * kw), x.dtype)
        out *= scale
        self.geom = (x.shape, kernel, stride, padding, oh, ow, hp, wp, scale)
        self.chl = is_channels_last(x)
        return out

    def backward(self, g):
        (n, c, h, w), (kh, kw), stride, padding, oh, ow, hp, wp, scale = self.geom
        gs = g * scale
        gxp = alloc((n, c, hp, wp), g.dtype, self.chl, 0.0)
        for u in range(kh):
            for v in range(kw):
                view = _tap(gxp, u, v, oh, ow, stride, (1, 1))
                view += gs
        return gxp[:, :, padding[0]:padding[0] + h, padding[1]:padding[1] + w]


def adaptive_bins(size: int, out: int, dtype) -> np.ndarray:
    """A (out, size) averaging matrix: row i is 1/len over ⌊i·size/out⌋ … ⌈(i+1)·size/out⌉ − 1."""
    a = np.zeros((out, size), dtype=dtype)
    for i in range(out):  # a loop over output bins (≤ out), building a small constant matrix
        lo, hi = (i * size) // out, math.ceil((i + 1) * size / out)
        a[i, lo:hi] = 1.0 / (hi - lo)
    return a


class AdaptiveAvgPool2d(Function):
    """y = A_H x A_Wᵀ with the averaging matrices A; ∂L/∂x = A_Hᵀ g A_W.  Two GEMMs each way."""

    def forward(self, x, output_size=(1, 1)):
        n, c, h, w = x.shape
        oh, ow = output_size
        self.ah, self.aw = adaptive_bins(h, oh, x.dtype), adaptive_bins(w, ow, x.dtype)
        t = np.tensordot(x, self.aw, axes=([3], [1]))  # (N, C, H, OW)
        return np.ascontiguousarray(np.tensordot(t, self.ah, axes=([2], [1])).transpose(0, 1, 3, 2))

    def backward(self, g):
        t = np.tensordot(g, self.aw, axes=([3], [0]))  # (N, C, OH, W)
        return np.tensordot(t, self.ah, axes=([2], [0])).transpose(0, 1, 3, 2)


# ----------------------------------------------------------------- argument handling for nn.functional
def _check4(x: Tensor, name: str) -> tuple[Tensor, bool]:
    """Tensors of rank 3 (C, H, W) become (1, C, H, W); returns (x, unbatched)."""
    if x.ndim not in (3, 4):
        raise RuntimeError(f"{name}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got input of shape "
                           f"{tuple(x.shape)}")
    return (x.unsqueeze(0), True) if x.ndim == 3 else (x, False)


def max_pool2d(x: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    from ..tensor import Tensor
    from .conv import ntuple

    k = ntuple(kernel_size, 2, "kernel_size")
    s = k if stride is None or (not isinstance(stride, int) and len(stride) == 0) else ntuple(stride, 2, "stride")
    p, d = ntuple(padding, 2, "padding"), ntuple(dilation, 2, "dilation")
    if any(v < 1 for v in k + s + d):
        raise RuntimeError(f"max_pool2d: kernel_size, stride and dilation must be positive, got {k}, {s}, {d}")
    if any(pv < 0 or pv > kv // 2 for pv, kv in zip(p, k)):
        raise RuntimeError(f"max_pool2d: pad should be at most half of effective kernel size, but got pad={p}, "
                           f"kernel_size={k}")
    x4, unbatched = _check4(x, "max_pool2d")
    sink: list = [] if return_indices else None
    out = MaxPool2d.apply(x4, kernel=k, stride=s, padding=p, dilation=d, ceil_mode=ceil_mode, sink=sink)
    if unbatched:
        out = out.squeeze(0)
    if not return_indices:
        return out
    idx = Tensor._from_op(sink[0].indices(), None)
    return out, (idx.squeeze(0) if unbatched else idx)


def avg_pool2d(x: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    from .conv import ntuple

    k = ntuple(kernel_size, 2, "kernel_size")
    s = k if stride is None or (not isinstance(stride, int) and len(stride) == 0) else ntuple(stride, 2, "stride")
    p = ntuple(padding, 2, "padding")
    if any(v < 1 for v in k + s):
        raise RuntimeError(f"avg_pool2d: kernel_size and stride must be positive, got {k}, {s}")
    if any(pv < 0 or pv > kv // 2 for pv, kv in zip(p, k)):
        raise RuntimeError(f"avg_pool2d: pad should be at most half of kernel size, but got pad={p}, "
                           f"kernel_size={k}")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("avg_pool2d: divisor must be not zero")
    x4, unbatched = _check4(x, "avg_pool2d")
    out = AvgPool2d.apply(x4, kernel=k, stride=s, padding=p, ceil_mode=ceil_mode,
                          count_include_pad=count_include_pad, divisor_override=divisor_override)
    return out.squeeze(0) if unbatched else out


def adaptive_output_size(output_size: Any, h: int, w: int, name: str) -> tuple[int, int]:
    """(OH, OW) of an adaptive pool: an int or a pair, where None keeps the input's size."""
    if output_size is None or isinstance(output_size, int | np.integer):
        size = (output_size, output_size)
    else:
        size = tuple(output_size)
        if len(size) == 1:
            size = size * 2
        if len(size) != 2:
            raise ValueError(f"{name}: output_size must be an int or a pair, got {output_size!r}")
    oh, ow = (h if size[0] is None else int(size[0])), (w if size[1] is None else int(size[1]))
    if oh < 1 or ow < 1:
        raise RuntimeError(f"{name}: output size must be positive, got {(oh, ow)}")
    return oh, ow


def adaptive_avg_pool2d(x: Tensor, output_size: Any) -> Tensor:
    x4, unbatched = _check4(x, "adaptive_avg_pool2d")
    h, w = x4.shape[2:]
    oh, ow = adaptive_output_size(output_size, h, w, "adaptive_avg_pool2d")
    if h % oh == 0 and w % ow == 0:  # even bins: a plain average pool with kernel = stride = H/OH
        k = (h // oh, w // ow)
        out = AvgPool2d.apply(x4, kernel=k, stride=k, padding=(0, 0))
    else:
        out = AdaptiveAvgPool2d.apply(x4, output_size=(oh, ow))
    return out.squeeze(0) if unbatched else out
