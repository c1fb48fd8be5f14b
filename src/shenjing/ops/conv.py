"""Convolution as one matrix product (im2col) and its two backward products.

The lecture's convolution (PyTorch's cross-correlation), for stride s, dilation d and padding p:

    y[n, o, i, j] = b[o] + Σ_{c,u,v} W[o, c, u, v] · x[n, c, s·i + d·u − p, s·j + d·v − p]

Forward gathers every receptive field of x into a matrix X_col (one row per output pixel, one
column per (u, v, c)) by copying one strided view, then Y = X_col W_colᵀ + b is a single GEMM.
Backward: ∂L/∂W = gᵀ X_col and ∂L/∂X_col = g W_col (two GEMMs); ∂L/∂x folds ∂L/∂X_col back onto
the image with one strided addition per kernel offset (u, v) — col2im.

Layout.  Tensors keep PyTorch's logical shape (N, C, H, W), but a convolution's output lives in
*channels-last* memory (N, H, W, C): that is the GEMM's natural (N·OH·OW, O) result, so it costs
no transpose, and the next layer's im2col reads contiguous runs of C·kw numbers.  NumPy's
elementwise ops keep that memory order (order='K'), so ReLU, pooling and batch norm preserve it,
and the gradients that come back into ``backward`` are already the (N·OH·OW, O) matrix it needs.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..autograd.function import Function

if TYPE_CHECKING:
    from ..tensor import Tensor


def keep_freed_memory() -> bool:
    """Ask glibc's malloc to keep freed blocks for reuse instead of returning them to the kernel.

    A training step frees and re-allocates the same multi-megabyte arrays (im2col matrices, col2im
    buffers) every time.  By default glibc serves blocks over its adaptive threshold with a fresh
    mmap and trims the heap top on free, so each step pays ~3,700 page faults, each zeroing a page:
    LeNet's step took 16.4 ms, 9.1 ms with this (PyTorch in the same process: 9.9 → 7.0 ms).  The
    price is that RSS stays at its high-water mark.  Set ``SHENJING_KEEP_FREED_MEMORY=0`` to leave
    malloc alone.  Returns whether the settings were applied (glibc only)."""
    if os.environ.get("SHENJING_KEEP_FREED_MEMORY", "1") == "0":
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3
    ok = mallopt(m_mmap_threshold, 32 * 2**20)  # glibc's maximum: blocks up to 32 MiB come from the heap
    ok &= mallopt(m_trim_threshold, 2**30)  # shrink the heap only when 1 GiB lies free at its top
    return bool(ok)


MALLOC_TUNED = keep_freed_memory()


# ----------------------------------------------------------------- batch-parallel memory passes
_pool = None
_pool_pid = 0


def num_workers() -> int:
    """Threads for the memory-bound passes (im2col, col2im, 2x2 max-pooling): ``SHENJING_NUM_THREADS``,
    default 1.  Opt-in until measured on an idle machine: on a busy one, threads that wait for each
    other only add time (see docs/performance.md)."""
    value = os.environ.get("SHENJING_NUM_THREADS", "")
    return max(1, int(value)) if value.isdigit() else 1


def parallel_batch(n: int, fn, work: int) -> None:
    """Call ``fn(lo, hi)`` on contiguous slices of range(n) that cover it, in ``num_workers()`` threads.

    NumPy releases the GIL inside copies and ufunc loops, so slices of one batch run side by side,
    as PyTorch's parallel_for does.  ``work`` (numbers touched) below ~200k: one call, no threads."""
    global _pool, _pool_pid
    t = min(num_workers(), n)
    if t <= 1 or work < 200_000:
        fn(0, n)
        return
    if _pool is None or _pool._max_workers < t - 1 or _pool_pid != os.getpid():  # a forked child has no threads
        from concurrent.futures import ThreadPoolExecutor

        _pool, _pool_pid = ThreadPoolExecutor(max_workers=t - 1, thread_name_prefix="shenjing"), os.getpid()
    bounds = [n * i // t for i in range(t + 1)]
    futures = [_pool.submit(fn, bounds[i], bounds[i + 1]) for i in range(1, t)]
    fn(bounds[0], bounds[1])
    for f in futures:
        f.result()


def out_size(size: int, k: int, stride: int, pad_lo: int, pad_hi: int, dilation: int) -> int:
    """⌊(size + p_lo + p_hi − d·(k − 1) − 1) / s⌋ + 1, the number of window positions along one axis."""
    return (size + pad_lo + pad_hi - dilation * (k - 1) - 1) // stride + 1


def channels_last(x: np.ndarray) -> np.ndarray:
    """The (N, H, W, C) view of a logical (N, C, H, W) array; free when its memory is channels-last."""
    return x.transpose(0, 2, 3, 1)


def pad_channels_last(x: np.ndarray, pads: tuple[int, int, int, int], fill: float = 0.0) -> np.ndarray:
    """x (N, C, H, W) → a (N, H + top + bottom, W + left + right, C) array; borders hold ``fill``.

    Without padding this is the channels-last view of ``x`` (no copy)."""
    top, bottom, left, right = pads
    xl = channels_last(x)
    if not (top or bottom or left or right):
        return xl
    n, h, w, c = xl.shape
    buf = np.empty((n, h + top + bottom, w + left + right, c), dtype=x.dtype)
    if top:
        buf[:, :top] = fill
    if bottom:
        buf[:, top + h:] = fill
    if left:
        buf[:, top:top + h, :left] = fill
    if right:
        buf[:, top:top + h, left + w:] = fill
    buf[:, top:top + h, left:left + w] = xl
    return buf


def windows(xp: np.ndarray, kh: int, kw: int, oh: int, ow: int, stride: tuple[int, int],
            dilation: tuple[int, int]) -> np.ndarray:
    """Every receptive field of a channels-last (N, Hp, Wp, C) array as a read-only
    (N, OH, OW, kh, kw, C) view: window (i, j) starts at (s·i, s·j), its taps are d apart."""
    s0, s1, s2, s3 = xp.strides
    return as_strided(xp, (xp.shape[0], oh, ow, kh, kw, xp.shape[3]),
                      (s0, s1 * stride[0], s2 * stride[1], s1 * dilation[0], s2 * dilation[1], s3),
                      writeable=False)


def offset_view(buf: np.ndarray, u: int, v: int, oh: int, ow: int, stride: tuple[int, int],
                dilation: tuple[int, int]) -> np.ndarray:
    """The (N, OH, OW, C) slice of a channels-last buffer that kernel tap (u, v) touches."""
    r, c = u * dilation[0], v * dilation[1]
    return buf[:, r:r + stride[0] * (oh - 1) + 1:stride[0], c:c + stride[1] * (ow - 1) + 1:stride[1]]


def _shape(s) -> str:
    return str(tuple(int(n) for n in s))


def _tiled_bias_add(out: np.ndarray, b: np.ndarray, ow: int) -> None:
    """out (M, O) += b, done on rows of OW·O numbers so the inner loop is long even when O is small."""
    o = out.shape[1]
    out.reshape(-1, ow * o)[...] += np.tile(b, ow)


class Conv2d(Function):
    """y = X_col W_colᵀ + b; ∂L/∂W = gᵀ X_col, ∂L/∂x = col2im(g W_col), ∂L/∂b = Σ g.

    Inputs: x (N, C, H, W), weight (O, C/groups, kh, kw), bias (O,) or None.  ``padding`` is
    (top, bottom, left, right).  With groups > 1 the GEMM is batched over the groups."""

    def forward(self, x, w, b=None, stride=(1, 1), padding=(0, 0, 0, 0), dilation=(1, 1), groups=1):
        n, c, h, wd = x.shape
        o, cg, kh, kw = w.shape
        g = groups
        if x.dtype != w.dtype or (b is not None and b.dtype != x.dtype):
            raise RuntimeError(
                f"conv2d: input dtype {x.dtype} and weight dtype {w.dtype}"
                + (f" and bias dtype {b.dtype}" if b is not None else "") + " should be the same"
            )
        top, bottom, left, right = padding
        oh = out_size(h, kh, stride[0], top, bottom, dilation[0])
        ow = out_size(wd, kw, stride[1], left, right, dilation[1])
        if oh <= 0 or ow <= 0:
            raise RuntimeError(
                f"conv2d: input of shape {_shape(x.shape)} padded by {padding} is smaller than the "
                f"dilated kernel {kh}x{kw} (dilation {dilation}): output size would be {oh}x{ow}"
            )
        xp = pad_channels_last(x, padding)
        win = windows(xp, kh, kw, oh, ow, stride, dilation)
        m, k, og = n * oh * ow, kh * kw * cg, o // g
        if g == 1:
            if c == 1:  # one channel: copy tap by tap, (K, M), so each copied run is a whole row
                src = win.transpose(3, 4, 5, 0, 1, 2)
                buf = np.empty(src.shape, dtype=x.dtype)

                def copy(lo: int, hi: int) -> None:
                    buf[:, :, :, lo:hi] = src[:, :, :, lo:hi]
                cols = buf.reshape(k, m).T
            else:  # rows (n, i, j), columns (u, v, c): runs of kw·C contiguous numbers
                src = win
                buf = np.empty(win.shape, dtype=x.dtype)

                def copy(lo: int, hi: int) -> None:
                    buf[lo:hi] = src[lo:hi]
                cols = buf.reshape(m, k)
            parallel_batch(n, copy, m * k)
            wm = w.transpose(0, 2, 3, 1).reshape(o, k)  # W_col, columns in the same (u, v, c) order
            out = cols @ wm.T
            if b is not None:
                _tiled_bias_add(out, b, ow)
        else:
            cols = win.reshape(n, oh, ow, kh, kw, g, cg).transpose(5, 0, 1, 2, 3, 4, 6).reshape(g, m, k)
            wm = w.reshape(g, og, cg, kh, kw).transpose(0, 1, 3, 4, 2).reshape(g, og, k)
            out = np.empty((m, g, og), dtype=x.dtype)
            np.matmul(cols, wm.transpose(0, 2, 1), out=out.transpose(1, 0, 2))
            out = out.reshape(m, o)
            if b is not None:
                out += b
        need = self.needs_input_grad
        if need is not None:
            self.cols = cols if need[1] else None
            self.w = w if need[0] else None
            self.wm = wm if need[0] and g > 1 else None
            self.geom = (n, c, h, wd, o, cg, kh, kw, oh, ow, g, stride, padding, dilation, xp.shape)
            self.has_b = b is not None
        return out.reshape(n, oh, ow, o).transpose(0, 3, 1, 2)

    def backward(self, grad):
        need_x, need_w = self.needs_input_grad[0], self.needs_input_grad[1]
        need_b = self.has_b and self.needs_input_grad[2]
        n, c, h, wd, o, cg, kh, kw, oh, ow, g, stride, padding, dilation, pshape = self.geom
        m, og = n * oh * ow, o // g
        gm = channels_last(grad).reshape(m, o)  # free when grad is channels-last (the usual case)
        gx = gw = gb = None
        if need_b:
            gb = np.ones(m, dtype=gm.dtype) @ gm  # Σ over rows as a GEMV: long contiguous runs
        if g == 1:
            if need_w:
                gw = (gm.T @ self.cols).reshape(o, kh, kw, cg).transpose(0, 3, 1, 2)
                gw = np.ascontiguousarray(gw)
            if need_x:
                w = self.w
                if c == 1:  # ∂L/∂X_col as (K, M): each tap's block is a whole image row set
                    taps = (w.reshape(o, kh * kw).T @ gm.T).reshape(kh, kw, n, oh, ow, 1)
                else:  # tap-major (kh·kw, M, C): each tap's block is contiguous for col2im
                    wt = np.ascontiguousarray(w.transpose(2, 3, 0, 1)).reshape(kh * kw, o, c)
                    taps = np.matmul(gm, wt).reshape(kh, kw, n, oh, ow, c)
        else:
            gg = gm.reshape(m, g, og).transpose(1, 0, 2)  # (g, M, O/g)
            if need_w:
                gw = np.matmul(gg.transpose(0, 2, 1), self.cols)  # (g, O/g, K)
                gw = np.ascontiguousarray(gw.reshape(g, og, kh, kw, cg).transpose(0, 1, 4, 2, 3))
                gw = gw.reshape(o, cg, kh, kw)
            if need_x:
                gcols = np.matmul(gg, self.wm).reshape(g, n, oh, ow, kh, kw, cg)
                taps = gcols.transpose(4, 5, 1, 2, 3, 0, 6)  # (kh, kw, N, OH, OW, g, C/g)
        if need_x:
            gxp = np.zeros(pshape, dtype=gm.dtype)
            tgt = gxp if g == 1 else gxp.reshape(n, pshape[1], pshape[2], g, cg)

            def col2im(lo: int, hi: int) -> None:  # one strided accumulation per kernel tap
                part = tgt[lo:hi]
                for u in range(kh):
                    for v in range(kw):
                        view = offset_view(part, u, v, oh, ow, stride, dilation)
                        view += taps[u, v, lo:hi]
            parallel_batch(n, col2im, m * kh * kw * cg * g)
            top, _, left, _ = padding
            gx = gxp[:, top:top + h, left:left + wd].transpose(0, 3, 1, 2)
        return gx, gw, gb


class Conv1d(Conv2d):
    """y[n, o, i] = b[o] + Σ_{c,u} W[o, c, u] · x[n, c, s·i + d·u − p]: a Conv2d with height 1."""

    def forward(self, x, w, b=None, stride=(1,), padding=(0, 0), dilation=(1,), groups=1):
        out = super().forward(x[:, :, None, :], w[:, :, None, :], b, stride=(1, stride[0]),
                              padding=(0, 0) + tuple(padding), dilation=(1, dilation[0]), groups=groups)
        return out[:, :, 0, :]

    def backward(self, grad):
        gx, gw, gb = super().backward(grad[:, :, None, :])
        return (None if gx is None else gx[:, :, 0, :]), (None if gw is None else gw[:, :, 0, :]), gb


# ----------------------------------------------------------------- argument handling for nn.functional
def ntuple(value: Any, n: int, name: str) -> tuple[int, ...]:
    """An int or a sequence of n ints → a tuple of n ints (PyTorch's ``_pair``)."""
    if isinstance(value, int | np.integer):
        return (int(value),) * n
    t = tuple(int(v) for v in value)
    if len(t) == 1:
        return t * n
    if len(t) != n:
        raise ValueError(f"{name} must be an int or a tuple of {n} ints, got {value!r}")
    return t


def conv_padding(padding: Any, kernel: tuple[int, ...], stride: tuple[int, ...], dilation: tuple[int, ...],
                 name: str) -> tuple[int, ...]:
    """PyTorch's padding argument → (before, after) per spatial dim, flattened.

    'same' pads d·(k − 1) in total per dim, the extra one (for an even span) after, as PyTorch does."""
    n = len(kernel)
    if isinstance(padding, str):
        if padding == "valid":
            return (0,) * (2 * n)
        if padding != "same":
            raise ValueError(f"{name}: invalid padding string {padding!r}, should be one of 'valid', 'same'")
        if any(s != 1 for s in stride):
            raise ValueError(f"{name}: padding='same' is not supported for strided convolutions "
                             f"(stride={stride})")
        out: list[int] = []
        for k, d in zip(kernel, dilation):
            total = d * (k - 1)
            out += [total // 2, total - total // 2]
        return tuple(out)
    p = ntuple(padding, n, "padding")
    if any(v < 0 for v in p):
        raise RuntimeError(f"{name}: negative padding is not supported, got {p}")
    return tuple(v for pv in p for v in (pv, pv))


def conv(x: Tensor, weight: Tensor, bias: Tensor | None, stride: Any, padding: Any, dilation: Any, groups: int,
         dims: int, name: str) -> Tensor:
    """Check shapes, then apply Conv1d/Conv2d on Tensors; an unbatched input (no N) is allowed."""
    from ..tensor import Tensor

    if not isinstance(x, Tensor) or not isinstance(weight, Tensor):
        raise TypeError(f"{name}: input and weight must be Tensors, got {type(x).__name__} and "
                        f"{type(weight).__name__}")
    spatial = "(L)" if dims == 1 else "(H, W)"
    if x.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(
            f"{name}: expected a {dims + 1}-D (C, {spatial[1:-1]}) or {dims + 2}-D (N, C, {spatial[1:-1]}) "
            f"input, got input of shape {_shape(x.shape)}"
        )
    if weight.ndim != dims + 2:
        raise RuntimeError(f"{name}: expected a {dims + 2}-D weight (out_channels, in_channels/groups, "
                           f"{'k' if dims == 1 else 'kh, kw'}), got weight of shape {_shape(weight.shape)}")
    if groups < 1:
        raise RuntimeError(f"{name}: non-positive groups is not supported, got groups={groups}")
    o, cg = weight.shape[0], weight.shape[1]
    c = x.shape[-dims - 1]
    if c != cg * groups:
        raise RuntimeError(
            f"{name}: weight of shape {_shape(weight.shape)} with groups={groups} expects an input with "
            f"{cg * groups} channels, but the input of shape {_shape(x.shape)} has {c}"
        )
    if o % groups:
        raise RuntimeError(f"{name}: out_channels={o} (weight shape {_shape(weight.shape)}) is not divisible "
                           f"by groups={groups}")
    if bias is not None and tuple(bias.shape) != (o,):
        raise RuntimeError(f"{name}: bias of shape {_shape(bias.shape)} does not match {o} output channels")
    kernel = tuple(weight.shape[2:])
    stride = ntuple(stride, dims, "stride")
    dilation = ntuple(dilation, dims, "dilation")
    if any(s < 1 for s in stride) or any(d < 1 for d in dilation):
        raise RuntimeError(f"{name}: stride and dilation must be positive, got stride={stride}, "
                           f"dilation={dilation}")
    pads = conv_padding(padding, kernel, stride, dilation, name)
    unbatched = x.ndim == dims + 1
    if unbatched:
        x = x.unsqueeze(0)
    fn = Conv2d if dims == 2 else Conv1d
    out = fn.apply(x, weight, bias, stride=stride, padding=pads, dilation=dilation, groups=groups)
    return out.squeeze(0) if unbatched else out
