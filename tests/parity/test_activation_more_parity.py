"""SiLU, Mish, ReLU6, Hardtanh, Hardsigmoid, Hardswish, SELU, CELU, Softsign, LogSigmoid, PReLU and
Threshold against PyTorch: forward values and gradients in float32 and float64 (the kinks and ±1e4
included), every option, the modules and their repr, ``inplace=True``, integer inputs and errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import shenjing as sj
import shenjing.nn.functional as F

# every kink of every function below (0, ±1, ±3, 6, the hardtanh/threshold bounds) and ±1e4
EDGES = np.array([-1e4, -30.0, -6.0, -3.0, -2.5, -1.0, -0.5, -0.0, 0.0, 0.5, 1.0, 1.5, 2.5, 3.0, 6.0, 7.0,
                  30.0, 1e4])

FUNCTIONS = [
    ("silu", {}), ("mish", {}), ("relu6", {}), ("hardtanh", {}), ("hardtanh", {"min_val": -2.5, "max_val": 0.5}),
    ("hardtanh", {"min_val": 1.0, "max_val": 1.0}), ("hardsigmoid", {}), ("hardswish", {}), ("selu", {}),
    ("celu", {}), ("celu", {"alpha": 0.5}), ("celu", {"alpha": 2.0}), ("softsign", {}), ("logsigmoid", {}),
    ("threshold", {"threshold": 1.0, "value": 5.0}), ("threshold", {"threshold": -0.5, "value": -3.0}),
    ("threshold", {"threshold": 0.0, "value": 0.0}), ("threshold", {"threshold": 2.5, "value": 2.5}),
]
INPLACE = {"silu", "mish", "relu6", "hardtanh", "hardsigmoid", "hardswish", "selu", "celu", "threshold"}


def both(name, **kw):
    return (lambda *a: getattr(F, name)(*a, **kw)), (lambda *a: getattr(TF, name)(*a, **kw))


def _tol(dtype):
    return {"atol": 1e-6, "rtol": 1e-5} if dtype == np.float32 else {"atol": 1e-10, "rtol": 1e-7}


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("name,kw", FUNCTIONS, ids=str)
def test_functional(parity, rng, name, kw, dtype):
    out = parity(*both(name, **kw), EDGES.astype(dtype), **_tol(dtype))
    assert out[0].dtype == (sj.float32 if dtype == np.float32 else sj.float64)
    parity(*both(name, **kw), (rng.standard_normal((3, 4, 5)) * 4).astype(dtype), **_tol(dtype))
    parity(*both(name, **kw), np.asarray(dtype(-3.0)), **_tol(dtype))  # a 0-d tensor


@pytest.mark.parametrize("name,kw", FUNCTIONS, ids=str)
def test_finite_at_1e4(name, kw):
    for dtype in (sj.float32, sj.float64):
        x = sj.tensor([-1e4, 1e4, -100.0, 100.0], dtype=dtype, requires_grad=True)
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            y = getattr(F, name)(x, **kw)
            y.sum().backward()
        assert np.isfinite(y.detach().numpy()).all() and np.isfinite(x.grad.numpy()).all()


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("xshape,n", [((), 1), ((5,), 1), ((2, 3), 1), ((2, 3), 3), ((2, 3, 4), 3),
                                      ((2, 3, 2, 2), 3), ((2, 3, 2, 2), 1), ((1, 4, 3, 2, 2), 4)], ids=str)
def test_prelu(parity, rng, xshape, n, dtype):
    x = np.asarray(rng.standard_normal(xshape) * 3, dtype=dtype)
    x.flat[0] = 0.0  # the kink
    w = rng.uniform(-0.5, 0.8, n).astype(dtype)
    parity(F.prelu, TF.prelu, x, w, **_tol(dtype))
    edges = EDGES.astype(dtype)
    if n == 1:
        parity(F.prelu, TF.prelu, edges, w, **_tol(dtype))
    else:
        parity(F.prelu, TF.prelu, np.stack([edges] * n)[None], w, **_tol(dtype))


def test_prelu_0d_weight(parity, rng):
    parity(F.prelu, TF.prelu, rng.standard_normal((2, 3)), np.asarray(0.3))


def test_prelu_errors():
    for L in (sj, torch):
        with pytest.raises(RuntimeError, match="Mismatch of parameter numbers"):
            L.nn.functional.prelu(L.ones(2, 4), L.ones(3))
        with pytest.raises(RuntimeError, match="Mismatch of parameter numbers"):
            L.nn.functional.prelu(L.ones(3), L.ones(3))
        with pytest.raises(RuntimeError, match="scalar or 1D tensor"):
            L.nn.functional.prelu(L.ones(2, 3), L.ones(1, 3))
        with pytest.raises(RuntimeError, match="Type promoting not supported"):
            L.nn.functional.prelu(L.ones(2, 3, dtype=L.float64), L.ones(3))


# ----------------------------------------------------------------- modules
def _modules(L):
    nn = L.nn
    return [
        nn.SiLU(), nn.SiLU(inplace=True), nn.Mish(), nn.Mish(True), nn.ReLU6(), nn.ReLU6(inplace=True),
        nn.Hardtanh(), nn.Hardtanh(-2.5, 0.5), nn.Hardtanh(-2, 3, inplace=True), nn.Hardsigmoid(),
        nn.Hardsigmoid(inplace=True), nn.Hardswish(), nn.Hardswish(True), nn.SELU(), nn.SELU(inplace=True),
        nn.CELU(), nn.CELU(0.5), nn.CELU(alpha=2, inplace=True), nn.Softsign(), nn.LogSigmoid(), nn.PReLU(),
        nn.PReLU(3), nn.PReLU(3, init=-0.1), nn.Threshold(1.0, 5.0), nn.Threshold(0, -3, inplace=True),
    ]


@pytest.mark.parametrize("i", range(len(_modules(sj))))
def test_modules(i):
    ours, theirs = _modules(sj)[i], _modules(torch)[i]
    assert repr(ours) == repr(theirs)
    assert repr(sj.nn.Sequential(ours)) == repr(torch.nn.Sequential(theirs))
    ours.double(), theirs.double()
    x = np.concatenate([np.random.default_rng(0).standard_normal((4, 3, 5)) * 4, np.broadcast_to(EDGES, (4, 3, 18))],
                       axis=2)
    xs, xt = sj.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ys, yt = ours(xs * 1), theirs(xt * 1)  # ``* 1``: an in-place module may not write into a leaf
    np.testing.assert_allclose(ys.detach().numpy(), yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = np.random.default_rng(1).standard_normal(tuple(yt.shape))
    (ys * sj.tensor(g)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(xs.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    if isinstance(theirs, torch.nn.PReLU):
        assert [n for n, _ in ours.named_parameters()] == ["weight"]
        np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-9)


def test_module_attributes_and_prelu_parameter():
    m = sj.nn.PReLU(4, init=0.1)
    assert m.weight.dtype == sj.float32 and m.weight.shape == (4,) and m.weight.requires_grad
    np.testing.assert_allclose(m.weight.detach().numpy(), 0.1)
    assert (m.num_parameters, m.init) == (4, 0.1)
    assert sj.nn.PReLU(2, dtype=sj.float64).weight.dtype == sj.float64
    assert list(m.state_dict()) == list(torch.nn.PReLU(4).state_dict()) == ["weight"]
    r6 = sj.nn.ReLU6()
    assert isinstance(r6, sj.nn.Hardtanh) and (r6.min_val, r6.max_val) == (0.0, 6.0)
    t = sj.nn.Threshold(0.5, 2.0)
    assert (t.threshold, t.value, t.inplace) == (0.5, 2.0, False)


def test_errors_and_deprecations():
    for L in (sj, torch):
        with pytest.raises(ValueError, match="min_val cannot be greater than max_val"):
            L.nn.functional.hardtanh(L.ones(2), 2.0, 1.0)
        with pytest.raises(AssertionError, match="must be greater than min_val"):
            L.nn.Hardtanh(1.0, 1.0)
        with pytest.raises(RuntimeError, match="alpha cannot be 0 for CELU"):
            L.nn.functional.celu(L.ones(2), 0.0)
        with pytest.warns(FutureWarning) as record:
            m = L.nn.Hardtanh(min_value=-3.0, max_value=2.0)
        assert [str(w.message) for w in record] == [
            "keyword argument `min_value` is deprecated and renamed to `min_val`",
            "keyword argument `max_value` is deprecated and renamed to `max_val`"]
        assert repr(m) == "Hardtanh(min_val=-3.0, max_val=2.0)"


# ----------------------------------------------------------------- in place
def _inplace_cases():
    cases = []
    for name, kw in FUNCTIONS:
        if name in INPLACE:
            cases.append((f"{name}{kw}", lambda L, t, name=name, kw=kw: getattr(L.nn.functional, name)(
                t, **kw, inplace=True)))
    modules = [("SiLU", (), {}), ("Mish", (), {}), ("ReLU6", (), {}), ("Hardtanh", (-2.5, 0.5), {}),
               ("Hardsigmoid", (), {}), ("Hardswish", (), {}), ("SELU", (), {}), ("CELU", (0.5,), {}),
               ("Threshold", (1.0, 5.0), {})]
    for cls, args, kw in modules:
        cases.append((cls, lambda L, t, cls=cls, args=args, kw=kw: getattr(L.nn, cls)(*args, **kw, inplace=True)(t)))
    return cases


CASES = _inplace_cases()


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name,fn", CASES, ids=[c[0] for c in CASES])
def test_inplace_matches_torch(name, fn, dtype):
    got = {}
    for L in (sj, torch):
        dt = getattr(L, dtype)
        x = L.tensor(EDGES, dtype=dt, requires_grad=True)
        h = x * 1
        out = fn(L, h)
        assert out is h  # the input object itself holds the result
        (out * (x + 2)).sum().backward()
        plain = L.tensor(EDGES, dtype=dt)
        assert fn(L, plain) is plain  # outside any graph: written into the array
        got[L] = (h.detach().numpy().copy(), x.grad.numpy().copy(), plain.numpy().copy())
    for a, b in zip(got[sj], got[torch]):
        np.testing.assert_allclose(a, b, **_tol(np.dtype(dtype).type))


def test_inplace_on_a_leaf_that_requires_grad_is_refused():
    with pytest.raises(RuntimeError, match="leaf Variable"):
        F.silu(sj.ones(2, requires_grad=True), inplace=True)


# ----------------------------------------------------------------- integer inputs
INT = np.array([-7, -3, -1, 0, 1, 3, 6, 9])


@pytest.mark.parametrize("name,kw", [("relu6", {}), ("hardtanh", {}), ("hardtanh", {"min_val": -0.5, "max_val": 1.5}),
                                     ("threshold", {"threshold": 0.5, "value": 2.5}), ("softsign", {})], ids=str)
def test_integer_input_like_torch(parity, name, kw):
    parity(*both(name, **kw), INT)  # integers stay integers (softsign: the default float), as in torch


@pytest.mark.parametrize("name,kw", FUNCTIONS, ids=str)
def test_integer_input_becomes_default_float(name, kw):
    if name in {"relu6", "hardtanh", "threshold"}:
        return  # these keep the integer dtype, as in torch (above)
    y = getattr(F, name)(sj.tensor(INT), **kw)
    assert y.dtype == sj.float32
    np.testing.assert_allclose(y.numpy(), getattr(F, name)(sj.tensor(INT, dtype=sj.float32), **kw).numpy())
