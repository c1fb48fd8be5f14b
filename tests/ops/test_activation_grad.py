"""Activations, softmax and dropout: numerical gradients, the lecture's derivative table, stability
and dropout's statistics."""

from __future__ import annotations

import numpy as np
import pytest

import shenjing as sj
import shenjing.nn.functional as F

ACTIVATIONS = [
    ("sigmoid", {}), ("tanh", {}), ("relu", {}), ("leaky_relu", {}), ("leaky_relu", {"negative_slope": 0.2}),
    ("elu", {}), ("elu", {"alpha": 0.5}), ("elu", {"alpha": 2.0}), ("softplus", {}), ("softplus", {"beta": 2.0}),
    ("softplus", {"beta": 0.5, "threshold": 1.0}), ("gelu", {}), ("gelu", {"approximate": "tanh"}),
    ("logsigmoid", {}),
]


@pytest.mark.parametrize("name,kw", ACTIVATIONS, ids=str)
def test_activation_gradcheck(check_grad, rng, name, kw):
    x = rng.standard_normal((3, 5)) * 3
    x = np.where(np.abs(x) < 0.05, 0.3, x)  # ReLU-family kinks at 0
    if name == "softplus":  # and softplus's switch to linear at the threshold
        x = np.where(np.abs(kw.get("beta", 1.0) * x - kw.get("threshold", 20.0)) < 0.05, 0.1, x)
    check_grad(lambda a: getattr(F, name)(a, **kw), x)


def _sig(x):
    return 1 / (1 + np.exp(-x))


X = np.linspace(-4, 4, 17) + 0.01  # away from 0, where ReLU' is undefined
GAMMA = 0.7
TABLE = [  # the lecture's table: f and f'
    (F.sigmoid, _sig, lambda x: _sig(x) * (1 - _sig(x))),
    (F.tanh, np.tanh, lambda x: 1 - np.tanh(x) ** 2),
    (F.relu, lambda x: np.maximum(x, 0), lambda x: (x > 0).astype(float)),
    (lambda t: F.elu(t, alpha=GAMMA), lambda x: np.where(x > 0, x, GAMMA * (np.exp(x) - 1)),
     lambda x: np.where(x > 0, 1.0, GAMMA * (np.exp(x) - 1) + GAMMA)),
    (F.softplus, lambda x: np.log1p(np.exp(x)), _sig),
    (lambda t: F.leaky_relu(t, 0.1), lambda x: np.where(x > 0, x, 0.1 * x), lambda x: np.where(x > 0, 1.0, 0.1)),
]


@pytest.mark.parametrize("fn,f,df", TABLE, ids=["sigmoid", "tanh", "relu", "elu", "softplus", "leaky_relu"])
def test_lecture_derivative_table(fn, f, df):
    x = sj.tensor(X, requires_grad=True)
    y = fn(x)
    np.testing.assert_allclose(y.detach().numpy(), f(X), rtol=1e-12, atol=1e-12)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), df(X), rtol=1e-12, atol=1e-12)


def test_relu_derivative_at_zero_is_zero():
    x = sj.tensor([0.0, -0.0], requires_grad=True)
    F.relu(x).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]


def test_sigmoid_and_softplus_do_not_overflow():
    x = sj.tensor([-1000.0, -50.0, 0.0, 50.0, 1000.0], requires_grad=True)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = F.sigmoid(x)
        sp = F.softplus(x)
    assert s.tolist()[0] == 0.0 and s.tolist()[-1] == 1.0 and sp.tolist()[-1] == 1000.0
    (s + sp).sum().backward()
    assert np.isfinite(x.grad.numpy()).all()


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_softmax_gradcheck(check_grad, rng, name, dim):
    (t,) = check_grad(lambda a: getattr(F, name)(a, dim=dim), rng.standard_normal((2, 3, 4)))
    out = F.softmax(t, dim).detach().numpy()
    np.testing.assert_allclose(out.sum(axis=dim), 1.0)
    np.testing.assert_allclose(F.log_softmax(t, dim).detach().numpy(), np.log(out))


@pytest.mark.parametrize("dtype", [sj.float32, sj.float64])
def test_softmax_family_finite_at_1e4(dtype):
    z = sj.tensor([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]], dtype=dtype, requires_grad=True)
    t = sj.tensor([1, 0])
    outs = [F.softmax(z, 1), F.log_softmax(z, 1), z.logsumexp(1), F.cross_entropy(z, t),
            F.cross_entropy(z, t, label_smoothing=0.1, reduction="none")]
    for o in outs:
        assert np.isfinite(o.detach().numpy()).all()
        assert o.dtype == dtype
        z.grad = None
        o.sum().backward()
        assert np.isfinite(z.grad.numpy()).all()
    np.testing.assert_allclose(F.softmax(z, 1).detach().numpy()[0], [1, 0, 0])
    np.testing.assert_allclose(z.logsumexp(1).detach().numpy(), [1e4, -1e4 + np.log(3)], rtol=1e-6)


# ----------------------------------------------------------------- dropout
def test_dropout_statistics():
    sj.manual_seed(0)
    x = sj.ones(200, 500)
    for p in (0.1, 0.5, 0.8):
        y = F.dropout(x, p).numpy()
        kept = y != 0
        assert abs(kept.mean() - (1 - p)) < 0.01, p
        np.testing.assert_allclose(y[kept], 1 / (1 - p), rtol=1e-6)
        assert abs(y.mean() - 1.0) < 0.03  # the expectation is unchanged
    assert F.dropout(x, 0.3).dtype == sj.float32


def test_dropout_gradient_uses_the_same_mask():
    x = sj.ones(50, 40, requires_grad=True)
    y = F.dropout(x, 0.25)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.detach().numpy())


def test_dropout_eval_is_identity_and_p_edges():
    x = sj.randn(4, 5, requires_grad=True)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    assert not F.dropout(x, 1.0).detach().numpy().any()
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.dropout(x, 1.5)


def test_dropout_reproducible():
    g1, g2 = sj.Generator().manual_seed(3), sj.Generator().manual_seed(3)
    x = sj.ones(10, 10)
    assert F.dropout(x, 0.5, generator=g1).equal(F.dropout(x, 0.5, generator=g2))
    sj.manual_seed(5)
    a = F.dropout(x, 0.5)
    sj.manual_seed(5)
    assert F.dropout(x, 0.5).equal(a)
