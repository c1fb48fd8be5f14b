"""L1, smooth L1, Huber and KL-divergence losses against PyTorch: forward values and the gradients of
the prediction and of the target, for every reduction and option, in float64 and float32; the
modules' repr; warnings and errors."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
import torch
import torch.nn as tnn
import torch.nn.functional as TF

import shenjing as sj
import shenjing.nn.functional as F


class Const:
    """An input that is a tensor without grad in both libraries."""

    def __init__(self, array) -> None:
        self.const_array = np.asarray(array)


def both(name, **kw):
    """The same call in each library, UserWarnings (size mismatch, kl_div's 'mean') silenced."""

    def wrap(fn):
        def call(*a):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                return fn(*a, **kw)

        return call

    return wrap(getattr(F, name)), wrap(getattr(TF, name))


REDUCTIONS = ["mean", "sum", "none"]
KL_REDUCTIONS = ["mean", "batchmean", "sum", "none"]
REGRESSION = [
    ("l1_loss", {}),
    ("smooth_l1_loss", {}), ("smooth_l1_loss", {"beta": 0.5}), ("smooth_l1_loss", {"beta": 2.0}),
    ("smooth_l1_loss", {"beta": 0.0}),
    ("huber_loss", {}), ("huber_loss", {"delta": 0.5}), ("huber_loss", {"delta": 2.0}),
]
DTYPES = {"float64": (np.float64, {}), "float32": (np.float32, {"atol": 1e-6, "rtol": 1e-5})}


def _edges():
    """ŷ, y with ŷ − y = 0, ±β and ±δ exactly (β, δ ∈ {0.5, 1, 2}), around them and far out."""
    d = np.array([0.0, 0.5, -0.5, 1.0, -1.0, 2.0, -2.0, 0.49, 0.51, -0.99, 1.01, 1.99, -2.01, 0.01, -30.0, 30.0])
    y = np.linspace(-1.5, 1.5, d.size)
    y = np.round(y * 4) / 4  # quarters: y + d is exact for these d
    return y + d, y


# ----------------------------------------------------------------- L1, smooth L1, Huber
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,kw", REGRESSION, ids=str)
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4)], ids=str)
def test_regression(parity, rng, name, kw, reduction, dtype, shape):
    dt, tol = DTYPES[dtype]
    yhat, y = (rng.standard_normal(shape) * 2).astype(dt), rng.standard_normal(shape).astype(dt)
    out = parity(*both(name, reduction=reduction, **kw), yhat, y, **tol)  # the target requires grad too
    assert out[0].dtype.name == dtype
    parity(*both(name, reduction=reduction, **kw), yhat, Const(y), **tol)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,kw", REGRESSION, ids=str)
def test_regression_kinks(parity, name, kw, reduction, dtype):
    """|ŷ − y| exactly 0, β or δ: values and gradients (both sides) equal PyTorch's."""
    dt, tol = DTYPES[dtype]
    yhat, y = _edges()
    parity(*both(name, reduction=reduction, **kw), yhat.astype(dt), y.astype(dt), **tol)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,kw", REGRESSION, ids=str)
@pytest.mark.parametrize("shapes", [((3, 4), (4,)), ((3, 1), (3, 4)), ((4,), (2, 1, 4)), ((), (3,))], ids=str)
def test_regression_broadcast(parity, rng, name, kw, reduction, shapes):
    """Different sizes: both libraries warn and broadcast; gradients sum back to each shape."""
    yhat, y = np.asarray(rng.standard_normal(shapes[0]) * 2), np.asarray(rng.standard_normal(shapes[1]))
    parity(*both(name, reduction=reduction, **kw), yhat, y)
    for fn in (getattr(F, name), getattr(TF, name)):
        lib = sj if fn is getattr(F, name) else torch
        with pytest.warns(UserWarning, match="different to the input size"):
            fn(lib.tensor(yhat), lib.tensor(y), reduction=reduction, **kw)


@pytest.mark.parametrize("name", ["l1_loss", "smooth_l1_loss", "huber_loss"])
def test_regression_same_size_does_not_warn(name):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        getattr(F, name)(sj.ones(2, 3), sj.zeros(2, 3))


