"""Reductions: numerical gradients on every axis, ties, indices, and errors."""

from __future__ import annotations

import numpy as np
import pytest

import shenjing as sj


def distinct(rng, *shape):
    """Values without ties, so max/min are differentiable."""
    n = int(np.prod(shape))
    return rng.permutation(np.linspace(-2, 2, n)).reshape(shape)


DIMS = [None, 0, 1, 2, -1, (0, 2), (1, 2), (0, 1, 2)]
REDUCTIONS = {
    "sum": lambda x, d, k: x.sum(d, keepdim=k),
    "mean": lambda x, d, k: x.mean(d, keepdim=k),
    "var": lambda x, d, k: x.var(d, keepdim=k),
    "var0": lambda x, d, k: x.var(d, keepdim=k, correction=0),
    "std": lambda x, d, k: x.std(d, keepdim=k),
    "std_biased": lambda x, d, k: x.std(d, keepdim=k, unbiased=False),
    "amax": lambda x, d, k: x.amax(d, keepdim=k),
    "amin": lambda x, d, k: x.amin(d, keepdim=k),
    "logsumexp": lambda x, d, k: x.logsumexp(d if d is not None else (0, 1, 2), keepdim=k),
    "prod": lambda x, d, k: x.prod(d, keepdim=k),
}


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("name,dim", [(n, d) for n in REDUCTIONS for d in DIMS
                                      if not (n == "prod" and isinstance(d, tuple))], ids=str)
def test_reduction_every_axis(check_grad, rng, name, dim, keepdim):
    # (prod takes one dim or all of them, as in PyTorch)
    x = distinct(rng, 2, 3, 4)
    if name == "prod":
        x = np.where(np.abs(x) < 0.3, 0.7, x)
    (t,) = check_grad(lambda a: REDUCTIONS[name](a, dim, keepdim), x)
    out = REDUCTIONS[name](t, dim, keepdim)
    nd = {"sum": np.sum, "mean": np.mean, "amax": np.amax, "amin": np.amin, "prod": np.prod}.get(name)
    if nd is not None:
        np.testing.assert_allclose(out.detach().numpy(), nd(x, axis=dim, keepdims=keepdim))


@pytest.mark.parametrize("fn", [lambda x: x.max(), lambda x: x.min(), lambda x: sj.max(x), lambda x: sj.min(x)])
def test_max_min_full(check_grad, rng, fn):
    check_grad(fn, distinct(rng, 3, 4))


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("which", ["max", "min"])
def test_max_min_with_dim(check_grad, rng, dim, keepdim, which):
    x = distinct(rng, 3, 4, 2)
    check_grad(lambda a: getattr(a, which)(dim, keepdim).values, x)
    values, indices = getattr(sj.tensor(x), which)(dim, keepdim=keepdim)
    ref_idx = np.expand_dims(getattr(np, "arg" + which)(x, axis=dim), dim)
    ref_val = np.take_along_axis(x, ref_idx, dim)
    if not keepdim:
        ref_idx, ref_val = ref_idx.squeeze(dim), ref_val.squeeze(dim)
    assert indices.dtype == sj.int64 and not indices.requires_grad
    np.testing.assert_array_equal(indices.numpy(), ref_idx)
    np.testing.assert_array_equal(values.numpy(), ref_val)
    r = getattr(sj, which)(sj.tensor(x), dim=dim, keepdim=keepdim)
    assert r.indices.tolist() == indices.tolist() and r[0].tolist() == values.tolist()


def test_max_with_dim_ties_pick_one_index():
    x = sj.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], requires_grad=True)
    v, i = x.max(1)
    assert v.tolist() == [3.0, 2.0] and i.tolist() == [1, 0]
    v.sum().backward()
    assert x.grad.tolist() == [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]  # the whole gradient to the index


