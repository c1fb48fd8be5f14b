"""Sorting, scans and order statistics: numerical gradients (float64) on every dim and option."""

from __future__ import annotations

import numpy as np
import pytest

import shenjing as sj
from shenjing.autograd import GradcheckError, gradcheck


def distinct(rng, *shape):
    """Values without ties (and far apart), so order statistics are differentiable."""
    n = int(np.prod(shape))
    return rng.permutation(np.linspace(-2, 2, n)).reshape(shape)


DIMS = [0, 1, 2, -1, -2]


@pytest.mark.parametrize("dim", DIMS)
@pytest.mark.parametrize("name", ["cumsum", "cumprod", "logcumsumexp", "cummax", "cummin"])
def test_scans(check_grad, rng, name, dim):
    x = distinct(rng, 2, 3, 4)
    if name == "cumprod":
        x = np.where(np.abs(x) < 0.3, 0.8, x)

    def f(a):
        out = getattr(a, name)(dim)
        return out.values if name in ("cummax", "cummin") else out

    check_grad(f, x)
    check_grad(lambda a: getattr(sj, name)(a, dim) if name not in ("cummax", "cummin")
               else getattr(sj, name)(a, dim).values, x)


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("zeros", [[(0, 1)], [(1, 0), (1, 2)], [(0, 0), (2, 3), (1, 1)], [(0, 3), (2, 0)]], ids=str)
def test_cumprod_with_zeros(check_grad, rng, dim, zeros):
    x = rng.uniform(0.5, 1.5, (3, 4)) * rng.choice([-1, 1], (3, 4))
    for z in zeros:
        x[z] = 0.0
    check_grad(lambda a: a.cumprod(dim), x)


def test_cumprod_zero_gradient_by_hand():
    x = sj.tensor([2.0, 0.0, 3.0, 4.0], requires_grad=True)
    x.cumprod(0).sum().backward()  # y = [2, 0, 0, 0]; ∂Σy/∂x₁ = 2 + 2·3 + 2·3·4 = 32
    assert x.grad.tolist() == [1.0, 32.0, 0.0, 0.0]


def test_logcumsumexp_large_values(check_grad):
    check_grad(lambda a: a.logcumsumexp(0), np.array([700.0, -700.0, 701.0, 0.5, 699.0]))


@pytest.mark.parametrize("dim", DIMS)
@pytest.mark.parametrize("descending", [False, True])
def test_sort(check_grad, rng, dim, descending):
    x = distinct(rng, 2, 3, 4)
    check_grad(lambda a: a.sort(dim, descending).values, x)
    check_grad(lambda a: sj.sort(a, dim=dim, descending=descending, stable=True)[0], x)


def test_sort_ties_route_to_the_stable_order():
    x = sj.tensor([1.0, 0.0, 1.0], requires_grad=True)
    v, i = x.sort(descending=True)
    assert i.tolist() == [0, 2, 1]
    (v * sj.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert x.grad.tolist() == [1.0, 3.0, 2.0]


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", DIMS)
def test_kthvalue_median_mode(check_grad, rng, dim, keepdim):
    x = distinct(rng, 3, 4, 5)
    for k in (1, 2, 3):
        check_grad(lambda a, k=k: a.kthvalue(k, dim, keepdim).values, x)
    check_grad(lambda a: a.median(dim, keepdim).values, x)
    check_grad(lambda a: sj.mode(a, dim, keepdim).values, x)


def test_mode_gradient_goes_to_the_index():
    x = sj.tensor([[1.0, 2.0, 2.0, 1.0, 3.0, 1.0]], requires_grad=True)
    v, i = x.mode(1)
    v.sum().backward()
    assert v.tolist() == [1.0] and i.tolist() == [5] and x.grad.tolist() == [[0, 0, 0, 0, 0, 1.0]]


def test_median_whole_tensor(check_grad, rng):
    check_grad(lambda a: a.median(), distinct(rng, 3, 5))
    check_grad(lambda a: sj.median(a), distinct(rng, 2, 3))
    x = sj.tensor([1.0, 2.0, 2.0, 3.0], requires_grad=True)
    x.median().backward()  # ties share the gradient equally, as PyTorch
    assert x.grad.tolist() == [0.0, 0.5, 0.5, 0.0]


@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [None, 0, 1, -1])
def test_quantile(check_grad, rng, dim, keepdim, interpolation):
    x = distinct(rng, 3, 5)
    for q in (0.0, 0.3, 0.5, 0.71, 1.0):
        check_grad(lambda a, q=q: a.quantile(q, dim, keepdim, interpolation=interpolation), x)
    q = sj.tensor([0.1, 0.5, 0.93], dtype=sj.float64)
    check_grad(lambda a: sj.quantile(a, q, dim, keepdim, interpolation=interpolation), x)


def test_quantile_interpolates_by_hand():
    x = sj.tensor([4.0, 0.0, 2.0], requires_grad=True)  # sorted 0, 2, 4; q = 0.75 → rank 1.5
    y = x.quantile(0.75)
    y.backward()
    assert y.item() == 3.0 and x.grad.tolist() == [0.5, 0.0, 0.5]


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [None, 0, 1, -1])
def test_aminmax(check_grad, rng, dim, keepdim):
    x = distinct(rng, 3, 4)
    check_grad(lambda a: a.aminmax(dim=dim, keepdim=keepdim).min, x)
    check_grad(lambda a: sj.aminmax(a, dim=dim, keepdim=keepdim).max, x)


@pytest.mark.parametrize("dim", [None, 0, 1, (0, 1)], ids=str)
@pytest.mark.parametrize("correction", [0, 1, 2])
@pytest.mark.parametrize("keepdim", [False, True])
def test_var_mean_std_mean(check_grad, rng, dim, correction, keepdim):
    x = rng.standard_normal((3, 4))
    for fn in (sj.var_mean, sj.std_mean):
        check_grad(lambda a, fn=fn: fn(a, dim, keepdim=keepdim, correction=correction)[0], x)
        check_grad(lambda a, fn=fn: fn(a, dim, keepdim=keepdim, correction=correction)[1], x)


def _wrong(monkeypatch, cls, backward):
    monkeypatch.setattr(cls, "backward", backward)


def test_a_wrong_backward_is_caught(monkeypatch, rng):
    """Each hand-written backward, replaced by a plausible wrong one, must fail gradcheck."""
    from shenjing.ops import sort_scan as ss

    x = sj.tensor(distinct(rng, 3, 4), dtype=sj.float64, requires_grad=True)
    wrong = {
        ss.CumSum: (lambda self, g: np.cumsum(g, self.axis), lambda a: a.cumsum(1)),
        ss.CumProd: (lambda self, g: g * self.out, lambda a: a.cumprod(0)),
        ss.LogCumSumExp: (lambda self, g: g * np.exp(self.x - self.out), lambda a: a.logcumsumexp(1)),
        ss.TakeAlong: (lambda self, g: np.zeros(self.shape), lambda a: a.sort(1).values),
        ss.MedianAll: (lambda self, g: np.full(self.x.shape, g / self.x.size), lambda a: a.median()),
        ss.Quantile: (lambda self, g: np.zeros(self.shape), lambda a: a.quantile(0.3, 1)),
    }
    for cls, (backward, fn) in wrong.items():
        assert gradcheck(fn, [x])
        with monkeypatch.context() as m:
            _wrong(m, cls, backward)
            with pytest.raises(GradcheckError):
                gradcheck(fn, [x])
