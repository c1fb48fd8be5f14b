"""InstanceNorm1d/2d, Dropout1d, AlphaDropout, Bilinear, PixelShuffle/Unshuffle, Unfold/Fold, Softmin,
Softmax2d, GLU, Hardshrink, Softshrink and Tanhshrink against PyTorch: forward values and dtypes, input
and parameter gradients in float32 and float64 over their options, the errors, reprs, state_dicts and
(for the dropouts) the statistics and eval-mode identity."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import shenjing as sj
import shenjing.nn as nn
import shenjing.nn.functional as F

DTYPES = [np.float64, np.float32]


def _tol(dtype):
    return {"atol": 2e-5, "rtol": 2e-5} if dtype == np.float32 else {"atol": 1e-10, "rtol": 1e-8}


def both(name, *args, **kw):
    return (lambda *a: getattr(F, name)(*a, *args, **kw)), (lambda *a: getattr(TF, name)(*a, *args, **kw))


class Const:
    def __init__(self, a):
        self.const_array = a


# ----------------------------------------------------------------- elementwise-ish functions
SHRINK = np.array([-3.0, -1.2, -0.7, -0.5, -0.3, -0.0, 0.0, 0.2, 0.5, 0.51, 1.0, 2.5, 1e4, -1e4])


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("name,kw", [("hardshrink", {}), ("hardshrink", {"lambd": 1.0}), ("hardshrink", {"lambd": 0.0}),
                                     ("hardshrink", {"lambd": -1.0}), ("softshrink", {}),
                                     ("softshrink", {"lambd": 1.0}), ("softshrink", {"lambd": 0.0}),
                                     ("tanhshrink", {})], ids=str)
def test_shrink_functions(parity, rng, name, kw, dtype):
    parity(*both(name, **kw), SHRINK.astype(dtype), **_tol(dtype))
    parity(*both(name, **kw), rng.standard_normal((3, 4, 2)).astype(dtype), **_tol(dtype))
    parity(*both(name, **kw), np.asarray(dtype(0.7)), **_tol(dtype))


def test_shrink_dtypes_and_errors():
    x = np.arange(4).reshape(2, 2)
    out = F.tanhshrink(sj.tensor(x))
    assert out.dtype == sj.float32 and TF.tanhshrink(torch.tensor(x)).dtype == torch.float32
    np.testing.assert_allclose(out.numpy(), TF.tanhshrink(torch.tensor(x)).numpy(), rtol=1e-6)
    for name in ("hardshrink", "softshrink", "glu"):
        with pytest.raises(NotImplementedError):
            getattr(TF, name)(torch.tensor(x))
        with pytest.raises(NotImplementedError, match=name):
            getattr(F, name)(sj.tensor(x))
    with pytest.raises(RuntimeError):
        TF.softshrink(torch.ones(3), -1.0)
    with pytest.raises(RuntimeError, match="softshrink.*-1"):
        F.softshrink(sj.ones(3), -1.0)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("dim", [0, 1, 2, -1, -2, -3])
def test_glu(parity, rng, dim, dtype):
    parity(*both("glu", dim), rng.standard_normal((4, 6, 2)).astype(dtype), **_tol(dtype))


def test_glu_errors():
    for x, exc, msg in [(np.ones((3, 5)), RuntimeError, "dimension 1 is size 5"), (np.array(1.0), RuntimeError,
                        "scalars"), (np.ones((3, 4)), IndexError, "range")]:
        dim = 2 if exc is IndexError else -1
        with pytest.raises(exc):
            TF.glu(torch.tensor(x), dim)
        with pytest.raises(exc, match=msg):
            F.glu(sj.tensor(x), dim)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmin(parity, rng, dim, dtype):
    parity(*both("softmin", dim), rng.standard_normal((3, 5)).astype(dtype), **_tol(dtype))
    x = rng.standard_normal((3, 5)).astype(dtype)
    out = parity(lambda a: F.softmin(a, dim, dtype=sj.float64), lambda a: TF.softmin(a, dim, dtype=torch.float64),
                 x, **_tol(dtype))
    assert out[0].dtype == sj.float64


@pytest.mark.parametrize("shape", [(4,), (3, 4), (2, 3, 4), (2, 3, 4, 2)], ids=str)
def test_softmin_implicit_dim(parity, rng, shape):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parity(lambda a: F.softmin(a), lambda a: TF.softmin(a), rng.standard_normal(shape))
    with pytest.warns(UserWarning, match="Implicit dimension"):
        F.softmin(sj.tensor(rng.standard_normal(shape)))


@pytest.mark.parametrize("shape", [(3, 4, 5), (2, 3, 4, 5)], ids=str)
def test_softmax2d(parity, rng, shape):
    parity(nn.Softmax2d(), torch.nn.Softmax2d(), rng.standard_normal(shape))
    with pytest.raises(ValueError, match="3D or 4D, got 2D"):
        nn.Softmax2d()(sj.ones(2, 3))


# ----------------------------------------------------------------- bilinear
@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("shapes", [((3,), (4,)), ((5, 3), (5, 4)), ((2, 5, 3), (2, 5, 4)), ((0, 3), (0, 4))],
                         ids=str)
@pytest.mark.parametrize("bias", [True, False])
def test_bilinear_functional(parity, rng, shapes, bias, dtype):
    s1, s2 = shapes
    args = [rng.standard_normal(s).astype(dtype) for s in (s1, s2, (6, 3, 4))]
    if bias:
        args.append(rng.standard_normal(6).astype(dtype))
    parity(F.bilinear, TF.bilinear, *args, **_tol(dtype))


def test_bilinear_errors():
    cases = [((2, 3), (3, 4), (5, 3, 4), None, "batch dimensions"), ((2, 2), (2, 4), (5, 3, 4), None, "input1"),
             ((2, 3), (2, 3), (5, 3, 4), None, "input2"), ((2, 3), (2, 4), (5, 3, 4), (4,), "bias")]
    for s1, s2, sw, sb, msg in cases:
        th = [torch.ones(s) for s in (s1, s2, sw)] + [None if sb is None else torch.ones(sb)]
        with pytest.raises(RuntimeError):
            TF.bilinear(*th)
        with pytest.raises(RuntimeError, match=msg):
            F.bilinear(*[None if a is None else sj.tensor(a.numpy()) for a in th])


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("bias", [True, False])
def test_bilinear_module(rng, bias, dtype):
    th = torch.nn.Bilinear(3, 4, 5, bias=bias, dtype=getattr(torch, np.dtype(dtype).name))
    s = nn.Bilinear(3, 4, 5, bias=bias, dtype=getattr(sj, np.dtype(dtype).name))
    assert repr(s) == repr(th)
    assert [(k, tuple(v.shape)) for k, v in s.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in th.state_dict().items()]
    bound = 1 / np.sqrt(3)
    assert np.abs(s.weight.detach().numpy()).max() <= bound and s.weight.detach().numpy().std() > bound / 4
    s.load_state_dict({k: sj.tensor(v.detach().numpy()) for k, v in th.state_dict().items()})
    x1, x2 = rng.standard_normal((2, 7, 3)).astype(dtype), rng.standard_normal((2, 7, 4)).astype(dtype)
    a1, a2 = sj.tensor(x1, requires_grad=True), sj.tensor(x2, requires_grad=True)
    b1, b2 = torch.tensor(x1, requires_grad=True), torch.tensor(x2, requires_grad=True)
    out, ref = s(a1, a2), th(b1, b2)
    assert out.dtype.name == str(ref.dtype).removeprefix("torch.")
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), **_tol(dtype))
    g = rng.standard_normal(tuple(ref.shape)).astype(dtype)
    (out * sj.tensor(g)).sum().backward()
    (ref * torch.tensor(g)).sum().backward()
    for a, b in [(a1, b1), (a2, b2), (s.weight, th.weight)] + ([(s.bias, th.bias)] if bias else []):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **_tol(dtype))
    with pytest.raises(ValueError, match="in1_features"):
        nn.Bilinear(0, 2, 3)


# ----------------------------------------------------------------- pixel shuffle
@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("r", [1, 2, 3])
@pytest.mark.parametrize("lead", [(), (2,), (2, 3)], ids=str)
def test_pixel_shuffle(parity, rng, r, lead, dtype):
    parity(*both("pixel_shuffle", r), rng.standard_normal(lead + (2 * r * r, 3, 2)).astype(dtype), **_tol(dtype))
    parity(*both("pixel_unshuffle", r), rng.standard_normal(lead + (2, 3 * r, 2 * r)).astype(dtype), **_tol(dtype))
    parity(nn.PixelShuffle(r), torch.nn.PixelShuffle(r), rng.standard_normal(lead + (r * r, 2, 2)).astype(dtype))
    parity(nn.PixelUnshuffle(r), torch.nn.PixelUnshuffle(r), rng.standard_normal(lead + (1, r, r)).astype(dtype))


def test_pixel_shuffle_ints_and_errors():
    x = np.arange(2 * 16 * 3).reshape(2, 16, 3, 1)
    out = F.pixel_shuffle(sj.tensor(x), 4)
    assert out.dtype == sj.int64
    np.testing.assert_array_equal(out.numpy(), TF.pixel_shuffle(torch.tensor(x), 4).numpy())
    cases = [("pixel_shuffle", (4, 3), 2, "at least 3 dimensions"), ("pixel_shuffle", (2, 5, 3, 3), 2, "divisible"),
             ("pixel_shuffle", (2, 4, 3, 3), 0, "positive"), ("pixel_shuffle", (2, 4, 3, 3), -1, "positive"),
             ("pixel_unshuffle", (4, 4), 2, "at least 3"), ("pixel_unshuffle", (2, 1, 3, 4), 2, "height"),
             ("pixel_unshuffle", (2, 1, 4, 3), 2, "width"), ("pixel_unshuffle", (2, 1, 4, 4), 0, "positive")]
    for name, shape, r, msg in cases:
        with pytest.raises(RuntimeError):
            getattr(TF, name)(torch.ones(shape), r)
        with pytest.raises(RuntimeError, match=msg):
            getattr(F, name)(sj.ones(*shape), r)
    assert repr(nn.PixelShuffle(2)) == repr(torch.nn.PixelShuffle(2))
    assert repr(nn.PixelUnshuffle(3)) == repr(torch.nn.PixelUnshuffle(3))


# ----------------------------------------------------------------- unfold / fold
GEOMS = [
    dict(kernel_size=2),
    dict(kernel_size=(2, 3)),
    dict(kernel_size=3, padding=1),
    dict(kernel_size=(3, 2), stride=(2, 1)),
    dict(kernel_size=2, dilation=2, padding=(1, 2), stride=2),
    dict(kernel_size=(1, 1)),
    dict(kernel_size=(5, 6)),
    dict(kernel_size=[2, 2], dilation=(1, 2), padding=[0, 1], stride=(3, 1)),
]


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("geom", GEOMS, ids=str)
def test_unfold_fold(parity, rng, geom, dtype):
    x = rng.standard_normal((2, 3, 5, 6)).astype(dtype)
    parity(*both("unfold", **geom), x, **_tol(dtype))
    parity(*both("unfold", **geom), x[0], **_tol(dtype))
    cols = TF.unfold(torch.tensor(x), **geom)
    c = rng.standard_normal(tuple(cols.shape)).astype(dtype)
    parity(*both("fold", (5, 6), **geom), c, **_tol(dtype))
    parity(*both("fold", (5, 6), **geom), c[1], **_tol(dtype))
    parity(nn.Unfold(**geom), torch.nn.Unfold(**geom), x, **_tol(dtype))
    parity(nn.Fold((5, 6), **geom), torch.nn.Fold((5, 6), **geom), c, **_tol(dtype))
    assert repr(nn.Unfold(**geom)) == repr(torch.nn.Unfold(**geom))
    assert repr(nn.Fold((5, 6), **geom)) == repr(torch.nn.Fold((5, 6), **geom))


def test_unfold_fold_channels_last_input(parity, rng):
    x = np.ascontiguousarray(rng.standard_normal((2, 4, 5, 3)).transpose(0, 3, 1, 2))
    parity(*both("unfold", 2, padding=1), x)


def test_unfold_fold_errors():
    unfold_cases = [((1, 1, 4, 4), dict(kernel_size=5), "at least one"), ((1, 1, 4, 4), dict(kernel_size=0), "kernel"),
                    ((1, 1, 4, 4), dict(kernel_size=2, stride=0), "stride"),
                    ((1, 1, 4, 4), dict(kernel_size=2, padding=-1), "padding"),
                    ((1, 1, 4, 4), dict(kernel_size=2, dilation=0), "dilation"),
                    ((1, 1, 4, 4), dict(kernel_size=(2, 2, 2)), "kernel_size"),
                    ((1, 1, 1, 4, 4), dict(kernel_size=2), "4-D")]
    for shape, kw, msg in unfold_cases:
        with pytest.raises(RuntimeError):
            TF.unfold(torch.ones(shape), **kw)
        with pytest.raises(RuntimeError, match=msg):
            F.unfold(sj.ones(*shape), **kw)
    fold_cases = [((1, 12, 5), "sliding blocks 2 \\* 3 = 6"), ((1, 13, 6), "divisible"), ((1, 1, 12, 6), "3-D")]
    for shape, msg in fold_cases:
        with pytest.raises(RuntimeError):
            TF.fold(torch.ones(shape), (3, 4), 2)
        with pytest.raises(RuntimeError, match=msg):
            F.fold(sj.ones(*shape), (3, 4), 2)
    with pytest.raises(NotImplementedError):
        TF.unfold(torch.ones(1, 1, 4, 4, dtype=torch.long), 2)
    with pytest.raises(NotImplementedError, match="unfold"):
        F.unfold(sj.ones(1, 1, 4, 4, dtype=sj.int64), 2)
    with pytest.raises(NotImplementedError, match="fold"):
        F.fold(sj.ones(1, 12, 6, dtype=sj.int64), (3, 4), 2)


# ----------------------------------------------------------------- instance norm
@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("shape", [(2, 3, 5), (2, 3, 4, 5), (1, 3, 2)], ids=str)
@pytest.mark.parametrize("affine", [False, True])
def test_instance_norm_functional(parity, rng, shape, affine, dtype):
    x = (rng.standard_normal(shape) * 3 + 1).astype(dtype)
    w, b = rng.standard_normal(3).astype(dtype), rng.standard_normal(3).astype(dtype)
    if affine:
        parity(lambda a, ww, bb: F.instance_norm(a, weight=ww, bias=bb, eps=1e-3),
               lambda a, ww, bb: TF.instance_norm(a, weight=ww, bias=bb, eps=1e-3), x, w, b, **_tol(dtype))
    else:
        parity(F.instance_norm, TF.instance_norm, x, **_tol(dtype))
    rm, rv = rng.standard_normal(3).astype(dtype), (rng.random(3) + 0.5).astype(dtype)
    parity(lambda a, m, v, ww, bb: F.instance_norm(a, m, v, ww, bb, use_input_stats=False),
           lambda a, m, v, ww, bb: TF.instance_norm(a, m, v, ww, bb, use_input_stats=False),
           x, Const(rm), Const(rv), w, b, **_tol(dtype))


@pytest.mark.parametrize("momentum", [0.1, 0.5])
def test_instance_norm_running_stats(rng, momentum):
    x = rng.standard_normal((4, 3, 6)) * 2 + 1
    rm, rv = np.zeros(3), np.ones(3)
    srm, srv = sj.tensor(rm.copy()), sj.tensor(rv.copy())
    trm, trv = torch.tensor(rm.copy()), torch.tensor(rv.copy())
    out = F.instance_norm(sj.tensor(x), srm, srv, momentum=momentum)
    ref = TF.instance_norm(torch.tensor(x), trm, trv, momentum=momentum)
    np.testing.assert_allclose(out.numpy(), ref.numpy(), atol=1e-10)
    np.testing.assert_allclose(srm.numpy(), trm.numpy(), atol=1e-12)
    np.testing.assert_allclose(srv.numpy(), trv.numpy(), atol=1e-12)


def test_instance_norm_errors():
    cases = [(dict(), (2, 3, 1), ValueError, "more than 1 spatial"), (dict(), (2, 3), ValueError, "spatial"),
             (dict(weight=np.ones(2)), (2, 3, 4), RuntimeError, "weight"),
             (dict(running_mean=np.zeros(2), running_var=np.ones(2)), (2, 3, 4), RuntimeError, "running_mean"),
             (dict(use_input_stats=False), (2, 3, 4), RuntimeError, "running_mean and running_var")]
    for kw, shape, exc, msg in cases:
        with pytest.raises(exc):
            TF.instance_norm(torch.ones(shape), **{k: torch.tensor(v) if isinstance(v, np.ndarray) else v
                                                   for k, v in kw.items()})
        with pytest.raises(exc, match=msg):
            F.instance_norm(sj.ones(*shape), **{k: sj.tensor(v) if isinstance(v, np.ndarray) else v
                                                for k, v in kw.items()})
    with pytest.raises(NotImplementedError):
        F.instance_norm(sj.ones(2, 3, 4, dtype=sj.int64))


MODULE_OPTS = [dict(), dict(affine=True), dict(affine=True, bias=False), dict(track_running_stats=True),
               dict(affine=True, track_running_stats=True, momentum=0.3, eps=1e-3),
               dict(track_running_stats=True, momentum=None)]


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("kind,shape", [("InstanceNorm1d", (2, 3, 5)), ("InstanceNorm1d", (3, 5)),
                                        ("InstanceNorm2d", (2, 3, 4, 5)), ("InstanceNorm2d", (3, 4, 5))], ids=str)
@pytest.mark.parametrize("opts", MODULE_OPTS, ids=str)
def test_instance_norm_modules(rng, kind, shape, opts, dtype):
    tdt, sdt = getattr(torch, np.dtype(dtype).name), getattr(sj, np.dtype(dtype).name)
    th = getattr(torch.nn, kind)(3, **opts, dtype=tdt)
    s = getattr(nn, kind)(3, **opts, dtype=sdt)
    assert repr(s) == repr(th)
    assert [(k, tuple(v.shape)) for k, v in s.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in th.state_dict().items()]
    with torch.no_grad():  # non-trivial parameters and statistics, loaded from torch's state_dict
        for p in th.parameters():
            p.copy_(torch.tensor(rng.standard_normal(tuple(p.shape))))
        if th.running_var is not None:
            th.running_mean.copy_(torch.tensor(rng.standard_normal(3)))
            th.running_var.copy_(torch.tensor(rng.random(3) + 0.5))
    s.load_state_dict({k: sj.tensor(v.detach().numpy()) for k, v in th.state_dict().items()})
    for training in (True, False, True):
        s.train(training)
        th.train(training)
        x = (rng.standard_normal(shape) * 2 + 1).astype(dtype)
        a, b = sj.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        out, ref = s(a), th(b)
        assert out.dtype.name == str(ref.dtype).removeprefix("torch.")
        np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), **_tol(dtype))
        g = rng.standard_normal(tuple(ref.shape)).astype(dtype)
        (out * sj.tensor(g)).sum().backward()
        (ref * torch.tensor(g)).sum().backward()
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **_tol(dtype))
        for (n, p), q in zip(s.named_parameters(), th.parameters()):
            np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), err_msg=n, **_tol(dtype))
            p.grad = None
            q.grad = None
        for (n, v), w in zip(s.state_dict().items(), th.state_dict().values()):
            np.testing.assert_allclose(v.numpy(), w.numpy(), err_msg=n, **_tol(dtype))


def test_instance_norm_module_errors():
    with pytest.raises(ValueError, match="expected 2D or 3D input \\(got 4D input\\)"):
        nn.InstanceNorm1d(3)(sj.ones(2, 3, 4, 5))
    with pytest.raises(ValueError, match="expected 3D or 4D input \\(got 2D input\\)"):
        nn.InstanceNorm2d(3)(sj.ones(2, 3))
    with pytest.raises(ValueError, match="num_features \\(4\\), but got: 3"):
        nn.InstanceNorm1d(4, affine=True)(sj.ones(2, 3, 4))
    with pytest.warns(UserWarning, match="does not match num_features"):
        nn.InstanceNorm1d(4)(sj.tensor(np.random.default_rng(0).standard_normal((2, 3, 4))))


# ----------------------------------------------------------------- dropout variants
@pytest.mark.parametrize("p", [0.0, 0.3, 0.7, 1.0])
def test_dropout1d_statistics(p):
    x = sj.ones(200, 50, 8, requires_grad=True)
    y = F.dropout1d(x, p)
    arr = y.detach().numpy()
    assert np.all(arr == arr[..., :1])  # whole channels
    if p == 1.0:
        assert not arr.any()
    else:
        kept = arr[..., 0] != 0
        assert abs(kept.mean() - (1 - p)) < 0.02
        np.testing.assert_allclose(arr[..., 0][kept], 1 / (1 - p), rtol=1e-6)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), arr)  # the gradient is the mask
    y2 = F.dropout1d(sj.ones(50, 8), p)  # unbatched (C, L)
    assert tuple(y2.shape) == (50, 8) and np.all(y2.numpy() == y2.numpy()[:, :1])


def test_dropout1d_eval_and_errors():
    x = sj.tensor(np.random.default_rng(0).standard_normal((2, 3, 4)))
    m = nn.Dropout1d(0.4)
    assert repr(m) == repr(torch.nn.Dropout1d(0.4))
    m.eval()
    assert m(x) is x or np.array_equal(m(x).numpy(), x.numpy())
    assert F.dropout1d(x, 0.5, training=False) is x
    with pytest.raises(RuntimeError, match="Expected 2D or 3D input, but received a 4D"):
        F.dropout1d(sj.ones(1, 2, 3, 4))
    with pytest.raises(ValueError, match="between 0 and 1, but got 1.5"):
        F.dropout1d(x, 1.5)
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout1d(2)
    y = sj.ones(4, 6, 5)
    out = F.dropout1d(y, 0.5, inplace=True)
    assert out is y


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_alpha_dropout_statistics(p):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((400, 500))
    y = F.alpha_dropout(sj.tensor(x, requires_grad=True), p, training=True)
    arr = y.detach().numpy()
    assert abs(arr.mean()) < 0.02 and abs(arr.std() - 1) < 0.02  # self-normalising: mean 0, variance 1
    alpha = 1.7580993408473766
    a = 1 / np.sqrt((alpha ** 2 * p + 1) * (1 - p))
    kept = np.isclose(arr, a * x + alpha * a * p)
    dropped = np.isclose(arr, -alpha * a + alpha * a * p)
    assert np.all(kept | dropped) and abs(dropped.mean() - p) < 0.01
    t = torch.tensor(x)
    ref = TF.alpha_dropout(t, p, training=True).numpy()  # torch's values take the same two forms
    assert np.all(np.isclose(ref, a * x + alpha * a * p) | np.isclose(ref, -alpha * a + alpha * a * p))
    xs = sj.tensor(x, requires_grad=True)
    F.alpha_dropout(xs, p, training=True, generator=sj.Generator().manual_seed(5)).sum().backward()
    g = xs.grad.numpy()
    mask = F.alpha_dropout(sj.tensor(x), p, training=True, generator=sj.Generator().manual_seed(5)).numpy()
    np.testing.assert_allclose(g, np.where(np.isclose(mask, a * x + alpha * a * p), a, 0.0))


def test_alpha_dropout_eval_and_errors():
    x = sj.tensor(np.random.default_rng(0).standard_normal((3, 4)))
    assert F.alpha_dropout(x, 0.5) is x  # training defaults to False, as in PyTorch
    m = nn.AlphaDropout(0.2)
    assert repr(m) == repr(torch.nn.AlphaDropout(0.2))
    m.eval()
    np.testing.assert_array_equal(m(x).numpy(), x.numpy())
    assert not F.alpha_dropout(x, 1.0, training=True).numpy().any()
    np.testing.assert_array_equal(F.alpha_dropout(x, 0.0, training=True).numpy(), x.numpy())
    with pytest.raises(ValueError, match="between 0 and 1, but got 1.5"):
        F.alpha_dropout(x, 1.5)
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.AlphaDropout(-0.1)
    y = F.alpha_dropout(sj.ones(10, 10, dtype=sj.float32), 0.5, training=True)
    assert y.dtype == sj.float32


# ----------------------------------------------------------------- module reprs
@pytest.mark.parametrize("make", [
    lambda m: m.Softmin(), lambda m: m.Softmin(1), lambda m: m.Softmax2d(), lambda m: m.GLU(), lambda m: m.GLU(1),
    lambda m: m.Hardshrink(), lambda m: m.Hardshrink(0.2), lambda m: m.Softshrink(), lambda m: m.Softshrink(1.5),
    lambda m: m.Tanhshrink(), lambda m: m.Dropout1d(), lambda m: m.AlphaDropout(0.3, inplace=True),
])
def test_module_reprs(parity, rng, make):
    s, th = make(nn), make(torch.nn)
    assert repr(s) == repr(th)
    if isinstance(s, nn.Dropout1d | nn.AlphaDropout):
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parity(s, th, rng.standard_normal((2, 4, 3, 2)))
