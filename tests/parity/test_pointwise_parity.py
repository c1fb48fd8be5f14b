"""More pointwise math against PyTorch: forward values, dtypes, shapes and the gradient of every
float input, in float32 and float64, with integer inputs where PyTorch takes them, every option,
and the errors PyTorch raises.

Each case is ``fn(lib, *inputs)`` run once with ``lib = shenjing`` and once with ``lib = torch``.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch

import shenjing as sj


class Const:
    """An input that is a tensor without grad in both libraries."""

    def __init__(self, array) -> None:
        self.const_array = np.asarray(array)


def tol(dtype) -> dict:
    return {"atol": 1e-5, "rtol": 1e-5} if np.dtype(dtype) == np.float32 else {"atol": 1e-10, "rtol": 1e-7}


def run(parity, fn, *args, **kw):
    return parity(functools.partial(fn, sj), functools.partial(fn, torch), *args, **kw)


def both(fn, *args) -> None:
    """The same call in both libraries raises the same exception type; ours names the op."""
    with pytest.raises(Exception) as theirs:
        fn(torch, *[torch.tensor(a) if isinstance(a, np.ndarray) else a for a in args])
    with pytest.raises(theirs.type) as ours:
        fn(sj, *[sj.tensor(a) if isinstance(a, np.ndarray) else a for a in args])
    return ours


DTYPES = [np.float32, np.float64]
RNG = np.random.default_rng(7)


def normal(*shape, dtype=np.float64, scale=1.0):
    return np.asarray(RNG.standard_normal(shape) * scale, dtype=dtype)


def uniform(lo, hi, *shape, dtype=np.float64):
    return np.asarray(RNG.uniform(lo, hi, shape), dtype=dtype)


# ----------------------------------------------------------------- unary float functions
UNARY = {  # name: (input range, torch-named method)
    "log1p": (-0.5, 3), "expm1": (-2, 2), "log2": (0.2, 5), "log10": (0.2, 5), "exp2": (-3, 3),
    "rsqrt": (0.2, 5), "reciprocal": (0.2, 5), "sinh": (-2, 2), "cosh": (-2, 2), "tan": (-1.2, 1.2),
    "asin": (-0.95, 0.95), "acos": (-0.95, 0.95), "atan": (-4, 4), "erf": (-3.5, 3.5),
    "erfinv": (-0.99, 0.99), "logit": (0.02, 0.98),
}


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("form", ["function", "method"])
@pytest.mark.parametrize("name", UNARY)
def test_unary(parity, name, form, dtype):
    lo, hi = UNARY[name]
    x = uniform(lo, hi, 3, 5, dtype=dtype)
    if form == "function":
        run(parity, lambda lib, a: getattr(lib, name)(a), x, **tol(dtype))
    else:
        run(parity, lambda lib, a: getattr(a, name)(), x, **tol(dtype))


@pytest.mark.parametrize("name", list(UNARY) + ["sign", "floor", "ceil", "round", "trunc", "nan_to_num"])
@pytest.mark.parametrize("src", ["int64", "int32", "bool"])
def test_unary_integer_input(parity, name, src):
    x = np.array([[1, 2, -3], [0, 4, -1]]).astype(src)
    if src == "bool" and name in ("floor", "ceil", "round", "trunc"):  # PyTorch has no kernel for these
        both(lambda lib, a: getattr(lib, name)(a), x)
        return
    with np.errstate(all="ignore"):
        run(parity, lambda lib, a: getattr(lib, name)(a), Const(x), atol=1e-6, rtol=1e-6)


def test_unary_edges(parity):
    x = np.array([-1.0, 1.0, 0.0, -0.0, 1.5, -2.0, 0.999999, -0.3, np.inf, -np.inf])
    with np.errstate(all="ignore"):
        for name in ["erfinv", "log1p", "log2", "log10", "asin", "acos", "atan", "erf", "tan", "exp2", "expm1",
                     "logit", "rsqrt", "reciprocal", "sinh", "cosh"]:
            run(parity, lambda lib, a, n=name: getattr(lib, n)(a), Const(x), atol=1e-9, rtol=1e-7)


# ----------------------------------------------------------------- logit
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("eps", [None, 1e-6, 0.1, 0.3, 0.7])
def test_logit_eps(parity, eps, dtype):
    x = uniform(-0.2, 1.2, 4, 6, dtype=dtype)
    x[0, :4] = [0.0, 1.0, 0.1, 0.9]
    if eps is not None:  # off the kinks at eps and 1 − eps, where the finite-difference view differs
        x = np.where(np.abs(x - eps) < 1e-3, x + 0.01, x)
    with np.errstate(all="ignore"):
        run(parity, lambda lib, a: lib.logit(a, eps=eps), x, **tol(dtype))
        run(parity, lambda lib, a: a.logit(eps), x, **tol(dtype))


def test_logit_grad_outside_without_eps(parity):
    with np.errstate(all="ignore"):
        run(parity, lambda lib, a: lib.logit(a), np.array([0.0, 1.0, -0.1, 1.1, 0.5]))


# ----------------------------------------------------------------- binary float functions
SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((4,), (3, 4)), ((3, 1), (1, 4)), ((2, 1, 4), (3, 1)),
          ((2, 3), ()), ((), (2, 3))]
BINARY = ["atan2", "hypot", "logaddexp", "remainder", "fmod"]


def mod_safe(a, b):
    """Inputs away from the jumps of remainder/fmod (a/b an integer), where gradients are defined."""
    b = np.where(np.abs(b) < 0.3, np.asarray(0.7, b.dtype), b)
    q = a / b
    return np.where(np.abs(q - np.round(q)) < 0.05, a + b * np.asarray(0.2, b.dtype), a), b


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("sa,sb", SHAPES, ids=str)
@pytest.mark.parametrize("name", BINARY)
def test_binary(parity, name, sa, sb, dtype):
    a, b = normal(*sa, dtype=dtype, scale=3), normal(*sb, dtype=dtype)
    if name in ("remainder", "fmod"):
        a, b = mod_safe(a, b)
    run(parity, lambda lib, x, y: getattr(lib, name)(x, y), a, b, **tol(dtype))
    run(parity, lambda lib, x, y: getattr(x, name)(y), a, b, **tol(dtype))


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("mix", ["f32+f64", "f64+f32", "f32+0d f64", "0d f64+f32", "f32+int", "int+f64"])
def test_binary_promotion(parity, name, mix):
    def make(code, shape):
        if code == "int":
            return Const(np.array([[1, -2, 3, 5]] * 3))
        a = normal(*([] if code.startswith("0d") else shape), dtype=np.float32 if "32" in code else np.float64)
        return np.where(np.abs(a) < 0.3, np.asarray(0.9, a.dtype), a)

    ca, cb = mix.split("+")
    a, b = make(ca, (3, 4)), make(cb, (3, 4))
    run(parity, lambda lib, x, y: getattr(lib, name)(x, y), a, b, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("name", ["atan2", "remainder", "fmod"])
def test_binary_integers(parity, name):
    a, b = np.array([[5, -5, 7, -7, 0]]), np.array([[3], [-3], [2]])
    run(parity, lambda lib, x, y: getattr(lib, name)(x, y), Const(a), Const(b), atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize("name", ["remainder", "fmod"])
@pytest.mark.parametrize("other", [2, -2, 2.5, -1.5, 0.0])
@pytest.mark.parametrize("src", ["float32", "float64", "int64"])
def test_mod_scalar_divisor(parity, name, other, src):
    a = (np.arange(-6, 6).reshape(3, 4) * 1.3).astype(src) if src != "int64" else np.arange(-6, 6).reshape(3, 4)
    if src != "int64":
        a = np.where(np.abs(a / other - np.round(a / other)) < 0.05, a + 0.3, a) if other else a
        with np.errstate(all="ignore"):
            run(parity, lambda lib, x: getattr(lib, name)(x, other), a.astype(src), **tol(src))
            run(parity, lambda lib, x: getattr(x, name)(other), a.astype(src), **tol(src))
    elif other == 0.0:
        run(parity, lambda lib, x: getattr(lib, name)(x, other), Const(a), atol=0, rtol=0)  # float: NaN
    else:
        run(parity, lambda lib, x: getattr(lib, name)(x, other), Const(a), atol=0, rtol=0)


def test_remainder_scalar_dividend(parity):
    run(parity, lambda lib, y: lib.remainder(5, y), Const(np.array([1, 2, -3, 4])))
    # (PyTorch has no derivative for the number-first form; shenjing gives −floor(a/b))
    run(parity, lambda lib, y: lib.remainder(5.5, y), Const(np.array([1.5, 2.0, -3.0, 4.0])))


def test_mod_gradient_of_divisor(parity):
    a = np.array([5.0, -5.0, 5.0, -5.0, 7.5, 0.5])
    b = np.array([3.0, 3.0, -3.0, -3.0, 0.0, 2.0])
    with np.errstate(all="ignore"):
        run(parity, lambda lib, x, y: lib.remainder(x, y), a, b)
        run(parity, lambda lib, x, y: lib.fmod(x, y), a, b)


def test_binary_edges(parity):
    a = np.array([0.0, 0.0, 1.0, -1.0, -np.inf, 1.0, np.inf, 3.0])
    b = np.array([0.0, -0.0, 0.0, -0.0, -np.inf, np.inf, 1.0, 4.0])
    with np.errstate(all="ignore"):
        for name in ["atan2", "logaddexp"]:
            run(parity, lambda lib, x, y, n=name: getattr(lib, n)(x, y), a, b)
        run(parity, lambda lib, x, y: lib.hypot(x, y), a[2:], b[2:])


# ----------------------------------------------------------------- lerp, addcmul, addcdiv
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("weight", [0.0, 0.3, 0.5, 0.8, 1.0, -0.7, 1.6, "tensor", "tensor_bcast", "0d"])
def test_lerp(parity, weight, dtype):
    s, e = normal(3, 4, dtype=dtype), normal(4, dtype=dtype)
    if isinstance(weight, float):
        run(parity, lambda lib, x, y: lib.lerp(x, y, weight), s, e, **tol(dtype))
        run(parity, lambda lib, x, y: x.lerp(y, weight), s, e, **tol(dtype))
        return
    w = {"tensor": uniform(-0.5, 1.5, 3, 4, dtype=dtype), "tensor_bcast": uniform(-0.5, 1.5, 2, 1, 1, dtype=dtype),
         "0d": np.asarray(0.7, dtype=np.float64)}[weight]
    run(parity, lambda lib, x, y, z: lib.lerp(x, y, z), s, e, w, **tol(dtype))
    run(parity, lambda lib, x, y, z: x.lerp(y, z), s, e, w, **tol(dtype))


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("value", [1, 0.5, -2, 0])
@pytest.mark.parametrize("op", ["addcmul", "addcdiv"])
def test_addc(parity, op, value, dtype):
    x, t1, t2 = normal(3, 1, dtype=dtype), normal(4, dtype=dtype), normal(2, 1, 1, dtype=dtype)
    t2 = np.where(np.abs(t2) < 0.3, np.asarray(0.8, dtype), t2)
    run(parity, lambda lib, a, b, c: getattr(lib, op)(a, b, c, value=value), x, t1, t2, **tol(dtype))
    run(parity, lambda lib, a, b, c: getattr(a, op)(b, c, value=value), x, t1, t2, **tol(dtype))


def test_addc_promotion(parity):
    i, f = np.array([1, 2, 3]), np.array([1.5, -2.5, 0.3], dtype=np.float32)
    run(parity, lambda lib, a, b, c: lib.addcmul(a, b, c, value=2), Const(i), Const(i), Const(i))
    run(parity, lambda lib, a, b, c: lib.addcmul(a, b, c, value=2.5), Const(i), Const(i), Const(i))
    run(parity, lambda lib, a, b, c: lib.addcmul(a, b, c), f, f.astype(np.float64), Const(i), atol=1e-6)
    run(parity, lambda lib, a, b, c: lib.addcmul(a, b, c), f, np.asarray(2.0), f, atol=1e-6)
    run(parity, lambda lib, a, b, c: lib.addcmul(a, b, c), Const(i), f, f, atol=1e-6)
    run(parity, lambda lib, a, b, c: lib.addcdiv(a, b, c, value=3), Const(i), f, f, atol=1e-6)
    run(parity, lambda lib, a, b, c: lib.addcdiv(a, b, c), f, Const(i), f, atol=1e-6)


# ----------------------------------------------------------------- rounding and sign
STEPS = {"sign": lambda lib, x: lib.sign(x), "floor": lambda lib, x: lib.floor(x), "ceil": lambda lib, x: lib.ceil(x),
         "round": lambda lib, x: lib.round(x), "trunc": lambda lib, x: lib.trunc(x),
         "sign_m": lambda lib, x: x.sign(), "floor_m": lambda lib, x: x.floor(), "ceil_m": lambda lib, x: x.ceil(),
         "round_m": lambda lib, x: x.round(), "trunc_m": lambda lib, x: x.trunc()}
STEPS.update({f"round_{d}": (lambda lib, x, d=d: lib.round(x, decimals=d)) for d in (1, 2, 3, -1, -2)})
STEPS.update({f"round_m_{d}": (lambda lib, x, d=d: x.round(decimals=d)) for d in (2, -1)})


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name", STEPS)
def test_steps(parity, name, dtype):
    x = np.concatenate([normal(40, dtype=dtype, scale=50),
                        np.array([0.5, 1.5, 2.5, -0.5, -2.5, 0.0, -0.0, 1.25, 2.675, 125.0, np.nan, np.inf, -np.inf],
                                 dtype=dtype)])
    run(parity, STEPS[name], x, atol=0, rtol=0)


@pytest.mark.parametrize("src", ["int64", "int32", "uint8"])
@pytest.mark.parametrize("name", [n for n in STEPS if not n[-1].isdigit()])
def test_steps_integers(parity, name, src):
    run(parity, STEPS[name], Const(np.array([0, 3, 7, 250]).astype(src)), atol=0, rtol=0)


# ----------------------------------------------------------------- nan_to_num and isclose
SPECIAL = np.array([np.nan, np.inf, -np.inf, 1.5, -2.0, 0.0])


@pytest.mark.parametrize("dtype", DTYPES + [np.float16], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("args", [{}, {"nan": 1.0}, {"posinf": 2.0}, {"neginf": -3.0},
                                  {"nan": -1.0, "posinf": 1e300, "neginf": -1e300}, {"nan": 2, "neginf": 5}],
                         ids=str)
def test_nan_to_num(parity, args, dtype):
    x = SPECIAL.astype(dtype)
    if dtype == np.float16:
        with np.errstate(over="ignore"):
            run(parity, lambda lib, a: lib.nan_to_num(a, **args), Const(x), atol=0, rtol=0)
        return
    with np.errstate(over="ignore"):
        run(parity, lambda lib, a: lib.nan_to_num(a, **args), x, atol=0, rtol=0)
        run(parity, lambda lib, a: a.nan_to_num(**args), x, atol=0, rtol=0)


def test_nan_to_num_positional(parity):
    run(parity, lambda lib, a: lib.nan_to_num(a, 0.5, 10.0, -10.0), SPECIAL, atol=0, rtol=0)


@pytest.mark.parametrize("kw", [{}, {"equal_nan": True}, {"rtol": 0.1}, {"atol": 0.6}, {"rtol": 0, "atol": 0},
                                {"rtol": 1e-3, "atol": 1e-3, "equal_nan": True}], ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool"])
def test_isclose(parity, kw, dtype):
    a = np.array([[np.nan, np.inf, -np.inf, 1.0, 1.0, 2.0, 100.0, 0.0]])
    b = np.array([[np.nan], [np.inf], [1.0 + 1e-6], [1.5]])
    if dtype in ("int64", "bool"):
        a, b = np.nan_to_num(a, posinf=5, neginf=-5), np.nan_to_num(b, posinf=5, neginf=-5)
    run(parity, lambda lib, x, y: lib.isclose(x, y, **kw), Const(a.astype(dtype)), Const(b.astype(dtype)))
    run(parity, lambda lib, x, y: x.isclose(y, **kw), Const(a.astype(dtype)), Const(b.astype(dtype)))


# ----------------------------------------------------------------- errors
F32, F64, I64 = np.ones(3, np.float32), np.ones(3), np.arange(3)
ERRORS = [
    ("atan2 scalar other", lambda lib, a: lib.atan2(a, 2.5), [F32], "atan2"),
    ("hypot scalar other", lambda lib, a: a.hypot(2.5), [F32], "hypot"),
    ("logaddexp scalar other", lambda lib, a: lib.logaddexp(a, 1.0), [F32], "logaddexp"),
    ("isclose scalar other", lambda lib, a: lib.isclose(a, 1.0), [F32], "isclose"),
    ("lerp scalar end", lambda lib, a: lib.lerp(a, 1.0, 0.5), [F32], "lerp"),
    ("addcmul scalar tensor1", lambda lib, a: lib.addcmul(a, 1.0, a), [F32], "addcmul"),
    ("atan2 shapes", lambda lib, a, b: lib.atan2(a, b), [np.ones(3), np.ones(4)], "atan2"),
    ("hypot shapes", lambda lib, a, b: lib.hypot(a, b), [np.ones((2, 3)), np.ones(2)], "hypot"),
    ("logaddexp shapes", lambda lib, a, b: lib.logaddexp(a, b), [np.ones(3), np.ones(4)], "logaddexp"),
    ("remainder shapes", lambda lib, a, b: lib.remainder(a, b), [np.ones(3), np.ones(4)], "remainder"),
    ("fmod shapes", lambda lib, a, b: lib.fmod(a, b), [np.ones(3), np.ones(4)], "fmod"),
    ("lerp shapes", lambda lib, a, b: lib.lerp(a, b, 0.5), [np.ones(3), np.ones(4)], "lerp"),
    ("addcmul shapes", lambda lib, a, b: lib.addcmul(a, b, a), [np.ones(3), np.ones(4)], "addcmul"),
    ("addcdiv shapes", lambda lib, a, b: lib.addcdiv(a, b, a), [np.ones(3), np.ones(4)], "addcdiv"),
    ("isclose shapes", lambda lib, a, b: lib.isclose(a, b), [np.ones(3), np.ones(4)], "isclose"),
    ("hypot int", lambda lib, a: lib.hypot(a, a), [I64], "hypot"),
    ("logaddexp int", lambda lib, a: lib.logaddexp(a, a), [I64], "logaddexp"),
    ("remainder int by 0", lambda lib, a: lib.remainder(a, 0), [I64], "remainder"),
    ("remainder int by 0 tensor", lambda lib, a, b: lib.remainder(a, b), [I64, np.array([1, 0, 1])], "remainder"),
    ("fmod int by 0", lambda lib, a: lib.fmod(a, 0), [I64], "fmod"),
    ("remainder bool", lambda lib, a: lib.remainder(a, a), [I64 > 0], "remainder"),
    ("fmod bool", lambda lib, a: lib.fmod(a, a), [I64 > 0], "fmod"),
    ("floor bool", lambda lib, a: lib.floor(a), [I64 > 0], "floor"),
    ("ceil bool", lambda lib, a: a.ceil(), [I64 > 0], "ceil"),
    ("trunc bool", lambda lib, a: lib.trunc(a), [I64 > 0], "trunc"),
    ("round bool", lambda lib, a: lib.round(a), [I64 > 0], "round"),
    ("round decimals int", lambda lib, a: lib.round(a, decimals=1), [I64], "round"),
    ("lerp int", lambda lib, a: lib.lerp(a, a, 0.5), [I64], "lerp"),
    ("lerp end dtype", lambda lib, a, b: lib.lerp(a, b, 0.5), [F32, F64], "lerp"),
    ("lerp end int", lambda lib, a, b: lib.lerp(a, b, 0.5), [F32, I64], "lerp"),
    ("lerp end 0d dtype", lambda lib, a, b: lib.lerp(a, b, 0.5), [F32, np.asarray(1.0)], "lerp"),
    ("lerp weight dtype", lambda lib, a, w: a.lerp(a, w), [F32, F64], "lerp"),
    ("addcdiv ints", lambda lib, a: lib.addcdiv(a, a, a), [I64], "addcdiv"),
    ("addcdiv int tensors", lambda lib, a, b: lib.addcdiv(a, b, b), [F32, I64], "addcdiv"),
    ("addcmul bool", lambda lib, a: lib.addcmul(a, a, a), [I64 > 0], "addcmul"),
    ("isclose dtypes", lambda lib, a, b: lib.isclose(a, b), [F32, F64], "isclose"),
    ("isclose int float", lambda lib, a, b: lib.isclose(a, b), [I64, F32], "isclose"),
    ("isclose rtol", lambda lib, a: lib.isclose(a, a, rtol=-1), [F32], "rtol"),
    ("isclose atol", lambda lib, a: a.isclose(a, atol=-0.5), [F32], "atol"),
]


@pytest.mark.parametrize("fn,args,word", [pytest.param(f, a, w, id=i) for i, f, a, w in ERRORS])
def test_errors(fn, args, word):
    err = both(fn, *args)
    assert word in str(err.value)


def test_grad_fn_and_requires_grad():
    x = sj.tensor([1.3, -0.2], requires_grad=True)
    for out in [x.floor(), x.ceil(), x.round(decimals=1), x.trunc(), x.sign(), x.log1p(), x.nan_to_num()]:
        assert out.requires_grad and out.grad_fn is not None
    assert not sj.isclose(x, x).requires_grad
