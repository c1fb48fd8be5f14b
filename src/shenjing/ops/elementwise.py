"""Arithmetic and elementwise math.  Gradients come out in the broadcast shape of the result;
the engine sums them back to each input's shape."""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from ..backend import get_default_dtype

_F64 = np.dtype(np.float64)


def _keep_dtype(out, *inputs):
    """PyTorch's type promotion where NumPy's differs: NumPy gives float64 for int data with a
    Python float, and for float32 data with a 0-d float64 array or a NumPy float64 scalar.

    PyTorch lets arrays with dimensions decide among floats; a 0-d tensor counts only when no
    such array is a float (int data + 0-d float64 → float64); Python numbers never count
    (int data + 2.5 → the default float).
    """
    if out.dtype != _F64:
        return out
    arrays = [x for x in inputs if isinstance(x, np.ndarray) and x.dtype.kind == "f"]
    floats = [x.dtype for x in arrays if x.ndim] or [x.dtype for x in arrays]
    return out.astype(np.result_type(*floats) if floats else get_default_dtype().np, copy=False)


def _float(a: np.ndarray) -> np.ndarray:
    """Integer data becomes the default float first, as PyTorch does for exp, log, sqrt, sin ..."""
    return a if a.dtype.kind == "f" else a.astype(get_default_dtype().np)


class Add(Function):
    def forward(self, a, b):
        return _keep_dtype(np.add(a, b), a, b)

    def backward(self, g):  # ∂(a+b)/∂a = ∂(a+b)/∂b = 1
        return g, g


class Sub(Function):
    def forward(self, a, b):
        return _keep_dtype(np.subtract(a, b), a, b)

    def backward(self, g):
        return g, (-g if self.needs_input_grad[1] else None)


class Mul(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        return _keep_dtype(np.multiply(a, b), a, b)

    def backward(self, g):  # ∂(ab)/∂a = b, ∂(ab)/∂b = a
        need_a, need_b = self.needs_input_grad
        return (g * self.b if need_a else None), (g * self.a if need_b else None)


class Div(Function):
    def forward(self, a, b):
        self.b = b
        out = np.true_divide(a, b)
        if out.dtype == _F64:
            out = _keep_dtype(out, a, b)
        self.out = out
        return out

    def backward(self, g):  # ∂(a/b)/∂a = 1/b, ∂(a/b)/∂b = −a/b² = −out/b
        need_a, need_b = self.needs_input_grad
        ga = g / self.b if need_a else None
        gb = -g * self.out / self.b if need_b else None
        return ga, gb


class Pow(Function):
    def forward(self, a, p):
        self.a, self.p = a, p
        out = _keep_dtype(np.power(a, p), a, p)
        self.out = out
        return out

    def backward(self, g):  # ∂aᵖ/∂a = p·aᵖ⁻¹, ∂aᵖ/∂p = aᵖ·ln a
        need_a, need_p = self.needs_input_grad
        a, p = self.a, self.p
        ga = gp = None
        if need_a and np.any(p == 0):  # a⁰ is constant: 0 where p = 0, not 0·0⁻¹ = NaN
            with np.errstate(divide="ignore", invalid="ignore"):
                ga = np.where(p == 0, 0, g * p * np.power(a, p - 1))
        elif need_a:
            ga = g * p * np.power(a, p - 1)
        if need_p:  # as PyTorch: 0 where a = 0 and p ≥ 0; NaN for a < 0 (ln a is not real)
            with np.errstate(divide="ignore", invalid="ignore"):
                gp = np.where((a == 0) & (p >= 0), 0, g * self.out * np.log(a))
        return ga, gp


class Neg(Function):
    def forward(self, a):
        return np.negative(a)

    def backward(self, g):
        return -g


class Exp(Function):
    def forward(self, a):
        a = _float(a)
        self.out = np.exp(a)
        return self.out

    def backward(self, g):  # (eᵃ)' = eᵃ
        return g * self.out


class Log(Function):
    def forward(self, a):
        a = _float(a)
        self.a = a
        return np.log(a)

    def backward(self, g):  # (ln a)' = 1/a
        return g / self.a


class Sqrt(Function):
    def forward(self, a):
        a = _float(a)
        self.out = np.sqrt(a)
        return self.out

    def backward(self, g):  # (√a)' = 1/(2√a)
        return g / (2 * self.out)


class Abs(Function):
    def forward(self, a):
        self.a = a
        return np.abs(a)

    def backward(self, g):
        return g * np.sign(self.a)


class Sin(Function):
    def forward(self, a):
        a = _float(a)
        self.a = a
        return np.sin(a)

    def backward(self, g):
        return g * np.cos(self.a)


class Cos(Function):
    def forward(self, a):
        a = _float(a)
        self.a = a
        return np.cos(a)

    def backward(self, g):
        return -g * np.sin(self.a)


class Clamp(Function):
    def forward(self, a, lo=None, hi=None):
        if lo is None and hi is None:
            raise RuntimeError("clamp: at least one of min and max must be given")
        self.a, self.lo, self.hi = a, lo, hi
        return _keep_dtype(np.clip(a, lo, hi), a, lo, hi)

    def backward(self, g):  # gradient passes where lo ≤ a ≤ hi; bounds (tensors) take it where they bind
        a, lo, hi = self.a, self.lo, self.hi
        if lo is None:
            mask = a <= hi
        elif hi is None:
            mask = a >= lo
        else:
            mask = (a >= lo) & (a <= hi)
        _, need_lo, need_hi = self.needs_input_grad
        glo = ghi = None
        if need_lo:  # as PyTorch: where a < lo (and lo < hi, else hi wins)
            glo = g * ((a < lo) & (lo < hi) if hi is not None else a < lo)
        if need_hi:
            ghi = g * ((a > hi) | (hi < lo) if lo is not None else a > hi)
        return g * mask, glo, ghi


class Maximum(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        return _keep_dtype(np.maximum(a, b), a, b)

    def backward(self, g):  # the larger input takes the gradient; ties share it equally
        a, b = self.a, self.b
        share = np.where(a > b, 1.0, np.where(a == b, 0.5, 0.0)).astype(g.dtype)
        return g * share, g * (1 - share)


class Minimum(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        return _keep_dtype(np.minimum(a, b), a, b)

    def backward(self, g):
        a, b = self.a, self.b
        share = np.where(a < b, 1.0, np.where(a == b, 0.5, 0.0)).astype(g.dtype)
        return g * share, g * (1 - share)


class Where(Function):
    def forward(self, cond, a, b):
        self.cond = np.asarray(cond, dtype=bool)
        return _keep_dtype(np.where(self.cond, a, b), a, b)

    def backward(self, g):
        _, need_a, need_b = self.needs_input_grad
        zero = np.zeros((), dtype=g.dtype)
        ga = np.where(self.cond, g, zero) if need_a else None
        gb = np.where(self.cond, zero, g) if need_b else None
        return None, ga, gb


class Cast(Function):
    def forward(self, a, dtype):
        self.src = a.dtype
        return a.astype(dtype)

    def backward(self, g):
        return g.astype(self.src) if self.src.kind == "f" else None
