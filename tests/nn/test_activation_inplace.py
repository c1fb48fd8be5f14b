"""``inplace=True`` activations and dropout: the input takes the result, gradients as in PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import shenjing as sj

CASES = {
    "relu": lambda L, t: L.nn.functional.relu(t, inplace=True),
    "ReLU module": lambda L, t: L.nn.ReLU(inplace=True)(t),
    "leaky_relu": lambda L, t: L.nn.functional.leaky_relu(t, 0.2, inplace=True),
    "LeakyReLU module": lambda L, t: L.nn.LeakyReLU(0.1, inplace=True)(t),
    "elu": lambda L, t: L.nn.functional.elu(t, 0.5, inplace=True),
    "ELU module": lambda L, t: L.nn.ELU(inplace=True)(t),
    "dropout p=1": lambda L, t: L.nn.functional.dropout(t, 1.0, inplace=True),
    "dropout eval": lambda L, t: L.nn.Dropout(0.5, inplace=True).eval()(t),
}


@pytest.mark.parametrize("name", list(CASES))
def test_inplace_activation_matches_torch(name):
    got = {}
    for L in (sj, torch):
        x = L.tensor([1.5, -2.0, 0.5, -0.25], dtype=L.float64, requires_grad=True)
        h = x * 2
        out = CASES[name](L, h)
        assert out is h  # the input object itself holds the result
        (out * x).sum().backward()
        plain = L.tensor([-1.0, 3.0], dtype=L.float64)
        CASES[name](L, plain)  # outside any graph: written into the array
        got[L] = (h.detach().numpy().copy(), x.grad.numpy().copy(), plain.numpy().copy())
    for a, b in zip(got[sj], got[torch]):
        np.testing.assert_allclose(a, b)


def test_inplace_dropout_in_training_writes_into_its_input():
    sj.manual_seed(0)
    x = sj.ones(1000, requires_grad=True)
    h = x * 1
    out = sj.nn.Dropout(0.5, inplace=True)(h)
    assert out is h
    kept = h.detach().numpy() != 0
    np.testing.assert_allclose(h.detach().numpy()[kept], 2.0)
    h.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.where(kept, 2.0, 0.0))


def test_inplace_on_a_leaf_that_requires_grad_is_refused_as_in_torch():
    for L in (sj, torch):
        with pytest.raises(RuntimeError, match="leaf Variable"):
            L.nn.functional.relu(L.ones(2, requires_grad=True), inplace=True)
