"""Sorting, scans and order statistics: cumsum, cumprod, logcumsumexp, cummax/cummin, sort, argsort,
kthvalue, median, quantile, mode, and the non-differentiable counters (unique, bincount, histc,
count_nonzero, searchsorted, bucketize, all, any).

Values chosen by position (sort, kthvalue, median, mode, cummax) send their gradient back to the
element they were taken from; sorts are always stable, as ``stable=True`` in PyTorch.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..autograd.function import Function

SortResult = namedtuple("sort", ["values", "indices"])
KthvalueResult = namedtuple("kthvalue", ["values", "indices"])
MedianResult = namedtuple("median", ["values", "indices"])
ModeResult = namedtuple("mode", ["values", "indices"])
CummaxResult = namedtuple("cummax", ["values", "indices"])
CumminResult = namedtuple("cummin", ["values", "indices"])
AminmaxResult = namedtuple("aminmax", ["min", "max"])


def _T():  # noqa: N802
    from ..tensor import Tensor

    return Tensor


def _nograd(a) -> object:
    return _T()._from_op(np.asarray(a), None)


def _dim(dim: int, ndim: int) -> int:
    """A dim checked and made non-negative as PyTorch does (a 0-d tensor takes -1 and 0)."""
    n = max(ndim, 1)
    if not isinstance(dim, int | np.integer) or isinstance(dim, bool):
        raise TypeError(f"dim must be an int, got {type(dim).__name__}")
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return int(dim) % n


def _dims(dim, ndim: int) -> tuple[int, ...]:
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, int | np.integer):
        dim = (dim,)
    out = tuple(_dim(d, ndim) for d in dim)
    return out if ndim else ()


def _scatter_add(shape: tuple, idx: np.ndarray, g: np.ndarray, axis: int) -> np.ndarray:
    """zeros(shape) with g added at idx along axis (repeated indices accumulate)."""
    gm = np.moveaxis(g, axis, -1)
    im = np.moveaxis(idx, axis, -1)
    n = shape[axis]
    rows = int(np.prod(gm.shape[:-1], dtype=np.int64))
    flat = (np.arange(rows).reshape(gm.shape[:-1] + (1,)) * n + im).reshape(-1)
    acc = np.bincount(flat, weights=gm.reshape(-1), minlength=rows * n).astype(g.dtype, copy=False)
    return np.moveaxis(acc.reshape(gm.shape[:-1] + (n,)), -1, axis)


def _stable_argsort(x: np.ndarray, axis: int, descending: bool = False) -> np.ndarray:
    """Stable order along axis; NaN counts as the largest value (last ascending, first descending)."""
    if not descending:
        return np.argsort(x, axis=axis, kind="stable")
    n = x.shape[axis]
    rev = np.flip(x, axis)
    return (n - 1) - np.flip(np.argsort(rev, axis=axis, kind="stable"), axis)


# ----------------------------------------------------------------- picking elements
class TakeAlong(Function):
    """y = x[..., idx, ...] along ``axis`` (idx in the keepdim shape); ∂y/∂x routes g back to idx,
    adding up where an index repeats (cummax)."""

    def forward(self, x, idx, axis=0, keepdims=True):
        self.shape, self.idx, self.keepdims = x.shape, idx, keepdims
        if x.ndim == 0:
            self.axis = None
            return x.copy()
        self.axis = axis
        out = np.take_along_axis(x, idx, axis=axis)
        return out if keepdims else np.squeeze(out, axis)

    def backward(self, g):
        if self.axis is None:
            return g.copy()
        if not self.keepdims:
            g = np.expand_dims(g, self.axis)
        return _scatter_add(self.shape, self.idx, np.ascontiguousarray(g), self.axis)


def _pick(t, idx: np.ndarray, axis: int, keepdim: bool, kind):
    """(values, indices) with values taken from t at idx along axis (idx keepdim-shaped)."""
    values = TakeAlong.apply(t, idx=idx, axis=axis, keepdims=keepdim)
    if t.ndim == 0:
        return kind(values, _nograd(np.zeros((), np.int64)))
    out_idx = idx if keepdim else np.squeeze(idx, axis)
    return kind(values, _nograd(out_idx.astype(np.int64)))


def sort(t, dim: int = -1, descending: bool = False, stable: bool = False):
    """Sorted values and their positions in the input, stably (ties keep their order)."""
    d = _dim(dim, t.ndim)
    if t.ndim == 0:
        return _pick(t, np.zeros((), np.int64), 0, True, SortResult)
    order = _stable_argsort(t.data, d, descending)
    return _pick(t, order, d, True, SortResult)


def argsort(t, dim: int = -1, descending: bool = False, stable: bool = False):
    d = _dim(dim, t.ndim)
    if t.ndim == 0:
        return _nograd(np.zeros((), np.int64))
    return _nograd(_stable_argsort(t.data, d, descending).astype(np.int64))


def kthvalue(t, k: int, dim: int = -1, keepdim: bool = False):
    """The k-th smallest value (k from 1) along dim and its index."""
    d = _dim(dim, t.ndim)
    n = t.shape[d] if t.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d} (k={k}, size {n})")
    if t.ndim == 0:
        return _pick(t, np.zeros((), np.int64), 0, keepdim, KthvalueResult)
    idx = np.take(_stable_argsort(t.data, d), [k - 1], axis=d)
    return _pick(t, idx, d, keepdim, KthvalueResult)


def _median_index(x: np.ndarray, d: int) -> np.ndarray:
    """Index (keepdim-shaped) of the lower median along d; a row with NaN gives its first NaN."""
    n = x.shape[d]
    order = _stable_argsort(x, d)
    nans = np.isnan(x).sum(axis=d, keepdims=True) if x.dtype.kind == "f" else np.zeros((1,) * x.ndim, np.int64)
    pos = np.where(nans > 0, n - nans, (n - 1) // 2)
    pos = np.broadcast_to(pos, x.shape[:d] + (1,) + x.shape[d + 1:])
    return np.take_along_axis(order, pos, axis=d)


class MedianAll(Function):
    """The lower median of all elements; ∂/∂x is shared equally by the elements equal to it (NaN:
    the NaNs), as PyTorch's ``median()``."""

    def forward(self, x):
        self.x = x
        if x.size == 0:
            self.out = np.asarray(np.nan, dtype=x.dtype)
            return self.out
        flat = x.reshape(-1)
        self.out = flat[_median_index(flat, 0)[0]]
        return np.asarray(self.out)

    def backward(self, g):
        hit = np.isnan(self.x) if np.isnan(self.out) else self.x == self.out
        return np.where(hit, g / max(int(hit.sum()), 1), 0).astype(g.dtype)


