"""Numerical gradients (float64) of the small ops in ops/misc.py and the linear algebra."""

from __future__ import annotations

import numpy as np
import pytest

import shenjing as sj


def _well(rng, *shape):
    """Well-conditioned square matrices (batched)."""
    n = shape[-1]
    return rng.standard_normal(shape) * 0.3 + np.eye(n) * 2


@pytest.mark.parametrize("fn", [
    lambda a: sj.det(a), lambda a: sj.inverse(a), lambda a: sj.linalg.inv(a), lambda a: sj.linalg.det(a),
    lambda a: sj.matrix_power(a, 3), lambda a: sj.matrix_power(a, -2), lambda a: a.matrix_power(1),
    lambda a: sj.linalg.matrix_norm(a), lambda a: sj.linalg.matrix_norm(a, 1),
    lambda a: sj.linalg.matrix_norm(a, float("-inf"), keepdim=True),
], ids=["det", "inverse", "inv", "ldet", "pow3", "pow-2", "pow1", "fro", "norm1", "norm-inf"])
@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4)])
def test_square_matrix_ops(check_grad, rng, fn, shape):
    check_grad(fn, _well(rng, *shape))


@pytest.mark.parametrize("ashape,bshape", [((3, 3), (3, 2)), ((3, 3), (3,)), ((2, 3, 3), (3, 1)),
                                           ((2, 3, 3), (2, 3))])
def test_solve(check_grad, rng, ashape, bshape):
    check_grad(lambda a, b: sj.linalg.solve(a, b), _well(rng, *ashape), rng.standard_normal(bshape))


def test_solve_right(check_grad, rng):
    check_grad(lambda a, b: sj.linalg.solve(a, b, left=False), _well(rng, 3, 3), rng.standard_normal((2, 3)))


@pytest.mark.parametrize("kw", [{}, {"correction": 0}, {"aweights": "a"}, {"fweights": "f"},
                                {"fweights": "f", "aweights": "a", "correction": 2}])
def test_cov_corrcoef(check_grad, rng, kw):
    kw = dict(kw)
    if kw.get("aweights") == "a":
        kw["aweights"] = sj.tensor(rng.uniform(0.5, 2, 6))
    if kw.get("fweights") == "f":
        kw["fweights"] = sj.tensor(np.array([1, 2, 1, 3, 1, 2]))
    check_grad(lambda x: sj.cov(x, **kw), rng.standard_normal((3, 6)))
    check_grad(lambda x: sj.cov(x, **kw), rng.standard_normal(6))
    check_grad(lambda x: sj.corrcoef(x), rng.standard_normal((3, 6)))


def test_pointwise(check_grad, rng):
    x = rng.uniform(-3, 3, (3, 4))
    x = np.where(np.abs(x - np.round(x)) < 0.1, x + 0.3, x)
    check_grad(lambda a: sj.frac(a), x)
    check_grad(lambda a, b: sj.copysign(a, b), x, rng.standard_normal((3, 4)))
    check_grad(lambda a: sj.copysign(a, -1.0), x)
    check_grad(lambda a: sj.deg2rad(a) + sj.rad2deg(a), x)
    check_grad(lambda a, b: sj.float_power(a, b), rng.uniform(0.5, 2, (3, 4)), rng.standard_normal(4))
    check_grad(lambda a: a.float_power(3), x)


@pytest.mark.parametrize("n,dim", [(1, -1), (2, 0), (1, 1), (3, 1)])
def test_diff(check_grad, rng, n, dim):
    check_grad(lambda a, p, q: sj.diff(a, n, dim, p, q), rng.standard_normal((4, 5)),
               rng.standard_normal((4, 5) if dim == 0 else (4, 2)), rng.standard_normal((1, 5) if dim == 0 else (4, 1)))


def test_nan_reductions(check_grad, rng):
    x = rng.standard_normal((3, 4))
    x[0, 1] = x[2, 3] = np.nan
    for dim, k in [(None, False), (0, False), (1, True), ((0, 1), False)]:
        a = sj.tensor(x, requires_grad=True)
        sj.nansum(a, dim, k).sum().backward()
        np.testing.assert_array_equal(a.grad.numpy(), np.where(np.isnan(x), 0.0, 1.0))
    y = rng.standard_normal((3, 4))
    check_grad(lambda a: sj.nansum(a, 1) + sj.nanmean(a, 1), y)


def test_stacks(check_grad, rng):
    check_grad(lambda a, b: sj.hstack([a, b]), rng.standard_normal((2, 3)), rng.standard_normal((2, 1)))
    check_grad(lambda a, b: sj.vstack([a, b]), rng.standard_normal(3), rng.standard_normal((2, 3)))
    check_grad(lambda a, b: sj.dstack([a, b]), rng.standard_normal(3), rng.standard_normal((1, 3)))
    check_grad(lambda a, b: sj.column_stack([a, b]), rng.standard_normal(3), rng.standard_normal((3, 2)))
    check_grad(lambda a: sj.atleast_3d(a), rng.standard_normal(3))