@pytest.mark.parametrize("name,kw", REGRESSION, ids=str)
def test_regression_mixed_dtypes(parity, rng, name, kw):
    """float32 ŷ, float64 y: float64 results, except huber_loss, which keeps the input's float32 in PyTorch
    (whose huber backward then fails on the mixed dtypes, so only its forward is compared)."""
    out = parity(*both(name, **kw), rng.standard_normal(5).astype(np.float32), rng.standard_normal(5),
                 atol=1e-6, rtol=1e-5, backward=name != "huber_loss")
    assert out[0].dtype == (sj.float32 if name == "huber_loss" else sj.float64)


# ----------------------------------------------------------------- KL divergence
def _kl(rng, shape, log_target, dt=np.float64, zeros=False):
    logp = rng.standard_normal(shape)
    logp = logp - np.log(np.exp(logp).sum(-1, keepdims=True))
    q = rng.uniform(0.05, 1.0, shape)
    if zeros:
        q.reshape(-1)[::3] = 0.0
    q = q / q.sum(-1, keepdims=True)
    y = np.log(q) if log_target and not zeros else q
    return logp.astype(dt), y.astype(dt)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", KL_REDUCTIONS)
@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4)], ids=str)
def test_kl_div(parity, rng, reduction, log_target, dtype, shape):
    dt, tol = DTYPES[dtype]
    logp, y = _kl(rng, shape, log_target, dt)
    out = parity(*both("kl_div", reduction=reduction, log_target=log_target), logp, y, **tol)
    assert out[0].dtype.name == dtype
    parity(*both("kl_div", reduction=reduction, log_target=log_target), logp, Const(y), **tol)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", KL_REDUCTIONS)
def test_kl_div_zero_targets(parity, rng, reduction, dtype):
    """y = 0 contributes 0 (xlogy).  As in PyTorch, the gradient w.r.t. such a target is NaN (the
    backward of xlogy(y, y) has 0/0 there); the gradient w.r.t. ŷ is finite."""
    dt, tol = DTYPES[dtype]
    logp, y = _kl(rng, (4, 6), False, dt, zeros=True)
    out = parity(*both("kl_div", reduction=reduction), logp, Const(y), **tol)
    assert np.isfinite(out[0].detach().numpy()).all()
    logp_s, y_s = sj.tensor(logp, requires_grad=True), sj.tensor(y, requires_grad=True)
    quiet_sum = both("kl_div", reduction=reduction)[0](logp_s, y_s).sum()
    quiet_sum.backward()
    assert np.isnan(y_s.grad.numpy()[y == 0]).all() and np.isfinite(y_s.grad.numpy()[y != 0]).all()
    parity(*both("kl_div", reduction=reduction), logp, y, **tol)  # NaN where torch has NaN


def test_kl_div_negative_target_is_nan_as_in_torch(parity):
    parity(*both("kl_div", reduction="none"), np.array([-0.5, -1.0, -2.0]), np.array([0.5, -0.25, 0.0]))


@pytest.mark.parametrize("reduction", KL_REDUCTIONS)
@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.parametrize("shapes", [((3, 4), (4,)), ((4,), (3, 4)), ((2, 1, 4), (3, 1)), ((), (3,)), ((), ())],
                         ids=str)
def test_kl_div_broadcast_and_scalar(parity, rng, reduction, log_target, shapes):
    """'batchmean' divides by ŷ.shape[0] (the input's, not the broadcast's; nothing for a 0-d input)."""
    logp, y = np.asarray(-rng.uniform(0.1, 3, shapes[0])), np.asarray(rng.uniform(0.05, 1, shapes[1]))
    if log_target:
        y = np.log(y, out=np.empty_like(y))  # an array even when 0-d
    parity(*both("kl_div", reduction=reduction, log_target=log_target), logp, y)


