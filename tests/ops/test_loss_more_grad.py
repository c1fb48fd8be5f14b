"""L1, smooth L1, Huber and KL-divergence losses: numerical gradients w.r.t. the prediction ŷ and the
target y, for every reduction and option, values against the formulas, and errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import shenjing as sj
import shenjing.nn.functional as F
from shenjing.autograd.gradcheck import GradcheckError
from shenjing.ops import loss as ops_loss

REDUCTIONS = ["mean", "sum", "none"]
KL_REDUCTIONS = ["mean", "batchmean", "sum", "none"]

# (functional name, options): smooth L1 with β = 0 is the L1 loss
REGRESSION = [
    ("l1_loss", {}),
    ("smooth_l1_loss", {}), ("smooth_l1_loss", {"beta": 0.5}), ("smooth_l1_loss", {"beta": 2.0}),
    ("smooth_l1_loss", {"beta": 0.0}),
    ("huber_loss", {}), ("huber_loss", {"delta": 0.5}), ("huber_loss", {"delta": 2.0}),
]


def quiet(fn):
    """``fn`` with UserWarnings (size mismatch, kl_div's 'mean') silenced: gradcheck calls it many times."""

    def call(*args, **kw):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return fn(*args, **kw)

    return call


def _pair(rng, shape, margin=0.05, scale=2.0):
    """ŷ, y with every |ŷ − y| at least ``margin`` away from 0 and from 0.5, 1 and 2 (the kinks of |·|
    and the β/δ used here), so central differences never straddle one."""
    y = rng.standard_normal(shape)
    d = rng.uniform(-scale, scale, shape)
    for kink in (0.0, 0.5, 1.0, 2.0):
        near = np.abs(np.abs(d) - kink) < margin
        d[near] = np.copysign(kink + 2 * margin, d[near]) if kink else np.copysign(2 * margin, d[near] + 1e-300)
    return y + d, y


def _formula(name, d, kw):
    a = np.abs(d)
    if name == "l1_loss" or (name == "smooth_l1_loss" and kw.get("beta", 1.0) == 0):
        return a
    if name == "smooth_l1_loss":
        b = kw.get("beta", 1.0)
        return np.where(a < b, 0.5 * d * d / b, a - 0.5 * b)
    dl = kw.get("delta", 1.0)
    return np.where(a < dl, 0.5 * d * d, dl * (a - 0.5 * dl))


def _reduced(per, reduction, batch=None):
    if reduction == "none":
        return per
    return per.sum() / {"sum": 1, "mean": per.size, "batchmean": batch}[reduction]


# ----------------------------------------------------------------- L1, smooth L1, Huber
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,kw", REGRESSION, ids=str)
@pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 3, 2)], ids=str)
def test_regression_grad(check_grad, rng, name, kw, reduction, shape):
    yhat, y = _pair(rng, shape)
    fn = getattr(F, name)
    check_grad(lambda a, b: fn(a, b, reduction=reduction, **kw), yhat, y)  # both ŷ and y require grad
    check_grad(lambda a: fn(a, sj.tensor(y), reduction=reduction, **kw), yhat)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,kw", REGRESSION, ids=str)
def test_regression_value(rng, name, kw, reduction):
    yhat, y = _pair(rng, (4, 5))
    got = getattr(F, name)(sj.tensor(yhat), sj.tensor(y), reduction=reduction, **kw).numpy()
    np.testing.assert_allclose(got, _reduced(_formula(name, yhat - y, kw), reduction), rtol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,kw", [("smooth_l1_loss", {"beta": 1.0}), ("smooth_l1_loss", {"beta": 0.5}),
                                     ("huber_loss", {"delta": 1.0}), ("huber_loss", {"delta": 0.5})], ids=str)
def test_regression_grad_at_the_boundary(check_grad, name, kw, reduction):
    """|ŷ − y| = β (or δ) exactly: both branches have the same slope there, so the loss is C¹ and the
    gradient is ±1 (±δ), the same as PyTorch's."""
    k = kw.get("beta", kw.get("delta"))
    y = np.array([0.25, -0.75, 1.5, 0.0])
    yhat = y + np.array([k, -k, k, -k])
    check_grad(lambda a, b: getattr(F, name)(a, b, reduction=reduction, **kw), yhat, y)
    a = sj.tensor(yhat, requires_grad=True)
    getattr(F, name)(a, sj.tensor(y), reduction="sum", **kw).backward()
    slope = 1.0 if name == "smooth_l1_loss" else k
    np.testing.assert_array_equal(a.grad.numpy(), slope * np.sign(yhat - y))


