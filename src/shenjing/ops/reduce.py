"""Reductions: sum, mean, var, max, logsumexp, prod.  Backward spreads g back over the axes
that were reduced."""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..autograd.function import Function


def _norm_axes(axis, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = (axis,)
    out = []
    for a in axis:
        if not -max(ndim, 1) <= a < max(ndim, 1):
            raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but got {a})")
        out.append(a % ndim if ndim else 0)
    return tuple(out)


def _spread(g: np.ndarray, axes: tuple[int, ...], keepdims: bool, shape: tuple) -> np.ndarray:
    """Broadcast a reduced gradient back to ``shape``."""
    if not keepdims and axes and len(shape):
        g = np.expand_dims(g, axes)
    return np.broadcast_to(g, shape)


class Sum(Function):
    def forward(self, x, axis=None, keepdims=False):
        self.shape, self.keepdims = x.shape, keepdims
        self.axes = _norm_axes(axis, x.ndim)
        return np.sum(x, axis=self.axes, keepdims=keepdims)

    def backward(self, g):  # every summed element gets g
        return _spread(g, self.axes, self.keepdims, self.shape)


class Mean(Function):
    def forward(self, x, axis=None, keepdims=False):
        if x.dtype.kind != "f":
            raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be floating, got {x.dtype}")
        self.shape, self.keepdims = x.shape, keepdims
        self.axes = _norm_axes(axis, x.ndim)
        self.n = int(np.prod([x.shape[a] for a in self.axes])) if x.ndim else 1
        return np.mean(x, axis=self.axes, keepdims=keepdims)

    def backward(self, g):  # each of the n elements gets g/n
        return _spread(g / self.n, self.axes, self.keepdims, self.shape)


class Var(Function):
    def forward(self, x, axis=None, keepdims=False, ddof=1):
        self.x, self.keepdims, self.ddof = x, keepdims, ddof
        self.axes = _norm_axes(axis, x.ndim)
        self.mean = np.mean(x, axis=self.axes, keepdims=True)
        self.n = int(np.prod([x.shape[a] for a in self.axes])) if x.ndim else 1
        return np.var(x, axis=self.axes, keepdims=keepdims, ddof=ddof)

    def backward(self, g):  # ∂var/∂xᵢ = 2(xᵢ − x̄)/(n − ddof)
        g = _spread(g, self.axes, self.keepdims, self.x.shape)
        dof = self.n - self.ddof
        return g * (2.0 / dof if dof > 0 else np.nan) * (self.x - self.mean)  # NaN as PyTorch for n ≤ ddof


class AMax(Function):
    def forward(self, x, axis=None, keepdims=False):
        if x.size == 0:
            raise RuntimeError("max(): expected a non-empty tensor")
        self.x, self.keepdims = x, keepdims
        self.axes = _norm_axes(axis, x.ndim)
        self.out = np.max(x, axis=self.axes, keepdims=True)
        return self.out if keepdims else np.max(x, axis=self.axes, keepdims=False)

    def backward(self, g):  # the maxima share g equally (ties split it)
        mask = self.x == self.out
        count = mask.sum(axis=self.axes, keepdims=True)
        g = _spread(g, self.axes, self.keepdims, self.x.shape)
        return g * mask / count


class MaxDim(Function):
    """max over one dim returning values; the gradient goes to the index PyTorch picks."""

    def forward(self, x, axis=0, keepdims=False):
        if x.ndim == 0:
            self.idx = np.zeros((), dtype=np.int64)
            self.shape, self.axis, self.keepdims = x.shape, None, keepdims
            return x.copy()
        self.axis = axis % x.ndim
        self.shape, self.keepdims = x.shape, keepdims
        idx = np.expand_dims(np.argmax(x, axis=self.axis), self.axis)
        self.idx = idx
        out = np.take_along_axis(x, idx, axis=self.axis)
        return out if keepdims else np.squeeze(out, self.axis)

    def backward(self, g):
        if self.axis is None:
            return g.copy()
        if not self.keepdims:
            g = np.expand_dims(g, self.axis)
        out = np.zeros(self.shape, dtype=g.dtype)
        np.put_along_axis(out, self.idx, g, axis=self.axis)
        return out


MinMax = namedtuple("MinMax", ["values", "indices"])


def max_with_indices(t, dim: int, keepdim: bool):
    from ..tensor import Tensor

    values = MaxDim.apply(t, axis=dim, keepdims=keepdim)
    idx = np.argmax(t.data, axis=dim) if t.ndim else np.zeros((), np.int64)
    if keepdim and t.ndim:
        idx = np.expand_dims(idx, dim)
    return MinMax(values, Tensor._from_op(idx.astype(np.int64), None))


