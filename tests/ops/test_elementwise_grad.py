"""Arithmetic and elementwise math: numerical gradients (float64), dtypes and edge cases."""

from __future__ import annotations

import numpy as np
import pytest

import shenjing as sj

SHAPE_PAIRS = [((3, 4), (3, 4)), ((3, 4), (4,)), ((4,), (3, 4)), ((3, 1), (1, 4)), ((2, 1, 4), (3, 1)),
               ((2, 3), ()), ((), (2, 3)), ((1,), (2, 3)), ((2, 1, 1), (1, 3, 1))]


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "pow", "maximum", "minimum"])
@pytest.mark.parametrize("sa,sb", SHAPE_PAIRS, ids=str)
def test_binary_broadcasting(check_grad, rng, op, sa, sb):
    a = rng.standard_normal(sa)
    b = rng.uniform(0.5, 2, sb) if op in ("div",) else rng.standard_normal(sb)
    if op == "pow":
        a = rng.uniform(0.5, 2, sa)
    fn = {"add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y,
          "div": lambda x, y: x / y, "pow": lambda x, y: x**y, "maximum": sj.maximum,
          "minimum": sj.minimum}[op]
    x, y = check_grad(fn, a, b)
    assert x.grad.shape == sa and y.grad.shape == sb


POS, ANY = True, False
SCALAR = [  # (function, needs positive inputs)
    (lambda x: x + 2.5, ANY), (lambda x: 2.5 + x, ANY), (lambda x: x - 2, ANY), (lambda x: 2 - x, ANY),
    (lambda x: x * 3, ANY), (lambda x: -1.5 * x, ANY), (lambda x: x / 3, ANY), (lambda x: 3 / x, ANY),
    (lambda x: x**2, ANY), (lambda x: x**3, ANY), (lambda x: x**2.5, POS), (lambda x: x**-1, ANY),
    (lambda x: 2**x, ANY), (lambda x: x**0.5, POS), (lambda x: -x, ANY), (lambda x: x.exp(), ANY),
    (lambda x: x.log(), POS), (lambda x: x.sqrt(), POS), (lambda x: x.rsqrt(), POS), (lambda x: x.abs(), ANY),
    (lambda x: abs(-x), ANY), (lambda x: x.sin(), ANY), (lambda x: x.cos(), ANY), (lambda x: x.square(), ANY),
    (lambda x: x.reciprocal(), ANY), (lambda x: sj.exp(x), ANY), (lambda x: sj.log(x), POS),
    (lambda x: sj.sqrt(x), POS), (lambda x: sj.abs(x), ANY), (lambda x: sj.neg(x), ANY),
    (lambda x: x * x * x - x / (x + 3), POS), (lambda x: x.add(x, alpha=2), ANY),
    (lambda x: x.sub(2.0, alpha=3), ANY), (lambda x: sj.add(x, 1.0, alpha=2), ANY),
    (lambda x: sj.pow(x, 2), ANY), (lambda x: sj.div(1.0, x), ANY),
]


@pytest.mark.parametrize("fn,positive", SCALAR, ids=range(len(SCALAR)))
def test_unary_and_scalar(check_grad, rng, fn, positive):
    check_grad(fn, rng.uniform(0.5, 2.0, (3, 4)))
    if not positive:
        x = rng.standard_normal((2, 3))
        check_grad(fn, np.where(np.abs(x) < 0.2, 0.5, x))  # away from 0 (abs kink, 1/x pole)


CLAMPS = [
    ("min only", lambda x: x.clamp(min=-0.3)), ("max only", lambda x: x.clamp(max=0.2)),
    ("both", lambda x: x.clamp(-0.5, 0.5)), ("clip", lambda x: x.clip(-0.5, 0.5)),
    ("fn", lambda x: sj.clamp(x, min=0.0)), ("fn clip", lambda x: sj.clip(x, max=0.0)),
    ("clamp_min", lambda x: x.clamp_min(0.1)), ("clamp_max", lambda x: x.clamp_max(0.1)),
]


@pytest.mark.parametrize("fn", [c[1] for c in CLAMPS], ids=[c[0] for c in CLAMPS])
def test_clamp(check_grad, rng, fn):
    x = rng.standard_normal((4, 5))
    x[np.abs(np.abs(x) - 0.3) < 0.05] += 0.2  # stay away from the kinks
    check_grad(fn, x)


def test_clamp_values_and_gradient_mask():
    x = sj.tensor([-2.0, -0.5, 0.0, 0.5, 2.0], requires_grad=True)
    y = x.clamp(-0.5, 0.5)
    assert y.tolist() == [-0.5, -0.5, 0.0, 0.5, 0.5]
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 1.0, 1.0, 0.0]  # PyTorch passes the gradient at the bounds
    with pytest.raises(RuntimeError, match="at least one"):
        x.clamp()


def test_maximum_minimum_ties_split_the_gradient():
    a = sj.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = sj.tensor([1.0, 0.0, 4.0], requires_grad=True)
    sj.maximum(a, b).sum().backward()
    assert a.grad.tolist() == [0.5, 1.0, 0.0] and b.grad.tolist() == [0.5, 0.0, 1.0]
    a.grad = b.grad = None
    sj.minimum(a, b).sum().backward()
    assert a.grad.tolist() == [0.5, 0.0, 1.0] and b.grad.tolist() == [0.5, 1.0, 0.0]


