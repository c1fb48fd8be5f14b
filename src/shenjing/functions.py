"""Free functions under PyTorch's top-level names (``shenjing.exp(x)``, ``shenjing.cat([...])``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .ops import elementwise as _ew
from .ops import matmul as _mm
from .ops import shape as _shape
from .tensor import Tensor, _ix, _misc, _prod, _pw, _ss  # the lazily loaded op families


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
def mm(a, b):
    """The 2-D matrix product (``matmul`` takes the other ranks)."""
    a, b = _t(a), _t(b)
    if a.ndim != 2 or b.ndim != 2:
        raise RuntimeError(f"mm: both arguments must be 2-D matrices, got shapes {list(a.shape)} and {list(b.shape)}")
    return _mm.matmul(a, b)


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
def log1p(input): return _t(input).log1p()
def expm1(input): return _t(input).expm1()
def log2(input): return _t(input).log2()
def log10(input): return _t(input).log10()
def exp2(input): return _t(input).exp2()
def rsqrt(input): return _t(input).rsqrt()
def reciprocal(input): return _t(input).reciprocal()
def sinh(input): return _t(input).sinh()
def cosh(input): return _t(input).cosh()
def tan(input): return _t(input).tan()
def asin(input): return _t(input).asin()
def acos(input): return _t(input).acos()
def atan(input): return _t(input).atan()
def atan2(input, other): return _t(input).atan2(other)
def hypot(input, other): return _t(input).hypot(other)
def logaddexp(input, other): return _t(input).logaddexp(other)
def logit(input, eps: float | None = None): return _t(input).logit(eps)
def erf(input): return _t(input).erf()
def erfinv(input): return _t(input).erfinv()
def sign(input): return _t(input).sign()
def floor(input): return _t(input).floor()
def ceil(input): return _t(input).ceil()
def round(input, *, decimals: int = 0): return _t(input).round(decimals=decimals)  # noqa: A001
def trunc(input): return _t(input).trunc()
def fmod(input, other): return _t(input).fmod(other)
def lerp(input, end, weight): return _t(input).lerp(end, weight)
def addcmul(input, tensor1, tensor2, *, value=1): return _t(input).addcmul(tensor1, tensor2, value=value)
def addcdiv(input, tensor1, tensor2, *, value=1): return _t(input).addcdiv(tensor1, tensor2, value=value)
def nan_to_num(input, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None):
    return _t(input).nan_to_num(nan, posinf, neginf)
def isclose(input, other, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False):
    return _t(input).isclose(other, rtol, atol, equal_nan)


def remainder(input, other):
    """Python's remainder (the sign of ``other``); ``input`` may be a number when ``other`` is a tensor."""
    if isinstance(other, Tensor) and isinstance(input, int | float) and not isinstance(input, Tensor):
        return _pw.Remainder.apply(input, other)
    return _t(input).remainder(other)


# ----------------------------------------------------------------- sorting, scans and statistics
def cumsum(x, dim: int, *, dtype=None): return _t(x).cumsum(dim, dtype=dtype)
def cumprod(x, dim: int, *, dtype=None): return _t(x).cumprod(dim, dtype=dtype)
def logcumsumexp(x, dim: int): return _t(x).logcumsumexp(dim)
def cummax(x, dim: int): return _t(x).cummax(dim)
def cummin(x, dim: int): return _t(x).cummin(dim)
def sort(x, dim: int = -1, descending: bool = False, *, stable: bool = False):
    return _ss.sort(_t(x), dim, descending, stable)
def argsort(x, dim: int = -1, descending: bool = False, *, stable: bool = False):
    return _t(x).argsort(dim, descending, stable=stable)