def median(t, dim=None, keepdim: bool = False):
    """Lower median: of everything (a 0-d tensor), or along dim as (values, indices)."""
    if dim is None:
        return MedianAll.apply(t)
    d = _dim(dim, t.ndim)
    if t.ndim == 0:
        return _pick(t, np.zeros((), np.int64), 0, keepdim, MedianResult)
    if t.shape[d] == 0:
        raise IndexError(f"median(): Expected reduction dim {d} to have non-zero size.")
    return _pick(t, _median_index(t.data, d), d, keepdim, MedianResult)


def mode(t, dim: int = -1, keepdim: bool = False):
    """Most frequent value along dim (the smallest among equally frequent ones) and the index of
    its last occurrence, as PyTorch."""
    d = _dim(dim, t.ndim)
    if t.ndim == 0:
        return _pick(t, np.zeros((), np.int64), 0, keepdim, ModeResult)
    x = np.moveaxis(t.data, d, -1)
    order = np.argsort(x, axis=-1, kind="stable")
    s = np.take_along_axis(x, order, axis=-1)
    n = s.shape[-1]
    pos = np.broadcast_to(np.arange(n), s.shape)
    new = np.ones(s.shape, bool)
    new[..., 1:] = s[..., 1:] != s[..., :-1]
    start = np.maximum.accumulate(np.where(new, pos, 0), axis=-1)
    run = pos - start + 1  # length of the run of equal values so far
    best = np.argmax(run, axis=-1)[..., None]  # end of the first longest run: smallest value
    idx = np.moveaxis(np.take_along_axis(order, best, axis=-1), -1, d)
    return _pick(t, idx, d, keepdim, ModeResult)


