"""Numerical gradients of embedding (scale_grad_by_freq, max_norm) and embedding_bag, in float64."""

from __future__ import annotations

import numpy as np
import pytest

import shenjing as sj
import shenjing.nn.functional as F

IDX = sj.tensor(np.array([[1, 2, 2, 4], [0, 1, 4, 1]]))
INP = sj.tensor(np.array([1, 2, 2, 5, 1, 0, 3, 4, 5]))
OFF = sj.tensor(np.array([0, 3, 3, 5]))


def _table(seed=0, rows=6, dim=3):
    # distinct values so every max is strict
    return np.random.default_rng(seed).permutation(np.linspace(-2, 2, rows * dim)).reshape(rows, dim)


def test_embedding_grad(check_grad):
    check_grad(lambda w: F.embedding(IDX, w), _table())


def test_embedding_scale_grad_by_freq_is_the_gradient_over_the_counts():
    """scale_grad_by_freq (like padding_idx) is not a true gradient: the true one divided by each row's count."""
    w1 = sj.tensor(_table(), requires_grad=True)
    w2 = sj.tensor(_table(), requires_grad=True)
    g = np.random.default_rng(5).normal(size=(2, 4, 3))
    F.embedding(IDX, w1).backward(sj.tensor(g))
    F.embedding(IDX, w2, scale_grad_by_freq=True).backward(sj.tensor(g))
    counts = np.maximum(np.bincount(IDX.numpy().reshape(-1), minlength=6), 1)[:, None]
    np.testing.assert_allclose(w2.grad.numpy(), w1.grad.numpy() / counts)
    assert counts[1, 0] == 3 and not np.allclose(w2.grad.numpy()[1], w1.grad.numpy()[1])


def test_embedding_max_norm_grad(check_grad):
    """After the in-place renorm the look-up is linear in the (rescaled) table: its gradient is the
    plain one (the renorm runs under no_grad, as in PyTorch), so check at a table the renorm leaves alone."""
    check_grad(lambda w: F.embedding(IDX, w, max_norm=100.0), _table())


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("padding_idx", [None, 1])
@pytest.mark.parametrize("include_last_offset", [False, True])
def test_embedding_bag_grad(check_grad, mode, padding_idx, include_last_offset):
    off = sj.tensor(np.array([0, 3, 3, 5, 9])) if include_last_offset else OFF
    check_grad(lambda w: F.embedding_bag(INP, w, off, mode=mode, padding_idx=padding_idx,
                                         include_last_offset=include_last_offset), _table())


@pytest.mark.parametrize("mode", ["sum", "mean"])
def test_embedding_bag_scale_grad_by_freq_grad_is_scaled(mode):
    """scale_grad_by_freq is not a true gradient: it is the true one divided by each row's count."""
    w1 = sj.tensor(_table(), requires_grad=True)
    w2 = sj.tensor(_table(), requires_grad=True)
    F.embedding_bag(INP, w1, OFF, mode=mode).sum().backward()
    F.embedding_bag(INP, w2, OFF, mode=mode, scale_grad_by_freq=True).sum().backward()
    counts = np.maximum(np.bincount(INP.numpy(), minlength=6), 1)[:, None]
    np.testing.assert_allclose(w2.grad.numpy(), w1.grad.numpy() / counts)


@pytest.mark.parametrize("padding_idx", [None, 2])
def test_embedding_bag_per_sample_weights_grad(check_grad, padding_idx):
    psw = np.random.default_rng(3).normal(size=9)
    check_grad(lambda w, p: F.embedding_bag(INP, w, OFF, mode="sum", per_sample_weights=p,
                                            padding_idx=padding_idx), _table(), psw)
    check_grad(lambda w, p: F.embedding_bag(INP.reshape(3, 3), w, mode="sum", per_sample_weights=p),
               _table(), psw.reshape(3, 3))


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_2d_grad(check_grad, mode):
    check_grad(lambda w: F.embedding_bag(INP.reshape(3, 3), w, mode=mode), _table(1))
