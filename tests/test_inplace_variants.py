"""In-place Tensor methods (exp_, pow_, masked_fill_, fill_diagonal_, t_, ...) against PyTorch."""

import numpy as np
import pytest
import torch

import shenjing as sj

UNARY = ["exp_", "log_", "sqrt_", "abs_", "neg_", "sigmoid_", "tanh_", "relu_", "floor_", "ceil_", "round_",
         "sign_", "reciprocal_", "square_"]
POSITIVE = {"log_", "sqrt_", "reciprocal_"}


def _pair(shape=(3, 4), dtype=np.float64, positive=False, seed=0):
    a = np.random.default_rng(seed).standard_normal(shape).astype(dtype) * 2
    if positive:
        a = np.abs(a) + 0.5
    return sj.tensor(a.copy()), torch.tensor(a.copy())


def _same(s, t, atol=1e-6):
    assert tuple(s.shape) == tuple(t.shape)
    assert str(s.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    np.testing.assert_allclose(s.data, t.detach().numpy(), rtol=1e-5, atol=atol)


# each case: (method name, args for shenjing, args for torch)
def _cases():
    cases = [(m, (), ()) for m in UNARY]
    cases += [("pow_", (2,), (2,)), ("pow_", (0.5,), (0.5,)), ("clamp_min_", (0.1,), (0.1,)),
              ("clamp_max_", (-0.2,), (-0.2,)), ("round_", (), ())]
    return cases


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,sargs,targs", _cases())
def test_values_same_object_and_version(name, sargs, targs, dtype):
    positive = name in POSITIVE or (name == "pow_" and sargs == (0.5,))
    s, t = _pair(dtype=dtype, positive=positive)
    v_s, v_t = s._version, t._version
    r = getattr(s, name)(*sargs)
    getattr(t, name)(*targs)
    assert r is s
    _same(s, t)
    assert s._version - v_s == t._version - v_t == 1


def test_round_decimals():
    s, t = _pair()
    s.round_(decimals=2)
    t.round_(decimals=2)
    _same(s, t)


def test_pow_tensor_exponent_and_downcast():
    s, t = _pair(dtype=np.float32, positive=True)
    e = np.random.default_rng(1).standard_normal((3, 4))
    s.pow_(sj.tensor(e))  # float64 exponent, result stays float32 as in torch
    t.pow_(torch.tensor(e))
    _same(s, t, atol=1e-5)


def test_pow_broadcast_error():
    for x in (sj.randn(3), torch.randn(3)):
        with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
            x.pow_(type(x)(np.ones((2, 3))) if isinstance(x, sj.Tensor) else torch.ones(2, 3))


@pytest.mark.parametrize("name,args", [("exp_", ()), ("sqrt_", ()), ("sigmoid_", ()), ("tanh_", ()),
                                       ("reciprocal_", ()), ("pow_", (0.5,)), ("log_", ())])
def test_integer_input_error(name, args):
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type"):
        getattr(torch.tensor([1, 2]), name)(*args)
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        getattr(sj.tensor([1, 2]), name)(*args)


@pytest.mark.parametrize("name,args", [("abs_", ()), ("neg_", ()), ("relu_", ()), ("sign_", ()), ("square_", ()),
                                       ("pow_", (2,)), ("floor_", ()), ("ceil_", ()), ("round_", ())])
def test_integer_inputs_allowed(name, args):
    s, t = sj.tensor([3, -2, 0]), torch.tensor([3, -2, 0])
    getattr(s, name)(*args)
    getattr(t, name)(*args)
    _same(s, t)


@pytest.mark.parametrize("name,sargs,targs", _cases() + [("masked_fill_", "mask", "mask")])
def test_leaf_requires_grad_error(name, sargs, targs):
    s = sj.randn(3, 4).abs().add(0.5).requires_grad_()
    t = torch.randn(3, 4).abs().add(0.5).requires_grad_()
    if sargs == "mask":
        sargs, targs = (sj.tensor(np.eye(3, 4, dtype=bool)), 1.0), (torch.eye(3, 4, dtype=torch.bool), 1.0)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        getattr(t, name)(*targs)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        getattr(s, name)(*sargs)
    with sj.no_grad():  # allowed under no_grad, as in torch
        getattr(s, name)(*sargs)


def _graph(name, sargs, targs, seed=0):
    """y = w * 1.5 + 0.3; y.<name>_(...); loss = (y * c).sum(): grads of w (and of any tensor arg)."""
    positive = name in POSITIVE or name == "pow_"
    a = _pair(positive=positive, seed=seed)[0].data
    c = np.random.default_rng(seed + 7).standard_normal(a.shape)
    out = []
    for lib, args in ((sj, sargs), (torch, targs)):
        w = lib.tensor(a.copy(), requires_grad=True)
        y = w * 1.5 + 0.3
        v = y._version
        r = getattr(y, name)(*(arg(lib) if callable(arg) else arg for arg in args))
        assert r is y
        out.append((y, y._version - v))
        (y * lib.tensor(c)).sum().backward()
        out[-1] += (w.grad,)
    (ys, dvs, gs), (yt, dvt, gt) = out
    _same(ys, yt)
    assert dvs == dvt == 1
    np.testing.assert_allclose(gs.data, gt.numpy(), rtol=1e-6, atol=1e-8)
    assert ys.grad_fn is not None


@pytest.mark.parametrize("name,sargs,targs", [c for c in _cases() if c[0] not in ("floor_", "ceil_", "round_",
                                                                                    "sign_")])
def test_gradient_inside_graph(name, sargs, targs):
    _graph(name, sargs, targs)


def test_gradient_of_tensor_argument():
    """pow_(e) and masked_fill_(mask, v) with e, v requiring grad: their gradients too."""
    a = np.abs(np.random.default_rng(0).standard_normal((3, 4))) + 0.5
    e = np.random.default_rng(1).standard_normal((3, 4))
    m = a > 1
    grads = []
    for lib in (sj, torch):
        x = lib.tensor(a.copy())
        ex = lib.tensor(e.copy(), requires_grad=True)
        v = lib.tensor(2.5, dtype=lib.float64, requires_grad=True)
        x.masked_fill_(lib.tensor(m), v)
        x.pow_(ex)
        (x * x).sum().backward()
        grads.append((x, ex.grad, v.grad))
    (xs, es, vs), (xt, et, vt) = grads
    _same(xs, xt)
    np.testing.assert_allclose(es.data, et.numpy(), rtol=1e-6)
    np.testing.assert_allclose(vs.data, vt.numpy(), rtol=1e-6)


def test_stale_saved_value_is_detected():
    """exp_ on a tensor another op saved: backward refuses, as in torch."""
    w = sj.randn(3, requires_grad=True)
    x = sj.randn(3)
    y = w * x
    x.exp_()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


# ----------------------------------------------------------------- masked_fill_, index_fill_, fill_diagonal_
@pytest.mark.parametrize("value", [1.5, -3])
def test_masked_fill_(value):
    s, t = _pair()
    mask = s.data > 0.3
    vs, vt = s._version, t._version
    assert s.masked_fill_(sj.tensor(mask), value) is s
    t.masked_fill_(torch.tensor(mask), value)
    _same(s, t)
    assert s._version - vs == t._version - vt == 1
    si, ti = sj.tensor([1, 2, 3]), torch.tensor([1, 2, 3])  # float value into ints truncates
    si.masked_fill_(sj.tensor([True, False, True]), 2.7)
    ti.masked_fill_(torch.tensor([True, False, True]), 2.7)
    _same(si, ti)
    broadcast_mask = np.array([True, False, True, False])  # mask broadcast over rows
    s.masked_fill_(sj.tensor(broadcast_mask), 0.0)
    t.masked_fill_(torch.tensor(broadcast_mask), 0.0)
    _same(s, t)


def test_masked_fill_gradient():
    _graph("masked_fill_", (lambda lib: lib.tensor(np.eye(3, 4, dtype=bool)), 2.0),
           (lambda lib: lib.tensor(np.eye(3, 4, dtype=bool)), 2.0))


@pytest.mark.parametrize("dim,index", [(0, [0, 2]), (1, [1]), (-1, [3, 0]), (1, [-1]), (0, 1)])
@pytest.mark.parametrize("value", [7.0, "tensor"])
def test_index_fill_(dim, index, value):
    s, t = _pair()
    vs, vt = s._version, t._version
    sv, tv = (sj.tensor(7.0, dtype=sj.float64), torch.tensor(7.0, dtype=torch.float64)) if value == "tensor" \
        else (value, value)
    assert s.index_fill_(dim, sj.tensor(index), sv) is s
    t.index_fill_(dim, torch.tensor(index), tv)
    _same(s, t)
    assert s._version - vs == t._version - vt == 1
    s2, t2 = _pair()
    _same(s2.index_fill(dim, sj.tensor(index), 7.0), t2.index_fill(dim, torch.tensor(index), 7.0))
    _same(s2, t2)  # out of place: unchanged


def test_index_fill_gradient():
    _graph("index_fill_", (1, lambda lib: lib.tensor([0, 2]), 2.0), (1, lambda lib: lib.tensor([0, 2]), 2.0))
    a = np.random.default_rng(0).standard_normal((3, 4))
    grads = []
    for lib in (sj, torch):  # gradient of the 0-d value tensor: the sum of g over the filled entries
        v = lib.tensor(0.5, dtype=lib.float64, requires_grad=True)
        x = lib.tensor(a.copy())
        x.index_fill_(0, lib.tensor([0, 2]), v)
        (x * lib.tensor(a)).sum().backward()
        grads.append(v.grad)
    np.testing.assert_allclose(grads[0].data, grads[1].numpy())


@pytest.mark.parametrize("args,exc,match", [
    ((1, "int32", 1.0), IndexError, "Expected dtype int64 for index"),
    ((1, [0, 5], 1.0), IndexError, "index 5 is out of bounds for dimension 1 with size 4"),
    ((2, [0], 1.0), IndexError, r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"),
    ((1, [0], "vec"), RuntimeError, "only supports a 0-dimensional value tensor"),
    ((1, [[0]], 1.0), RuntimeError, "Index has to be a vector/scalar"),
])
def test_index_fill_errors(args, exc, match):
    dim, index, value = args
    for lib in (sj, torch):
        idx = lib.tensor([0, 2], dtype=lib.int32) if index == "int32" else lib.tensor(index)
        val = lib.ones(2) if value == "vec" else value
        with pytest.raises(exc, match=match):
            lib.zeros(3, 4).index_fill_(dim, idx, val)


@pytest.mark.parametrize("shape,wrap", [((3, 3), False), ((4, 2), False), ((2, 5), False), ((7, 3), False),
                                        ((7, 3), True), ((4, 3), True), ((3, 3, 3), False), ((2, 2, 2, 2), True)])
def test_fill_diagonal_(shape, wrap):
    s, t = _pair(shape)
    vs, vt = s._version, t._version
    assert s.fill_diagonal_(-9.5, wrap=wrap) is s
    t.fill_diagonal_(-9.5, wrap=wrap)
    _same(s, t)
    assert s._version - vs == t._version - vt


def test_fill_diagonal_gradient_and_errors():
    _graph("fill_diagonal_", (0.25,), (0.25,))
    for lib in (sj, torch):
        with pytest.raises(RuntimeError, match="dimensions must larger than 1"):
            lib.zeros(3).fill_diagonal_(1)
        with pytest.raises(RuntimeError, match="all dimensions of input must be of equal length"):
            lib.zeros(3, 3, 2).fill_diagonal_(1)
        with pytest.raises(RuntimeError, match="leaf Variable"):
            lib.zeros(3, 3, requires_grad=True).fill_diagonal_(1)


# ----------------------------------------------------------------- shape ops in place
@pytest.mark.parametrize("name,args,shape", [("t_", (), (3, 4)), ("t_", (), (5,)), ("transpose_", (0, 2), (2, 3, 4)),
                                             ("transpose_", (-1, 0), (2, 3)), ("squeeze_", (), (1, 3, 1, 2)),
                                             ("squeeze_", (2,), (1, 3, 1, 2)), ("squeeze_", (1,), (1, 3, 1, 2)),
                                             ("unsqueeze_", (0,), (3, 2)), ("unsqueeze_", (-1,), (3, 2))])
def test_shape_inplace(name, args, shape):
    s, t = _pair(shape)
    vs, vt = s._version, t._version
    assert getattr(s, name)(*args) is s
    getattr(t, name)(*args)
    _same(s, t)
    assert s._version - vs == t._version - vt == 1
    c = np.random.default_rng(3).standard_normal(t.shape)
    a = _pair(shape)[0].data
    grads = []
    for lib in (sj, torch):
        w = lib.tensor(a.copy(), requires_grad=True)
        y = w * 2.0
        v = y._version
        assert getattr(y, name)(*args) is y
        assert y._version == v + 1 and tuple(y.shape) == tuple(t.shape)
        (y * lib.tensor(c)).sum().backward()
        grads.append(w.grad)
    np.testing.assert_allclose(grads[0].data, grads[1].numpy())


def test_shape_inplace_errors():
    for lib in (sj, torch):
        with pytest.raises(RuntimeError, match=r"t_\(\) expects a tensor with <= 2 dimensions, but self is 3D"):
            lib.zeros(2, 3, 4).t_()
        with pytest.raises(IndexError):
            lib.zeros(2, 3).unsqueeze_(5)
        with pytest.raises(IndexError):
            lib.zeros(2, 3).squeeze_(5)
