"""Small ops: RMS norm, logic and comparisons, aliases' helpers, and small linear algebra (det, inverse,
solve).  Gradients come out in the broadcast shape of the result; the engine reduces them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..autograd.function import Function
from ..backend import get_default_dtype
from ..tensor import Tensor, _data
from .elementwise import _float

_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16", "int64": "Long",
               "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _type_name(a: np.ndarray) -> str:
    return _TYPE_NAMES.get(a.dtype.name, a.dtype.name)


# ----------------------------------------------------------------- RMS norm
class RMSNorm(Function):
    """y = γ · x / √(mean(x²) + ε) over the last k axes; with r = 1/√(mean(x²) + ε), ŷ = x r:
    ∂L/∂x = r (ĝ − ŷ · mean(ĝ ŷ)) with ĝ = γ g;  ∂L/∂γ = Σ g ŷ over the leading axes."""

    def forward(self, x, weight=None, k=1, eps=1e-6):
        axes = tuple(range(x.ndim - k, x.ndim))
        r = 1.0 / np.sqrt(np.mean(x * x, axis=axes, keepdims=True) + eps)
        yhat = (x * r).astype(x.dtype, copy=False)
        self.yhat, self.r, self.axes, self.weight = yhat, r, axes, weight
        return (yhat * weight).astype(x.dtype, copy=False) if weight is not None else yhat

    def backward(self, g):
        yhat, axes, w = self.yhat, self.axes, self.weight
        need = self.needs_input_grad
        gx = gw = None
        if need[0]:
            gh = g * w if w is not None else g
            gx = (self.r * (gh - yhat * (gh * yhat).mean(axis=axes, keepdims=True))).astype(g.dtype, copy=False)
        if w is not None and need[1]:
            gw = (g * yhat).sum(axis=tuple(range(g.ndim - len(axes))))
        return gx, gw


def rms_norm(x: Tensor, normalized_shape: Any, weight: Tensor | None = None, eps: float | None = None) -> Tensor:
    """PyTorch's ``F.rms_norm``: x / √(mean(x²) + ε) · γ over the trailing ``normalized_shape`` dims; ``eps=None``
    takes the machine epsilon of x's dtype."""
    if not isinstance(x, Tensor):
        raise TypeError(f"rms_norm(): argument 'input' must be Tensor, not {type(x).__name__}")
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if k == 0 or x.ndim < k or tuple(x.shape[x.ndim - k:]) != shape:
        raise RuntimeError(f"rms_norm: Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*, {', '.join(map(str, shape))}], but got input of size{list(x.shape)}")
    if weight is not None and tuple(weight.shape) != shape:
        raise RuntimeError(f"rms_norm: weight of shape {list(weight.shape)} does not match normalized_shape "
                           f"{list(shape)}")
    if x.data.dtype.kind != "f":
        raise RuntimeError(f"rms_norm: expected a floating point input, got {x.dtype}")
    if eps is None:
        eps = float(np.finfo(x.data.dtype).eps)
    return RMSNorm.apply(x, weight, k=k, eps=eps)


# ----------------------------------------------------------------- logic and comparisons
def _bool(a: np.ndarray) -> Tensor:
    return Tensor._from_op(np.asarray(a, dtype=bool), None)


def _other(op: str, b: Any) -> np.ndarray:
    if not isinstance(b, Tensor):
        raise TypeError(f"{op}(): argument 'other' (position 2) must be Tensor, not {type(b).__name__}")
    return b.data


def logical_and(a, b) -> Tensor:
    return _bool(np.logical_and(_data(_t(a)), _other("logical_and", b)))


def logical_or(a, b) -> Tensor:
    return _bool(np.logical_or(_data(_t(a)), _other("logical_or", b)))


def logical_xor(a, b) -> Tensor:
    return _bool(np.logical_xor(_data(_t(a)), _other("logical_xor", b)))


def logical_not(a) -> Tensor:
    return _bool(np.logical_not(_data(_t(a))))


def isposinf(a) -> Tensor:
    return _bool(np.isposinf(_data(_t(a))))


def isneginf(a) -> Tensor:
    return _bool(np.isneginf(_data(_t(a))))


def isreal(a) -> Tensor:
    return _bool(np.isreal(_data(_t(a))))


