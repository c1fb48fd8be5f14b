"""Matrix products: PyTorch's 1-D rules, batched broadcasting, gradients, shape errors; linear."""

from __future__ import annotations

import numpy as np
import pytest

import shenjing as sj
import shenjing.nn.functional as F

CASES = [
    ((4,), (4,), ()), ((3,), (3, 5), (5,)), ((2, 3), (3,), (2,)), ((2, 3), (3, 4), (2, 4)),
    ((2, 3, 4), (4, 5), (2, 3, 5)), ((3, 4), (2, 4, 5), (2, 3, 5)), ((2, 3, 4), (4,), (2, 3)),
    ((4,), (2, 4, 5), (2, 5)), ((2, 3, 4), (2, 4, 5), (2, 3, 5)), ((2, 1, 3, 4), (5, 4, 2), (2, 5, 3, 2)),
    ((1, 3, 2, 4), (2, 1, 4, 3), (2, 3, 2, 3)),
]


@pytest.mark.parametrize("sa,sb,sout", CASES, ids=str)
def test_matmul(check_grad, rng, sa, sb, sout):
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    x, y = check_grad(lambda p, q: p @ q, a, b)
    out = sj.matmul(x, y)
    assert out.shape == sout
    np.testing.assert_allclose(out.detach().numpy(), np.matmul(a, b))
    assert x.grad.shape == sa and y.grad.shape == sb


def test_matmul_with_constant_operand(check_grad, rng):
    c = sj.tensor(rng.standard_normal((3, 4)), dtype=sj.float64)
    check_grad(lambda p: p @ c, rng.standard_normal((2, 3)))
    check_grad(lambda p: c @ p, rng.standard_normal(4))
    check_grad(lambda p: p.mm(c), rng.standard_normal((5, 3)))
    check_grad(lambda p: p.dot(p), rng.standard_normal(3))


@pytest.mark.parametrize("sa,sb", [((2, 3), (4, 5)), ((3,), (4,)), ((2, 3, 4), (5, 6))], ids=str)
def test_matmul_shape_error_names_both_shapes(sa, sb):
    with pytest.raises(RuntimeError) as e:
        sj.zeros(*sa) @ sj.zeros(*sb)
    msg = str(e.value)
    assert "x".join(map(str, sa)) in msg and "x".join(map(str, sb)) in msg


def test_matmul_0d_is_an_error():
    with pytest.raises(RuntimeError, match="1D"):
        sj.matmul(sj.tensor(2.0), sj.ones(3))


@pytest.mark.parametrize("xshape", [(5,), (4, 5), (2, 3, 5)], ids=str)
@pytest.mark.parametrize("bias", [True, False])
def test_linear(check_grad, rng, xshape, bias):
    args = [rng.standard_normal(xshape), rng.standard_normal((3, 5))] + ([rng.standard_normal(3)] if bias else [])
    check_grad(F.linear, *args)
    x, w = (sj.tensor(a) for a in args[:2])
    expected = args[0] @ args[1].T + (args[2] if bias else 0)
    np.testing.assert_allclose(F.linear(x, w, sj.tensor(args[2]) if bias else None).numpy(), expected)


def test_linear_shape_error():
    with pytest.raises(RuntimeError, match=r"4.*5|5.*4"):
        F.linear(sj.zeros(2, 4), sj.zeros(3, 5))
