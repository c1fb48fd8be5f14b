"""More pointwise math (ops/pointwise.py): numerical gradients in float64 for every op and option,
the zero gradient of the step functions, and values at the edges."""

from __future__ import annotations

import math

import numpy as np
import pytest

import shenjing as sj


def normal(rng, *shape, scale=1.0):
    return np.asarray(rng.standard_normal(shape) * scale)


def uniform(rng, lo, hi, *shape):
    return rng.uniform(lo, hi, shape)


# ----------------------------------------------------------------- unary
UNARY = {  # name: (function, input maker)
    "log1p": (lambda x: x.log1p(), lambda r: uniform(r, -0.5, 2.0, 3, 4)),
    "expm1": (lambda x: x.expm1(), lambda r: normal(r, 3, 4)),
    "log2": (lambda x: x.log2(), lambda r: uniform(r, 0.3, 3.0, 3, 4)),
    "log10": (lambda x: x.log10(), lambda r: uniform(r, 0.3, 3.0, 3, 4)),
    "exp2": (lambda x: x.exp2(), lambda r: normal(r, 3, 4)),
    "rsqrt": (lambda x: x.rsqrt(), lambda r: uniform(r, 0.3, 3.0, 3, 4)),
    "reciprocal": (lambda x: x.reciprocal(), lambda r: uniform(r, 0.3, 3.0, 3, 4) * np.sign(normal(r, 3, 4))),
    "sinh": (lambda x: x.sinh(), lambda r: normal(r, 3, 4)),
    "cosh": (lambda x: x.cosh(), lambda r: normal(r, 3, 4)),
    "tan": (lambda x: x.tan(), lambda r: uniform(r, -1.2, 1.2, 3, 4)),
    "asin": (lambda x: x.asin(), lambda r: uniform(r, -0.9, 0.9, 3, 4)),
    "acos": (lambda x: x.acos(), lambda r: uniform(r, -0.9, 0.9, 3, 4)),
    "atan": (lambda x: x.atan(), lambda r: normal(r, 3, 4, scale=2)),
    "erf": (lambda x: x.erf(), lambda r: normal(r, 3, 4, scale=1.5)),
    "erf_tail": (lambda x: x.erf(), lambda r: uniform(r, 2.6, 4.0, 3, 4) * np.sign(normal(r, 3, 4))),
    "erfinv": (lambda x: x.erfinv(), lambda r: uniform(r, -0.95, 0.95, 3, 4)),
    "logit": (lambda x: x.logit(), lambda r: uniform(r, 0.05, 0.95, 3, 4)),
    "logit_eps": (lambda x: x.logit(eps=0.2), lambda r: uniform(r, 0.0, 1.0, 3, 4)),
    "nan_to_num": (lambda x: x.nan_to_num(), lambda r: normal(r, 3, 4)),
    "sj.log1p": (lambda x: sj.log1p(x), lambda r: uniform(r, -0.5, 2.0, 5)),
    "sj.erfinv": (lambda x: sj.erfinv(x), lambda r: uniform(r, -0.99, 0.99, 5)),
    "sj.logit": (lambda x: sj.logit(x, 1e-3), lambda r: uniform(r, 0.1, 0.9, 5)),
}


@pytest.mark.parametrize("name", UNARY)
def test_unary_grad(check_grad, rng, name):
    fn, make = UNARY[name]
    x = make(rng)
    if name == "logit_eps":  # keep away from the kinks at eps and 1 − eps
        x = np.where(np.abs(x - 0.2) < 0.01, 0.5, np.where(np.abs(x - 0.8) < 0.01, 0.5, x))
    check_grad(fn, x)


REFERENCE = {  # name: (shenjing function, exact math)
    "log1p": (sj.log1p, np.log1p, (-0.5, 2.0)), "expm1": (sj.expm1, np.expm1, (-2, 2)),
    "log2": (sj.log2, np.log2, (0.1, 5)), "log10": (sj.log10, np.log10, (0.1, 5)),
    "exp2": (sj.exp2, np.exp2, (-3, 3)), "sinh": (sj.sinh, np.sinh, (-2, 2)), "cosh": (sj.cosh, np.cosh, (-2, 2)),
    "tan": (sj.tan, np.tan, (-1.2, 1.2)), "asin": (sj.asin, np.arcsin, (-1, 1)), "acos": (sj.acos, np.arccos, (-1, 1)),
    "atan": (sj.atan, np.arctan, (-5, 5)), "erf": (sj.erf, np.vectorize(math.erf), (-5, 5)),
}


