"""Convolutional layers against PyTorch: conv1d/conv2d, max/avg/adaptive pooling, batch norm and
dropout2d — forward values and the gradient of every input, float64 (and float32 where noted).

torch is imported at the top: without it these tests fail, they never skip.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import shenjing as sj
import shenjing.nn.functional as F


def _conv_cases():
    """Strides 1–3, paddings (ints, pairs, 'same', 'valid'), dilations 1–2, groups (incl. depthwise),
    odd and non-square images and kernels, batch size 1; a fixed random sample of the full grid plus
    hand-picked corners."""
    cases = [
        # (N, C, H, W, O, kernel, stride, padding, dilation, groups, bias)
        (1, 1, 28, 28, 6, (5, 5), 1, 2, 1, 1, True),  # LeNet's first layer, batch 1
        (2, 6, 14, 14, 16, (5, 5), 1, 0, 1, 1, True),  # LeNet's second layer
        (2, 3, 9, 7, 4, (3, 2), (2, 3), (1, 0), (2, 1), 1, False),
        (1, 4, 8, 9, 4, (3, 3), 1, "same", 1, 4, True),  # depthwise, 'same'
        (2, 4, 10, 10, 8, (3, 3), 2, 1, 1, 4, True),  # depthwise with channel multiplier 2
        (2, 6, 7, 11, 9, (2, 4), 1, "same", 2, 3, True),  # even kernel: PyTorch pads more at the end
        (3, 2, 5, 5, 3, (1, 1), 3, 0, 1, 1, True),
        (1, 3, 6, 6, 2, (6, 6), 1, "valid", 1, 1, True),  # kernel = image: a 1x1 output
        (2, 2, 13, 5, 4, (4, 1), (3, 1), (2, 0), (2, 1), 2, True),
    ]
    rng = np.random.default_rng(7)
    grid = list(itertools.product([1, 2, 3], [0, 1, (2, 1), "same", "valid"], [1, 2], [1, 2, "dw"],
                                  [(3, 3), (2, 3), (1, 1), (5, 2)]))
    for i in rng.choice(len(grid), 36, replace=False):
        stride, padding, dilation, groups, kernel = grid[i]
        if padding == "same" and stride != 1:
            padding = 1
        c = 4 if groups == "dw" else 2 * (groups if groups != "dw" else 1)
        g = c if groups == "dw" else groups
        o = 2 * g
        n = int(rng.integers(1, 3))
        h, w = int(rng.integers(7, 12)) | 1, int(rng.integers(6, 12))
        cases.append((n, c, h, w, o, kernel, stride, padding, dilation, g, bool(rng.integers(0, 2))))
    return cases


CONV_CASES = _conv_cases()


@pytest.mark.parametrize("case", CONV_CASES, ids=[str(i) for i in range(len(CONV_CASES))])
def test_conv2d(parity, rng, case):
    n, c, h, w, o, kernel, stride, padding, dilation, groups, bias = case
    args = [rng.standard_normal((n, c, h, w)), rng.standard_normal((o, c // groups) + kernel)]
    if bias:
        args.append(rng.standard_normal(o))
    kw = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    parity(lambda *a: F.conv2d(*a, **kw), lambda *a: TF.conv2d(*a, **kw), *args)


@pytest.mark.parametrize("stride,padding,dilation,groups", [
    (1, 0, 1, 1), (2, 1, 1, 1), (3, 2, 2, 1), (1, "same", 2, 2), (1, "valid", 1, 4), (2, 0, 1, 2),
])
def test_conv1d(parity, rng, stride, padding, dilation, groups):
    x, w, b = rng.standard_normal((2, 4, 13)), rng.standard_normal((4, 4 // groups, 3)), rng.standard_normal(4)
    kw = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    parity(lambda *a: F.conv1d(*a, **kw), lambda *a: TF.conv1d(*a, **kw), x, w, b)


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
def test_conv_unbatched_and_float32(parity, rng):
    x, w, b = rng.standard_normal((3, 9, 8)), rng.standard_normal((5, 3, 3, 3)), rng.standard_normal(5)
    parity(lambda *a: F.conv2d(*a, padding=1), lambda *a: TF.conv2d(*a, padding=1), x, w, b)
    x32, w32, b32 = (rng.standard_normal((2, 3, 9, 8)).astype(np.float32),
                     rng.standard_normal((5, 3, 3, 3)).astype(np.float32), rng.standard_normal(5).astype(np.float32))
    out = parity(lambda *a: F.conv2d(*a, stride=2), lambda *a: TF.conv2d(*a, stride=2), x32, w32, b32,
                 atol=1e-5, rtol=1e-5)
    assert out[0].dtype == sj.float32
    x1 = rng.standard_normal((3, 12))
    parity(lambda a, k: F.conv1d(a, k, padding="same"), lambda a, k: TF.conv1d(a, k, padding="same"),
           x1, rng.standard_normal((2, 3, 4)))


def test_conv_stack_channels_last_gradients(parity, rng):
    """conv → relu → pool → conv → batch norm: the inner layers see channels-last memory."""
    x = rng.standard_normal((2, 3, 12, 12))
    w1, b1 = rng.standard_normal((5, 3, 3, 3)), rng.standard_normal(5)
    w2, b2 = rng.standard_normal((4, 5, 3, 3)), rng.standard_normal(4)
    gamma, beta = rng.uniform(0.5, 1.5, 4), rng.standard_normal(4)

    def net(lib, fn):
        def f(x, w1, b1, w2, b2, gamma, beta):
            h = fn.max_pool2d(fn.relu(fn.conv2d(x, w1, b1, padding=1)), 2)
            h = fn.conv2d(h, w2, b2)
            return fn.batch_norm(h, None, None, gamma, beta, training=True)
        return f

    parity(net(sj, F), net(torch, TF), x, w1, b1, w2, b2, gamma, beta)


# ----------------------------------------------------------------- pooling
POOL_CASES = [
    # kernel, stride, padding, dilation, ceil_mode, (H, W)
    (2, None, 0, 1, False, (28, 28)), (2, 2, 0, 1, False, (9, 7)), (3, 2, 1, 1, False, (11, 10)),
    ((3, 2), (1, 3), (1, 0), (2, 1), True, (11, 8)), (2, 2, 0, 1, True, (7, 9)), (3, 3, 0, 1, False, (10, 11)),
    (3, 1, 1, 2, False, (8, 8)), ((2, 3), (2, 1), (1, 1), 1, True, (9, 10)), (1, 2, 0, 1, False, (5, 6)),
]


@pytest.mark.parametrize("kernel,stride,padding,dilation,ceil_mode,size", POOL_CASES, ids=str)
@pytest.mark.parametrize("ties", [False, True], ids=["distinct", "ties"])
def test_max_pool2d(parity, rng, kernel, stride, padding, dilation, ceil_mode, size, ties):
    shape = (2, 3) + size
    x = rng.integers(0, 3, shape).astype(np.float64) if ties else rng.standard_normal(shape)
    kw = dict(kernel_size=kernel, stride=stride, padding=padding, dilation=dilation, ceil_mode=ceil_mode)
    parity(lambda a: F.max_pool2d(a, **kw), lambda a: TF.max_pool2d(a, **kw), x)
    out, idx = F.max_pool2d(sj.tensor(x), return_indices=True, **kw)
    t_out, t_idx = TF.max_pool2d(torch.tensor(x), return_indices=True, **kw)
    np.testing.assert_array_equal(idx.numpy(), t_idx.numpy())
    assert idx.dtype == sj.int64


def test_max_pool2d_ties_after_relu_channels_last(parity, rng):
    """ReLU zeros make whole windows tie; the gradient must go to the first one, as in PyTorch."""
    x, w = rng.standard_normal((2, 3, 8, 8)), rng.standard_normal((6, 3, 3, 3))
    parity(lambda a, k: F.max_pool2d(F.relu(F.conv2d(a, k, padding=1)), 2),
           lambda a, k: TF.max_pool2d(TF.relu(TF.conv2d(a, k, padding=1)), 2), x, w)


def test_max_pool2d_nan_like_pytorch(rng):
    x = rng.integers(0, 3, (2, 2, 6, 6)).astype(np.float64)
    x[rng.random(x.shape) < 0.2] = np.nan
    for kw in (dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1)):
        out, idx = F.max_pool2d(sj.tensor(x), return_indices=True, **kw)
        t_out, t_idx = TF.max_pool2d(torch.tensor(x), return_indices=True, **kw)
        np.testing.assert_array_equal(out.numpy(), t_out.numpy())
        np.testing.assert_array_equal(idx.numpy(), t_idx.numpy())


def test_max_pool2d_module_return_indices_and_unbatched(parity, rng):
    x = rng.standard_normal((3, 7, 9))
    parity(lambda a: sj.nn.MaxPool2d(3, 2, 1, return_indices=True)(a),
           lambda a: torch.nn.MaxPool2d(3, 2, 1, return_indices=True)(a), x)


AVG_CASES = [
    (2, None, 0, False, True), (3, 2, 1, False, True), (3, 2, 1, False, False), ((3, 2), (2, 1), (1, 1), True, True),
    ((3, 2), (2, 1), (1, 1), True, False), (2, 3, 1, True, False), (4, 4, 2, False, True),
]


@pytest.mark.parametrize("kernel,stride,padding,ceil_mode,count_include_pad", AVG_CASES, ids=str)
def test_avg_pool2d(parity, rng, kernel, stride, padding, ceil_mode, count_include_pad):
    kw = dict(kernel_size=kernel, stride=stride, padding=padding, ceil_mode=ceil_mode,
              count_include_pad=count_include_pad)
    x = rng.standard_normal((2, 3, 9, 10))
    parity(lambda a: F.avg_pool2d(a, **kw), lambda a: TF.avg_pool2d(a, **kw), x)


def test_avg_pool2d_divisor_override(parity, rng):
    x = rng.standard_normal((1, 2, 6, 6))
    parity(lambda a: F.avg_pool2d(a, 3, 2, 1, divisor_override=5),
           lambda a: TF.avg_pool2d(a, 3, 2, 1, divisor_override=5), x)


@pytest.mark.parametrize("size,out", [((8, 8), 1), ((8, 8), (2, 4)), ((10, 7), (3, 4)), ((5, 9), (None, 2)),
                                      ((7, 7), 7), ((6, 5), (4, 3))], ids=str)
def test_adaptive_avg_pool2d(parity, rng, size, out):
    x = rng.standard_normal((2, 3) + size)
    parity(lambda a: F.adaptive_avg_pool2d(a, out), lambda a: TF.adaptive_avg_pool2d(a, out), x)
    parity(lambda a: sj.nn.AdaptiveAvgPool2d(out)(a), lambda a: torch.nn.AdaptiveAvgPool2d(out)(a), x[0])


# ----------------------------------------------------------------- batch norm
def _copy_bn(s, t):
    with torch.no_grad():
        t.weight.copy_(torch.tensor(s.weight.detach().numpy()))
        t.bias.copy_(torch.tensor(s.bias.detach().numpy()))


@pytest.mark.parametrize("cls,shape,layout", [
    ("BatchNorm2d", (4, 3, 5, 6), "C"), ("BatchNorm2d", (4, 3, 5, 6), "channels_last"),
    ("BatchNorm2d", (1, 2, 3, 3), "C"), ("BatchNorm1d", (6, 5), "C"), ("BatchNorm1d", (4, 3, 7), "C"),
    ("BatchNorm1d", (4, 3, 7), "channels_last"),
])
@pytest.mark.parametrize("kw", [{}, {"momentum": None}, {"momentum": 0.3, "eps": 1e-3}, {"affine": False}],
                         ids=["default", "cumulative", "momentum0.3", "no-affine"])
def test_batch_norm_module_train_then_eval(rng, cls, shape, layout, kw):
    s = getattr(sj.nn, cls)(shape[1], **kw).double()
    t = getattr(torch.nn, cls)(shape[1], **kw).double()
    if s.affine:
        s.weight.data[...] = rng.uniform(0.5, 1.5, shape[1])
        s.bias.data[...] = rng.standard_normal(shape[1])
        _copy_bn(s, t)

    def run(train: bool):
        s.train(train)
        t.train(train)
        x = rng.standard_normal(shape) * 2 + 1
        if layout == "channels_last":
            x = np.ascontiguousarray(np.moveaxis(x, 1, -1))
            x = np.moveaxis(x, -1, 1)
        g = rng.standard_normal(shape)
        xs, xt = sj.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        ys, yt = s(xs), t(xt)
        np.testing.assert_allclose(ys.detach().numpy(), yt.detach().numpy(), atol=1e-10, rtol=1e-8)
        (ys * sj.tensor(g)).sum().backward()
        (yt * torch.tensor(g)).sum().backward()
        np.testing.assert_allclose(xs.grad.numpy(), xt.grad.numpy(), atol=1e-10, rtol=1e-8)
        if s.affine:
            np.testing.assert_allclose(s.weight.grad.numpy(), t.weight.grad.numpy(), atol=1e-10, rtol=1e-8)
            np.testing.assert_allclose(s.bias.grad.numpy(), t.bias.grad.numpy(), atol=1e-10, rtol=1e-8)
            s.weight.grad = s.bias.grad = None
            t.weight.grad = t.bias.grad = None
        np.testing.assert_allclose(s.running_mean.numpy(), t.running_mean.numpy(), atol=1e-12, rtol=1e-10)
        np.testing.assert_allclose(s.running_var.numpy(), t.running_var.numpy(), atol=1e-12, rtol=1e-10)
        assert int(s.num_batches_tracked.item()) == int(t.num_batches_tracked.item())

    for _ in range(4):
        run(True)
    run(False)
    run(False)
    run(True)
    assert set(s.state_dict()) == set(t.state_dict())


def test_batch_norm_without_running_stats(parity, rng):
    x, g, b = rng.standard_normal((5, 3, 4, 4)), rng.uniform(0.5, 2, 3), rng.standard_normal(3)
    parity(lambda *a: F.batch_norm(a[0], None, None, a[1], a[2], training=True),
           lambda *a: TF.batch_norm(a[0], None, None, a[1], a[2], training=True), x, g, b)
    s = sj.nn.BatchNorm2d(3, track_running_stats=False).double().eval()
    t = torch.nn.BatchNorm2d(3, track_running_stats=False).double().eval()
    assert s.running_mean is None and s.num_batches_tracked is None
    parity(s, t, x)  # eval without running statistics normalises with the batch's own


def test_batch_norm_functional_eval_and_float32(parity, rng):
    rm, rv = rng.standard_normal(4), rng.uniform(0.5, 2, 4)

    class Const:
        def __init__(self, a):
            self.const_array = a

    x, g, b = rng.standard_normal((3, 4, 5, 5)), rng.uniform(0.5, 2, 4), rng.standard_normal(4)
    parity(lambda x, m, v, g, b: F.batch_norm(x, m, v, g, b, training=False, eps=1e-3),
           lambda x, m, v, g, b: TF.batch_norm(x, m, v, g, b, training=False, eps=1e-3),
           x, Const(rm), Const(rv), g, b)
    x32 = rng.standard_normal((8, 4, 6, 6)).astype(np.float32) * 3 + 2
    s, t = sj.nn.BatchNorm2d(4), torch.nn.BatchNorm2d(4)
    out = parity(s, t, x32, atol=1e-5, rtol=1e-4)
    assert out[0].dtype == sj.float32
    np.testing.assert_allclose(s.running_var.numpy(), t.running_var.numpy(), rtol=1e-5)


def test_batch_norm_one_value_per_channel_in_training_is_an_error():
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        sj.nn.BatchNorm1d(3)(sj.randn(1, 3))


# ----------------------------------------------------------------- dropout2d
def test_dropout2d_zeroes_whole_channels(rng):
    x = sj.ones(64, 32, 3, 3, requires_grad=True)
    sj.manual_seed(0)
    y = F.dropout2d(x, 0.25)
    maps = y.detach().numpy().reshape(64, 32, 9)
    assert set(np.unique(maps).tolist()) <= {0.0, float(np.float32(1 / 0.75))}
    assert (maps.min(axis=2) == maps.max(axis=2)).all()  # each feature map all kept or all dropped
    assert abs((maps[:, :, 0] == 0).mean() - 0.25) < 0.04
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.detach().numpy())
    layer = sj.nn.Dropout2d(0.5).eval()
    assert layer(x) is x
    assert repr(layer) == repr(torch.nn.Dropout2d(0.5))
    np.testing.assert_array_equal(F.dropout2d(x, 0.0).detach().numpy(), x.detach().numpy())
    assert not F.dropout2d(x, 1.0).detach().numpy().any()