def test_maximum_with_constant_and_scalar(check_grad, rng):
    c = sj.tensor(rng.standard_normal(4), dtype=sj.float64)
    check_grad(lambda x: sj.maximum(x, c), rng.standard_normal((3, 4)))
    check_grad(lambda x: x.minimum(c), rng.standard_normal((3, 4)))


@pytest.mark.parametrize("cshape,ashape,bshape", [((3, 4), (3, 4), (3, 4)), ((4,), (3, 1), (2, 1, 4)),
                                                  ((3, 1), (4,), ())], ids=str)
def test_where(check_grad, rng, cshape, ashape, bshape):
    cond = sj.tensor(rng.standard_normal(cshape) > 0)
    x, y = check_grad(lambda a, b: sj.where(cond, a, b), rng.standard_normal(ashape), rng.standard_normal(bshape))
    assert x.grad.shape == ashape and y.grad.shape == bshape


def test_where_with_scalars_and_masked_fill(check_grad, rng):
    check_grad(lambda a: sj.where(a > 0, a, 0.0), rng.standard_normal((3, 4)))
    check_grad(lambda a: sj.where(a > 0, 1.0, a * 2), rng.standard_normal((3, 4)))
    check_grad(lambda a: a.masked_fill(a < 0, -1.0), rng.standard_normal((3, 4)))
    x = sj.tensor([1.0, -2.0, 3.0])
    assert x.masked_fill(x < 0, 0.0).tolist() == [1.0, 0.0, 3.0]


def test_pow_exponent_gradient_and_base_zero():
    x = sj.tensor([0.0, 1.0, 2.0], requires_grad=True)
    (x**2).sum().backward()
    assert x.grad.tolist() == [0.0, 2.0, 4.0]
    p = sj.tensor(3.0, requires_grad=True)
    (sj.tensor([2.0, 0.5]) ** p).sum().backward()
    np.testing.assert_allclose(p.grad.item(), 8 * np.log(2) + 0.125 * np.log(0.5), rtol=1e-6)


# ----------------------------------------------------------------- dtypes
@pytest.mark.parametrize("fn", [lambda x: x + 1.5, lambda x: 1.5 * x, lambda x: x / 3.0, lambda x: 3.0 / x,
                                lambda x: x**2.0, lambda x: 2.0**x, lambda x: x - 0.1, lambda x: 0.1 - x,
                                lambda x: x.clamp(0.1, 0.2), lambda x: sj.maximum(x, 0.5), lambda x: x + 10**20,
                                lambda x: sj.where(x > 0, x, 0.0), lambda x: x * True],
                         ids=range(13))
def test_python_scalars_keep_float32(fn):
    x = sj.ones(2, 3, requires_grad=True)
    y = fn(x)
    assert y.dtype == sj.float32
    y.sum().backward()
    assert x.grad.dtype == sj.float32


def test_integer_tensors_with_python_floats_give_default_float():
    i = sj.tensor([1, 2, 3])
    assert i.dtype == sj.int64
    assert (i * 2).dtype == sj.int64
    assert (i * 0.5).dtype == sj.float32 and (i / 2).dtype == sj.float32 and (i + 0.5).dtype == sj.float32
    assert (i / 2).tolist() == [0.5, 1.0, 1.5]
    assert (sj.tensor([1.0], dtype=sj.float64) * 2).dtype == sj.float64
    assert (sj.ones(2) + sj.ones(2, dtype=sj.float64)).dtype == sj.float64


def test_float64_gradients_stay_float64():
    x = sj.ones(3, dtype=sj.float64, requires_grad=True)
    (x * 2.5).exp().sum().backward()
    assert x.grad.dtype == sj.float64


def test_cast_is_differentiable():
    x = sj.tensor([1.5, -2.0], requires_grad=True)
    y = x.double() * 3
    assert y.dtype == sj.float64
    y.sum().backward()
    assert x.grad.dtype == sj.float32 and x.grad.tolist() == [3.0, 3.0]
    assert x.long().requires_grad is False and x.long().tolist() == [1, -2]


@pytest.mark.parametrize("fn", [lambda x: x.exp(), lambda x: x.log(), lambda x: x.sqrt(), lambda x: x.sin(),
                                lambda x: x.cos(), lambda x: x.sigmoid(), lambda x: x.tanh(), lambda x: sj.exp(x)],
                         ids=["exp", "log", "sqrt", "sin", "cos", "sigmoid", "tanh", "sj.exp"])
def test_integer_inputs_to_float_ops_give_default_float(fn):
    i = sj.tensor([1, 4])
    out = fn(i)
    assert out.dtype == sj.float32
    np.testing.assert_allclose(out.numpy(), fn(sj.tensor([1.0, 4.0])).numpy())


def test_numpy_float64_scalars_do_not_upcast():
    x = sj.ones(3, requires_grad=True)
    for y in (x * np.float64(2.0), np.float64(2.0) * x, x / np.float64(3.0), x ** np.float64(2.0),
              sj.where(x > 0, x, np.float64(0.0)), x.clamp(np.float64(0.5)), x + np.sqrt(2.0)):
        assert y.dtype == sj.float32
    assert (sj.ones(2, dtype=sj.float16) * np.float64(2)).dtype == sj.float16


def test_pow_gradient_edges():
    x = sj.tensor([0.0, 2.0], requires_grad=True)
    (x**0.0).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]  # a⁰ is constant, also at 0
    p = sj.tensor(2.0, requires_grad=True)
    (sj.tensor([0.0, 3.0]) ** p).sum().backward()
    assert p.grad.item() == pytest.approx(9 * np.log(3.0))  # 0ᵖ contributes 0