@pytest.mark.parametrize("name", REFERENCE)
def test_unary_values(rng, name):
    fn, ref, (lo, hi) = REFERENCE[name]
    x = rng.uniform(lo, hi, 50)
    np.testing.assert_allclose(fn(sj.tensor(x, dtype=sj.float64)).numpy(), ref(x), rtol=1e-12, atol=1e-14)


def test_erfinv_inverts_erf(rng):
    x = rng.uniform(-5, 5, 200)
    y = np.vectorize(math.erf)(x)
    keep = np.abs(y) < 1 - 1e-9
    np.testing.assert_allclose(sj.erfinv(sj.tensor(y[keep], dtype=sj.float64)).numpy(), x[keep], rtol=1e-7)
    out = sj.erfinv(sj.tensor([-1.0, 1.0, 1.5, -2.0, 0.0, float("nan")], dtype=sj.float64)).numpy()
    np.testing.assert_array_equal(out, [-np.inf, np.inf, np.nan, np.nan, 0.0, np.nan])


def test_logit_edges():
    x = sj.tensor([0.0, 0.5, 1.0, 1.2, -0.1], dtype=sj.float64, requires_grad=True)
    out = x.logit()
    np.testing.assert_array_equal(out.detach().numpy(), [-np.inf, 0.0, np.inf, np.nan, np.nan])
    out.backward(np.ones(5))
    np.testing.assert_array_equal(x.grad.numpy(), [np.inf, 4.0, np.inf, np.nan, np.nan])
    x.grad = None
    out = x.logit(eps=0.2)
    np.testing.assert_allclose(out.detach().numpy(), np.log(np.array([0.25, 1, 4, 4, 0.25])))
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 4.0, 0.0, 0.0, 0.0])
    x = sj.tensor([0.2, 0.8], dtype=sj.float64, requires_grad=True)  # the bounds themselves pass the gradient
    x.logit(eps=0.2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.25, 6.25])


# ----------------------------------------------------------------- binary
SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((3, 4), ())]


@pytest.mark.parametrize("sa,sb", SHAPES, ids=str)
@pytest.mark.parametrize("name", ["atan2", "hypot", "logaddexp", "remainder", "fmod"])
def test_binary_grad(check_grad, rng, name, sa, sb):
    a, b = normal(rng, *sa, scale=2), normal(rng, *sb)
    if name in ("remainder", "fmod"):  # away from the jumps, where a/b is an integer
        b = np.where(np.abs(b) < 0.3, 0.7, b)
        q = a / b
        a = np.where(np.abs(q - np.round(q)) < 0.05, a + 0.2 * b, a)
    fn = getattr(sj, name) if name != "remainder" else (lambda x, y: x.remainder(y))
    check_grad(fn, a, b)


@pytest.mark.parametrize("name", ["remainder", "fmod"])
def test_mod_scalar_divisor_grad(check_grad, rng, name):
    a = normal(rng, 3, 4, scale=3)
    a = np.where(np.abs(a / 1.5 - np.round(a / 1.5)) < 0.05, a + 0.2, a)
    check_grad(lambda x: getattr(x, name)(1.5), a)
    check_grad(lambda x: getattr(x, name)(-1.5), a)


def test_mod_divisor_grad_values():
    a = sj.tensor([5.0, -5.0, 5.0, -5.0], dtype=sj.float64, requires_grad=True)
    b = sj.tensor([3.0, 3.0, -3.0, -3.0], dtype=sj.float64, requires_grad=True)
    r = sj.remainder(a, b)
    np.testing.assert_array_equal(r.detach().numpy(), [2.0, 1.0, -1.0, -2.0])
    r.sum().backward()
    np.testing.assert_array_equal(b.grad.numpy(), [-1.0, 2.0, 2.0, -1.0])  # −floor(a/b)
    np.testing.assert_array_equal(a.grad.numpy(), [1.0, 1.0, 1.0, 1.0])
    a.grad = b.grad = None
    f = sj.fmod(a, b)
    np.testing.assert_array_equal(f.detach().numpy(), [2.0, -2.0, 2.0, -2.0])
    f.sum().backward()
    np.testing.assert_array_equal(b.grad.numpy(), [-1.0, 1.0, 1.0, -1.0])  # −trunc(a/b)


def test_int_remainder_and_division_by_zero():
    a, b = sj.tensor([5, -5, 5, -5]), sj.tensor([3, 3, -3, -3])
    assert sj.remainder(a, b).tolist() == [5 % 3, -5 % 3, 5 % -3, -5 % -3]
    assert sj.fmod(a, b).tolist() == [math.fmod(5, 3), math.fmod(-5, 3), math.fmod(5, -3), math.fmod(-5, -3)]
    assert sj.remainder(a, b).dtype == sj.int64
    with pytest.raises(RuntimeError, match="remainder.*ZeroDivision"):
        sj.remainder(a, 0)
    with pytest.raises(RuntimeError, match="fmod.*ZeroDivision"):
        sj.fmod(a, sj.tensor([1, 0, 1, 1]))


