"""Numerical gradient checks (float64) for transposed convolution, 1-D and adaptive max pooling,
interpolation and the padding layers: every op and option."""

from __future__ import annotations

import pytest

import shenjing.nn as nn
import shenjing.nn.functional as F

CT2 = [  # stride, padding, output_padding, dilation, groups, bias
    (1, 0, 0, 1, 1, True), (2, 1, 1, 1, 1, True), ((2, 3), (1, 0), (1, 2), 1, 2, False), (1, 1, 1, 2, 1, True),
    (3, 2, 2, (1, 2), 4, True),
]


@pytest.mark.parametrize("case", CT2)
def test_conv_transpose2d(check_grad, rng, case):
    stride, padding, out_pad, dilation, groups, bias = case
    args = [rng.standard_normal((2, 4, 3, 4)), rng.standard_normal((4, 2, 3, 2))]
    if bias:
        args.append(rng.standard_normal(2 * groups))
    check_grad(lambda x, w, b=None: F.conv_transpose2d(x, w, b, stride, padding, out_pad, groups, dilation), *args)


@pytest.mark.parametrize("case", [(1, 0, 0, 1, 1, True), (2, 1, 1, 1, 2, True), (3, 0, 1, 2, 1, False)])
def test_conv_transpose1d(check_grad, rng, case):
    stride, padding, out_pad, dilation, groups, bias = case
    args = [rng.standard_normal((2, 2, 4)), rng.standard_normal((2, 3, 3))]
    if bias:
        args.append(rng.standard_normal(3 * groups))
    check_grad(lambda x, w, b=None: F.conv_transpose1d(x, w, b, stride, padding, out_pad, groups, dilation), *args)


def test_conv_transpose_unbatched(check_grad, rng):
    check_grad(lambda x, w: F.conv_transpose2d(x, w, stride=2), rng.standard_normal((2, 3, 3)),
               rng.standard_normal((2, 1, 2, 2)))


@pytest.mark.parametrize("k,s,p,d,ceil", [(2, None, 0, 1, False), (3, 2, 1, 1, True), (3, 1, 1, 2, False)])
def test_max_pool1d(check_grad, rng, k, s, p, d, ceil):
    x = rng.permutation(48).reshape(2, 3, 8) / 7.0  # distinct values: no ties at the finite-difference step
    check_grad(lambda x: F.max_pool1d(x, k, s, p, d, ceil), x)


@pytest.mark.parametrize("k,s,p,ceil,cip", [(2, None, 0, False, True), (3, 2, 1, True, True), (3, 2, 1, True, False),
                                             (4, 1, 2, False, False)])
def test_avg_pool1d(check_grad, rng, k, s, p, ceil, cip):
    check_grad(lambda x: F.avg_pool1d(x, k, s, p, ceil, cip), rng.standard_normal((2, 3, 9)))


@pytest.mark.parametrize("out", [1, 3, 4, 7])
def test_adaptive_avg_pool1d(check_grad, rng, out):
    check_grad(lambda x: F.adaptive_avg_pool1d(x, out), rng.standard_normal((2, 2, 8)))


@pytest.mark.parametrize("out", [1, (3, 2), (4, None), 5])
def test_adaptive_max_pool2d(check_grad, rng, out):
    x = rng.permutation(2 * 2 * 5 * 6).reshape(2, 2, 5, 6) / 11.0
    check_grad(lambda x: F.adaptive_max_pool2d(x, out), x)


@pytest.mark.parametrize("shape,size,scale,mode,ac", [
    ((1, 2, 3, 4), (6, 7), None, "nearest", None), ((1, 2, 5, 4), None, 0.6, "nearest", None),
    ((1, 2, 3, 4), (5, 7), None, "nearest-exact", None),
    ((1, 2, 3, 4), (6, 7), None, "bilinear", False), ((1, 2, 3, 4), (6, 7), None, "bilinear", True),
    ((1, 2, 5, 6), (3, 4), None, "bilinear", False), ((1, 2, 3, 4), None, (1.5, 2.5), "bilinear", True),
    ((2, 2, 5), 9, None, "linear", False), ((2, 2, 5), 9, None, "linear", True),
    ((2, 2, 5), None, 0.5, "linear", False),
    ((2, 2, 5), 11, None, "nearest", None), ((2, 2, 6, 5), (2, 3), None, "area", None),
])
def test_interpolate(check_grad, rng, shape, size, scale, mode, ac):
    check_grad(lambda x: F.interpolate(x, size, scale, mode, ac), rng.standard_normal(shape))


@pytest.mark.parametrize("make,shape", [
    (lambda: nn.ZeroPad2d((1, 0, 2, 1)), (2, 3, 3)), (lambda: nn.ConstantPad1d(2, 1.5), (2, 4)),
    (lambda: nn.ConstantPad2d(1, -1.0), (1, 2, 3, 3)), (lambda: nn.ReflectionPad1d((2, 3)), (2, 2, 5)),
    (lambda: nn.ReflectionPad2d((1, 2, 2, 0)), (1, 2, 3, 4)), (lambda: nn.ReplicationPad2d((2, 1, 0, 3)), (2, 3, 3)),
    (lambda: nn.ReplicationPad1d(3), (2, 3)),
])
def test_padding(check_grad, rng, make, shape):
    check_grad(make(), rng.standard_normal(shape))


def test_upsample_module(check_grad, rng):
    check_grad(nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True), rng.standard_normal((1, 2, 3, 3)))
