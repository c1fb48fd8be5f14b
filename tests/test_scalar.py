"""The scalar engine: each derivative rule against finite differences and the tensor engine."""

from __future__ import annotations

import math

import numpy as np
import pytest

from shenjing.scalar import Value

UNARY = {
    "exp": (lambda v: v.exp(), math.exp),
    "log": (lambda v: v.log(), math.log),
    "tanh": (lambda v: v.tanh(), math.tanh),
    "sigmoid": (lambda v: v.sigmoid(), lambda x: 1 / (1 + math.exp(-x))),
    "relu": (lambda v: v.relu(), lambda x: max(x, 0.0)),
    "elu": (lambda v: v.elu(0.7), lambda x: x if x > 0 else 0.7 * (math.exp(x) - 1)),
    "softplus": (lambda v: v.softplus(), lambda x: math.log1p(math.exp(x))),
    "pow3": (lambda v: v**3, lambda x: x**3),
    "pow-half": (lambda v: v**-0.5, lambda x: x**-0.5),
    "neg": (lambda v: -v, lambda x: -x),
}
POINTS = [-2.3, -0.4, 0.35, 1.7]


def _fd(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


@pytest.mark.parametrize("name", list(UNARY))
@pytest.mark.parametrize("x", POINTS)
def test_unary_rules_match_finite_differences(name, x):
    op, ref = UNARY[name]
    if name in ("log", "pow-half") and x <= 0:
        x = -x
    v = Value(x)
    y = op(v)
    y.backward()
    assert y.data == pytest.approx(ref(x), rel=1e-12, abs=1e-12)
    assert v.grad == pytest.approx(_fd(ref, x), rel=1e-6, abs=1e-8)


def test_binary_rules_and_reflected_operators():
    a, b = Value(1.5), Value(-0.8)
    y = (a + b) * (a - b) / b + 2 / a - 3 * b + (1 - a)
    y.backward()

    def f(x, z):
        return (x + z) * (x - z) / z + 2 / x - 3 * z + (1 - x)

    assert y.data == pytest.approx(f(1.5, -0.8))
    assert a.grad == pytest.approx(_fd(lambda x: f(x, -0.8), 1.5), rel=1e-7)
    assert b.grad == pytest.approx(_fd(lambda z: f(1.5, z), -0.8), rel=1e-7)


def test_shared_node_accumulates_gradient():
    x = Value(3.0)
    y = x * x + x  # x used three times
    y.backward()
    assert x.grad == pytest.approx(7.0)


def test_kinks_follow_the_lecture_table():
    for op, want in ((lambda v: v.relu(), 0.0), (lambda v: v.elu(0.5), 0.5)):
        v = Value(0.0)
        op(v).backward()
        assert v.grad == want  # I(x > 0) at x = 0, and γ·exp(0) for ELU


def test_deep_graph_has_no_recursion_limit():
    x = Value(0.5)
    y = x
    for _ in range(20000):
        y = y * 1.0 + 0.0
    y.backward()
    assert x.grad == pytest.approx(1.0)


def test_saturated_inputs_do_not_overflow():
    for x in (-800.0, 800.0):
        v = Value(x)
        v.sigmoid().backward()
        assert math.isfinite(v.grad)
        w = Value(x)
        s = w.softplus()
        s.backward()
        assert math.isfinite(s.data) and math.isfinite(w.grad)


def test_zero_grad_and_sum():
    xs = [Value(float(i)) for i in range(4)]
    s = Value.sum(x * x for x in xs)
    s.backward()
    assert [x.grad for x in xs] == [0.0, 2.0, 4.0, 6.0]
    s.zero_grad()
    assert all(x.grad == 0.0 for x in xs)
    assert Value.sum([]).data == 0.0


def test_value_pow_value_is_refused():
    with pytest.raises(TypeError):
        Value(2.0) ** Value(3.0)


def test_same_rules_as_the_tensor_engine():
    sj = pytest.importorskip("shenjing")
    F = pytest.importorskip("shenjing.nn.functional")
    grid = np.array([-3.0, -1.2, -0.3, 0.4, 1.1, 2.5])
    fns = {
        "sigmoid": (F.sigmoid, lambda v: v.sigmoid()),
        "tanh": (F.tanh, lambda v: v.tanh()),
        "relu": (F.relu, lambda v: v.relu()),
        "elu": (lambda z: F.elu(z, alpha=0.7), lambda v: v.elu(0.7)),
        "softplus": (F.softplus, lambda v: v.softplus()),
        "exp": (lambda z: z.exp(), lambda v: v.exp()),
        "log": (lambda z: (z * z).log(), lambda v: (v * v).log()),
        "pow": (lambda z: z**3 / (z * z + 1) - 2 * z, lambda v: v**3 / (v * v + 1) - 2 * v),
    }
    for name, (tf, sf) in fns.items():
        z = sj.tensor(grid, dtype=sj.float64, requires_grad=True)
        tf(z).sum().backward()
        for i, x in enumerate(grid):
            v = Value(float(x))
            out = sf(v)
            out.backward()
            assert v.grad == pytest.approx(float(z.grad.numpy()[i]), rel=1e-10, abs=1e-12), name
