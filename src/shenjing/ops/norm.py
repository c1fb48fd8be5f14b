"""Batch normalisation over every axis but the channel axis (1).

Training:  μ = mean(x),  σ² = mean((x − μ)²),  x̂ = (x − μ)/√(σ² + ε),  y = γ x̂ + β
           ∂L/∂x = (γ/√(σ² + ε)) · (g − mean(g) − x̂ · mean(g x̂)),  ∂L/∂γ = Σ g x̂,  ∂L/∂β = Σ g
           running ← (1 − m)·running + m·(μ, σ² · n/(n − 1))     (PyTorch's unbiased running variance)
Eval:      y = γ (x − running_mean)/√(running_var + ε) + β       (an affine map per channel)

Per-channel sums and broadcasts are done on a 2-D view of the data — (rows, C) for channels-last
memory, (N, C, H·W) for C order — so the inner loops stay long even when C is small.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..autograd.function import Function

if TYPE_CHECKING:
    from ..tensor import Tensor


class _Channels:
    """How to reduce over and broadcast along the channel axis of one array layout."""

    def __init__(self, x: np.ndarray) -> None:
        self.shape = x.shape
        n, c = x.shape[0], x.shape[1]
        self.c = c
        self.count = x.size // c if c else 0
        last = np.moveaxis(x, 1, -1) if x.ndim > 2 else x
        if last.flags.c_contiguous:  # channels-last memory (or plain (N, C)): rows of R·C numbers
            self.rep = x.shape[-1] if x.ndim > 2 else 1
            self.last = True
        else:
            self.last = False
            self.view_shape = (n, c, x.size // max(n * c, 1))

    def view(self, x: np.ndarray) -> np.ndarray:
        """x as a 2-D (rows, R·C) array (channels-last) or a (N, C, L) array (C order)."""
        if self.last:
            last = np.moveaxis(x, 1, -1) if x.ndim > 2 else x
            return last.reshape(-1, self.rep * self.c)
        return np.ascontiguousarray(x).reshape(self.view_shape)

    def unview(self, v: np.ndarray) -> np.ndarray:
        if self.last:
            if len(self.shape) == 2:
                return v
            moved = (self.shape[0],) + self.shape[2:] + (self.c,)
            return np.moveaxis(v.reshape(moved), -1, 1)
        return v.reshape(self.shape)

    def sum(self, v: np.ndarray) -> np.ndarray:
        """Σ over all but the channel axis, of a viewed array: one GEMV (channels-last) or a reduction."""
        if self.last:
            s = np.ones(v.shape[0], dtype=v.dtype) @ v
            return s.reshape(self.rep, self.c).sum(axis=0) if self.rep > 1 else s
        return v.sum(axis=2).sum(axis=0)

    def dot(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Σ over all but the channel axis of a·b, fused (no temporary a·b array)."""
        if self.last:
            s = np.einsum("ij,ij->j", a, b)
            return s.reshape(self.rep, self.c).sum(axis=0) if self.rep > 1 else s
        return np.einsum("ncl,ncl->c", a, b)

    def vec(self, a: np.ndarray) -> np.ndarray:
        """A per-channel vector shaped to broadcast against a viewed array."""
        if self.last:
            return np.tile(a, self.rep) if self.rep > 1 else a
        return a.reshape(-1, 1)


class BatchNorm(Function):
    """See the module docstring.  Running statistics (arrays) are updated in place in training."""

    def forward(self, x, weight=None, bias=None, running_mean=None, running_var=None, training=True,
                momentum=0.1, eps=1e-5):
        ch = _Channels(x)
        v = ch.view(x)
        dt = x.dtype
        if training:
            if ch.count <= 1:
                raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                                 f"{list(x.shape)}")
            mean = ch.sum(v) / ch.count
            xc = v - ch.vec(mean.astype(dt))
            var = ch.dot(xc, xc) / ch.count
            if running_mean is not None:
                running_mean *= 1 - momentum
                running_mean += momentum * mean
            if running_var is not None:
                running_var *= 1 - momentum
                running_var += momentum * var * (ch.count / (ch.count - 1))
            inv = (1.0 / np.sqrt(var + eps)).astype(dt)
        else:
            mean, var = running_mean, running_var
            xc = v - ch.vec(mean.astype(dt))
            inv = (1.0 / np.sqrt(var + eps)).astype(dt)
        scale = inv if weight is None else inv * weight
        out = xc * ch.vec(scale)
        if bias is not None:
            out += ch.vec(bias)
        need = self.needs_input_grad
        if need is not None:
            self.ch, self.xc, self.inv, self.scale, self.training = ch, xc, inv, scale, training
            self.has_w, self.has_b = weight is not None, bias is not None
        return ch.unview(out)

    def backward(self, g):
        ch, xc, inv, scale = self.ch, self.xc, self.inv, self.scale
        need = self.needs_input_grad
        need_w = self.has_w and need[1]
        need_b = self.has_b and need[2]
        gv = ch.view(g)
        sg = ch.sum(gv) if (need_b or (need[0] and self.training)) else None
        sgx = ch.dot(gv, xc) if (need_w or (need[0] and self.training)) else None  # Σ g (x − μ)
        gx = gw = gb = None
        if need[0]:
            if self.training:  # (γ/σ)(g − mean g − x̂ mean(g x̂)), with x̂ = (x − μ)/σ
                n = ch.count
                gx = gv * ch.vec(scale)
                gx -= xc * ch.vec(scale * inv * inv * (sgx / n)).astype(gx.dtype)
                gx -= ch.vec((scale * sg / n).astype(gx.dtype))
            else:
                gx = gv * ch.vec(scale)
            gx = ch.unview(gx)
        if need_w:
            gw = sgx * inv
        if need_b:
            gb = sg
        return gx, gw, gb