def test_kl_div_mean_warns_like_torch():
    for fn, lib in ((F.kl_div, sj), (TF.kl_div, torch)):
        with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
            fn(lib.zeros(2, 3), lib.ones(2, 3) / 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for reduction in ("batchmean", "sum", "none"):
            F.kl_div(sj.zeros(2, 3), sj.ones(2, 3) / 3, reduction=reduction)
            F.kl_div(sj.zeros(2, 3), sj.ones(3) / 3, reduction=reduction)  # no size warning for kl_div


# ----------------------------------------------------------------- modules
MODULES = [
    ("L1Loss", {}), ("L1Loss", {"reduction": "sum"}), ("L1Loss", {"reduction": "none"}),
    ("SmoothL1Loss", {}), ("SmoothL1Loss", {"beta": 0.5}), ("SmoothL1Loss", {"reduction": "sum", "beta": 0.0}),
    ("HuberLoss", {}), ("HuberLoss", {"delta": 2.0}), ("HuberLoss", {"reduction": "none", "delta": 0.5}),
    ("KLDivLoss", {}), ("KLDivLoss", {"reduction": "batchmean"}),
    ("KLDivLoss", {"reduction": "sum", "log_target": True}), ("KLDivLoss", {"reduction": "none", "log_target": True}),
]


@pytest.mark.parametrize("cls,kw", MODULES, ids=str)
def test_module(parity, rng, cls, kw):
    s_mod, t_mod = getattr(sj.nn, cls)(**kw), getattr(tnn, cls)(**kw)
    assert repr(s_mod) == repr(t_mod)
    assert s_mod.extra_repr() == t_mod.extra_repr()
    assert s_mod.reduction == t_mod.reduction
    if cls == "KLDivLoss":
        logp, y = _kl(rng, (3, 4), kw.get("log_target", False))
    else:
        logp, y = rng.standard_normal((3, 4)) * 2, rng.standard_normal((3, 4))

    def quiet(mod):
        def call(a, b):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                return mod(a, b)

        return call

    parity(quiet(s_mod), quiet(t_mod), logp, y)
    assert repr(sj.nn.Sequential(s_mod)) == repr(tnn.Sequential(t_mod))


def test_module_exports():
    for name in ("L1Loss", "SmoothL1Loss", "HuberLoss", "KLDivLoss"):
        assert name in sj.nn.__all__ and issubclass(getattr(sj.nn, name), sj.nn.Module)
    for name in ("l1_loss", "smooth_l1_loss", "huber_loss", "kl_div"):
        assert name in F.__all__


# ----------------------------------------------------------------- errors
@pytest.mark.parametrize("name,reduction", list(itertools.product(
    ["l1_loss", "smooth_l1_loss", "huber_loss", "kl_div"], ["avg", "elementwise_mean_x", "batchmean"])))
def test_bad_reduction_is_value_error_in_both(name, reduction):
    if name == "kl_div" and reduction == "batchmean":
        return
    with pytest.raises(ValueError, match=reduction):
        getattr(F, name)(sj.ones(2), sj.ones(2), reduction=reduction)
    with pytest.raises(ValueError, match=reduction):
        getattr(TF, name)(torch.ones(2), torch.ones(2), reduction=reduction)


@pytest.mark.parametrize("name,kw", [("smooth_l1_loss", {"beta": -1.0}), ("huber_loss", {"delta": 0.0}),
                                     ("huber_loss", {"delta": -0.5})], ids=str)
def test_bad_beta_delta(name, kw):
    """PyTorch raises RuntimeError; shenjing raises ValueError naming the option."""
    with pytest.raises(RuntimeError):
        getattr(TF, name)(torch.ones(2), torch.ones(2), **kw)
    with pytest.raises(ValueError, match=next(iter(kw))):
        getattr(F, name)(sj.ones(2), sj.ones(2), **kw)


@pytest.mark.parametrize("name", ["l1_loss", "smooth_l1_loss", "huber_loss", "kl_div"])
def test_shapes_that_cannot_broadcast(name):
    """PyTorch raises RuntimeError from broadcasting; shenjing a ValueError naming both shapes."""
    f_s, f_t = both(name)
    with pytest.raises(RuntimeError):
        f_t(torch.ones(2, 3), torch.ones(4))
    with pytest.raises(ValueError, match=r"\(4,\).*\(2, 3\)"):
        f_s(sj.ones(2, 3), sj.ones(4))