def test_atan2_and_hypot_edges():
    a = sj.tensor([0.0, 1.0], dtype=sj.float64, requires_grad=True)
    b = sj.tensor([0.0, 0.0], dtype=sj.float64, requires_grad=True)
    sj.atan2(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [0.0, 0.0])
    np.testing.assert_array_equal(b.grad.numpy(), [0.0, -1.0])


# ----------------------------------------------------------------- lerp, addcmul, addcdiv
@pytest.mark.parametrize("weight", ["scalar", "scalar_big", "tensor", "tensor_bcast"])
def test_lerp_grad(check_grad, rng, weight):
    s, e = normal(rng, 3, 4), normal(rng, 4)
    if weight == "scalar":
        check_grad(lambda x, y: x.lerp(y, 0.3), s, e)
    elif weight == "scalar_big":
        check_grad(lambda x, y: sj.lerp(x, y, 0.8), s, e)
    elif weight == "tensor":
        check_grad(lambda x, y, w: x.lerp(y, w), s, e, rng.uniform(-0.5, 1.5, (3, 4)))
    else:
        check_grad(lambda x, y, w: sj.lerp(x, y, w), normal(rng, 3, 1), e, rng.uniform(-0.5, 1.5, (2, 1, 1)))


def test_lerp_ends():
    s, e = sj.tensor([1.0, -2.0]), sj.tensor([3.0, 5.0])
    np.testing.assert_array_equal(s.lerp(e, 0.0).numpy(), s.numpy())
    np.testing.assert_array_equal(s.lerp(e, 1.0).numpy(), e.numpy())


@pytest.mark.parametrize("value", [1, 0.5, -2])
@pytest.mark.parametrize("op", ["addcmul", "addcdiv"])
def test_addc_grad(check_grad, rng, op, value):
    x, t1, t2 = normal(rng, 3, 1), normal(rng, 4), normal(rng, 2, 1, 1)
    if op == "addcdiv":
        t2 = np.where(np.abs(t2) < 0.3, 0.8, t2)
    check_grad(lambda a, b, c: getattr(sj, op)(a, b, c, value=value), x, t1, t2)
    check_grad(lambda a, b, c: getattr(a, op)(b, c, value=value), x, t1, t2)


# ----------------------------------------------------------------- zero gradients
STEPS = {"sign": lambda x: x.sign(), "floor": lambda x: x.floor(), "ceil": lambda x: x.ceil(),
         "round": lambda x: x.round(), "round2": lambda x: x.round(decimals=2), "trunc": lambda x: x.trunc(),
         "sj.round": lambda x: sj.round(x, decimals=-1), "sj.trunc": sj.trunc, "sj.sign": sj.sign}


@pytest.mark.parametrize("name", STEPS)
def test_step_functions_have_zero_grad(check_grad, rng, name):
    x = normal(rng, 3, 4, scale=3)
    # away from the jumps, so that the finite differences see a flat function
    x = np.where(np.abs(x * 100 - np.round(x * 100)) < 0.1, x + 0.003, x)
    x = np.where(np.abs(x * 2 - np.round(x * 2)) < 0.05, x + 0.1, x)
    t = sj.tensor(x, dtype=sj.float64, requires_grad=True)
    out = STEPS[name](t)
    assert out.requires_grad  # as in PyTorch: the result is in the graph, its gradient is zero
    out.sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), np.zeros_like(x))
    check_grad(STEPS[name], x)


def test_nan_to_num_grad_and_values():
    x = sj.tensor([np.nan, np.inf, -np.inf, 1.5], dtype=sj.float64, requires_grad=True)
    out = x.nan_to_num(nan=1.0, posinf=2.0, neginf=-3.0)
    np.testing.assert_array_equal(out.detach().numpy(), [1.0, 2.0, -3.0, 1.5])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.0, 1.0])
    big = sj.nan_to_num(sj.tensor([np.inf, -np.inf])).numpy()
    np.testing.assert_array_equal(big, [np.finfo(np.float32).max, np.finfo(np.float32).min])


def test_isclose_values():
    a = sj.tensor([np.nan, np.inf, -np.inf, 1.0, 1.0])
    b = sj.tensor([np.nan, np.inf, np.inf, 1.0 + 1e-6, 1.1])
    assert sj.isclose(a, b).tolist() == [False, True, False, True, False]
    assert a.isclose(b, equal_nan=True).tolist() == [True, True, False, True, False]
    assert a.isclose(b, rtol=0.2).tolist() == [False, True, False, True, True]
    assert not sj.isclose(a, b).requires_grad