def _bitwise(op: str, fn, a, b=None) -> Tensor:
    arrays = [_data(_t(a))] + ([] if b is None else [_data(b) if isinstance(b, Tensor) else np.asarray(b)])
    for arr in arrays:
        if arr.dtype.kind not in "biu":
            raise RuntimeError(f'"{op}_cpu" not implemented for \'{_type_name(arr)}\'')
    if b is None:
        return Tensor._from_op(fn(arrays[0]), None)
    if not isinstance(b, Tensor):  # a Python int keeps the tensor's dtype (bool data with an int → int64)
        other = np.asarray(b, dtype=arrays[0].dtype if arrays[0].dtype.kind != "b" or isinstance(b, bool)
                           else np.int64)
        first = arrays[0] if arrays[0].dtype.kind != "b" or other.dtype.kind == "b" else arrays[0].astype(np.int64)
        return Tensor._from_op(np.asarray(fn(first, other)), None)
    return Tensor._from_op(np.asarray(fn(arrays[0], arrays[1])), None)


def bitwise_and(a, b) -> Tensor:
    return _bitwise("bitwise_and", np.bitwise_and, a, b)


def bitwise_or(a, b) -> Tensor:
    return _bitwise("bitwise_or", np.bitwise_or, a, b)


def bitwise_xor(a, b) -> Tensor:
    return _bitwise("bitwise_xor", np.bitwise_xor, a, b)


def bitwise_not(a) -> Tensor:
    return _bitwise("bitwise_not", np.invert, a)


# ----------------------------------------------------------------- small pointwise ops
class Frac(Function):
    """y = x − trunc(x);  ∂y/∂x = 1."""

    def forward(self, x):
        return x - np.trunc(x)

    def backward(self, g):
        return g


def frac(x) -> Tensor:
    x = _t(x)
    if x.data.dtype.kind != "f":
        raise RuntimeError(f"\"frac_cpu\" not implemented for '{_type_name(x.data)}'")
    return Frac.apply(x)


class Copysign(Function):
    """y = |a| · sign(b) (b's sign bit);  ∂y/∂a = y / a (0 where a = 0), no gradient for b (as in PyTorch)."""

    def forward(self, a, b):
        a, b = np.asarray(a), np.asarray(b)
        out = np.copysign(_float(a), b)
        if out.dtype == np.float64 and not (a.dtype == np.float64 or (b.dtype == np.float64 and b.ndim)):
            floats = [x.dtype for x in (a, b) if x.dtype.kind == "f" and x.ndim] or \
                [x.dtype for x in (a, b) if x.dtype.kind == "f"]
            out = out.astype(np.result_type(*floats) if floats else get_default_dtype().np)
        self.a, self.out = a, out
        return out

    def backward(self, g):
        ga = None
        if self.needs_input_grad[0]:
            a = self.a
            ratio = np.divide(self.out, a, out=np.zeros_like(self.out), where=a != 0)
            ga = g * ratio.astype(g.dtype, copy=False)
        gb = np.zeros_like(g) if self.needs_input_grad[1] else None
        return ga, gb


def copysign(a, b) -> Tensor:
    return Copysign.apply(_t(a), b)


def heaviside(x, values) -> Tensor:
    """0 where x < 0, ``values`` where x == 0, 1 where x > 0 (no gradient, as in PyTorch)."""
    x = _t(x)
    v = _data(values) if isinstance(values, Tensor) else None
    if v is None:
        raise TypeError(f"heaviside(): argument 'values' must be Tensor, not {type(values).__name__}")
    if x.data.dtype != v.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes")
    return Tensor._from_op(np.heaviside(x.data, v).astype(x.data.dtype, copy=False), None)


def diff(x, n: int = 1, dim: int = -1, prepend=None, append=None) -> Tensor:
    """The n-th forward difference along ``dim`` (out[i] = x[i+1] − x[i], bool data: xor), after joining
    ``prepend`` and ``append``."""
    from . import index as _ix
    from . import shape as _shape

    x = _t(x)
    if x.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = dim + x.ndim if dim < 0 else dim
    if not 0 <= d < x.ndim:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-x.ndim}, {x.ndim - 1}], "
                         f"but got {dim})")
    parts = [p for p in (prepend, x, append) if p is not None]
    if len(parts) > 1:
        x = _shape.cat([_t(p) for p in parts], d)
    for _ in range(n):
        length = x.shape[d]
        if length == 0:
            break
        hi, lo = _ix.narrow(x, d, 1, length - 1), _ix.narrow(x, d, 0, length - 1)
        x = hi ^ lo if x.data.dtype == np.bool_ else hi - lo
    return x