# ----------------------------------------------------------------- scans
def _scan_dtype(x: np.ndarray, dtype) -> np.ndarray:
    if dtype is not None:
        from ..backend import to_dtype

        return x.astype(to_dtype(dtype).np)
    return x.astype(np.int64) if x.dtype.kind in "biu" else x


class CumSum(Function):
    """yᵢ = Σ_{j≤i} xⱼ;  ∂L/∂xᵢ = Σ_{j≥i} gⱼ (a reversed cumsum of g)."""

    def forward(self, x, axis=0, dtype=None):
        self.axis = _dim(axis, x.ndim)
        x = _scan_dtype(x, dtype)
        return x.copy() if x.ndim == 0 else np.cumsum(x, axis=self.axis)

    def backward(self, g):
        if g.ndim == 0:
            return g.copy()
        return np.flip(np.cumsum(np.flip(g, self.axis), axis=self.axis), self.axis)


class CumProd(Function):
    """yᵢ = Π_{j≤i} xⱼ;  ∂L/∂xᵢ = Σ_{j≥i} gⱼ Π_{k≤j, k≠i} xₖ.

    Without zeros that is (reversed cumsum of g·y)/xᵢ.  In a row whose first zero is at z: for i < z
    the same formula holds (y is 0 from z on); xᵢ for i > z gets 0; x_z gets
    (Π_{k<z} xₖ)·Σ_{j≥z} gⱼ Π_{z<k≤j} xₖ.  All computed without dividing by zero.
    """

    def forward(self, x, axis=0, dtype=None):
        self.axis = _dim(axis, x.ndim)
        x = _scan_dtype(x, dtype)
        self.x = x
        self.out = x.copy() if x.ndim == 0 else np.cumprod(x, axis=self.axis)
        return self.out

    def backward(self, g):
        x, out = self.x, self.out
        if x.ndim == 0:
            return g.copy()
        ax = self.axis
        rev = np.flip(np.cumsum(np.flip(g * out, ax), axis=ax), ax)
        zero = x == 0
        if not zero.any():
            return rev / x
        n = x.shape[ax]
        pos = np.arange(n).reshape([-1 if i == ax else 1 for i in range(x.ndim)])
        has = zero.any(axis=ax, keepdims=True)
        z = np.where(has, np.argmax(zero, axis=ax, keepdims=True), n)
        safe = np.where(zero, 1, x)
        before = np.where(pos < z, rev / safe, 0)
        ones = np.ones_like(np.take(x, [0], axis=ax))
        excl = np.cumprod(np.concatenate([ones, np.take(x, np.arange(n - 1), axis=ax)], axis=ax), axis=ax)
        tail = np.cumprod(np.where(pos <= z, 1, x), axis=ax)  # Π_{z<k≤j} xₖ
        s = np.sum(np.where(pos >= z, g * tail, 0), axis=ax, keepdims=True)
        at_z = np.where(pos == z, excl * s, 0)
        return (before + at_z).astype(g.dtype, copy=False)


