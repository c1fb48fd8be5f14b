"""Scaled dot-product attention as one fused op: O = softmax(Q Kᵀ·scale + M) V.

Backward by hand, with P = softmax(S), S = Q Kᵀ·scale + M (and D the dropout mask, scaled by 1/(1 − p)):
dV = (P⊙D)ᵀ dO;  dP = (dO Vᵀ)⊙D;  dS = P ⊙ (dP − rowsum(dP ⊙ P));  dQ = dS K·scale;  dK = dSᵀ Q·scale;  dM = dS.

Rows whose every key is masked out give 0 (output and gradients), as PyTorch 2.13 does on CPU.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd.function import Function
from ..random import get_rng


def _swap(a: np.ndarray) -> np.ndarray:
    return np.swapaxes(a, -1, -2)


class ScaledDotProductAttention(Function):
    """O = softmax(Q Kᵀ·scale + M) V; the derivatives are in the module docstring.

    ``mask`` is None, a bool array (True = take part) or a float array that is added; ``groups`` > 1
    repeats each key/value head that many times (grouped-query attention)."""

    def forward(self, q, k, v, mask=None, scale: float = 1.0, causal: bool = False, dropout_p: float = 0.0,
                groups: int = 1, generator: Any = None):
        if groups > 1:
            k, v = np.repeat(k, groups, axis=-3), np.repeat(v, groups, axis=-3)
        s = (q @ _swap(k)) * np.asarray(scale, dtype=q.dtype)
        ninf = np.asarray(-np.inf, dtype=s.dtype)
        if causal:
            s = np.where(np.tril(np.ones(s.shape[-2:], dtype=bool)), s, ninf)
        if mask is not None:
            s = np.where(mask, s, ninf) if mask.dtype == np.bool_ else s + mask
        s = s.astype(q.dtype, copy=False)
        mx = s.max(axis=-1, keepdims=True)
        mx = np.where(np.isneginf(mx), 0, mx)  # a fully masked row: keep exp(−inf − 0) = 0, not NaN
        e = np.exp(s - mx)
        total = e.sum(axis=-1, keepdims=True)
        p = e / np.where(total == 0, 1, total)
        pd = p
        keep = None
        if dropout_p > 0.0:
            keep = get_rng(generator).random(p.shape, dtype=np.float32) >= dropout_p
            keep = keep.astype(p.dtype) * np.asarray(1.0 / (1.0 - dropout_p) if dropout_p < 1 else 0.0, dtype=p.dtype)
            pd = p * keep
        if self.needs_input_grad is not None:
            self.q, self.k, self.v, self.p, self.pd, self.keep = q, k, v, p, pd, keep
            self.scale, self.groups = scale, groups
            self.mask_dtype = None if mask is None else mask.dtype
        return pd @ v

    def _ungroup(self, g: np.ndarray) -> np.ndarray:
        if self.groups == 1:
            return g
        shape = g.shape[:-3] + (g.shape[-3] // self.groups, self.groups) + g.shape[-2:]
        return g.reshape(shape).sum(axis=-3)

    def backward(self, g):
        need_q, need_k, need_v, need_m = self.needs_input_grad
        dv = self._ungroup(_swap(self.pd) @ g) if need_v else None
        dq = dk = dm = None
        if need_q or need_k or need_m:
            dp = g @ _swap(self.v)
            if self.keep is not None:
                dp = dp * self.keep
            p = self.p
            ds = p * (dp - (dp * p).sum(axis=-1, keepdims=True))
            sc = np.asarray(self.scale, dtype=ds.dtype)
            if need_q:
                dq = (ds @ self.k) * sc
            if need_k:
                dk = self._ungroup((_swap(ds) @ self.q) * sc)
            if need_m and self.mask_dtype != np.bool_:
                dm = ds.astype(self.mask_dtype, copy=False)
        return dq, dk, dv, dm


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None, enable_gqa: bool = False):
    """Checks the arguments as PyTorch does, then runs the fused op."""
    from ..tensor import Tensor

    q, k, v = (t if isinstance(t, Tensor) else Tensor(t) for t in (query, key, value))
    if q.ndim < 2 or k.ndim < 2 or v.ndim < 2:
        raise RuntimeError("scaled_dot_product_attention: expected query, key, and value to all be at least 2 "
                           f"dimensional, but got query.dim: {q.ndim} key.dim: {k.ndim} and value.dim: {v.ndim}")
    if not (q.dtype == k.dtype == v.dtype):
        raise RuntimeError("scaled_dot_product_attention: expected query, key, and value to have the same dtype, "
                           f"but got query.dtype: {q.dtype} key.dtype: {k.dtype} and value.dtype: {v.dtype}")
    if q.data.dtype.kind != "f":
        raise RuntimeError(f"scaled_dot_product_attention: expected floating point query, key and value, "
                           f"got {q.dtype}")
    if not 0.0 <= dropout_p <= 1.0:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")
    if q.shape[-1] != k.shape[-1]:
        raise RuntimeError(f"scaled_dot_product_attention: query has embedding size {q.shape[-1]} but key has "
                           f"{k.shape[-1]} (shapes {tuple(q.shape)} and {tuple(k.shape)})")
    if k.shape[-2] != v.shape[-2]:
        raise RuntimeError(f"scaled_dot_product_attention: key has {k.shape[-2]} positions but value has "
                           f"{v.shape[-2]} (shapes {tuple(k.shape)} and {tuple(v.shape)})")
    groups = 1
    if enable_gqa and q.ndim >= 3 and k.ndim >= 3:
        hq, hk, hv = q.shape[-3], k.shape[-3], v.shape[-3]
        if hk != hv or hq % hk:
            raise RuntimeError("scaled_dot_product_attention: number of heads in key and value must divide the "
                               f"number of heads in query, got query {hq}, key {hk}, value {hv} heads")
        groups = hq // hk
    m = None
    if attn_mask is not None:
        m = attn_mask if isinstance(attn_mask, Tensor) else Tensor(attn_mask)
        if is_causal:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when "
                               "is_causal=True")
        kind = m.data.dtype
        if not (kind == np.bool_ or kind == np.float32 or kind == q.data.dtype):
            raise RuntimeError("Expected attn_mask dtype to be bool or float or to match query dtype, but got "
                               f"attn_mask.dtype: {m.dtype} and query.dtype: {q.dtype} instead.")
    if scale is None:
        scale = 1.0 / math.sqrt(q.shape[-1])
    return ScaledDotProductAttention.apply(q, k, v, m, scale=float(scale), causal=bool(is_causal),
                                           dropout_p=float(dropout_p), groups=groups)