def nansum(x, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Σ over ``dim`` treating NaN as 0 (NaN entries get gradient 0)."""
    from .elementwise import Where

    x = _t(x)
    if dtype is not None:
        x = x.to(dtype)
    if x.data.dtype.kind == "f":
        x = Where.apply(np.isnan(x.data), np.zeros((), dtype=x.data.dtype), x)
    return x.sum(dim, keepdim)


def nanmean(x, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """The mean over the non-NaN entries along ``dim``."""
    x = _t(x)
    if dtype is not None:
        x = x.to(dtype)
    if x.data.dtype.kind != "f":
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex dtype but got {x.dtype}")
    count = Tensor(np.asarray((~np.isnan(x.data)).sum(axis=_axes(dim, x.ndim), keepdims=keepdim),
                              dtype=x.data.dtype))
    return nansum(x, dim, keepdim) / count


def _axes(dim, ndim: int):
    if dim is None:
        return None
    return tuple(d % builtin_max(ndim, 1) for d in (dim if isinstance(dim, Sequence) else (dim,)))


builtin_max = max


def _atleast(tensors: tuple, k: int):
    if len(tensors) == 1 and isinstance(tensors[0], list | tuple):
        return tuple(_atleast(tuple(tensors[0]), k))
    outs = []
    for t in tensors:
        t = _t(t)
        if t.ndim < k:
            if k == 3 and t.ndim == 2:
                t = t.unsqueeze(-1)
            elif k == 3 and t.ndim == 1:
                t = t.reshape(1, t.shape[0], 1)
            else:
                t = t.reshape((1,) * (k - t.ndim) + tuple(t.shape))
        outs.append(t)
    return outs[0] if len(outs) == 1 else tuple(outs)


def atleast_1d(*tensors):
    return _atleast(tensors, 1)


def atleast_2d(*tensors):
    return _atleast(tensors, 2)


def atleast_3d(*tensors):
    return _atleast(tensors, 3)


def _seq(op: str, tensors) -> list[Tensor]:
    if isinstance(tensors, Tensor) or not isinstance(tensors, list | tuple):
        raise TypeError(f"{op}(): argument 'tensors' must be tuple of Tensors, not {type(tensors).__name__}")
    if not tensors:
        raise RuntimeError(f"{op} expects a non-empty TensorList")
    return [_t(t) for t in tensors]


def hstack(tensors) -> Tensor:
    from . import shape as _shape

    ts = [atleast_1d(t) for t in _seq("hstack", tensors)]
    return _shape.cat(ts, 0 if ts[0].ndim == 1 else 1)


def vstack(tensors) -> Tensor:
    from . import shape as _shape

    return _shape.cat([atleast_2d(t) for t in _seq("vstack", tensors)], 0)


def dstack(tensors) -> Tensor:
    from . import shape as _shape

    return _shape.cat([atleast_3d(t) for t in _seq("dstack", tensors)], 2)


def column_stack(tensors) -> Tensor:
    from . import shape as _shape

    ts = [t.reshape(t.numel(), 1) if t.ndim <= 1 else t for t in _seq("column_stack", tensors)]
    return _shape.cat(ts, 1)


def bernoulli(x, p: float | None = None, *, generator=None) -> Tensor:
    """0/1 draws with probability ``x`` (or the number ``p``) per entry, in x's dtype (no gradient)."""
    from ..random import get_rng

    x = _t(x)
    probs = x.data if p is None else np.full(x.data.shape, p)
    if np.any((probs < 0) | (probs > 1)) or np.any(np.isnan(probs)):
        raise RuntimeError("bernoulli: all probabilities must be in the interval [0, 1]")
    out = get_rng(generator).random(x.data.shape) < probs
    return Tensor._from_op(out.astype(x.data.dtype if x.data.dtype.kind == "f" else get_default_dtype().np), None)


def float_power(a, b) -> Tensor:
    """a ** b computed in float64 (the gradient flows back in each input's dtype)."""
    from .elementwise import Cast

    a = _t(a)
    a64 = Cast.apply(a, dtype=np.dtype(np.float64)) if a.data.dtype != np.float64 else a
    if isinstance(b, Tensor):
        b = Cast.apply(b, dtype=np.dtype(np.float64)) if b.data.dtype != np.float64 else b
    else:
        b = float(b)
    return a64 ** b


def divide(a, b, rounding_mode: str | None = None) -> Tensor:
    """a / b; ``rounding_mode`` 'trunc' or 'floor' rounds the quotient (integer inputs stay integer)."""
    a = _t(a)
    if rounding_mode is None:
        return a / b
    if rounding_mode not in ("trunc", "floor"):
        raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                         f"'{rounding_mode}'")
    bd = _data(b) if isinstance(b, Tensor) else np.asarray(b)
    if a.data.dtype.kind in "biu" and bd.dtype.kind in "biu":
        if np.any(bd == 0):
            raise RuntimeError("ZeroDivisionError")
        q = np.floor_divide(a.data, bd)
        if rounding_mode == "trunc":
            q = q + ((np.remainder(a.data, bd) != 0) & ((a.data < 0) != (bd < 0)))
        res = np.asarray(q)
        if not isinstance(b, Tensor):
            res = res.astype(a.data.dtype)
        return Tensor._from_op(res, None)
    q = a / b
    return q.trunc() if rounding_mode == "trunc" else q.floor()


