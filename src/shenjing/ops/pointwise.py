"""More pointwise math: logs and exponentials, trigonometry, erf and erfinv, rounding, remainders,
interpolation, nan_to_num and isclose.  Gradients come out in the broadcast shape of the result;
the engine sums them back to each input's shape.  Dtypes follow PyTorch: integer (and bool) inputs
to float functions become the default float; binary ops promote as PyTorch does."""

from __future__ import annotations

import math

import numpy as np

from ..autograd.function import Function
from ..backend import get_default_dtype
from .elementwise import _float
from .special import erf as _erf

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


# ----------------------------------------------------------------- dtypes and shapes
def _category(dt: np.dtype) -> int:
    return 0 if dt.kind == "b" else 2 if dt.kind in "fc" else 1


def _tier(dtypes: list) -> np.dtype | None:
    """The promoted dtype of one tier (dimensioned or 0-d tensors): the highest category decides."""
    if not dtypes:
        return None
    top = max(_category(d) for d in dtypes)
    return np.result_type(*[d for d in dtypes if _category(d) == top])


def result_dtype(*xs) -> np.dtype:
    """PyTorch's ``result_type`` for arrays (tensors' data) and Python numbers: tensors with
    dimensions decide; a 0-d tensor only when its category (bool < int < float) is higher; a Python
    number only when its category is higher still, and then as bool, int64 or the default float."""
    arrays = [x for x in xs if isinstance(x, np.ndarray)]
    out = _tier([x.dtype for x in arrays if x.ndim])
    zero = _tier([x.dtype for x in arrays if not x.ndim])
    if zero is not None and (out is None or _category(zero) > _category(out)):
        out = zero
    scalars = [x for x in xs if x is not None and not isinstance(x, np.ndarray)]
    if scalars:
        cat = max(0 if isinstance(s, bool | np.bool_) else 2 if isinstance(s, float | np.floating) else 1
                  for s in scalars)
        if out is None or cat > _category(out):
            out = (np.dtype(bool), np.dtype(np.int64), get_default_dtype().np)[cat]
    return out


def _float_dtype(*xs) -> np.dtype:
    dt = result_dtype(*xs)
    return dt if dt.kind == "f" else get_default_dtype().np


def _broadcast(op: str, *xs) -> None:
    """PyTorch raises RuntimeError (NumPy ValueError) for shapes that do not broadcast."""
    shapes = [np.shape(x) for x in xs if x is not None]
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        raise RuntimeError(f"{op}: shapes {', '.join(str(list(s)) for s in shapes)} cannot be broadcast "
                           "together") from None


def _cast(x, dt: np.dtype) -> np.ndarray:
    return np.asarray(x, dtype=dt)


def _dtype_name(dt: np.dtype) -> str:
    from ..backend import from_np

    return str(from_np(dt)).removeprefix("shenjing.")


# ----------------------------------------------------------------- unary float functions
class Log1p(Function):
    def forward(self, a):
        self.a = a = _float(a)
        return np.log1p(a)

    def backward(self, g):  # (ln(1+a))' = 1/(1+a)
        return g / (1 + self.a)


class Expm1(Function):
    def forward(self, a):
        self.out = np.expm1(_float(a))
        return self.out

    def backward(self, g):  # (eᵃ − 1)' = eᵃ = out + 1
        return g * (self.out + 1)


class Log2(Function):
    def forward(self, a):
        self.a = a = _float(a)
        return np.log2(a)

    def backward(self, g):  # (log₂ a)' = 1/(a ln 2)
        return g / (self.a * _LN2)


class Log10(Function):
    def forward(self, a):
        self.a = a = _float(a)
        return np.log10(a)

    def backward(self, g):  # (log₁₀ a)' = 1/(a ln 10)
        return g / (self.a * _LN10)


class Exp2(Function):
    def forward(self, a):
        self.out = np.exp2(_float(a))
        return self.out

    def backward(self, g):  # (2ᵃ)' = 2ᵃ ln 2
        return g * self.out * _LN2


