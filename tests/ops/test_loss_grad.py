"""Losses: numerical gradients for every reduction and option, the lecture's ŷ − y, and errors."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import shenjing as sj
import shenjing.nn.functional as F

REDUCTIONS = ["mean", "sum", "none"]


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_loss(check_grad, rng, reduction):
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    check_grad(lambda x, y: F.mse_loss(x, y, reduction=reduction), a, b)
    expected = {"mean": ((a - b) ** 2).mean(), "sum": ((a - b) ** 2).sum(), "none": (a - b) ** 2}[reduction]
    np.testing.assert_allclose(F.mse_loss(sj.tensor(a), sj.tensor(b), reduction=reduction).numpy(), expected)


def _targets(rng, n_cls, shape, ignore):
    t = rng.integers(0, n_cls, shape)
    if ignore:
        t.flat[::3] = -100
        t.flat[1] = 0
    return sj.tensor(t)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted,smoothing,ignore", list(itertools.product([False, True], [0.0, 0.1], [False, True])),
                         ids=str)
@pytest.mark.parametrize("shape", [(5, 3), (4, 70), (2, 3, 4)], ids=str)  # 70 classes: not transposed
def test_cross_entropy_indices(check_grad, rng, reduction, weighted, smoothing, ignore, shape):
    t = _targets(rng, shape[1], (shape[0],) + shape[2:], ignore)
    w = sj.tensor(rng.uniform(0.3, 2, shape[1]), dtype=sj.float64) if weighted else None
    check_grad(lambda z: F.cross_entropy(z, t, weight=w, reduction=reduction, label_smoothing=smoothing),
               rng.standard_normal(shape))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted,smoothing", list(itertools.product([False, True], [0.0, 0.1])), ids=str)
@pytest.mark.parametrize("shape", [(5, 3), (2, 3, 4)], ids=str)
def test_cross_entropy_probabilities(check_grad, rng, reduction, weighted, smoothing, shape):
    p = rng.uniform(0, 1, shape)
    p = sj.tensor(p / p.sum(1, keepdims=True))
    w = sj.tensor(rng.uniform(0.3, 2, shape[1]), dtype=sj.float64) if weighted else None
    check_grad(lambda z: F.cross_entropy(z, p, weight=w, reduction=reduction, label_smoothing=smoothing),
               rng.standard_normal(shape))


def test_cross_entropy_gradient_is_yhat_minus_y(rng):
    """The lecture: with softmax outputs ŷ and one-hot y, ∂L/∂z = ŷ − y (divided by N for 'mean')."""
    z = sj.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    y = sj.tensor([0, 2, 1, 2])
    F.cross_entropy(z, y, reduction="sum").backward()
    onehot = np.eye(3)[y.numpy()]
    np.testing.assert_allclose(z.grad.numpy(), F.softmax(z, 1).detach().numpy() - onehot, rtol=1e-6, atol=1e-7)
    z.grad = None
    F.cross_entropy(z, y).backward()
    np.testing.assert_allclose(z.grad.numpy(), (F.softmax(z, 1).detach().numpy() - onehot) / 4, rtol=1e-6, atol=1e-7)
    z.grad = None
    F.cross_entropy(z, sj.tensor(onehot, dtype=sj.float32), reduction="sum").backward()
    np.testing.assert_allclose(z.grad.numpy(), F.softmax(z, 1).detach().numpy() - onehot, rtol=1e-6, atol=1e-7)


def test_cross_entropy_value(rng):
    z = rng.standard_normal((4, 3))
    y = np.array([0, 2, 1, 2])
    logp = z - np.log(np.exp(z).sum(1, keepdims=True))
    np.testing.assert_allclose(F.cross_entropy(sj.tensor(z), sj.tensor(y)).item(), -logp[range(4), y].mean())


def test_cross_entropy_ignore_index_zero_gradient(rng):
    z = sj.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    F.cross_entropy(z, sj.tensor([1, -100, 3])).backward()
    assert not z.grad.numpy()[1].any()
    z.grad = None
    loss = F.cross_entropy(z, sj.tensor([1, 5, 3]), ignore_index=5, reduction="none")
    assert loss.tolist()[1] == 0.0


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted,ignore", list(itertools.product([False, True], [False, True])), ids=str)
@pytest.mark.parametrize("shape", [(5, 3), (2, 3, 4)], ids=str)
def test_nll_loss(check_grad, rng, reduction, weighted, ignore, shape):
    t = _targets(rng, shape[1], (shape[0],) + shape[2:], ignore)
    w = sj.tensor(rng.uniform(0.3, 2, shape[1]), dtype=sj.float64) if weighted else None
    check_grad(lambda z: F.nll_loss(F.log_softmax(z, 1), t, weight=w, reduction=reduction),
               rng.standard_normal(shape))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy(check_grad, rng, reduction, weighted):
    w = sj.tensor(rng.uniform(0.5, 2, 4), dtype=sj.float64) if weighted else None
    check_grad(lambda p, y: F.binary_cross_entropy(p, y, weight=w, reduction=reduction),
               rng.uniform(0.1, 0.9, (3, 4)), rng.uniform(0, 1, (3, 4)))
    p, y = rng.uniform(0.1, 0.9, 5), rng.integers(0, 2, 5).astype(float)
    expected = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    got = F.binary_cross_entropy(sj.tensor(p), sj.tensor(y), reduction="none").numpy()
    np.testing.assert_allclose(got, expected)


def test_binary_cross_entropy_rejects_non_probabilities():
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.binary_cross_entropy(sj.tensor([1.5]), sj.tensor([1.0]))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted,pos_weighted", list(itertools.product([False, True], [False, True])), ids=str)
def test_binary_cross_entropy_with_logits(check_grad, rng, reduction, weighted, pos_weighted):
    w = sj.tensor(rng.uniform(0.5, 2, 4), dtype=sj.float64) if weighted else None
    pw = sj.tensor(rng.uniform(0.5, 3, 4), dtype=sj.float64) if pos_weighted else None
    check_grad(lambda z, y: F.binary_cross_entropy_with_logits(z, y, weight=w, pos_weight=pw, reduction=reduction),
               rng.standard_normal((3, 4)) * 2, rng.uniform(0, 1, (3, 4)))


def test_bce_with_logits_equals_bce_of_sigmoid(rng):
    z, y = sj.tensor(rng.standard_normal(6)), sj.tensor(rng.uniform(0, 1, 6))
    np.testing.assert_allclose(F.binary_cross_entropy_with_logits(z, y).item(),
                               F.binary_cross_entropy(F.sigmoid(z), y).item(), rtol=1e-10)
    z = sj.tensor([-1e4, 1e4], requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(z, sj.tensor([1.0, 0.0]))
    loss.backward()
    assert loss.item() == pytest.approx(1e4) and np.isfinite(z.grad.numpy()).all()


@pytest.mark.parametrize("fn", [
    lambda: F.mse_loss(sj.ones(2), sj.ones(2), reduction="avg"),
    lambda: F.cross_entropy(sj.ones(2, 3), sj.tensor([0, 1]), reduction="max"),
    lambda: F.nll_loss(sj.ones(2, 3), sj.tensor([0, 1]), reduction="")],
    ids=["mse", "cross_entropy", "nll"])
def test_bad_reduction(fn):
    with pytest.raises(ValueError, match="reduction"):
        fn()


@pytest.mark.parametrize("fn", [F.cross_entropy, F.nll_loss])
def test_target_out_of_range(fn):
    with pytest.raises(IndexError, match="out of bounds"):
        fn(sj.zeros(2, 3), sj.tensor([0, 3]))
    with pytest.raises(IndexError, match="out of bounds"):
        fn(sj.zeros(2, 3, 4), sj.tensor([[0, 1, 2, -1], [0, 0, 0, 0]]))