# ----------------------------------------------------------------- small linear algebra
def _square(op: str, a: Tensor) -> None:
    if a.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions.")
    if a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"{op}: A must be batches of square matrices, but they are {a.shape[-2]} by "
                           f"{a.shape[-1]} matrices")
    if a.data.dtype.kind != "f":
        raise RuntimeError(f"{op}: Expected a floating point or complex tensor as input. Got {_type_name(a.data)}")


def _mT(a: np.ndarray) -> np.ndarray:
    return np.swapaxes(a, -1, -2)


class Det(Function):
    """y = det A;  ∂y/∂A = det A · A⁻ᵀ (non-singular A)."""

    def forward(self, a):
        self.a = a
        self.out = np.asarray(np.linalg.det(a)).astype(a.dtype, copy=False)
        return self.out

    def backward(self, g):
        inv_t = _mT(np.linalg.inv(self.a))
        return ((g * self.out)[..., None, None] * inv_t).astype(g.dtype, copy=False)


class Inverse(Function):
    """Y = A⁻¹;  ∂L/∂A = −Yᵀ G Yᵀ."""

    def forward(self, a):
        try:
            self.out = np.linalg.inv(a).astype(a.dtype, copy=False)
        except np.linalg.LinAlgError:
            raise RuntimeError("linalg.inv: The diagonal element 1 is zero, the inversion could not be completed "
                               "because the input matrix is singular.") from None
        return self.out

    def backward(self, g):
        yt = _mT(self.out)
        return -(yt @ g @ yt)


class Solve(Function):
    """X = A⁻¹ B;  ∂L/∂B = A⁻ᵀ G,  ∂L/∂A = −(∂L/∂B) Xᵀ."""

    def forward(self, a, b):
        try:
            self.x = np.linalg.solve(a, b).astype(np.result_type(a, b), copy=False)
        except np.linalg.LinAlgError:
            raise RuntimeError("linalg.solve: The solver failed because the input matrix is singular.") from None
        self.a = a
        return self.x

    def backward(self, g):
        gb = np.linalg.solve(_mT(self.a), g)
        ga = -(gb @ _mT(self.x)) if self.needs_input_grad[0] else None
        return ga, (gb if self.needs_input_grad[1] else None)


def det(a) -> Tensor:
    a = _t(a)
    _square("linalg.det", a)
    return Det.apply(a)


def inverse(a) -> Tensor:
    a = _t(a)
    _square("linalg.inv", a)
    return Inverse.apply(a)


def solve(a, b, *, left: bool = True) -> Tensor:
    a, b = _t(a), _t(b)
    _square("linalg.solve", a)
    if not left:
        return solve(a.mT, b.mT).mT
    if b.data.dtype != a.data.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A of type "
                           f"{_type_name(a.data)} and B of type {_type_name(b.data)} instead")
    vector = b.ndim == 1 or (b.ndim == a.ndim - 1 and tuple(b.shape) == tuple(a.shape[:-1]))
    if vector:
        b = b.unsqueeze(-1)
    if b.shape[-2] != a.shape[-1]:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation AX = B "
                           f"({a.shape[-2]}x{a.shape[-1]} and {b.shape[-2]}x{b.shape[-1]})")
    x = Solve.apply(a, b)
    return x.squeeze(-1) if vector else x


