"""SiLU, Mish, ReLU6, Hardtanh, Hardsigmoid, Hardswish, SELU, CELU, Softsign, LogSigmoid, PReLU and
Threshold: numerical gradients in float64 away from the kinks (PReLU's weight too), the value at
the kinks, stability at ±1e4 and the dtype of integer inputs."""

from __future__ import annotations

import numpy as np
import pytest

import shenjing as sj
import shenjing.nn.functional as F

# (name, options, the kinks to keep away from)
ACTIVATIONS = [
    ("silu", {}, []), ("mish", {}, []), ("relu6", {}, [0.0, 6.0]), ("hardtanh", {}, [-1.0, 1.0]),
    ("hardtanh", {"min_val": -2.5, "max_val": 4.0}, [-2.5, 4.0]), ("hardsigmoid", {}, [-3.0, 3.0]),
    ("hardswish", {}, [-3.0, 3.0]), ("selu", {}, [0.0]), ("celu", {}, [0.0]), ("celu", {"alpha": 0.5}, [0.0]),
    ("celu", {"alpha": 2.0}, [0.0]), ("softsign", {}, [0.0]), ("logsigmoid", {}, []),
    ("threshold", {"threshold": 1.0, "value": 5.0}, [1.0]), ("threshold", {"threshold": -0.5, "value": -2.0}, [-0.5]),
]


def _away(x: np.ndarray, kinks: list[float]) -> np.ndarray:
    for k in kinks:
        x = np.where(np.abs(x - k) < 0.05, k + 0.3, x)
    return x


@pytest.mark.parametrize("name,kw,kinks", ACTIVATIONS, ids=lambda v: str(v))
def test_activation_gradcheck(check_grad, rng, name, kw, kinks):
    x = _away(rng.standard_normal((4, 6)) * 4, kinks)
    check_grad(lambda a: getattr(F, name)(a, **kw), x)


@pytest.mark.parametrize("name,kw,kinks", ACTIVATIONS, ids=lambda v: str(v))
def test_activation_gradcheck_inplace_in_a_graph(check_grad, rng, name, kw, kinks):
    if name in {"softsign", "logsigmoid"}:
        return  # no inplace option, as in PyTorch
    x = _away(rng.standard_normal((3, 5)) * 4, kinks)
    check_grad(lambda a: getattr(F, name)(a * 1, **kw, inplace=True), x)


@pytest.mark.parametrize("xshape,n", [((), 1), ((7,), 1), ((3, 4), 1), ((3, 4), 4), ((2, 3, 5), 3),
                                      ((2, 3, 2, 4), 3), ((2, 2, 3, 2, 2), 2)], ids=str)
def test_prelu_gradcheck_input_and_weight(check_grad, rng, xshape, n):
    x = _away(np.asarray(rng.standard_normal(xshape) * 3), [0.0])
    w = rng.uniform(-0.5, 0.8, n)
    _, ws = check_grad(F.prelu, x, w)
    assert ws.shape == (n,)


def test_prelu_module_weight_gradient(rng):
    m = sj.nn.PReLU(3, init=0.2).double()
    x = sj.tensor(_away(rng.standard_normal((4, 3, 5)), [0.0]), requires_grad=True)
    assert sj.autograd.gradcheck(lambda a, w: F.prelu(a, w), [x, m.weight])
    m.zero_grad()
    m(x).sum().backward()
    xn = x.detach().numpy()
    np.testing.assert_allclose(m.weight.grad.numpy(), np.where(xn > 0, 0, xn).sum(axis=(0, 2)))


X = np.array([-4.0, -3.0, -1.5, -1.0, 0.0, 1.0, 2.0, 3.0, 6.0, 7.0])


def test_values_at_the_kinks():
    t = sj.tensor(X, dtype=sj.float64)
    np.testing.assert_array_equal(F.relu6(t).numpy(), [0, 0, 0, 0, 0, 1, 2, 3, 6, 6])
    np.testing.assert_array_equal(F.hardtanh(t).numpy(), [-1, -1, -1, -1, 0, 1, 1, 1, 1, 1])
    np.testing.assert_allclose(F.hardsigmoid(t).numpy(), np.clip(X / 6 + 0.5, 0, 1), rtol=1e-15)
    np.testing.assert_allclose(F.hardswish(t).numpy(), X * np.clip(X / 6 + 0.5, 0, 1), rtol=1e-15)
    np.testing.assert_array_equal(F.threshold(t, 1.0, 5.0).numpy(), [5, 5, 5, 5, 5, 5, 2, 3, 6, 7])
    np.testing.assert_allclose(F.softsign(t).numpy(), X / (1 + np.abs(X)))
    np.testing.assert_allclose(F.silu(t).numpy(), X / (1 + np.exp(-X)))
    np.testing.assert_allclose(F.mish(t).numpy(), X * np.tanh(np.log1p(np.exp(X))))
    np.testing.assert_allclose(F.celu(t, 2.0).numpy(), np.where(X > 0, X, 2 * np.expm1(X / 2)))


@pytest.mark.parametrize("name,kw,kinks", ACTIVATIONS, ids=lambda v: str(v))
def test_gradient_at_the_kinks_is_finite_and_one_sided(name, kw, kinks):
    """At a kink the gradient is one of the two one-sided derivatives."""
    for k in kinks:
        grads = []
        for x0 in (k - 1e-7, k, k + 1e-7):
            x = sj.tensor([x0], dtype=sj.float64, requires_grad=True)
            getattr(F, name)(x, **kw).sum().backward()
            grads.append(x.grad.item())
        assert np.isfinite(grads[1])
        assert min(abs(grads[1] - grads[0]), abs(grads[1] - grads[2])) < 1e-6, (k, grads)


@pytest.mark.parametrize("dtype", [sj.float32, sj.float64])
@pytest.mark.parametrize("name", ["silu", "mish", "logsigmoid", "softsign", "selu", "celu", "hardswish"])
def test_finite_at_1e4(name, dtype):
    x = sj.tensor([-1e4, -1e3, 0.0, 1e3, 1e4], dtype=dtype, requires_grad=True)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        y = getattr(F, name)(x)
        y.sum().backward()
    assert y.dtype == dtype and x.grad.dtype == dtype
    assert np.isfinite(y.detach().numpy()).all() and np.isfinite(x.grad.numpy()).all()
    if name in ("silu", "mish", "softsign", "hardswish"):  # ≈ x far to the right, ≈ 0 far to the left
        assert y.detach().numpy()[-1] == pytest.approx(1e4 if name != "softsign" else 1 - 1e-4, rel=1e-6)
    if name == "logsigmoid":
        np.testing.assert_allclose(y.detach().numpy()[[0, -1]], [-1e4, 0.0])
        np.testing.assert_allclose(x.grad.numpy()[[0, 2, -1]], [1.0, 0.5, 0.0])


@pytest.mark.parametrize("name,kw,kinks", ACTIVATIONS, ids=lambda v: str(v))
def test_integer_inputs(name, kw, kinks):
    y = getattr(F, name)(sj.tensor([-4, -1, 0, 2, 7]), **kw)
    # clamps and thresholds keep integers, as PyTorch does; the rest compute in the default float
    assert y.dtype == (sj.int64 if name in {"relu6", "hardtanh", "threshold"} else sj.float32)