class LogCumSumExp(Function):
    """yᵢ = log Σ_{j≤i} e^{xⱼ};  ∂L/∂xᵢ = Σ_{j≥i} gⱼ e^{xᵢ − yⱼ}, summed in log space (split by
    the sign of g) so nothing overflows."""

    def forward(self, x, axis=0):
        if x.dtype.kind != "f":
            raise NotImplementedError(f'"logcumsumexp" not implemented for {x.dtype} input; use a float tensor')
        self.axis = _dim(axis, x.ndim)
        self.x = x
        self.out = x.copy() if x.ndim == 0 else np.logaddexp.accumulate(x, axis=self.axis)
        return self.out

    def backward(self, g):
        x, out = self.x, self.out
        if x.ndim == 0:
            return g.copy()
        ax = self.axis

        def part(gp):
            with np.errstate(divide="ignore", invalid="ignore"):  # g = 0 and x = −∞ give −∞ and NaN as PyTorch
                lg = np.log(gp) - out
                acc = np.flip(np.logaddexp.accumulate(np.flip(lg, ax), axis=ax), ax)
                return np.exp(acc + x)

        return (part(np.maximum(g, 0)) - part(np.maximum(-g, 0))).astype(g.dtype, copy=False)


def cumextreme(t, dim: int, largest: bool):
    """cummax/cummin: running extreme and the index where it was (last) reached; NaN propagates."""
    d = _dim(dim, t.ndim)
    kind = CummaxResult if largest else CumminResult
    if t.ndim == 0:
        return _pick(t, np.zeros((), np.int64), 0, True, kind)
    x = t.data
    if t.shape[d] == 0:
        return _pick(t, np.zeros(x.shape, np.int64), d, True, kind)
    acc = (np.maximum if largest else np.minimum).accumulate(x, axis=d)
    hit = x == acc
    if x.dtype.kind == "f":
        hit |= np.isnan(x)
    pos = np.arange(x.shape[d]).reshape([-1 if i == d else 1 for i in range(x.ndim)])
    idx = np.maximum.accumulate(np.where(hit, pos, 0), axis=d)
    return _pick(t, idx, d, True, kind)


# ----------------------------------------------------------------- quantile
_INTERP = ("linear", "lower", "higher", "midpoint", "nearest")


class Quantile(Function):
    """q-quantiles along ``axis`` of the sorted values: with r = q(n−1), y = lerp(s⌊r⌋, s⌈r⌉, w);
    ∂y/∂s⌊r⌋ = 1 − w, ∂y/∂s⌈r⌉ = w, sent back through the sort. A row with NaN gives NaN."""

    def forward(self, x, q, axis=None, keepdims=False, interpolation="linear", scalar_q=True):
        self.shape = x.shape
        xs = x.reshape(-1) if axis is None else (x.reshape(1) if x.ndim == 0 else x)
        ax = 0 if axis is None or x.ndim == 0 else axis
        xm = np.moveaxis(xs, ax, -1)
        n = xm.shape[-1]
        order = np.argsort(xm, axis=-1, kind="stable")
        s = np.take_along_axis(xm, order, axis=-1)
        ranks = (q * (n - 1)).astype(x.dtype)
        lo = np.floor(ranks).astype(np.int64)
        hi = np.ceil(ranks).astype(np.int64)
        w = ranks - lo
        if interpolation == "lower":
            hi, w = lo, np.zeros_like(w)
        elif interpolation == "higher":
            lo, w = hi, np.zeros_like(w)
        elif interpolation == "nearest":
            lo = hi = np.round(ranks).astype(np.int64)
            w = np.zeros_like(w)
        elif interpolation == "midpoint":
            w = np.where(hi > lo, 0.5, 0).astype(x.dtype)
        nan_row = np.isnan(s[..., -1:]) if n else np.zeros(s.shape[:-1] + (1,), bool)  # NaN sorts last
        shape = s.shape[:-1] + lo.shape  # (..., Q): a row with NaN takes its last (NaN) entry, as PyTorch
        lo = np.broadcast_to(np.where(nan_row, n - 1, lo), shape)
        hi = np.broadcast_to(np.where(nan_row, n - 1, hi), shape)
        w = np.broadcast_to(np.where(nan_row, 0, w), shape).astype(x.dtype)
        a, b = np.take_along_axis(s, lo, axis=-1), np.take_along_axis(s, hi, axis=-1)
        out = np.where(w < 0.5, a + w * (b - a), b - (b - a) * (1 - w)).astype(x.dtype, copy=False)
        self.order, self.lo, self.hi, self.w, self.xm_shape, self.ax = order, lo, hi, w, xm.shape, ax
        self.axis = axis
        out = np.moveaxis(out, -1, 0)  # (Q, ...)
        if keepdims:
            if axis is None:
                out = out.reshape(out.shape[:1] + (1,) * x.ndim)
            elif x.ndim:
                out = np.expand_dims(out, 1 + axis)
        self.scalar_q = scalar_q
        return out[0] if scalar_q else out

    def backward(self, g):
        if self.scalar_q:
            g = g[None]
        g = g.reshape((g.shape[0],) + self.xm_shape[:-1])  # (Q, ...) without kept dims
        gm = np.moveaxis(g, 0, -1)  # (..., Q)
        n = self.xm_shape[-1]
        cols = np.arange(n)
        w = self.w[..., None].astype(g.dtype)
        weights = (1 - w) * (cols == self.lo[..., None]) + w * (cols == self.hi[..., None])  # (..., Q, n)
        gs = np.einsum("...q,...qn->...n", gm, weights)  # gradient of the sorted values
        gx = np.zeros(self.xm_shape, dtype=g.dtype)
        np.put_along_axis(gx, self.order, gs, axis=-1)
        if self.axis is None:
            return gx.reshape(self.shape)
        return np.moveaxis(gx, -1, self.ax).reshape(self.shape)