def matrix_power(a, n: int) -> Tensor:
    """Aⁿ by repeated squaring (n < 0: powers of A⁻¹; n = 0: the identity)."""
    from . import matmul as _mm

    a = _t(a)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but they are "
                           f"{a.shape[-2] if a.ndim >= 2 else 1} by {a.shape[-1] if a.ndim else 1} matrices")
    if isinstance(n, bool) or not isinstance(n, int | np.integer):
        raise TypeError(f"matrix_power(): argument 'n' must be int, not {type(n).__name__}")
    if n == 0:  # the identity, linked to A with a zero gradient (as in PyTorch)
        from .elementwise import Where

        eye = np.broadcast_to(np.eye(a.shape[-1], dtype=a.data.dtype), a.shape)
        return Where.apply(np.zeros(a.shape, dtype=bool), a, eye)
    if n < 0:
        a, n = inverse(a), -n
    result, base = None, a
    while n:
        if n & 1:
            result = base if result is None else _mm.matmul(result, base)
        n >>= 1
        if n:
            base = _mm.matmul(base, base)
    return result


def cov(x, *, correction: int = 1, fweights=None, aweights=None) -> Tensor:
    """Covariance of the rows (variables) of x over its columns (observations), optionally weighted."""
    from . import matmul as _mm

    x = _t(x)
    if x.ndim > 2:
        raise ValueError(f"cov(): expected input to have two or fewer dimensions but got an input with {x.ndim} "
                         "dimensions")
    if x.data.dtype.kind != "f":
        x = x.to(get_default_dtype())
    if x.ndim < 2:
        x = x.reshape(1, -1)
    n_obs = x.shape[1]
    w = None
    if fweights is not None:
        fw = _t(fweights)
        if fw.ndim > 1 or fw.shape[0] != n_obs:
            raise RuntimeError(f"cov(): expected fweights to have the same numel as there are observations in the "
                               f"input but got {fw.numel()} != {n_obs}")
        if fw.data.dtype.kind not in "iu":
            raise RuntimeError(f"cov(): expected fweights to have integral dtype but got fweights with "
                               f"{fw.dtype} dtype")
        if np.any(fw.data < 0):
            raise RuntimeError("cov(): fweights cannot be negative")
        w = fw.to(x.dtype)
    if aweights is not None:
        aw = _t(aweights)
        if aw.ndim > 1 or aw.shape[0] != n_obs:
            raise RuntimeError(f"cov(): expected aweights to have the same numel as there are observations in the "
                               f"input but got {aw.numel()} != {n_obs}")
        if aw.data.dtype.kind != "f":
            raise RuntimeError(f"cov(): expected aweights to have floating point dtype but got aweights with "
                               f"{aw.dtype} dtype")
        if np.any(aw.data < 0):
            raise RuntimeError("cov(): aweights cannot be negative")
        aw = aw.to(x.dtype)
        w = aw if w is None else w * aw
    if w is None:
        w_sum = Tensor(np.asarray(n_obs, dtype=x.data.dtype))
        avg = x.mean(1)
        norm = w_sum - correction
    else:
        w_sum = w.sum()
        avg = (x * w).sum(1) / w_sum
        norm = w_sum - correction * (w * aw).sum() / w_sum if aweights is not None else w_sum - correction
    norm = norm.clamp_min(0)
    xc = x - avg.unsqueeze(1)
    xw = xc * w if w is not None else xc
    c = _mm.matmul(xw, xc.mT) / norm
    return c.squeeze() if x.shape[0] == 1 else c


def corrcoef(x) -> Tensor:
    """Pearson correlation coefficients of the rows of x: cov / √(diag ⊗ diag), clipped to [−1, 1]."""
    x = _t(x)
    if x.ndim > 2:
        raise ValueError(f"corrcoef(): expected input to have two or fewer dimensions but got an input with "
                         f"{x.ndim} dimensions")
    c = cov(x)
    if c.ndim == 0:
        return c / c
    d = c.diagonal()
    std = d.sqrt()
    c = c / std.unsqueeze(1) / std.unsqueeze(0)
    return c.clamp(-1, 1)
