"""shenjing.nn.init against torch.nn.init: gains, exact fills, distribution statistics, errors."""

import math
import warnings

import numpy as np
import pytest
import torch

import shenjing as sj
from shenjing.nn import init

N = 200_000  # entries for the statistics tests (tolerances ~5 standard errors)

GAINS = [("linear", None), ("conv1d", None), ("conv2d", None), ("conv3d", None), ("conv_transpose1d", None),
         ("conv_transpose2d", None), ("conv_transpose3d", None), ("sigmoid", None), ("tanh", None),
         ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", 1), ("leaky_relu", math.sqrt(5)),
         ("selu", None)]


@pytest.mark.parametrize("name,param", GAINS)
def test_calculate_gain(name, param):
    assert init.calculate_gain(name, param) == pytest.approx(torch.nn.init.calculate_gain(name, param), rel=1e-12)


@pytest.mark.parametrize("name,param,match", [("gelu", None, "Unsupported nonlinearity gelu"),
                                              ("leaky_relu", True, "negative_slope True not a valid number"),
                                              ("leaky_relu", "a", "negative_slope a not a valid number")])
def test_calculate_gain_errors(name, param, match):
    for mod in (init, torch.nn.init):
        with pytest.raises(ValueError, match=match):
            mod.calculate_gain(name, param)


# ----------------------------------------------------------------- deterministic fills
def test_constant_ones_zeros_eye():
    w = sj.empty(3, 4)
    v = w._version
    assert init.constant_(w, 2.5) is w
    np.testing.assert_array_equal(w.data, np.full((3, 4), 2.5))
    np.testing.assert_array_equal(init.ones_(w).data, np.ones((3, 4)))
    np.testing.assert_array_equal(init.zeros_(w).data, np.zeros((3, 4)))
    np.testing.assert_array_equal(init.eye_(w).data, torch.nn.init.eye_(torch.empty(3, 4)).numpy())
    assert w.dtype == sj.float32 and w._version == v + 4


@pytest.mark.parametrize("shape,groups", [((4, 4, 3), 1), ((6, 4, 3, 3), 2), ((3, 5, 3, 3), 1), ((8, 2, 3, 5, 5), 4),
                                          ((5, 2, 2, 4), 1)])
def test_dirac_matches_torch(shape, groups):
    w = sj.randn(*shape)
    t = torch.randn(*shape)
    assert init.dirac_(w, groups) is w
    torch.nn.init.dirac_(t, groups)
    np.testing.assert_array_equal(w.data, t.numpy())


def test_dirac_is_identity_convolution():
    x = sj.randn(2, 3, 8, 8)
    w = init.dirac_(sj.empty(3, 3, 3, 3))
    np.testing.assert_allclose(sj.nn.functional.conv2d(x, w, padding=1).data, x.data, atol=1e-6)


@pytest.mark.parametrize("fn,args,match", [
    ("dirac_", ((3, 3), 1), "Only tensors with 3, 4, or 5 dimensions are supported"),
    ("dirac_", ((5, 3, 3), 2), "dim 0 must be divisible by groups"),
    ("sparse_", ((3,), 0.1), "Only tensors with 2 dimensions are supported"),
    ("orthogonal_", ((3,),), "Only tensors with 2 or more dimensions are supported"),
    ("eye_", ((3, 3, 3),), "Only tensors with 2 dimensions are supported"),
    ("xavier_uniform_", ((3,),), "Fan in and fan out can not be computed"),
    ("xavier_normal_", ((3,),), "Fan in and fan out can not be computed"),
    ("kaiming_uniform_", ((3,),), "Fan in and fan out can not be computed"),
])
def test_errors_like_torch(fn, args, match):
    shape, *rest = args
    for lib, mod in ((sj, init), (torch, torch.nn.init)):
        with pytest.raises(ValueError, match=match):
            getattr(mod, fn)(lib.empty(*shape), *rest)