def batch_norm(x: Tensor, running_mean: Any, running_var: Any, weight: Tensor | None = None,
               bias: Tensor | None = None, training: bool = False, momentum: float = 0.1, eps: float = 1e-5,
               name: str = "batch_norm") -> Tensor:
    """Apply ``BatchNorm`` to Tensors: checks the shapes, unwraps the running statistics."""
    from ..tensor import Tensor

    if x.ndim < 2:
        raise ValueError(f"{name}: expected an input with at least 2 dims (N, C, ...), got shape {tuple(x.shape)}")
    c = x.shape[1]
    for label, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                     ("bias", bias)):
        if t is not None and tuple(t.shape) != (c,):
            raise RuntimeError(f"{name}: {label} of shape {tuple(t.shape)} does not match the {c} channels of "
                               f"the input of shape {tuple(x.shape)}")
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError(f"{name}: running_mean and running_var must be given when training=False")
    rm = running_mean.data if isinstance(running_mean, Tensor) else running_mean
    rv = running_var.data if isinstance(running_var, Tensor) else running_var
    args = [x, weight, bias]
    return BatchNorm.apply(*args, running_mean=rm, running_var=rv, training=training, momentum=momentum, eps=eps)


def dropout2d(x: Tensor, p: float = 0.5, training: bool = True, generator: Any = None) -> Tensor:
    """Zero whole channels: each (n, c) feature map is kept with probability 1 − p and scaled by 1/(1 − p)."""
    from ..random import get_rng
    from .elementwise import Mul

    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if x.ndim not in (3, 4):
        raise RuntimeError(f"dropout2d: expected a 3-D (N, C, L) or 4-D (N, C, H, W) input, got shape "
                           f"{tuple(x.shape)}")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    shape = tuple(x.shape[:2]) + (1,) * (x.ndim - 2)
    keep = get_rng(generator).random(shape, dtype=np.float32) >= p
    mask = keep.astype(x.data.dtype) * np.asarray(1.0 / (1.0 - p), dtype=x.data.dtype)
    return Mul.apply(x, mask)


class LayerNorm(Function):
    """Normalise over the last k axes: x̂ = (x − μ)/√(σ² + ε), y = γ x̂ + β (μ, σ² per sample).

    ∂L/∂x = (1/√(σ² + ε)) · (ĝ − mean(ĝ) − x̂ · mean(ĝ x̂)) with ĝ = γ g (means over the same axes);
    ∂L/∂γ = Σ g x̂ and ∂L/∂β = Σ g over the other axes.
    """

    def forward(self, x, weight=None, bias=None, k=1, eps=1e-5):
        axes = tuple(range(x.ndim - k, x.ndim))
        mu = x.mean(axis=axes, keepdims=True)
        xc = x - mu
        var = np.mean(xc * xc, axis=axes, keepdims=True)
        inv = 1.0 / np.sqrt(var + eps)
        xhat = xc * inv
        self.xhat, self.inv, self.axes, self.weight = xhat, inv, axes, weight
        self.has_bias = bias is not None
        out = xhat * weight if weight is not None else xhat.copy()
        if bias is not None:
            out += bias
        return out.astype(x.dtype, copy=False)

    def backward(self, g):
        xhat, axes, w = self.xhat, self.axes, self.weight
        need = self.needs_input_grad
        lead = tuple(range(g.ndim - len(axes)))
        gx = gw = gb = None
        if need[0]:
            gh = g * w if w is not None else g
            gx = self.inv * (gh - gh.mean(axis=axes, keepdims=True)
                             - xhat * (gh * xhat).mean(axis=axes, keepdims=True))
        if w is not None and need[1]:
            gw = (g * xhat).sum(axis=lead)
        if self.has_bias and need[2]:
            gb = g.sum(axis=lead)
        return gx, gw, gb


def layer_norm(x: Tensor, normalized_shape, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """PyTorch's ``F.layer_norm``: normalise over the trailing ``normalized_shape`` axes."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if k == 0 or tuple(x.shape[x.ndim - k:]) != shape:
        raise RuntimeError(f"layer_norm: normalized_shape {list(shape)} must match the last dims of the input, "
                           f"got input of shape {list(x.shape)}")
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and tuple(p.shape) != shape:
            raise RuntimeError(f"layer_norm: {name} of shape {list(p.shape)} does not match normalized_shape "
                               f"{list(shape)}")
    return LayerNorm.apply(x, weight, bias, k=k, eps=eps)


def group_norm(x: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """PyTorch's ``F.group_norm``: normalise each group of C/G channels (with all positions) per sample,
    then scale and shift per channel."""
    if x.ndim < 2:
        raise RuntimeError(f"group_norm: expected an input with a channel dim, got shape {list(x.shape)}")
    n, c = x.shape[0], x.shape[1]
    if num_groups <= 0 or c % num_groups:
        raise RuntimeError(f"group_norm: {c} channels cannot be split into {num_groups} groups")
    y = LayerNorm.apply(x.reshape(n, num_groups, -1), None, None, k=1, eps=eps).reshape(tuple(x.shape))
    view = (1, c) + (1,) * (x.ndim - 2)
    if weight is not None:
        y = y * weight.reshape(view)
    if bias is not None:
        y = y + bias.reshape(view)
    return y