@pytest.mark.parametrize("name,kw", REGRESSION, ids=str)
def test_regression_grad_at_zero_difference(name, kw):
    """ŷ = y: the gradient is 0 (PyTorch's sign(0) = 0 for L1 and for smooth L1 with β = 0)."""
    a, b = sj.tensor([0.5, -1.0], requires_grad=True), sj.tensor([0.5, -1.0], requires_grad=True)
    getattr(F, name)(a, b, reduction="sum", **kw).backward()
    assert not a.grad.numpy().any() and not b.grad.numpy().any()


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,kw", REGRESSION, ids=str)
def test_regression_broadcast_grad(check_grad, rng, name, kw, reduction):
    """Different sizes broadcast, with PyTorch's warning; the gradients sum back to each shape."""
    yhat, y = _pair(rng, (3, 4))
    fn = getattr(F, name)
    check_grad(quiet(lambda a, b: fn(a, b, reduction=reduction, **kw)), yhat, y[0])
    check_grad(quiet(lambda a, b: fn(a, b, reduction=reduction, **kw)), yhat[:1], y)
    with pytest.warns(UserWarning, match="different to the input size"):
        fn(sj.tensor(yhat), sj.tensor(y[0]), reduction=reduction, **kw)


def test_smooth_l1_beta_zero_is_l1_and_huber_is_delta_times_smooth_l1(rng):
    yhat, y = (sj.tensor(v) for v in _pair(rng, (20,), scale=3.0))
    np.testing.assert_array_equal(F.smooth_l1_loss(yhat, y, beta=0.0).numpy(), F.l1_loss(yhat, y).numpy())
    for k in (0.5, 1.0, 2.0):
        np.testing.assert_allclose(F.huber_loss(yhat, y, reduction="none", delta=k).numpy(),
                                   k * F.smooth_l1_loss(yhat, y, reduction="none", beta=k).numpy(), rtol=1e-12)


# ----------------------------------------------------------------- KL divergence
def _kl_inputs(rng, shape, log_target):
    logp = rng.standard_normal(shape)
    logp = logp - np.log(np.exp(logp).sum(-1, keepdims=True))  # ŷ: log-probabilities
    q = rng.uniform(0.1, 1.0, shape)
    q = q / q.sum(-1, keepdims=True)
    return logp, (np.log(q) if log_target else q)


@pytest.mark.parametrize("reduction", KL_REDUCTIONS)
@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4)], ids=str)
def test_kl_div_grad(check_grad, rng, reduction, log_target, shape):
    logp, y = _kl_inputs(rng, shape, log_target)
    fn = quiet(lambda a, b: F.kl_div(a, b, reduction=reduction, log_target=log_target))
    check_grad(fn, logp, y)  # both ŷ and y require grad
    check_grad(lambda a: fn(a, sj.tensor(y)), logp)


@pytest.mark.parametrize("reduction", KL_REDUCTIONS)
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_value(rng, reduction, log_target):
    logp, y = _kl_inputs(rng, (3, 4), log_target)
    q = np.exp(y) if log_target else y
    per = q * (np.log(q) - logp)
    got = quiet(F.kl_div)(sj.tensor(logp), sj.tensor(y), reduction, log_target).numpy()
    np.testing.assert_allclose(got, _reduced(per, reduction, 3 if reduction == "batchmean" else None), rtol=1e-12)


def test_kl_div_batchmean_is_the_mean_kl_per_sample(rng):
    logp, q = _kl_inputs(rng, (6, 5), False)
    per_sample = (q * (np.log(q) - logp)).sum(1)
    assert F.kl_div(sj.tensor(logp), sj.tensor(q), reduction="batchmean").item() == pytest.approx(per_sample.mean())
    assert F.kl_div(sj.tensor(0.5), sj.tensor(0.25), reduction="batchmean").item() == pytest.approx(
        0.25 * (np.log(0.25) - 0.5))  # 0-d: the sum, no batch to divide by


@pytest.mark.parametrize("reduction", KL_REDUCTIONS)
def test_kl_div_zero_target_contributes_nothing(check_grad, rng, reduction):
    logp, q = _kl_inputs(rng, (3, 4), False)
    q[:, 1] = 0.0
    q[0, 3] = 0.0
    per = quiet(F.kl_div)(sj.tensor(logp), sj.tensor(q), reduction="none").numpy()
    assert np.isfinite(per).all() and not per[:, 1].any() and per[0, 3] == 0
    check_grad(quiet(lambda a: F.kl_div(a, sj.tensor(q), reduction=reduction)), logp)
    a = sj.tensor(logp, requires_grad=True)
    F.kl_div(a, sj.tensor(q), reduction="sum").backward()
    np.testing.assert_array_equal(a.grad.numpy(), -q)  # ∂L/∂ŷ = −y, so 0 where y = 0


