"""Batch norm: float64 gradchecks in training and eval, for both memory layouts; its errors."""

from __future__ import annotations

import numpy as np
import pytest

import shenjing as sj
import shenjing.nn.functional as F


@pytest.mark.parametrize("shape,channels_last", [((4, 3, 3, 2), False), ((4, 3, 3, 2), True), ((5, 3), False),
                                                  ((3, 2, 4), False)])
def test_batch_norm_train_gradcheck(check_grad, rng, shape, channels_last):
    x = rng.standard_normal(shape)
    if channels_last:
        x = np.moveaxis(np.ascontiguousarray(np.moveaxis(x, 1, -1)), -1, 1)
    c = shape[1]
    check_grad(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), x, rng.uniform(0.5, 2, c),
               rng.standard_normal(c))


def test_batch_norm_eval_gradcheck(check_grad, rng):
    rm, rv = sj.tensor(rng.standard_normal(3)), sj.tensor(rng.uniform(0.5, 2, 3))
    check_grad(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=False), rng.standard_normal((2, 3, 2, 2)),
               rng.uniform(0.5, 2, 3), rng.standard_normal(3))


def test_batch_norm_formula(rng):
    """y = γ (x − μ)/√(σ² + ε) + β with the biased batch variance; running var gets the unbiased one."""
    x = rng.standard_normal((6, 2, 3, 3)) * 3 + 1
    bn = sj.nn.BatchNorm2d(2, momentum=1.0).double()
    y = bn(sj.tensor(x)).detach().numpy()
    mu, var = x.mean(axis=(0, 2, 3), keepdims=True), x.var(axis=(0, 2, 3), keepdims=True)
    np.testing.assert_allclose(y, (x - mu) / np.sqrt(var + 1e-5), atol=1e-12)
    np.testing.assert_allclose(bn.running_var.numpy(), x.var(axis=(0, 2, 3), ddof=1))
    assert int(bn.num_batches_tracked.item()) == 1 and bn.num_batches_tracked.dtype == sj.int64


@pytest.mark.parametrize("layer,x,match", [
    (lambda: sj.nn.BatchNorm2d(3), lambda: sj.zeros(2, 3, 4), r"BatchNorm2d\(3\): expected 4-D .* \(2, 3, 4\)"),
    (lambda: sj.nn.BatchNorm2d(3), lambda: sj.zeros(2, 4, 5, 5), r"3 channels .* \(2, 4, 5, 5\)"),
    (lambda: sj.nn.BatchNorm1d(3), lambda: sj.zeros(2, 3, 4, 4), r"BatchNorm1d\(3\): expected 2-D"),
])
def test_batch_norm_errors(layer, x, match):
    with pytest.raises(ValueError, match=match):
        layer()(x())