@pytest.mark.parametrize("fn", ["kaiming_uniform_", "kaiming_normal_"])
def test_kaiming_mode_error_and_zero_element(fn):
    for lib, mod in ((sj, init), (torch, torch.nn.init)):
        with pytest.raises(ValueError, match=r"Mode x not supported, please use one of \['fan_in', 'fan_out'\]"):
            getattr(mod, fn)(lib.empty(3, 3), mode="x")
        with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
            w = lib.empty(0, 3)
            assert getattr(mod, fn)(w) is w


def test_zero_element_orthogonal():
    for lib, mod in ((sj, init), (torch, torch.nn.init)):
        w = lib.empty(0, 3)
        assert mod.orthogonal_(w) is w


# ----------------------------------------------------------------- random fills: statistics
def _check_uniform(x, lo, hi):
    assert x.min() >= lo and x.max() <= hi
    assert x.min() < lo + 0.01 * (hi - lo) and x.max() > hi - 0.01 * (hi - lo)
    assert x.mean() == pytest.approx((lo + hi) / 2, abs=5 * (hi - lo) / math.sqrt(12 * x.size))
    assert x.std() == pytest.approx((hi - lo) / math.sqrt(12), rel=5 / math.sqrt(x.size))


def _check_normal(x, mean, std):
    assert x.mean() == pytest.approx(mean, abs=5 * std / math.sqrt(x.size))
    assert x.std() == pytest.approx(std, rel=5 / math.sqrt(2 * x.size))


def test_uniform_normal():
    _check_uniform(init.uniform_(sj.empty(N), -2.0, 3.0).data, -2.0, 3.0)
    _check_uniform(init.uniform_(sj.empty(N)).data, 0.0, 1.0)
    _check_normal(init.normal_(sj.empty(N), 1.5, 0.5).data, 1.5, 0.5)
    _check_normal(init.normal_(sj.empty(N)).data, 0.0, 1.0)


@pytest.mark.parametrize("shape", [(400, 500), (100, 80, 3, 3)])
@pytest.mark.parametrize("gain", [1.0, 2.0])
def test_xavier(shape, gain):
    fan_in = shape[1] * int(np.prod(shape[2:]))
    fan_out = shape[0] * int(np.prod(shape[2:]))
    a = gain * math.sqrt(6 / (fan_in + fan_out))
    _check_uniform(init.xavier_uniform_(sj.empty(*shape), gain=gain).data, -a, a)
    _check_normal(init.xavier_normal_(sj.empty(*shape), gain=gain).data, 0.0, gain * math.sqrt(2 / (fan_in + fan_out)))


@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
@pytest.mark.parametrize("nonlinearity,a", [("leaky_relu", 0), ("leaky_relu", math.sqrt(5)), ("relu", 0),
                                            ("tanh", 0), ("leaky_relu", 0.2)])
def test_kaiming(mode, nonlinearity, a):
    shape = (300, 200, 2, 2)
    fan = (shape[1] if mode == "fan_in" else shape[0]) * 4
    gain = torch.nn.init.calculate_gain(nonlinearity, a)
    bound = gain * math.sqrt(3 / fan)
    _check_uniform(init.kaiming_uniform_(sj.empty(*shape), a=a, mode=mode, nonlinearity=nonlinearity).data,
                   -bound, bound)
    _check_normal(init.kaiming_normal_(sj.empty(*shape), a=a, mode=mode, nonlinearity=nonlinearity).data,
                  0.0, gain / math.sqrt(fan))


@pytest.mark.parametrize("mean,std,a,b", [(0.0, 1.0, -2.0, 2.0), (1.0, 2.0, -1.0, 2.0), (0.0, 0.02, -0.04, 0.04),
                                          (0.5, 1.0, 0.0, 3.0)])