@pytest.mark.parametrize("reduction", KL_REDUCTIONS)
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_broadcast_grad(check_grad, rng, reduction, log_target):
    logp, y = _kl_inputs(rng, (3, 4), log_target)
    fn = quiet(lambda a, b: F.kl_div(a, b, reduction=reduction, log_target=log_target))
    check_grad(fn, logp, y[0])
    check_grad(fn, logp[0], y)


# ----------------------------------------------------------------- modules and errors
@pytest.mark.parametrize("module,fn", [
    (sj.nn.L1Loss(reduction="sum"), lambda a, b: F.l1_loss(a, b, reduction="sum")),
    (sj.nn.SmoothL1Loss(beta=0.5), lambda a, b: F.smooth_l1_loss(a, b, beta=0.5)),
    (sj.nn.HuberLoss(reduction="none", delta=2.0), lambda a, b: F.huber_loss(a, b, reduction="none", delta=2.0)),
    (sj.nn.KLDivLoss(reduction="batchmean", log_target=True),
     lambda a, b: F.kl_div(a, b, reduction="batchmean", log_target=True)),
], ids=["l1", "smooth_l1", "huber", "kl_div"])
def test_modules(check_grad, rng, module, fn):
    yhat, y = _pair(rng, (3, 4))
    a, b = sj.tensor(yhat), sj.tensor(y)
    np.testing.assert_array_equal(module(a, b).numpy(), fn(a, b).numpy())
    check_grad(module, yhat, y)


@pytest.mark.parametrize("name", ["l1_loss", "smooth_l1_loss", "huber_loss", "kl_div"])
@pytest.mark.parametrize("reduction", ["avg", "", "max"] + ["batchmean"])
def test_bad_reduction(name, reduction):
    if name == "kl_div" and reduction == "batchmean":
        return
    with pytest.raises(ValueError, match=f"reduction.*{reduction!r}"):
        getattr(F, name)(sj.ones(2), sj.ones(2), reduction=reduction)


@pytest.mark.parametrize("cls", [sj.nn.L1Loss, sj.nn.SmoothL1Loss, sj.nn.HuberLoss, sj.nn.KLDivLoss])
def test_module_bad_reduction(cls):
    with pytest.raises(ValueError, match="reduction.*'avg'"):
        cls(reduction="avg")
    if cls is not sj.nn.KLDivLoss:
        with pytest.raises(ValueError, match="reduction.*'batchmean'"):
            cls(reduction="batchmean")


def test_bad_beta_delta():
    with pytest.raises(ValueError, match="beta"):
        F.smooth_l1_loss(sj.ones(2), sj.ones(2), beta=-1.0)
    for delta in (0.0, -1.0):
        with pytest.raises(ValueError, match="delta"):
            F.huber_loss(sj.ones(2), sj.ones(2), delta=delta)


@pytest.mark.parametrize("name", ["l1_loss", "smooth_l1_loss", "huber_loss", "kl_div"])
def test_shapes_that_cannot_broadcast(name):
    fn = quiet(getattr(F, name))
    with pytest.raises(ValueError, match=r"\(3,\).*\(4,\)|\(4,\).*\(3,\)"):
        fn(sj.ones(3), sj.ones(4))


# ----------------------------------------------------------------- the checks above catch a wrong backward
def _wrong(cls, which):
    """``cls.backward`` with the gradient of input ``which`` slightly off (a lost factor of the reduction's
    scale would be larger): gradcheck must see it."""
    right = cls.backward

    def backward(self, g):
        grads = list(right(self, g))
        grads[which] = grads[which] * 1.01
        return tuple(grads)

    return backward


@pytest.mark.parametrize("cls,call", [
    (ops_loss.L1, lambda a, b: F.l1_loss(a, b)),
    (ops_loss.SmoothL1, lambda a, b: F.smooth_l1_loss(a, b, beta=0.5)),
    (ops_loss.Huber, lambda a, b: F.huber_loss(a, b, reduction="none", delta=2.0)),
    (ops_loss.KLDiv, lambda a, b: F.kl_div(a, b, reduction="batchmean")),
    (ops_loss.KLDiv, lambda a, b: F.kl_div(a, b, reduction="sum", log_target=True)),
], ids=["l1", "smooth_l1", "huber", "kl_div", "kl_div_log_target"])
@pytest.mark.parametrize("which", [0, 1], ids=["input", "target"])
def test_wrong_backward_is_caught(check_grad, rng, monkeypatch, cls, call, which):
    yhat, y = _pair(rng, (3, 4))
    y = np.abs(y) + 0.1  # a valid target for kl_div
    check_grad(call, yhat, y)
    monkeypatch.setattr(cls, "backward", _wrong(cls, which))
    with pytest.raises(GradcheckError):
        check_grad(call, yhat, y)