def kthvalue(x, k: int, dim: int = -1, keepdim: bool = False): return _t(x).kthvalue(k, dim, keepdim)
def median(x, dim=None, keepdim: bool = False): return _t(x).median(dim, keepdim)
def mode(x, dim: int = -1, keepdim: bool = False): return _t(x).mode(dim, keepdim)
def quantile(x, q, dim=None, keepdim: bool = False, *, interpolation: str = "linear"):
    return _ss.quantile(_t(x), q, dim, keepdim, interpolation)
def unique(x, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,  # noqa: A002
           dim=None):
    return _ss.unique(_t(x), sorted, return_inverse, return_counts, dim)
def bincount(x, weights=None, minlength: int = 0): return _ss.bincount(_t(x), weights, minlength)
def histc(x, bins: int = 100, min: float = 0, max: float = 0): return _ss.histc(_t(x), bins, min, max)  # noqa: A002
def count_nonzero(x, dim=None): return _ss.count_nonzero(_t(x), dim)
def aminmax(x, *, dim=None, keepdim: bool = False): return _ss.aminmax(_t(x), dim, keepdim)
def var_mean(x, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    return _ss.var_mean(_t(x), dim, unbiased, keepdim, correction)
def std_mean(x, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    return _ss.std_mean(_t(x), dim, unbiased, keepdim, correction)
def searchsorted(sorted_sequence, input, *, out_int32: bool = False, right: bool = False, side=None,  # noqa: A002
                 sorter=None):
    return _ss.searchsorted(_t(sorted_sequence), input, out_int32, right, side, sorter)
def bucketize(input, boundaries, *, out_int32: bool = False, right: bool = False):  # noqa: A002
    return _ss.bucketize(input, _t(boundaries), out_int32, right)
def all(x, dim=None, keepdim: bool = False): return _ss.all_any(_t(x), np.all, dim, keepdim)  # noqa: A001
def any(x, dim=None, keepdim: bool = False): return _ss.all_any(_t(x), np.any, dim, keepdim)  # noqa: A001


# ----------------------------------------------------------------- indexing and shape
def index_select(input, dim: int, index): return _ix.index_select(_t(input), dim, index)  # noqa: A002
def masked_fill(input, mask, value): return _ix.masked_fill(_t(input), mask, value)  # noqa: A002
def masked_select(input, mask): return _ix.masked_select(_t(input), mask)  # noqa: A002
def nonzero(input, *, as_tuple: bool = False): return _ix.nonzero(_t(input), as_tuple)  # noqa: A002
def scatter(input, dim: int, index, src=None, value=None, *, reduce=None):  # noqa: A002
    return _ix.scatter(_t(input), dim, index, src, value, reduce)
def scatter_add(input, dim: int, index, src): return _ix.scatter_add(_t(input), dim, index, src)  # noqa: A002
def index_add(input, dim: int, index, source, *, alpha: float = 1):  # noqa: A002
    return _ix.index_add(_t(input), dim, index, source, alpha)
def tile(input, dims): return _ix.tile(_t(input), dims)  # noqa: A002
def roll(input, shifts, dims=None): return _ix.roll(_t(input), shifts, dims)  # noqa: A002
def flip(input, dims): return _ix.flip(_t(input), dims)  # noqa: A002
def fliplr(input): return _ix.fliplr(_t(input))  # noqa: A002
def flipud(input): return _ix.flipud(_t(input))  # noqa: A002
def tril(input, diagonal: int = 0): return _ix.tril(_t(input), diagonal)  # noqa: A002
def triu(input, diagonal: int = 0): return _ix.triu(_t(input), diagonal)  # noqa: A002
def diag(input, diagonal: int = 0): return _ix.diag(_t(input), diagonal)  # noqa: A002
def diagonal(input, offset: int = 0, dim1: int = 0, dim2: int = 1):  # noqa: A002
    return _ix.diagonal(_t(input), offset, dim1, dim2)
def trace(input): return _ix.trace(_t(input))  # noqa: A002
def narrow(input, dim: int, start, length: int): return _ix.narrow(_t(input), dim, start, length)  # noqa: A002
def unbind(input, dim: int = 0): return _ix.unbind(_t(input), dim)  # noqa: A002
def movedim(input, source, destination): return _ix.movedim(_t(input), source, destination)  # noqa: A002
def moveaxis(input, source, destination): return _ix.movedim(_t(input), source, destination)  # noqa: A002
def swapaxes(input, axis0: int, axis1: int): return _ix.swapdims(_t(input), axis0, axis1)  # noqa: A002
def swapdims(input, dim0: int, dim1: int): return _ix.swapdims(_t(input), dim0, dim1)  # noqa: A002
def unflatten(input, dim: int, sizes): return _ix.unflatten(_t(input), dim, sizes)  # noqa: A002
def tensor_split(input, indices_or_sections=None, dim: int = 0, *, sections=None, indices=None):  # noqa: A002
    return _ix.tensor_split(_t(input), indices_or_sections, dim, sections=sections, indices=indices)
def meshgrid(*tensors, indexing: str | None = None): return _ix.meshgrid(*tensors, indexing=indexing)
def broadcast_to(input, size): return _ix.broadcast_to(_t(input), size)  # noqa: A002
def broadcast_tensors(*tensors): return _ix.broadcast_tensors(*tensors)


# ----------------------------------------------------------------- products
def bmm(input, mat2): return _prod.bmm(input, mat2)  # noqa: A002
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1): return _prod.baddbmm(input, batch1, batch2, beta=beta, alpha=alpha)  # noqa: A002, E501
def addmm(input, mat1, mat2, *, beta=1, alpha=1): return _prod.addmm(input, mat1, mat2, beta=beta, alpha=alpha)  # noqa: A002
def addmv(input, mat, vec, *, beta=1, alpha=1): return _prod.addmv(input, mat, vec, beta=beta, alpha=alpha)  # noqa: A002
def mv(input, vec): return _prod.mv(input, vec)  # noqa: A002
def dot(input, other): return _prod.dot(input, other)  # noqa: A002
def vdot(input, other): return _prod.dot(input, other, name="vdot")  # noqa: A002
def inner(input, other): return _prod.inner(input, other)  # noqa: A002
def einsum(*args): return _prod.einsum(*args)
def tensordot(a, b, dims=2): return _prod.tensordot(a, b, dims)
def kron(input, other): return _prod.kron(input, other)  # noqa: A002
def cross(input, other, dim: int | None = None): return _prod.cross(input, other, dim)  # noqa: A002
def cdist(x1, x2, p: float = 2.0, compute_mode: str = "use_mm_for_euclid_dist_if_necessary"):
    return _prod.cdist(x1, x2, p, compute_mode)
def dist(input, other, p: float = 2): return _prod.dist(input, other, p)  # noqa: A002
def cosine_similarity(x1, x2, dim: int = 1, eps: float = 1e-8): return _prod.cosine_similarity(x1, x2, dim, eps)
def pairwise_distance(x1, x2, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False):
    return _prod.pairwise_distance(x1, x2, p, eps, keepdim)


# ----------------------------------------------------------------- aliases, logic and small linear algebra
def logical_and(input, other): return _misc.logical_and(input, other)  # noqa: A002
def logical_or(input, other): return _misc.logical_or(input, other)  # noqa: A002
def logical_xor(input, other): return _misc.logical_xor(input, other)  # noqa: A002
def logical_not(input): return _misc.logical_not(input)  # noqa: A002
def bitwise_and(input, other): return _misc.bitwise_and(input, other)  # noqa: A002
def bitwise_or(input, other): return _misc.bitwise_or(input, other)  # noqa: A002
def bitwise_xor(input, other): return _misc.bitwise_xor(input, other)  # noqa: A002
def bitwise_not(input): return _misc.bitwise_not(input)  # noqa: A002
def eq(input, other): return _t(input) == other  # noqa: A002
def ne(input, other): return _t(input) != other  # noqa: A002
def lt(input, other): return _t(input) < other  # noqa: A002
def le(input, other): return _t(input) <= other  # noqa: A002
def gt(input, other): return _t(input) > other  # noqa: A002
def ge(input, other): return _t(input) >= other  # noqa: A002
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne
def isposinf(input): return _misc.isposinf(input)  # noqa: A002
def isneginf(input): return _misc.isneginf(input)  # noqa: A002
def isreal(input): return _misc.isreal(input)  # noqa: A002
def clone(input): return _t(input).clone()  # noqa: A002
def multiply(input, other): return _t(input) * other  # noqa: A002
def divide(input, other, *, rounding_mode: str | None = None): return _misc.divide(input, other, rounding_mode)  # noqa: A002
def true_divide(input, other): return _t(input) / other  # noqa: A002
def subtract(input, other, *, alpha: float = 1): return _t(input).sub(other, alpha=alpha)  # noqa: A002
def negative(input): return -_t(input)  # noqa: A002
def positive(input): return _t(input)  # noqa: A002
def absolute(input): return _t(input).abs()  # noqa: A002
def arccos(input): return _t(input).acos()  # noqa: A002
def arcsin(input): return _t(input).asin()  # noqa: A002
def arctan(input): return _t(input).atan()  # noqa: A002
def arctan2(input, other): return _t(input).atan2(other)  # noqa: A002
def clamp_min(input, min): return _t(input).clamp_min(min)  # noqa: A002
def clamp_max(input, max): return _t(input).clamp_max(max)  # noqa: A002
def is_complex(input) -> bool: return _t(input).is_complex()  # noqa: A002
def is_signed(input) -> bool: return _t(input).is_signed()  # noqa: A002
def frac(input): return _misc.frac(input)  # noqa: A002
def deg2rad(input): return _t(input).deg2rad()  # noqa: A002
def rad2deg(input): return _t(input).rad2deg()  # noqa: A002
def heaviside(input, values): return _misc.heaviside(input, values)  # noqa: A002
def diff(input, n: int = 1, dim: int = -1, prepend=None, append=None):  # noqa: A002
    return _misc.diff(input, n, dim, prepend, append)
def argwhere(input): return _ix.nonzero(_t(input))  # noqa: A002
def nansum(input, dim=None, keepdim: bool = False, *, dtype=None):  # noqa: A002
    return _misc.nansum(input, dim, keepdim, dtype=dtype)
def nanmean(input, dim=None, keepdim: bool = False, *, dtype=None):  # noqa: A002
    return _misc.nanmean(input, dim, keepdim, dtype=dtype)
def atleast_1d(*tensors): return _misc.atleast_1d(*tensors)
def atleast_2d(*tensors): return _misc.atleast_2d(*tensors)
def atleast_3d(*tensors): return _misc.atleast_3d(*tensors)
def hstack(tensors): return _misc.hstack(tensors)
def vstack(tensors): return _misc.vstack(tensors)
def dstack(tensors): return _misc.dstack(tensors)
def column_stack(tensors): return _misc.column_stack(tensors)
row_stack = vstack
def bernoulli(input, p: float | None = None, *, generator=None): return _misc.bernoulli(input, p, generator=generator)  # noqa: A002
def float_power(input, exponent): return _misc.float_power(input, exponent)  # noqa: A002
def copysign(input, other): return _misc.copysign(input, other)  # noqa: A002
def det(input): return _misc.det(input)  # noqa: A002
def inverse(input): return _misc.inverse(input)  # noqa: A002
def matrix_power(input, n: int): return _misc.matrix_power(input, n)  # noqa: A002
def cov(input, *, correction: int = 1, fweights=None, aweights=None):  # noqa: A002
    return _misc.cov(input, correction=correction, fweights=fweights, aweights=aweights)
def corrcoef(input): return _misc.corrcoef(input)  # noqa: A002
