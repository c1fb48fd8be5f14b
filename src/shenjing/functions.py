"""Free functions under PyTorch's top-level names (``shenjing.exp(x)``, ``shenjing.cat([...])``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .ops import elementwise as _ew
from .ops import matmul as _mm
from .ops import shape as _shape
from .tensor import Tensor


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def exp(x): return _t(x).exp()
def log(x): return _t(x).log()
def sqrt(x): return _t(x).sqrt()
def abs(x): return _t(x).abs()  # noqa: A001
def sin(x): return _t(x).sin()
def cos(x): return _t(x).cos()
def sigmoid(x): return _t(x).sigmoid()
def tanh(x): return _t(x).tanh()
def relu(x): return _t(x).relu()
def neg(x): return -_t(x)
def square(x): return _t(x).square()


def clamp(x, min=None, max=None): return _t(x).clamp(min, max)  # noqa: A002


clip = clamp


def add(a, b, alpha: float = 1): return _t(a).add(b, alpha=alpha)
def sub(a, b, alpha: float = 1): return _t(a).sub(b, alpha=alpha)
def mul(a, b): return _t(a) * b
def div(a, b): return _t(a) / b
def pow(a, b): return _t(a) ** b  # noqa: A001
def maximum(a, b): return _ew.Maximum.apply(_t(a), b)
def minimum(a, b): return _ew.Minimum.apply(_t(a), b)
def matmul(a, b): return _mm.matmul(a, b)
def mm(a, b): return _mm.matmul(a, b)


def where(condition, input, other):  # noqa: A002
    """Elementwise ``input`` where ``condition`` holds, else ``other``."""
    return _ew.Where.apply(condition, input, other)


def sum(x, dim=None, keepdim: bool = False): return _t(x).sum(dim, keepdim)  # noqa: A001
def mean(x, dim=None, keepdim: bool = False): return _t(x).mean(dim, keepdim)
def var(x, dim=None, keepdim: bool = False, unbiased=None, correction=None):
    return _t(x).var(dim, keepdim, unbiased, correction)
def std(x, dim=None, keepdim: bool = False, unbiased=None, correction=None):
    return _t(x).std(dim, keepdim, unbiased, correction)
def amax(x, dim=None, keepdim: bool = False): return _t(x).amax(dim, keepdim)
def amin(x, dim=None, keepdim: bool = False): return _t(x).amin(dim, keepdim)
def max(x, dim=None, keepdim: bool = False): return _t(x).max(dim, keepdim)  # noqa: A001
def min(x, dim=None, keepdim: bool = False): return _t(x).min(dim, keepdim)  # noqa: A001
def argmax(x, dim=None, keepdim: bool = False): return _t(x).argmax(dim, keepdim)
def argmin(x, dim=None, keepdim: bool = False): return _t(x).argmin(dim, keepdim)
def logsumexp(x, dim, keepdim: bool = False): return _t(x).logsumexp(dim, keepdim)
def prod(x, dim=None, keepdim: bool = False): return _t(x).prod(dim, keepdim)
def norm(x, p="fro", dim=None, keepdim: bool = False): return _t(x).norm(p, dim, keepdim)
def softmax(x, dim: int): return _t(x).softmax(dim)
def log_softmax(x, dim: int): return _t(x).log_softmax(dim)


def reshape(x, shape): return _t(x).reshape(shape)
def flatten(x, start_dim: int = 0, end_dim: int = -1): return _t(x).flatten(start_dim, end_dim)
def transpose(x, dim0: int, dim1: int): return _t(x).transpose(dim0, dim1)
def permute(x, dims): return _t(x).permute(dims)
def squeeze(x, dim=None): return _t(x).squeeze(dim)
def unsqueeze(x, dim: int): return _t(x).unsqueeze(dim)
def split(x, split_size_or_sections, dim: int = 0): return _t(x).split(split_size_or_sections, dim)
def chunk(x, chunks: int, dim: int = 0): return _t(x).chunk(chunks, dim)
def gather(x, dim: int, index): return _t(x).gather(dim, index)
def cat(tensors, dim: int = 0): return _shape.cat([_t(t) for t in tensors], dim)
def concat(tensors, dim: int = 0): return cat(tensors, dim)
def stack(tensors, dim: int = 0): return _shape.stack([_t(t) for t in tensors], dim)


def isnan(x): return _t(x).isnan()
def isinf(x): return _t(x).isinf()
def isfinite(x): return _t(x).isfinite()
def allclose(a, b, rtol: float = 1e-5, atol: float = 1e-8) -> bool: return _t(a).allclose(b, rtol, atol)
def equal(a, b) -> bool: return _t(a).equal(b)
def numel(x) -> int: return _t(x).numel()


def is_tensor(x) -> bool:
    return isinstance(x, Tensor)


def outer(a, b):
    return _t(a).unsqueeze(1) * _t(b).unsqueeze(0)


def topk(x, k: int, dim: int = -1, largest: bool = True):
    """The k largest (or smallest) values and their indices (no gradient through the indices)."""
    x = _t(x)
    order = np.argsort(-x.data if largest else x.data, axis=dim, kind="stable")
    idx = np.take(order, np.arange(k), axis=dim)
    return x.gather(dim, idx), Tensor._from_op(idx.astype(np.int64), None)


def multinomial(probs, num_samples: int, replacement: bool = False, generator=None):
    """Draw class indices from each row of (unnormalised) probabilities."""
    from .random import get_rng

    p = _t(probs).data.astype(np.float64)
    rows = p.reshape(-1, p.shape[-1])
    rng = get_rng(generator)
    out = np.stack([rng.choice(rows.shape[1], size=num_samples, replace=replacement, p=r / r.sum())
                    for r in rows])
    return Tensor._from_op(out.reshape(p.shape[:-1] + (num_samples,)).astype(np.int64), None)


# ----------------------------------------------------------------- more pointwise math


# ----------------------------------------------------------------- sorting, scans and statistics


# ----------------------------------------------------------------- indexing and shape


# ----------------------------------------------------------------- products