def quantile(t, q, dim=None, keepdim: bool = False, interpolation: str = "linear"):
    T = _T()
    if t.data.dtype.kind != "f":
        raise RuntimeError("quantile() input tensor must be either float or double dtype")
    if interpolation not in _INTERP:
        raise RuntimeError("quantile() interpolation must be one of linear, lower, higher, midpoint or nearest, "
                           f"but got {interpolation}")
    if isinstance(q, T):
        if q.data.dtype != t.data.dtype:
            raise RuntimeError("quantile() q tensor must be same dtype as the input tensor")
        if q.ndim > 1:
            raise RuntimeError("quantile() q must be a scalar or 1D tensor")
        scalar = q.ndim == 0
        qa = q.data.reshape(-1)
    else:
        scalar = True
        qa = np.asarray([q], dtype=t.data.dtype)
    if qa.size and (np.any(qa < 0) or np.any(qa > 1)):
        bad = qa[(qa < 0) | (qa > 1)][0]
        raise RuntimeError(f"quantile() q values must be in the range [0, 1] but got {bad}"
                           if not scalar else f"quantile() q must be in the range [0, 1] but got {bad}")
    if t.numel() == 0:
        raise RuntimeError("quantile() input tensor must be non-empty")
    axis = None if dim is None else _dim(dim, t.ndim)
    return Quantile.apply(t, qa, axis=axis, keepdims=keepdim, interpolation=interpolation, scalar_q=scalar)


# ----------------------------------------------------------------- min/max, statistics
def aminmax(t, dim=None, keepdim: bool = False):
    if t.numel() == 0:
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation has no identity")
    if dim is not None:
        _dim(dim, t.ndim)
    return AminmaxResult(t.amin(dim, keepdim), t.amax(dim, keepdim))


def _std_var_args(dim, unbiased, correction):
    if isinstance(dim, bool):  # var_mean(x, True): the old (input, unbiased) form
        return None, dim, correction
    return dim, unbiased, correction


def var_mean(t, dim=None, unbiased=None, keepdim: bool = False, correction=None):
    dim, unbiased, correction = _std_var_args(dim, unbiased, correction)
    return t.var(dim, keepdim, unbiased, correction), t.mean(dim, keepdim)


def std_mean(t, dim=None, unbiased=None, keepdim: bool = False, correction=None):
    dim, unbiased, correction = _std_var_args(dim, unbiased, correction)
    return t.std(dim, keepdim, unbiased, correction), t.mean(dim, keepdim)