def test_amax_amin_and_full_max_ties_share_the_gradient():
    x = sj.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]], requires_grad=True)
    x.amax(1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    x.grad = None
    x.max().backward()
    assert x.grad.tolist() == [[0.0, 0.5, 0.5], [0.0, 0.0, 0.0]]
    y = sj.tensor([[-1.0, 4.0, -1.0]], requires_grad=True)
    y.amin().backward()
    assert y.grad.tolist() == [[0.5, 0.0, 0.5]]
    y.grad = None
    y.min().backward()
    assert y.grad.tolist() == [[0.5, 0.0, 0.5]]
    y.grad = None
    y.amin((0, 1)).backward()
    assert y.grad.tolist() == [[0.5, 0.0, 0.5]]


@pytest.mark.parametrize("which", ["argmax", "argmin"])
def test_argmax_argmin(rng, which):
    x = distinct(rng, 3, 4)
    t = sj.tensor(x, requires_grad=True)
    for dim in (None, 0, 1, -1):
        out = getattr(t, which)(dim)
        assert out.dtype == sj.int64 and not out.requires_grad
        np.testing.assert_array_equal(out.numpy(), getattr(np, which)(x, axis=dim))
    assert getattr(t, which)(1, keepdim=True).shape == (3, 1)
    assert getattr(sj, which)(t, 0).tolist() == getattr(np, which)(x, axis=0).tolist()
    ties = sj.tensor([1.0, 5.0, 5.0, 0.0])
    assert getattr(ties, which)().item() == (1 if which == "argmax" else 3)


def test_var_std_values(rng):
    x = rng.standard_normal((4, 5))
    t = sj.tensor(x)
    np.testing.assert_allclose(t.var().item(), x.var(ddof=1))
    np.testing.assert_allclose(t.var(unbiased=False).item(), x.var())
    np.testing.assert_allclose(t.std(0).numpy(), x.std(axis=0, ddof=1))
    np.testing.assert_allclose(sj.std(t, 1, correction=0).numpy(), x.std(axis=1))
    np.testing.assert_allclose(sj.var(t, (0, 1), correction=2).item(), x.var(ddof=2))


def test_prod_with_zeros(check_grad):
    x = sj.tensor([[2.0, 0.0, 3.0], [0.0, 0.0, 4.0], [1.0, 2.0, 3.0]], requires_grad=True)
    x.prod(1).sum().backward()
    assert x.grad.tolist() == [[0.0, 6.0, 0.0], [0.0, 0.0, 0.0], [6.0, 3.0, 2.0]]
    check_grad(lambda a: a.prod(0), np.array([[2.0, 0.0, 3.0], [0.5, 1.5, -4.0]]))


def test_reductions_of_integers():
    i = sj.tensor([[1, 2], [3, 4]])
    assert i.sum().item() == 10 and i.sum().dtype == sj.int64
    assert i.amax(0).tolist() == [3, 4] and i.max().item() == 4
    with pytest.raises(RuntimeError, match="mean"):
        i.mean()


def test_reduction_errors():
    with pytest.raises(IndexError, match="out of range"):
        sj.ones(2, 3).sum(2)
    with pytest.raises(RuntimeError, match="non-empty"):
        sj.zeros(0).max()


def test_sum_dtype_argument():
    x = sj.ones(3)
    assert x.sum(dtype=sj.float64).dtype == sj.float64


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_var_with_too_few_elements_is_nan_not_an_error():
    x = sj.tensor([2.0], requires_grad=True)
    v = x.var()
    v.backward()
    assert np.isnan(v.item()) and np.isnan(x.grad.numpy()).all()
    y = sj.ones(1, 3, requires_grad=True)
    y.std(0).sum().backward()  # e.g. a batch of one
    assert np.isnan(y.grad.numpy()).all()
    assert sj.tensor([2.0]).var(unbiased=False).item() == 0.0


@pytest.mark.parametrize("fn", [lambda x: x.norm(), lambda x: x.norm(dim=1), lambda x: x.norm(p=1, dim=0, keepdim=True),
                                lambda x: x.norm(p=3), lambda x: sj.topk(x.flatten(), 3)[0],
                                lambda x: sj.topk(x, 2, dim=0, largest=False)[0], lambda x: sj.outer(x[0], x[1])],
                         ids=["norm", "norm dim", "norm p=1", "norm p=3", "topk", "topk smallest", "outer"])
def test_composites(check_grad, rng, fn):
    check_grad(fn, distinct(rng, 3, 4) + 0.05)


@pytest.mark.parametrize("p", [2, 1, 3, 0.5, 1.5, float("inf"), float("-inf"), "fro"], ids=str)
@pytest.mark.parametrize("dim,keepdim", [(None, False), (1, False), ((0, 2), True), (-1, True)], ids=str)
def test_norm_gradcheck(check_grad, rng, p, dim, keepdim):
    x = rng.permutation(np.linspace(0.1, 2, 24)).reshape(2, 3, 4) * rng.choice([-1, 1], (2, 3, 4))  # no |x| ties
    check_grad(lambda x: x.norm(p, dim, keepdim), x)


def test_norm_of_zeros_has_zero_gradient():
    """The lecture's ‖w‖ in a penalty must not turn a zero weight vector's gradient into NaN."""
    for p in (2, 3, 1.5, 0.5, float("inf")):
        x = sj.zeros(2, 3, requires_grad=True)
        x.norm(p, dim=1).sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), np.zeros((2, 3)))


def test_norm_rejects_matrix_norms_and_bad_orders():
    x = sj.ones(2, 2)
    with pytest.raises(ValueError, match="only vector norms"):
        x.norm("nuc")
    with pytest.raises(TypeError, match="real number"):
        x.norm(None)
    with pytest.raises(RuntimeError, match="floating point"):
        sj.linalg.vector_norm(sj.ones(2, dtype=sj.int64))