def arg(fn, t, dim, keepdim: bool):
    from ..tensor import Tensor

    if dim is None:
        out = np.asarray(fn(t.data))
        if keepdim:
            out = out.reshape((1,) * t.ndim)
    else:
        out = fn(t.data, axis=dim)
        if keepdim:
            out = np.expand_dims(out, dim)
    return Tensor._from_op(np.asarray(out, dtype=np.int64), None)


class LogSumExp(Function):
    def forward(self, x, axis=None, keepdims=False):
        self.x, self.keepdims = x, keepdims
        self.axes = _norm_axes(axis, x.ndim)
        m = np.max(x, axis=self.axes, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)
        out = m + np.log(np.sum(np.exp(x - m), axis=self.axes, keepdims=True))
        self.out = out
        return out if keepdims else np.squeeze(out, self.axes)

    def backward(self, g):  # ∂/∂xᵢ = e^(xᵢ − lse) = softmaxᵢ
        g = _spread(g, self.axes, self.keepdims, self.x.shape)
        return g * np.exp(self.x - self.out)


class Prod(Function):
    def forward(self, x, axis=None, keepdims=False):
        self.x, self.keepdims = x, keepdims
        self.axes = _norm_axes(axis, x.ndim)
        self.out = np.prod(x, axis=self.axes, keepdims=True)
        return self.out if keepdims else np.squeeze(self.out, self.axes)

    def backward(self, g):  # ∂Πx/∂xᵢ = Π_{j≠i} xⱼ (computed without dividing by zero)
        x = self.x
        g = _spread(g, self.axes, self.keepdims, x.shape)
        moved = np.moveaxis(x, self.axes, range(-len(self.axes), 0))
        flat = moved.reshape(moved.shape[: moved.ndim - len(self.axes)] + (-1,))
        ones = np.ones_like(flat[..., :1])
        left = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
        right = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
        others = (left * right).reshape(moved.shape)
        others = np.moveaxis(others, range(-len(self.axes), 0), self.axes)
        return g * others


class VectorNorm(Function):
    """‖x‖_p = (Σ|x|ᵖ)^(1/p) over ``axis``; p = ∞ is max|x|, p = 0 counts the non-zeros.

    ∂‖x‖/∂x = sign(x)·|x|ᵖ⁻¹ / ‖x‖ᵖ⁻¹ (x/‖x‖ for p = 2), taken as 0 where ‖x‖ = 0, as PyTorch does:
    the norm is not differentiable there and 0 is a subgradient.  For p = ±∞ the gradient is shared
    equally by the entries that reach the extreme.
    """

    def forward(self, x, p=2.0, axis=None, keepdims=False):
        if x.dtype.kind != "f":
            raise RuntimeError(f"linalg.vector_norm: expected a floating point input, got {x.dtype}")
        self.x, self.p, self.keepdims = x, p, keepdims
        self.axes = _norm_axes(axis, x.ndim)
        a = np.abs(x)
        if p == 2:
            out = np.sqrt(np.sum(x * x, axis=self.axes, keepdims=True))
        elif p == 1:
            out = np.sum(a, axis=self.axes, keepdims=True)
        elif p == np.inf:
            out = np.max(a, axis=self.axes, keepdims=True)
        elif p == -np.inf:
            out = np.min(a, axis=self.axes, keepdims=True)
        elif p == 0:
            out = np.sum(a != 0, axis=self.axes, keepdims=True).astype(x.dtype)
        else:
            out = np.sum(a**p, axis=self.axes, keepdims=True) ** (1.0 / p)
        self.norm = out  # with the reduced axes kept, to broadcast against x
        return out if keepdims else np.squeeze(out, axis=self.axes)

    def backward(self, g):
        x, p, norm = self.x, self.p, self.norm
        if not self.keepdims:
            g = np.expand_dims(g, self.axes)
        if p == 0:
            return np.zeros_like(x)
        if p == 1:
            return np.sign(x) * g
        if p in (np.inf, -np.inf):
            hit = np.abs(x) == norm
            hit |= np.isnan(x)
            return np.sign(x) * hit * (g / np.sum(hit, axis=self.axes, keepdims=True))
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(norm == 0, 0, g / norm ** (p - 1))
            if p == 2:
                return x * scale
            scaled = np.sign(x) * np.abs(x) ** (p - 1)
            if p < 1:
                scaled[x == 0] = 0
        return scaled * scale
