"""Pooling: float64 gradchecks (max with distinct values, average, adaptive) and argument errors."""

from __future__ import annotations

import numpy as np
import pytest

import shenjing as sj
import shenjing.nn.functional as F


def _distinct(rng, shape):
    """Values far apart, so a finite-difference step never changes which entry is the maximum."""
    return rng.permutation(np.prod(shape)).reshape(shape).astype(np.float64) * 0.1


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                dict(kernel_size=(2, 3), stride=1, dilation=2, ceil_mode=True)], ids=str)
def test_max_pool2d_gradcheck(check_grad, rng, kw):
    check_grad(lambda x: F.max_pool2d(x, **kw), _distinct(rng, (2, 2, 7, 8)))


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
                                dict(kernel_size=(3, 2), stride=2, padding=1, ceil_mode=True)], ids=str)
def test_avg_pool2d_gradcheck(check_grad, rng, kw):
    check_grad(lambda x: F.avg_pool2d(x, **kw), rng.standard_normal((2, 2, 7, 6)))


@pytest.mark.parametrize("out", [(3, 2), 1, (4, 4)], ids=str)
def test_adaptive_avg_pool2d_gradcheck(check_grad, rng, out):
    check_grad(lambda x: F.adaptive_avg_pool2d(x, out), rng.standard_normal((1, 2, 7, 8)))


def test_max_pool2d_keeps_channels_last_memory(rng):
    x = sj.from_numpy(rng.standard_normal((2, 8, 8, 4)).astype(np.float32).transpose(0, 3, 1, 2))
    y = F.max_pool2d(x, 2)
    assert y.data.strides[1] == 4


@pytest.mark.parametrize("call,match", [
    (lambda: F.max_pool2d(sj.zeros(4, 4), 2), r"max_pool2d: expected a 3-D .* \(4, 4\)"),
    (lambda: F.max_pool2d(sj.zeros(1, 1, 4, 4), 2, padding=2), r"pad should be at most half"),
    (lambda: F.max_pool2d(sj.zeros(1, 1, 2, 2), 3), r"too small"),
    (lambda: F.avg_pool2d(sj.zeros(1, 1, 4, 4), 2, divisor_override=0), r"divisor must be not zero"),
    (lambda: sj.nn.MaxPool2d(2)(sj.zeros(2, 1, 2, 4, 4)), r"MaxPool2d\(kernel_size=2.*\(2, 1, 2, 4, 4\)"),
])
def test_pool_errors(call, match):
    with pytest.raises(RuntimeError, match=match):
        call()