# ----------------------------------------------------------------- counting (no gradient)
def unique(t, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,  # noqa: A002
           dim=None):
    if dim is not None:
        raise NotImplementedError("unique(): only dim=None is supported")
    vals, inv, counts = np.unique(t.data, return_inverse=True, return_counts=True)
    out = [_nograd(vals)]
    if return_inverse:
        out.append(_nograd(inv.reshape(t.shape).astype(np.int64)))
    if return_counts:
        out.append(_nograd(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def bincount(t, weights=None, minlength: int = 0):
    x = t.data
    if x.dtype.kind not in "iub":
        raise NotImplementedError(f'"bincount" not implemented for {t.dtype}; it counts integers')
    if x.ndim != 1 or (x.size and x.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError(f"minlength should be >= 0, got {minlength}")
    if weights is None:
        return _nograd(np.bincount(x, minlength=minlength).astype(np.int64))
    w = weights.data if isinstance(weights, _T()) else np.asarray(weights)
    if w.shape != x.shape:
        raise RuntimeError(f"bincount: weights should be 1-d and have the same length as input "
                           f"(got {tuple(w.shape)} for input {tuple(x.shape)})")
    out_dtype = np.float32 if w.dtype == np.float32 else np.float64
    return _nograd(np.bincount(x, weights=w, minlength=minlength).astype(out_dtype))


def histc(t, bins: int = 100, min: float = 0, max: float = 0):  # noqa: A002
    x = t.data
    if x.dtype.kind != "f":
        raise NotImplementedError(f'"histc" not implemented for {t.dtype}; use a float tensor')
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    lo, hi = float(min), float(max)
    if lo == hi and x.size:
        lo, hi = float(x.min()), float(x.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise RuntimeError(f"torch.histc: max must be larger than min (got min={min}, max={max})")
    v = x.reshape(-1).astype(np.float64)
    v = v[(v >= lo) & (v <= hi)]
    pos = np.minimum(((v - lo) * bins / (hi - lo)).astype(np.int64), bins - 1)
    return _nograd(np.bincount(pos, minlength=bins).astype(x.dtype))


def count_nonzero(t, dim=None):
    return _nograd(np.asarray(np.count_nonzero(t.data, axis=_dims(dim, t.ndim) if dim is not None else None),
                              dtype=np.int64))


def _search(seq: np.ndarray, v: np.ndarray, right: bool) -> np.ndarray:
    side = "right" if right else "left"
    if seq.ndim <= 1:
        return np.searchsorted(seq, v, side=side)
    cmp = (seq[..., None, :] <= v[..., :, None]) if right else (seq[..., None, :] < v[..., :, None])
    return cmp.sum(axis=-1)


def searchsorted(sorted_sequence, values, out_int32: bool = False, right: bool = False, side=None, sorter=None):
    T = _T()
    seq = sorted_sequence.data
    scalar = not isinstance(values, T)
    v = np.asarray(values) if scalar else values.data
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left "
                               "while right was True")
        right = side == "right"
    if sorter is not None:
        srt = sorter.data if isinstance(sorter, T) else np.asarray(sorter)
        seq = np.take_along_axis(seq, srt, axis=-1)
    if seq.ndim > 1 and (scalar or v.shape[:-1] != seq.shape[:-1]):
        raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                           "dimensions of boundaries tensor and input value tensor must match, but we got "
                           f"boundaries tensor {list(seq.shape)} and input value tensor {list(v.shape)}")
    out = _search(seq, v, right)
    return _nograd(np.asarray(out, dtype=np.int32 if out_int32 else np.int64))


def bucketize(values, boundaries, out_int32: bool = False, right: bool = False):
    if boundaries.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return searchsorted(boundaries, values, out_int32=out_int32, right=right)


def all_any(t, fn, dim=None, keepdim: bool = False):
    x = t.data
    axes = None if dim is None else _dims(dim, x.ndim)
    out = fn(x != 0 if x.dtype != np.bool_ else x, axis=axes, keepdims=keepdim)
    return _nograd(np.asarray(out, dtype=np.uint8 if x.dtype == np.uint8 else np.bool_))