def test_trunc_normal(mean, std, a, b):
    x = init.trunc_normal_(sj.empty(N), mean=mean, std=std, a=a, b=b).data
    assert x.min() >= a and x.max() <= b
    alpha, beta = (a - mean) / std, (b - mean) / std  # the truncated normal's mean and std, in closed form
    phi = [math.exp(-v * v / 2) / math.sqrt(2 * math.pi) for v in (alpha, beta)]
    z = (math.erf(beta / math.sqrt(2)) - math.erf(alpha / math.sqrt(2))) / 2
    m = mean + std * (phi[0] - phi[1]) / z
    var = std**2 * (1 + (alpha * phi[0] - beta * phi[1]) / z - ((phi[0] - phi[1]) / z) ** 2)
    assert x.mean() == pytest.approx(m, abs=5 * math.sqrt(var / N))
    assert x.std() == pytest.approx(math.sqrt(var), rel=0.01)
    t = torch.nn.init.trunc_normal_(torch.empty(N), mean=mean, std=std, a=a, b=b).numpy()
    assert x.mean() == pytest.approx(t.mean(), abs=10 * math.sqrt(var / N))


def test_trunc_normal_warns_far_mean():
    with pytest.warns(UserWarning, match="mean is more than 2 std from"):
        x = init.trunc_normal_(sj.empty(1000), mean=10.0, std=1.0, a=-2.0, b=2.0)
    assert np.isfinite(x.data).all() and x.data.min() >= -2 and x.data.max() <= 2


@pytest.mark.parametrize("shape", [(5, 8), (8, 5), (6, 6), (4, 3, 2, 2), (1, 7)])
@pytest.mark.parametrize("gain", [1.0, 1.7])
def test_orthogonal(shape, gain):
    w = init.orthogonal_(sj.empty(*shape), gain=gain)
    q = w.data.reshape(shape[0], -1).astype(np.float64) / gain
    small = q @ q.T if q.shape[0] <= q.shape[1] else q.T @ q
    np.testing.assert_allclose(small, np.eye(small.shape[0]), atol=1e-5)
    assert w.shape == shape and w.dtype == sj.float32


@pytest.mark.parametrize("sparsity", [0.1, 0.5, 0.0, 1.0])
def test_sparse(sparsity):
    rows, cols = 200, 300
    w = init.sparse_(sj.empty(rows, cols), sparsity, std=0.5)
    zeros = (w.data == 0).sum(axis=0)
    np.testing.assert_array_equal(zeros, math.ceil(sparsity * rows))
    t = torch.nn.init.sparse_(torch.empty(rows, cols), sparsity, std=0.5)
    np.testing.assert_array_equal((t.numpy() == 0).sum(axis=0), zeros)
    rest = w.data[w.data != 0]
    if rest.size:
        assert rest.std() == pytest.approx(0.5, rel=0.05)
    if 0 < sparsity < 1:  # the zeros fall on different rows in different columns
        assert len({tuple(np.flatnonzero(w.data[:, j] == 0)) for j in range(cols)}) > cols // 2


@pytest.mark.parametrize("fn,args", [("uniform_", (-1.0, 1.0)), ("normal_", (0.0, 1.0)), ("xavier_uniform_", ()),
                                     ("xavier_normal_", ()), ("kaiming_uniform_", ()), ("kaiming_normal_", ()),
                                     ("trunc_normal_", ()), ("orthogonal_", ()), ("sparse_", (0.3,))])
def test_generator_reproducible(fn, args):
    def draw(seed):
        g = sj.Generator().manual_seed(seed)
        return getattr(init, fn)(sj.empty(20, 30), *args, generator=g).data.copy()

    np.testing.assert_array_equal(draw(3), draw(3))
    assert not np.array_equal(draw(3), draw(4))
    sj.manual_seed(5)
    a = getattr(init, fn)(sj.empty(20, 30), *args).data.copy()
    sj.manual_seed(5)
    np.testing.assert_array_equal(a, getattr(init, fn)(sj.empty(20, 30), *args).data)


def test_parameter_init_keeps_identity_and_grad():
    p = sj.nn.Parameter(sj.empty(4, 5))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert init.kaiming_uniform_(p) is p
    assert p.requires_grad and p.is_leaf
    (p * 2).sum().backward()
    np.testing.assert_array_equal(p.grad.data, np.full((4, 5), 2.0))
