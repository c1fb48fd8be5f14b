"""Transposed convolutions, 1-D and adaptive max pooling, interpolation and padding layers against PyTorch:
forward values, dtypes and shapes, gradients of inputs and parameters (float64 and float32), the errors
PyTorch raises for bad arguments, module reprs and loading a PyTorch state_dict.

torch is imported at the top: without it these tests fail, they never skip.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
import torch.nn as tnn
import torch.nn.functional as TF

import shenjing as sj
import shenjing.nn as nn
import shenjing.nn.functional as F

TOL = {np.float64: dict(atol=1e-10, rtol=1e-7), np.float32: dict(atol=2e-5, rtol=2e-5)}


def _ct_cases(dims: int):
    """(N, C, spatial, O/groups, kernel, stride, padding, output_padding, dilation, groups, bias): hand-picked
    corners plus a fixed random sample of a grid; output_padding < stride or < dilation, as PyTorch requires."""
    if dims == 2:
        cases = [
            (2, 3, (5, 4), 2, (3, 3), 1, 0, 0, 1, 1, True),
            (2, 4, (5, 6), 3, (3, 2), (2, 3), (1, 0), (1, 2), 1, 2, True),
            (1, 6, (4, 4), 1, (2, 2), 2, 1, 1, 2, 3, False),
            (2, 2, (3, 3), 2, (1, 1), 3, 2, 2, 1, 1, True),
            (1, 4, (6, 5), 1, (4, 4), 2, 1, 0, 1, 4, True),  # depthwise, DCGAN-style 4x4 stride 2
            (3, 1, (1, 1), 5, (5, 3), 1, 0, 0, (1, 2), 1, True),  # 1x1 input
        ]
        grid = list(itertools.product([1, 2, 3], [0, 1, (2, 1)], [0, 1], [1, 2], [1, 2], [(3, 3), (2, 3), (1, 1)]))
    else:
        cases = [
            (2, 3, (7,), 2, (3,), 1, 0, 0, 1, 1, True),
            (2, 4, (5,), 3, (4,), 3, 1, 2, 1, 2, True),
            (1, 6, (4,), 1, (2,), 2, 1, 1, 2, 6, False),
            (2, 2, (1,), 3, (5,), 2, 2, 0, 2, 1, True),
        ]
        grid = list(itertools.product([1, 2, 3], [0, 1, 2], [0, 1], [1, 2], [1, 2], [(3,), (2,), (1,)]))
    rng = np.random.default_rng(11)
    for i in rng.choice(len(grid), 24, replace=False):
        stride, padding, out_pad, dilation, groups, kernel = grid[i]
        smax = stride if isinstance(stride, int) else min(stride)
        if out_pad >= smax and out_pad >= dilation:
            out_pad = 0
        n = int(rng.integers(1, 3))
        spatial = tuple(int(rng.integers(3, 7)) for _ in range(dims))
        cases.append((n, 2 * groups, spatial, int(rng.integers(1, 3)), kernel, stride, padding, out_pad, dilation,
                      groups, bool(rng.integers(0, 2))))
    return cases


CT2 = _ct_cases(2)
CT1 = _ct_cases(1)


def _ct_args(rng, case, dtype):
    n, c, spatial, og, kernel, *_, groups, bias = case
    args = [rng.standard_normal((n, c) + spatial).astype(dtype), rng.standard_normal((c, og) + kernel).astype(dtype)]
    args.append(rng.standard_normal(og * groups).astype(dtype) if bias else None)
    return args


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", CT2, ids=[str(i) for i in range(len(CT2))])
def test_conv_transpose2d(parity, rng, case, dtype):
    *_, stride, padding, out_pad, dilation, groups, _ = case
    def fn(ff):
        return lambda x, w, b: ff(x, w, b, stride, padding, out_pad, groups, dilation)
    parity(fn(F.conv_transpose2d), fn(TF.conv_transpose2d), *_ct_args(rng, case, dtype), **TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", CT1, ids=[str(i) for i in range(len(CT1))])
def test_conv_transpose1d(parity, rng, case, dtype):
    *_, stride, padding, out_pad, dilation, groups, _ = case
    def fn(ff):
        return lambda x, w, b: ff(x, w, b, stride, padding, out_pad, groups, dilation)
    parity(fn(F.conv_transpose1d), fn(TF.conv_transpose1d), *_ct_args(rng, case, dtype), **TOL[dtype])


def test_conv_transpose_unbatched_and_keywords(parity, rng):
    x, w, b = rng.standard_normal((3, 4, 5)), rng.standard_normal((3, 2, 3, 3)), rng.standard_normal(2)
    parity(lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
           lambda x, w, b: TF.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1), x, w, b)
    parity(lambda x, w: F.conv_transpose1d(x, w, dilation=2), lambda x, w: TF.conv_transpose1d(x, w, dilation=2),
           rng.standard_normal((3, 6)), rng.standard_normal((3, 4, 2)))


def test_conv_transpose_channels_last_input(rng):
    """A channels-last input (what a Conv2d returns) gives the same values and gradients."""
    conv = nn.Conv2d(3, 4, 3, padding=1)
    up = nn.ConvTranspose2d(4, 2, 4, stride=2, padding=1)
    x = sj.tensor(rng.standard_normal((2, 3, 5, 5)).astype(np.float32))
    y = up(conv(x))
    tconv, tup = tnn.Conv2d(3, 4, 3, padding=1), tnn.ConvTranspose2d(4, 2, 4, stride=2, padding=1)
    tconv.load_state_dict({k: torch.tensor(v.numpy()) for k, v in conv.state_dict().items()})
    tup.load_state_dict({k: torch.tensor(v.numpy()) for k, v in up.state_dict().items()})
    ty = tup(tconv(torch.tensor(x.numpy())))
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), atol=2e-5)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(up.weight.grad.numpy(), tup.weight.grad.numpy(), atol=1e-4, rtol=1e-5)
    np.testing.assert_allclose(conv.weight.grad.numpy(), tconv.weight.grad.numpy(), atol=1e-4, rtol=1e-5)


@pytest.mark.parametrize("call", [
    lambda f, x, w: f(x, w, stride=1, output_padding=1),  # output_padding >= stride and dilation
    lambda f, x, w: f(x, w, padding=-1),
    lambda f, x, w: f(x, w, stride=0),
    lambda f, x, w: f(x[:, :3], w),  # channel mismatch
    lambda f, x, w: f(x, w, groups=3),  # 4 channels not divisible by 3
    lambda f, x, w: f(x, w, groups=0),
    lambda f, x, w: f(x[0, 0], w),  # 2-D input
    lambda f, x, w: f(x, w[0]),  # 3-D weight
    lambda f, x, w: f(x, w, padding=3),  # empty output
])
def test_conv_transpose2d_errors(rng, call):
    x, w = rng.standard_normal((2, 4, 3, 3)), rng.standard_normal((4, 2, 3, 3))
    with pytest.raises(RuntimeError) as theirs:
        call(TF.conv_transpose2d, torch.tensor(x), torch.tensor(w))
    with pytest.raises(type(theirs.value), match="conv_transpose2d"):
        call(F.conv_transpose2d, sj.tensor(x), sj.tensor(w))


def test_conv_transpose_dtype_mismatch():
    x, w = np.ones((1, 2, 3, 3)), np.ones((2, 2, 3, 3), dtype=np.float32)
    with pytest.raises(RuntimeError):
        TF.conv_transpose2d(torch.tensor(x), torch.tensor(w))
    with pytest.raises(RuntimeError, match="conv_transpose2d"):
        F.conv_transpose2d(sj.tensor(x), sj.tensor(w))


@pytest.mark.parametrize("cls,tcls,args,kw", [
    (nn.ConvTranspose2d, tnn.ConvTranspose2d, (4, 6, 3), {}),
    (nn.ConvTranspose2d, tnn.ConvTranspose2d, (4, 6, (3, 2)),
     dict(stride=2, padding=1, output_padding=1, groups=2, bias=False, dilation=2)),
    (nn.ConvTranspose2d, tnn.ConvTranspose2d, (2, 2, 4), dict(stride=(2, 1), padding=(1, 0))),
    (nn.ConvTranspose1d, tnn.ConvTranspose1d, (3, 6, 4), dict(stride=3, output_padding=2, groups=3)),
    (nn.ConvTranspose1d, tnn.ConvTranspose1d, (3, 5, 1), dict(bias=False)),
])
def test_conv_transpose_module(rng, cls, tcls, args, kw):
    m, t = cls(*args, **kw), tcls(*args, **kw)
    assert repr(m) == repr(t)
    assert [(k, tuple(v.shape)) for k, v in m.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in t.state_dict().items()]
    # PyTorch's init bound 1/√fan_in, fan_in = weight.shape[1]·Πkernel
    fan_in = m.weight.shape[1] * int(np.prod(m.weight.shape[2:]))
    assert np.abs(m.weight.detach().numpy()).max() <= 1 / np.sqrt(fan_in) + 1e-7
    assert np.abs(m.weight.detach().numpy()).max() > 0.5 / np.sqrt(fan_in)
    m.load_state_dict({k: sj.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    x = rng.standard_normal((2, args[0]) + (5,) * (m._dims)).astype(np.float32)
    y, ty = m(sj.tensor(x)), t(torch.tensor(x))
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), atol=2e-5)
    y.sum().backward()
    ty.sum().backward()
    for (name, p), (_, tp) in zip(m.named_parameters(), t.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), atol=1e-4, rtol=1e-5, err_msg=name)


def test_conv_transpose_output_size(rng):
    m, t = nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1), tnn.ConvTranspose2d(2, 3, 3, stride=2, padding=1)
    m.load_state_dict({k: sj.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    x = rng.standard_normal((1, 2, 4, 4))
    for size in [(7, 7), (8, 8), (7, 8), [1, 3, 8, 7]]:
        y, ty = m(sj.tensor(x, dtype=sj.float32), output_size=size), t(torch.tensor(x, dtype=torch.float32),
                                                                          output_size=size)
        assert tuple(y.shape) == tuple(ty.shape)
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), atol=2e-5)
    with pytest.raises(ValueError):
        t(torch.tensor(x, dtype=torch.float32), output_size=(9, 9))
    with pytest.raises(ValueError, match="output size"):
        m(sj.tensor(x, dtype=sj.float32), output_size=(9, 9))


@pytest.mark.parametrize("kw", [dict(groups=0), dict(groups=3), dict(padding_mode="reflect")])
def test_conv_transpose_module_errors(kw):
    with pytest.raises(ValueError):
        tnn.ConvTranspose2d(4, 6, 3, **kw)
    with pytest.raises(ValueError):
        nn.ConvTranspose2d(4, 6, 3, **kw)


# ----------------------------------------------------------------- 1-D pooling and adaptive max pooling
POOL1 = [  # kernel, stride, padding, dilation, ceil_mode, L
    (2, None, 0, 1, False, 8), (3, 2, 1, 1, False, 9), (3, 2, 1, 2, True, 10), (4, 3, 2, 1, True, 11),
    (1, 1, 0, 1, False, 5), (5, 1, 2, 1, False, 5), ((3,), (2,), (0,), (1,), True, 8),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", POOL1, ids=[str(i) for i in range(len(POOL1))])
def test_max_pool1d(parity, rng, case, dtype):
    k, s, p, d, ceil, length = case
    x = rng.standard_normal((2, 3, length)).astype(dtype)
    parity(lambda x: F.max_pool1d(x, k, s, p, d, ceil, True), lambda x: TF.max_pool1d(x, k, s, p, d, ceil, True), x,
           **TOL[dtype])
    parity(lambda x: F.max_pool1d(x[0], k, s, p, d, ceil), lambda x: TF.max_pool1d(x[0], k, s, p, d, ceil), x,
           **TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("count_include_pad", [True, False])
@pytest.mark.parametrize("case", POOL1, ids=[str(i) for i in range(len(POOL1))])
def test_avg_pool1d(parity, rng, case, count_include_pad, dtype):
    k, s, p, _, ceil, length = case
    x = rng.standard_normal((2, 3, length)).astype(dtype)
    parity(lambda x: F.avg_pool1d(x, k, s, p, ceil, count_include_pad),
           lambda x: TF.avg_pool1d(x, k, s, p, ceil, count_include_pad), x, **TOL[dtype])


def test_max_pool1d_ties(parity):
    x = np.array([[[1.0, 3.0, 3.0, 2.0, 2.0, 0.0, 5.0, 5.0]]])
    parity(lambda x: F.max_pool1d(x, 3, 1, return_indices=True), lambda x: TF.max_pool1d(x, 3, 1, return_indices=True),
           x)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("out,length", [(1, 7), (3, 7), (4, 8), (5, 5), (7, 3), (2, 9)])
def test_adaptive_avg_pool1d(parity, rng, out, length, dtype):
    x = rng.standard_normal((2, 3, length)).astype(dtype)
    parity(lambda x: F.adaptive_avg_pool1d(x, out), lambda x: TF.adaptive_avg_pool1d(x, out), x, **TOL[dtype])
    parity(lambda x: F.adaptive_avg_pool1d(x[1], (out,)), lambda x: TF.adaptive_avg_pool1d(x[1], (out,)), x,
           **TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("out,hw", [(1, (5, 7)), ((3, 2), (7, 5)), (4, (8, 8)), ((5, None), (5, 6)), (3, (2, 2)),
                                    ((None, 3), (4, 7)), ((2, 5), (9, 6))])
def test_adaptive_max_pool2d(parity, rng, out, hw, dtype):
    x = rng.standard_normal((2, 3) + hw).astype(dtype)
    parity(lambda x: F.adaptive_max_pool2d(x, out), lambda x: TF.adaptive_max_pool2d(x, out), x, **TOL[dtype])
    parity(lambda x: F.adaptive_max_pool2d(x[0], out, return_indices=True),
           lambda x: TF.adaptive_max_pool2d(x[0], out, return_indices=True), x, **TOL[dtype])


def test_adaptive_max_pool2d_ties_and_nan(parity):
    x = np.zeros((1, 1, 4, 5))
    x[0, 0, 1, 2] = np.nan
    parity(lambda x: F.adaptive_max_pool2d(x, 3, True), lambda x: TF.adaptive_max_pool2d(x, 3, True), x,
           backward=False)
    parity(lambda x: F.adaptive_max_pool2d(x, (2, 3)), lambda x: TF.adaptive_max_pool2d(x, (2, 3)),
           np.ones((2, 2, 5, 5)))


@pytest.mark.parametrize("call", [
    lambda f, x: f.max_pool1d(x, 2, padding=2),  # pad > kernel/2
    lambda f, x: f.max_pool1d(x[None], 2),  # 4-D input
    lambda f, x: f.avg_pool1d(x, 3, padding=2),
    lambda f, x: f.max_pool1d(x, 0),
    lambda f, x: f.adaptive_max_pool2d(x[0, 0], 2),  # 1-D input
])
def test_pool1d_errors(rng, call):
    x = rng.standard_normal((2, 3, 8))
    with pytest.raises(RuntimeError):
        call(TF, torch.tensor(x))
    with pytest.raises(RuntimeError, match="pool"):
        call(F, sj.tensor(x))


@pytest.mark.parametrize("make", [
    lambda m: m.MaxPool1d(3), lambda m: m.MaxPool1d(3, 2, 1, 2, True, True), lambda m: m.AvgPool1d(3, 2, 1),
    lambda m: m.AvgPool1d((3,)), lambda m: m.AdaptiveAvgPool1d(4), lambda m: m.AdaptiveMaxPool2d((3, None)),
    lambda m: m.AdaptiveMaxPool2d(2, return_indices=True),
])
def test_pool_modules(rng, make):
    m, t = make(nn), make(tnn)
    assert repr(m) == repr(t)
    shape = (2, 3, 9) if "1d" in type(m).__name__ else (2, 3, 7, 6)
    x = rng.standard_normal(shape)
    ys, yt = m(sj.tensor(x)), t(torch.tensor(x))
    ys, yt = (ys, yt) if isinstance(yt, tuple) else ((ys,), (yt,))
    for s, th in zip(ys, yt):
        np.testing.assert_allclose(s.numpy(), th.numpy(), atol=1e-12)


# ----------------------------------------------------------------- interpolate / Upsample
INTERP = [  # shape, size, scale_factor, mode, align_corners
    ((2, 3, 4, 5), (8, 10), None, "nearest", None), ((2, 3, 4, 5), None, 2, "nearest", None),
    ((1, 2, 5, 7), (3, 4), None, "nearest", None), ((1, 2, 5, 3), None, (1.5, 2.7), "nearest", None),
    ((1, 2, 6, 6), None, 0.5, "nearest", None), ((2, 2, 4, 3), (7, 5), None, "nearest-exact", None),
    ((2, 3, 4, 5), (8, 10), None, "bilinear", False), ((2, 3, 4, 5), (8, 10), None, "bilinear", True),
    ((1, 2, 5, 7), (3, 4), None, "bilinear", False), ((1, 2, 5, 7), (3, 4), None, "bilinear", True),
    ((1, 2, 5, 3), None, (1.5, 2.7), "bilinear", False), ((1, 2, 5, 3), None, (1.5, 2.7), "bilinear", True),
    ((1, 1, 1, 4), (3, 1), None, "bilinear", True), ((1, 2, 4, 4), (4, 9), None, "bilinear", False),
    ((2, 3, 7), 12, None, "nearest", None), ((2, 3, 7), None, 3, "nearest", None), ((2, 3, 7), 12, None, "linear",
                                                                                     False),
    ((2, 3, 7), 12, None, "linear", True), ((2, 3, 7), 4, None, "linear", False), ((2, 3, 7), None, 1.7, "linear",
                                                                                   True),
    ((2, 3, 7), None, 0.6, "linear", False), ((2, 3, 7), 3, None, "area", None), ((2, 3, 6, 5), (3, 2), None, "area",
                                                                                   None),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", INTERP, ids=[str(i) for i in range(len(INTERP))])
def test_interpolate(parity, rng, case, dtype):
    shape, size, scale, mode, ac = case
    x = rng.standard_normal(shape).astype(dtype)
    parity(lambda x: F.interpolate(x, size, scale, mode, ac), lambda x: TF.interpolate(x, size, scale, mode, ac), x,
           **TOL[dtype])


def test_interpolate_recompute_scale_factor(parity, rng):
    x = rng.standard_normal((1, 2, 5, 3))
    for mode, ac in [("nearest", None), ("bilinear", False)]:
        kw = dict(scale_factor=(1.5, 2.7), mode=mode, align_corners=ac, recompute_scale_factor=True)
        parity(lambda x, kw=kw: F.interpolate(x, **kw), lambda x, kw=kw: TF.interpolate(x, **kw), x)


def test_interpolate_nearest_integer(parity):
    x = np.arange(12, dtype=np.int64).reshape(1, 1, 3, 4)
    parity(lambda x: F.interpolate(x.type(sj.uint8), scale_factor=2),
           lambda x: TF.interpolate(x.to(torch.uint8), scale_factor=2), x)


@pytest.mark.parametrize("call", [
    lambda f, x: f.interpolate(x, size=4, scale_factor=2),
    lambda f, x: f.interpolate(x),
    lambda f, x: f.interpolate(x, size=4, mode="nearest", align_corners=True),
    lambda f, x: f.interpolate(x, size=(4, 4, 4)),
    lambda f, x: f.interpolate(x, scale_factor=(2, 2, 2)),
    lambda f, x: f.interpolate(x, size=4, recompute_scale_factor=True),
    lambda f, x: f.interpolate(x, size=4, mode="linear"),
    lambda f, x: f.interpolate(x[0], size=4, mode="bilinear"),
])
def test_interpolate_errors(rng, call):
    x = rng.standard_normal((1, 2, 3, 3))
    with pytest.raises((ValueError, NotImplementedError)) as theirs:
        call(TF, torch.tensor(x))
    with pytest.raises(type(theirs.value)):
        call(F, sj.tensor(x))


@pytest.mark.parametrize("make", [
    lambda m: m.Upsample(scale_factor=2), lambda m: m.Upsample(size=(3, 4), mode="bilinear", align_corners=True),
    lambda m: m.Upsample(scale_factor=(2, 1.5), mode="bilinear"), lambda m: m.Upsample(size=7),
    lambda m: m.UpsamplingNearest2d(scale_factor=3), lambda m: m.UpsamplingBilinear2d(size=(5, 6)),
])
def test_upsample_modules(rng, make):
    m, t = make(nn), make(tnn)
    assert repr(m) == repr(t)
    x = rng.standard_normal((2, 3, 4, 5))
    s, th = sj.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ys, yt = m(s), t(th)
    np.testing.assert_allclose(ys.detach().numpy(), yt.detach().numpy(), atol=1e-12)
    (ys * ys).sum().backward()
    (yt * yt).sum().backward()
    np.testing.assert_allclose(s.grad.numpy(), th.grad.numpy(), atol=1e-10)


# ----------------------------------------------------------------- padding layers
PADS = [
    (lambda m: m.ZeroPad2d(1), (2, 3, 4, 5)), (lambda m: m.ZeroPad2d((1, 0, 2, 3)), (3, 4, 5)),
    (lambda m: m.ConstantPad1d(2, 3.5), (2, 3, 4)), (lambda m: m.ConstantPad1d((0, 3), -1.0), (3, 4)),
    (lambda m: m.ConstantPad2d((1, 2, 3, 4), 0.5), (2, 2, 3, 3)), (lambda m: m.ConstantPad2d(1, 2.0), (3, 3)),
    (lambda m: m.ReflectionPad1d(2), (2, 3, 5)), (lambda m: m.ReflectionPad1d((3, 1)), (3, 4)),
    (lambda m: m.ReflectionPad2d(1), (2, 3, 4, 5)), (lambda m: m.ReflectionPad2d((2, 0, 1, 3)), (3, 4, 5)),
    (lambda m: m.ReplicationPad2d(2), (2, 3, 4, 5)), (lambda m: m.ReplicationPad2d((3, 0, 1, 4)), (3, 2, 2)),
    (lambda m: m.ReplicationPad1d((2, 5)), (2, 3, 3)),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", PADS, ids=[str(i) for i in range(len(PADS))])
def test_padding_modules(parity, rng, case, dtype):
    make, shape = case
    m, t = make(nn), make(tnn)
    assert repr(m) == repr(t)
    parity(m, t, rng.standard_normal(shape).astype(dtype), **TOL[dtype])


@pytest.mark.parametrize("make,shape", [
    (lambda m: m.ReflectionPad1d(3), (1, 2, 3)), (lambda m: m.ReflectionPad2d((1, 1, 4, 0)), (1, 2, 4, 5)),
    (lambda m: m.ReflectionPad2d(1), (4, 4)), (lambda m: m.ReplicationPad2d(1), (3,)),
])
def test_padding_errors(make, shape):
    with pytest.raises((RuntimeError, NotImplementedError)):
        make(tnn)(torch.zeros(shape))
    with pytest.raises(RuntimeError, match="Pad"):
        make(nn)(sj.zeros(shape))


def test_upsampling_decoder_state_dict(rng):
    """A small decoder built from the new layers loads a PyTorch state_dict and matches its output and grads."""
    def build(m):
        return m.Sequential(m.ConvTranspose2d(4, 3, 4, stride=2, padding=1), m.ReLU(), m.ReflectionPad2d(1),
                            m.Conv2d(3, 3, 3), m.Upsample(scale_factor=2, mode="bilinear"), m.AdaptiveMaxPool2d(5))
    torch.manual_seed(0)
    t, s = build(tnn), build(nn)
    s.load_state_dict({k: sj.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    x = rng.standard_normal((2, 4, 3, 3)).astype(np.float32)
    ys, yt = s(sj.tensor(x)), t(torch.tensor(x))
    np.testing.assert_allclose(ys.detach().numpy(), yt.detach().numpy(), atol=2e-5)
    ys.sum().backward()
    yt.sum().backward()
    for (name, p), (_, tp) in zip(s.named_parameters(), t.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), atol=1e-4, rtol=1e-4, err_msg=name)