class Rsqrt(Function):
    def forward(self, a):
        a = _float(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            self.out = 1 / np.sqrt(a)
        return self.out

    def backward(self, g):  # (a^(−1/2))' = −½ a^(−3/2) = −½ out³
        return g * (-0.5 * self.out * self.out * self.out)


class Sinh(Function):
    def forward(self, a):
        self.a = a = _float(a)
        return np.sinh(a)

    def backward(self, g):  # sinh' = cosh
        return g * np.cosh(self.a)


class Cosh(Function):
    def forward(self, a):
        self.a = a = _float(a)
        return np.cosh(a)

    def backward(self, g):  # cosh' = sinh
        return g * np.sinh(self.a)


class Tan(Function):
    def forward(self, a):
        self.out = np.tan(_float(a))
        return self.out

    def backward(self, g):  # tan' = 1 + tan²
        return g * (1 + self.out * self.out)


class Asin(Function):
    def forward(self, a):
        self.a = a = _float(a)
        return np.arcsin(a)

    def backward(self, g):  # asin' = 1/√(1 − a²)
        return g / np.sqrt(1 - self.a * self.a)


class Acos(Function):
    def forward(self, a):
        self.a = a = _float(a)
        return np.arccos(a)

    def backward(self, g):  # acos' = −1/√(1 − a²)
        return -g / np.sqrt(1 - self.a * self.a)


class Atan(Function):
    def forward(self, a):
        self.a = a = _float(a)
        return np.arctan(a)

    def backward(self, g):  # atan' = 1/(1 + a²)
        return g / (1 + self.a * self.a)


class Erf(Function):
    def forward(self, a):
        self.a = a = _float(a)
        return _erf(a).astype(a.dtype, copy=False)

    def backward(self, g):  # erf' = 2/√π · e^(−a²)
        return g * (_TWO_OVER_SQRT_PI * np.exp(-self.a * self.a))


def erfinv(y: np.ndarray) -> np.ndarray:
    """Inverse of erf on (−1, 1) (±inf at ±1, NaN outside): a rational first guess (Giles' central
    and tail forms, as PyTorch) and Newton steps x ← x − (erf x − y)/(2/√π · e^(−x²)), in float64."""
    y64 = np.asarray(y, dtype=np.float64)
    ay = np.abs(y64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        z = y64 * y64
        num = ((-0.140543331 * z + 0.914624893) * z - 1.645349621) * z + 0.886226899
        den = (((0.012229801 * z - 0.329097515) * z + 1.442710462) * z - 2.118377725) * z + 1.0
        central = y64 * num / den
        t = np.sqrt(-np.log((1.0 - np.minimum(ay, 1.0)) / 2.0))
        num = ((1.641345311 * t + 3.429567803) * t - 1.624906493) * t - 1.970840454
        den = (1.637067800 * t + 3.543889200) * t + 1.0
        tail = np.copysign(num, y64) / den
        x = np.where(ay <= 0.7, central, tail)
        inner = ay < 1
        x = np.where(inner, x, 0.0)
        for _ in range(3):
            x = x - np.where(inner, (_erf(x) - y64) / (_TWO_OVER_SQRT_PI * np.exp(-x * x)), 0.0)
    x = np.where(ay == 1, np.copysign(np.inf, y64), x)
    return np.where(ay > 1, np.nan, np.where(np.isnan(y64), np.nan, x))


class Erfinv(Function):
    def forward(self, a):
        a = _float(a)
        self.out = erfinv(a).astype(a.dtype, copy=False)
        return self.out

    def backward(self, g):  # (erf⁻¹)'(a) = √π/2 · e^(erf⁻¹(a)²)
        with np.errstate(over="ignore"):
            return g * ((math.sqrt(math.pi) / 2) * np.exp(self.out * self.out))


class Logit(Function):
    def forward(self, a, eps=None):
        a = _float(a)
        self.a, self.eps = a, eps
        if eps is not None:  # clamp into [eps, 1 − eps] first, as x < lo ? lo : x > hi ? hi : x
            lo = a.dtype.type(eps)
            hi = a.dtype.type(1) - lo
            self.lo, self.hi = lo, hi
            a = np.where(a < lo, lo, np.where(a > hi, hi, a))
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(a / (1 - a)).astype(self.a.dtype, copy=False)

    def backward(self, g):  # logit' = 1/(a(1 − a)); 0 where eps clamps; NaN outside [0, 1] without eps
        a = self.a
        with np.errstate(divide="ignore", invalid="ignore"):
            d = g / (a * (1 - a))
            if self.eps is None:
                return np.where((a < 0) | (a > 1), np.nan, d).astype(d.dtype, copy=False)
            return np.where((a < self.lo) | (a > self.hi), 0, d).astype(d.dtype, copy=False)


# ----------------------------------------------------------------- binary float functions
def _float_pair(op: str, a, b) -> tuple[np.ndarray, np.ndarray]:
    _broadcast(op, a, b)
    dt = _float_dtype(a, b)
    return _cast(a, dt), _cast(b, dt)


class Atan2(Function):
    def forward(self, a, b):
        self.a, self.b = a, b = _float_pair("atan2", a, b)
        return np.arctan2(a, b)

    def backward(self, g):  # ∂/∂a = b/(a² + b²), ∂/∂b = −a/(a² + b²); 0 at the origin, as PyTorch
        a, b = self.a, self.b
        need_a, need_b = self.needs_input_grad
        den = a * a + b * b
        zero = den == 0
        den = np.where(zero, 1, den)
        ga = np.where(zero, 0, g * b / den) if need_a else None
        gb = np.where(zero, 0, -g * a / den) if need_b else None
        return ga, gb


class Hypot(Function):
    def forward(self, a, b):
        dt = result_dtype(a, b)
        if dt.kind not in "fb":
            raise NotImplementedError(f"hypot: not implemented for integer dtype {_dtype_name(dt)}")
        self.a, self.b = a, b = _float_pair("hypot", a, b)
        self.out = np.hypot(a, b)
        return self.out

    def backward(self, g):  # ∂/∂a = a/out, ∂/∂b = b/out
        need_a, need_b = self.needs_input_grad
        with np.errstate(divide="ignore", invalid="ignore"):
            ga = g * self.a / self.out if need_a else None
            gb = g * self.b / self.out if need_b else None
        return ga, gb


class LogAddExp(Function):
    def forward(self, a, b):
        dt = result_dtype(a, b)
        if dt.kind != "f":
            raise NotImplementedError(f"logaddexp: not implemented for dtype {_dtype_name(dt)}")
        self.a, self.b = a, b = _float_pair("logaddexp", a, b)
        return np.logaddexp(a, b)

    def backward(self, g):  # ∂/∂a = 1/(1 + e^(b−a)), ∂/∂b = 1/(1 + e^(a−b))
        a, b = self.a, self.b
        need_a, need_b = self.needs_input_grad
        with np.errstate(over="ignore", invalid="ignore"):
            ga = g / (1 + np.exp(b - a)) if need_a else None
            gb = g / (1 + np.exp(a - b)) if need_b else None
        return ga, gb


# ----------------------------------------------------------------- remainders
class _Mod(Function):
    op = ""

    def forward(self, a, b):
        _broadcast(self.op, a, b)
        dt = result_dtype(a, b)
        if dt.kind == "b":
            raise NotImplementedError(f"{self.op}: not implemented for dtype bool")
        a, b = _cast(a, dt), _cast(b, dt)
        if dt.kind != "f":
            if np.any(b == 0):
                raise RuntimeError(f"{self.op}: ZeroDivisionError (integer division by zero)")
            return self._int(a, b)
        self.a, self.b = a, b
        with np.errstate(divide="ignore", invalid="ignore"):
            return self._float(a, b)

    def backward(self, g):  # ∂/∂a = 1, ∂/∂b = −(a // b) (rounded as the op rounds)
        need_a, need_b = self.needs_input_grad
        gb = None
        if need_b:
            with np.errstate(divide="ignore", invalid="ignore"):
                gb = -g * self._quotient(self.a, self.b)
        return (g if need_a else None), gb


class Remainder(_Mod):
    """Python's sign rule: the result takes the divisor's sign. a − b·⌊a/b⌋."""

    op = "remainder"

    @staticmethod
    def _int(a, b):
        return np.mod(a, b)

    @staticmethod
    def _float(a, b):  # fmod, then moved by b where its sign differs from b's (PyTorch's kernel)
        m = np.fmod(a, b)
        return np.where((m != 0) & ((b < 0) != (m < 0)), m + b, m)

    @staticmethod
    def _quotient(a, b):
        return np.floor_divide(a, b)


class Fmod(_Mod):
    """C's sign rule: the result takes the dividend's sign. a − b·trunc(a/b)."""

    op = "fmod"

    @staticmethod
    def _int(a, b):
        return np.fmod(a, b)

    @staticmethod
    def _float(a, b):
        return np.fmod(a, b)

    @staticmethod
    def _quotient(a, b):
        return np.trunc(a / b)


# ----------------------------------------------------------------- rounding (zero gradient)
class _Step(Function):
    """Piecewise-constant functions: the gradient is zero everywhere (as PyTorch defines it)."""

    op = ""

    def forward(self, a, **kwargs):
        if a.dtype.kind == "b":
            raise NotImplementedError(f"{self.op}: not implemented for dtype bool")
        return self._f(a, **kwargs) if a.dtype.kind == "f" else a.copy()

    def backward(self, g):
        return np.zeros_like(g)


class Floor(_Step):
    op = "floor"

    @staticmethod
    def _f(a):
        return np.floor(a)


class Ceil(_Step):
    op = "ceil"

    @staticmethod
    def _f(a):
        return np.ceil(a)


class Trunc(_Step):
    op = "trunc"

    @staticmethod
    def _f(a):
        return np.trunc(a)


class Round(_Step):
    """Half to even; with ``decimals``, rint(a·10ᵈ)/10ᵈ (rint(a/10⁻ᵈ)·10⁻ᵈ for d < 0) in a's dtype."""

    op = "round"

    def forward(self, a, decimals: int = 0):
        if decimals != 0 and a.dtype.kind != "f":
            raise NotImplementedError(f"round: decimals={decimals} is not implemented for dtype "
                                      f"{_dtype_name(a.dtype)}")
        return super().forward(a, decimals=decimals)

    @staticmethod
    def _f(a, decimals: int = 0):
        if decimals == 0:
            return np.rint(a)
        with np.errstate(over="ignore", invalid="ignore"):
            if decimals > 0:
                ten = a.dtype.type(10.0 ** decimals)
                return np.rint(a * ten) / ten
            ten = a.dtype.type(10.0 ** -decimals)
            return np.rint(a / ten) * ten


class Sign(Function):
    """−1, 0 or 1 (0 for NaN, as PyTorch); bool stays bool. Zero gradient."""

    def forward(self, a):
        if a.dtype.kind == "b":
            return a.copy()
        return ((a > 0).astype(a.dtype) - (a < 0).astype(a.dtype)) if a.dtype.kind != "u" else (a > 0).astype(a.dtype)

    def backward(self, g):
        return np.zeros_like(g)


# ----------------------------------------------------------------- interpolation and fused ops
class Lerp(Function):
    def forward(self, start, end, weight):
        _broadcast("lerp", start, end, weight)
        dt = start.dtype
        if dt.kind != "f":
            raise NotImplementedError(f"lerp: not implemented for dtype {_dtype_name(dt)}")
        if end.dtype != dt:
            raise RuntimeError(f"lerp: expected dtype {_dtype_name(dt)} for `end` but got dtype "
                               f"{_dtype_name(end.dtype)}")
        if isinstance(weight, np.ndarray) and weight.ndim and weight.dtype != dt:
            raise RuntimeError(f"lerp: expected dtype {_dtype_name(dt)} for `weight` but got dtype "
                               f"{_dtype_name(weight.dtype)}")
        w = _cast(weight, dt)
        self.diff, self.w = end - start, w
        # as PyTorch: from the nearer end, so that weight 1 gives exactly `end`
        return np.where(np.abs(w) < 0.5, start + w * self.diff, end - self.diff * (1 - w)).astype(dt, copy=False)

    def backward(self, g):  # ∂/∂start = 1 − w, ∂/∂end = w, ∂/∂weight = end − start
        need_s, need_e, need_w = self.needs_input_grad
        w = self.w
        return ((g * (1 - w) if need_s else None), (g * w if need_e else None),
                (g * self.diff if need_w else None))


def _value(value, dt: np.dtype):
    v = value.item() if isinstance(value, np.ndarray) else value
    return dt.type(int(v) if dt.kind in "iu" else v)


class Addcmul(Function):
    def forward(self, x, t1, t2, value=1):
        _broadcast("addcmul", x, t1, t2)
        dt = result_dtype(x, t1, t2)
        if dt.kind == "b":
            raise NotImplementedError("addcmul: not implemented for dtype bool")
        x, t1, t2 = _cast(x, dt), _cast(t1, dt), _cast(t2, dt)
        self.t1, self.t2, self.value = t1, t2, _value(value, dt)
        return (x + self.value * t1 * t2).astype(dt, copy=False)

    def backward(self, g):  # ∂/∂input = 1, ∂/∂t1 = value·t2, ∂/∂t2 = value·t1
        need_x, need_1, need_2 = self.needs_input_grad
        v = self.value
        return ((g if need_x else None), (g * (v * self.t2) if need_1 else None),
                (g * (v * self.t1) if need_2 else None))


class Addcdiv(Function):
    def forward(self, x, t1, t2, value=1):
        _broadcast("addcdiv", x, t1, t2)
        if t1.dtype.kind in "biu" and t2.dtype.kind in "biu":
            raise RuntimeError("addcdiv: integer division with addcdiv is not supported (tensor1 is "
                               f"{_dtype_name(t1.dtype)}, tensor2 is {_dtype_name(t2.dtype)}); use "
                               "input + value * tensor1 / tensor2")
        dt = result_dtype(x, t1, t2)
        x, t1, t2 = _cast(x, dt), _cast(t1, dt), _cast(t2, dt)
        self.t1, self.t2, self.value = t1, t2, _value(value, dt)
        with np.errstate(divide="ignore", invalid="ignore"):
            return (x + self.value * t1 / t2).astype(dt, copy=False)

    def backward(self, g):  # ∂/∂input = 1, ∂/∂t1 = value/t2, ∂/∂t2 = −value·t1/t2²
        need_x, need_1, need_2 = self.needs_input_grad
        v, t1, t2 = self.value, self.t1, self.t2
        return ((g if need_x else None), (g * (v / t2) if need_1 else None),
                (-g * (v * t1 / (t2 * t2)) if need_2 else None))


# ----------------------------------------------------------------- nan_to_num and isclose
class NanToNum(Function):
    def forward(self, a, nan=0.0, posinf=None, neginf=None):
        if a.dtype.kind != "f":
            return a.copy()
        self.finite = np.isfinite(a)
        info = np.finfo(a.dtype)
        with np.errstate(over="ignore"):
            fill = [a.dtype.type(nan if nan is not None else 0.0),
                    a.dtype.type(info.max if posinf is None else posinf),
                    a.dtype.type(info.min if neginf is None else neginf)]
        out = np.where(np.isnan(a), fill[0], a)
        out = np.where(out == np.inf, fill[1], out)
        return np.where(out == -np.inf, fill[2], out)

    def backward(self, g):  # 1 where a is finite, else 0
        return g * self.finite


def isclose(a: np.ndarray, b: np.ndarray, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> np.ndarray:
    """|a − b| ≤ atol + rtol·|b| (exact equality for infinities), NaN equal to NaN only with
    ``equal_nan``; as ``torch.isclose``, the dtypes must match."""
    if a.dtype != b.dtype:
        raise RuntimeError(f"isclose: {_dtype_name(a.dtype)} did not match {_dtype_name(b.dtype)}")
    if rtol < 0:
        raise RuntimeError(f"isclose: rtol must be greater than or equal to zero, but got {rtol}")
    if atol < 0:
        raise RuntimeError(f"isclose: atol must be greater than or equal to zero, but got {atol}")
    _broadcast("isclose", a, b)
    close = a == b
    if a.dtype.kind == "b" or (rtol == 0 and atol == 0):
        return np.asarray(close)
    if a.dtype.kind == "f":
        if equal_nan:
            close = close | (np.isnan(a) & np.isnan(b))
        x, y = a, b
    else:
        x, y = a.astype(np.float64), b.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.abs(x - y)
        return np.asarray(close | (np.isfinite(err) & (err <= atol + rtol * np.abs(y))))


def need_tensor(op: str, x, name: str = "other"):
    """PyTorch takes only tensors for these arguments: anything else is a TypeError."""
    from ..tensor import Tensor

    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")
    return x
