"""Logic, aliases, small ops and small linear algebra against PyTorch: values, dtypes, gradients, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import shenjing as sj

check_parity = None  # the parity fixture of tests/parity/conftest.py, set for every test


@pytest.fixture(autouse=True)
def _use_parity(parity):
    global check_parity
    check_parity = parity


class Const:
    def __init__(self, a):
        self.const_array = np.asarray(a)


RNG = np.random.default_rng(0)
F = [np.float32, np.float64]


def _tol(dtype):
    return dict(atol=1e-5, rtol=1e-4) if dtype == np.float32 else dict(atol=1e-10, rtol=1e-8)


# ----------------------------------------------------------------- logic and comparisons
LOGIC = ["logical_and", "logical_or", "logical_xor", "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal",
         "less", "less_equal", "not_equal"]


@pytest.mark.parametrize("name", LOGIC)
@pytest.mark.parametrize("b", [Const(np.array([[0.0, 1.5, -2.0]])), Const(np.array([1, 0, 3])), 0])
def test_binary_logic(name, b):
    a = Const(np.array([[0.0, 1.5, 2.0], [-1.0, 0.0, 3.0]]))
    if name.startswith("logical") and not isinstance(b, Const):  # torch wants a tensor there
        with pytest.raises(TypeError):
            getattr(torch, name)(torch.tensor(a.const_array), b)
        with pytest.raises(TypeError, match=name):
            getattr(sj, name)(sj.tensor(a.const_array), b)
        return
    check_parity(getattr(sj, name), getattr(torch, name), a, b)
    check_parity(lambda x, y: getattr(x, name)(y), lambda x, y: getattr(x, name)(y), a, b)


@pytest.mark.parametrize("name", ["logical_not", "isposinf", "isneginf", "isreal"])
def test_unary_logic(name):
    a = Const(np.array([0.0, np.inf, -np.inf, np.nan, 2.0]))
    check_parity(getattr(sj, name), getattr(torch, name), a)
    check_parity(lambda x: getattr(x, name)(), lambda x: getattr(x, name)(), a)
    check_parity(getattr(sj, name), getattr(torch, name), Const(np.array([0, 3, -1])))


@pytest.mark.parametrize("name", ["bitwise_and", "bitwise_or", "bitwise_xor"])
@pytest.mark.parametrize("a,b", [
    (np.array([5, 3, -8], dtype=np.int64), np.array([1, 6, 7], dtype=np.int64)),
    (np.array([5, 3, 8], dtype=np.int32), np.array([1, 6, 7], dtype=np.int64)),
    (np.array([True, False, True]), np.array([True, True, False])),
    (np.array([5, 3, 8], dtype=np.uint8), 6),
    (np.array([5, 3, 8], dtype=np.int32), 6),
])
def test_bitwise(name, a, b):
    bb = Const(b) if isinstance(b, np.ndarray) else b
    check_parity(getattr(sj, name), getattr(torch, name), Const(a), bb)
    check_parity(lambda x, y: getattr(x, name)(y), lambda x, y: getattr(x, name)(y), Const(a), bb)


@pytest.mark.parametrize("a", [np.array([5, 0, -8]), np.array([True, False]), np.array([3, 4], dtype=np.uint8)])
def test_bitwise_not(a):
    check_parity(sj.bitwise_not, torch.bitwise_not, Const(a))


def test_bitwise_float_errors():
    with pytest.raises(RuntimeError, match="bitwise_and"):
        sj.bitwise_and(sj.ones(2), sj.ones(2))
    with pytest.raises(RuntimeError):
        torch.bitwise_and(torch.ones(2), torch.ones(2))


# ----------------------------------------------------------------- aliases and small ops
ALIASES = [("multiply", 2), ("divide", 2), ("true_divide", 2), ("subtract", 2), ("negative", 1), ("positive", 1),
           ("absolute", 1), ("arctan2", 2), ("arccos", 1), ("arcsin", 1), ("arctan", 1), ("clone", 1),
           ("frac", 1), ("deg2rad", 1), ("rad2deg", 1), ("copysign", 2), ("float_power", 2)]


@pytest.mark.parametrize("dtype", F)
@pytest.mark.parametrize("name,nargs", ALIASES)
def test_aliases(name, nargs, dtype):
    a = RNG.uniform(-0.9, 0.9, (3, 4)).astype(dtype)
    b = RNG.uniform(0.5, 2.0, (4,)).astype(dtype) * np.array([1, -1, 1, -1], dtype=dtype)
    if name == "float_power":
        a = np.abs(a) + 0.1
    args = (a, b)[:nargs]
    check_parity(getattr(sj, name), getattr(torch, name), *args, **_tol(dtype))
    if name != "clone":
        check_parity(lambda *x: getattr(x[0], name)(*x[1:]), lambda *x: getattr(x[0], name)(*x[1:]), *args,
                     **_tol(dtype))


@pytest.mark.parametrize("name", ["deg2rad", "rad2deg", "float_power", "copysign", "negative", "absolute"])
def test_integer_inputs(name):
    a = Const(np.array([[1, -2, 3]]))
    args = (a, Const(np.array([2, -1, 1]))) if name in ("float_power", "copysign") else (a,)
    check_parity(getattr(sj, name), getattr(torch, name), *args)


@pytest.mark.parametrize("mode", ["trunc", "floor"])
@pytest.mark.parametrize("a,b", [(np.array([7.5, -7.5, 3.0]), np.array([2.0, 2.0, -2.0])),
                                 (np.array([7, -7, 3]), np.array([2, 2, -2])), (np.array([7, -7, 3]), 2)])
def test_divide_rounding(mode, a, b):
    bb = Const(b) if isinstance(b, np.ndarray) else b
    check_parity(lambda x, y: sj.divide(x, y, rounding_mode=mode), lambda x, y: torch.divide(x, y, rounding_mode=mode),
                 Const(a), bb, backward=False)


def test_clamp_min_max_top_level():
    a = RNG.standard_normal((3, 4))
    check_parity(lambda x: sj.clamp_min(x, 0.1), lambda x: torch.clamp_min(x, 0.1), a)
    check_parity(lambda x: sj.clamp_max(x, 0.1), lambda x: torch.clamp_max(x, 0.1), a)


def test_tensor_queries():
    for arr in (np.ones((2, 3), np.float32), np.ones(3, np.int64), np.ones(2, np.uint8), np.ones(2, bool)):
        s, t = sj.tensor(arr), torch.tensor(arr)
        assert s.nelement() == t.nelement() and s.ndimension() == t.ndimension()
        assert s.is_contiguous() == t.is_contiguous() and s.is_complex() == t.is_complex()
        assert s.is_signed() == t.is_signed() and sj.is_signed(s) == torch.is_signed(t)
        assert sj.is_complex(s) == torch.is_complex(t)


def test_heaviside():
    check_parity(sj.heaviside, torch.heaviside, Const(np.array([-1.5, 0.0, 2.0])), Const(np.array([0.5])))
    check_parity(lambda x, v: x.heaviside(v), lambda x, v: x.heaviside(v), Const(np.array([-1, 0, 2])),
                 Const(np.array([7])))
    with pytest.raises(RuntimeError, match="heaviside"):
        sj.heaviside(sj.tensor([1.0]), sj.tensor([1]))


@pytest.mark.parametrize("dtype", F)
@pytest.mark.parametrize("n,dim,pre,app", [(1, -1, None, None), (2, 0, None, None), (1, 1, (3, 2), (3, 1)),
                                           (3, 0, (1, 4), None), (5, 0, None, None)])
def test_diff(dtype, n, dim, pre, app):
    a = RNG.standard_normal((3, 4)).astype(dtype)
    extra = [RNG.standard_normal(s).astype(dtype) if s else None for s in (pre, app)]
    check_parity(lambda x, p, q: sj.diff(x, n, dim, p, q), lambda x, p, q: torch.diff(x, n, dim, p, q), a, *extra,
                 **_tol(dtype))


def test_diff_int_bool_and_errors():
    check_parity(lambda x: x.diff(), lambda x: x.diff(), Const(np.array([1, 4, 9, 16])))
    check_parity(lambda x: x.diff(), lambda x: x.diff(), Const(np.array([True, False, False, True])))
    with pytest.raises(RuntimeError, match="diff"):
        sj.diff(sj.tensor(1.0))
    with pytest.raises(IndexError):
        sj.diff(sj.ones(3), dim=2)


def test_argwhere():
    a = Const(np.array([[0, 1.5], [2, 0]]))
    check_parity(sj.argwhere, torch.argwhere, a)
    check_parity(lambda x: x.argwhere(), lambda x: x.argwhere(), a)


@pytest.mark.parametrize("dtype", F)
@pytest.mark.parametrize("dim,keepdim", [(None, False), (0, False), (-1, True), ((0, 1), False)])
def test_nansum_nanmean(dtype, dim, keepdim):
    a = RNG.standard_normal((3, 4)).astype(dtype)
    a[1, 2] = a[0, 0] = np.nan
    for name in ("nansum", "nanmean"):
        check_parity(lambda x, n=name: getattr(sj, n)(x, dim, keepdim),
                     lambda x, n=name: getattr(torch, n)(x, dim, keepdim), a, **_tol(dtype))
        check_parity(lambda x, n=name: getattr(x, n)(dim, keepdim),
                     lambda x, n=name: getattr(x, n)(dim, keepdim), a, **_tol(dtype))
    check_parity(lambda x: sj.nansum(x, 0), lambda x: torch.nansum(x, 0), Const(np.array([[1, 2], [3, 4]])))
    with pytest.raises(RuntimeError, match="nanmean"):
        sj.nanmean(sj.tensor([1, 2]))


@pytest.mark.parametrize("name", ["atleast_1d", "atleast_2d", "atleast_3d"])
@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 3, 4), (1, 2, 3, 4)])
def test_atleast(name, shape):
    a = RNG.standard_normal(shape)
    check_parity(getattr(sj, name), getattr(torch, name), a)
    check_parity(lambda x, y: getattr(sj, name)(x, y), lambda x, y: getattr(torch, name)(x, y), a, a)
    check_parity(lambda x, y: getattr(sj, name)([x, y]), lambda x, y: getattr(torch, name)([x, y]), a, a)


@pytest.mark.parametrize("name", ["hstack", "vstack", "dstack", "column_stack", "row_stack"])
@pytest.mark.parametrize("shapes", [[(3,), (3,)], [(2, 3), (2, 3)], [(), ()], [(2, 3, 1), (2, 3, 2)]])
def test_stacks(name, shapes):
    if name == "column_stack" and len(shapes[0]) == 3:
        shapes = [(2, 3, 1), (2, 1, 1)]
    if name in ("vstack", "row_stack") and len(shapes[0]) == 3:
        shapes = [(2, 3, 1), (1, 3, 1)]
    if name == "hstack" and len(shapes[0]) == 3:
        shapes = [(2, 1, 1), (2, 3, 1)]
    if name == "dstack" and len(shapes[0]) == 3:
        shapes = [(2, 3, 1), (2, 3, 2)]
    arrs = [RNG.standard_normal(s) for s in shapes]
    check_parity(lambda *x: getattr(sj, name)(list(x)), lambda *x: getattr(torch, name)(list(x)), *arrs)
    with pytest.raises(RuntimeError):
        getattr(sj, name)([])


def test_outer_method():
    check_parity(lambda a, b: a.outer(b), lambda a, b: a.outer(b), RNG.standard_normal(3), RNG.standard_normal(4))


def test_bernoulli_and_multinomial():
    p = sj.full((2000,), 0.3)
    g = sj.Generator().manual_seed(3)
    a = sj.bernoulli(p, generator=g)
    b = sj.bernoulli(p, generator=sj.Generator().manual_seed(3))
    assert a.dtype == sj.float32 and np.array_equal(a.numpy(), b.numpy())
    assert set(np.unique(a.numpy())) <= {0.0, 1.0} and abs(a.numpy().mean() - 0.3) < 0.05
    assert abs(p.bernoulli(0.8).numpy().mean() - 0.8) < 0.05
    assert sj.bernoulli(sj.zeros(5, dtype=sj.float64)).dtype == sj.float64
    with pytest.raises(RuntimeError, match="bernoulli"):
        sj.bernoulli(sj.tensor([1.5]))
    m = sj.tensor([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]).multinomial(2, replacement=True)
    assert m.dtype == sj.int64 and m.tolist() == [[1, 1], [0, 0]]


# ----------------------------------------------------------------- small linear algebra
def _well(*shape, dtype=np.float64):
    return (RNG.standard_normal(shape) * 0.3 + np.eye(shape[-1]) * 2).astype(dtype)


@pytest.mark.parametrize("dtype", F)
@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (1, 1)])
def test_det_inverse(dtype, shape):
    a = _well(*shape, dtype=dtype)
    for s, t in [(sj.det, torch.det), (sj.inverse, torch.inverse), (sj.linalg.det, torch.linalg.det),
                 (sj.linalg.inv, torch.linalg.inv), (lambda x: x.det(), lambda x: x.det()),
                 (lambda x: x.inverse(), lambda x: x.inverse())]:
        check_parity(s, t, a, **_tol(dtype))


@pytest.mark.parametrize("dtype", F)
@pytest.mark.parametrize("n", [0, 1, 2, 5, -1, -3])
def test_matrix_power(dtype, n):
    a = _well(2, 3, 3, dtype=dtype)
    check_parity(lambda x: sj.matrix_power(x, n), lambda x: torch.matrix_power(x, n), a, **_tol(dtype),
                 backward=n != 0)
    check_parity(lambda x: sj.linalg.matrix_power(x, n), lambda x: torch.linalg.matrix_power(x, n), a,
                 **_tol(dtype), backward=n != 0)


@pytest.mark.parametrize("dtype", F)
@pytest.mark.parametrize("ashape,bshape,left", [((3, 3), (3, 2), True), ((3, 3), (3,), True),
                                                ((2, 3, 3), (2, 3), True), ((2, 3, 3), (3, 4), True),
                                                ((3, 3), (2, 3), False)])
def test_solve(dtype, ashape, bshape, left):
    a, b = _well(*ashape, dtype=dtype), RNG.standard_normal(bshape).astype(dtype)
    check_parity(lambda x, y: sj.linalg.solve(x, y, left=left), lambda x, y: torch.linalg.solve(x, y, left=left),
                 a, b, **_tol(dtype))


@pytest.mark.parametrize("dtype", F)
@pytest.mark.parametrize("ord", ["fro", 1, -1, float("inf"), float("-inf")])
@pytest.mark.parametrize("dim,keepdim", [((-2, -1), False), ((0, 2), True), ((2, 0), False)])
def test_matrix_norm(dtype, ord, dim, keepdim):
    a = RNG.standard_normal((3, 4, 5)).astype(dtype)
    check_parity(lambda x: sj.linalg.matrix_norm(x, ord, dim, keepdim),
                 lambda x: torch.linalg.matrix_norm(x, ord, dim, keepdim), a, **_tol(dtype))


@pytest.mark.parametrize("dtype", F)
@pytest.mark.parametrize("kw", [{}, {"correction": 0}, {"correction": 2}, {"fw": True}, {"aw": True},
                                {"fw": True, "aw": True}])
@pytest.mark.parametrize("shape", [(3, 6), (6,), (1, 6)])
def test_cov_corrcoef(dtype, kw, shape):
    a = RNG.standard_normal(shape).astype(dtype)
    fw, aw = np.array([1, 2, 1, 3, 1, 2]), RNG.uniform(0.5, 2, 6).astype(dtype)

    def call(mod, x, method=False):
        extra = {"correction": kw["correction"]} if "correction" in kw else {}
        if kw.get("fw"):
            extra["fweights"] = mod.tensor(fw)
        if kw.get("aw"):
            extra["aweights"] = mod.tensor(aw)
        return x.cov(**extra) if method else mod.cov(x, **extra)

    check_parity(lambda x: call(sj, x), lambda x: call(torch, x), a, **_tol(dtype))
    check_parity(lambda x: call(sj, x, True), lambda x: call(torch, x, True), a, **_tol(dtype))
    check_parity(sj.corrcoef, torch.corrcoef, a, **_tol(dtype))
    check_parity(lambda x: x.corrcoef(), lambda x: x.corrcoef(), a, **_tol(dtype))


def test_cov_int_input():
    check_parity(sj.cov, torch.cov, Const(np.array([[1, 2, 4], [3, 1, 0]])), atol=1e-6, rtol=1e-6)
    check_parity(sj.corrcoef, torch.corrcoef, Const(np.array([[1, 2, 4], [3, 1, 0]])), atol=1e-6, rtol=1e-6)


def test_linalg_errors():
    for fn, tfn in [(sj.det, torch.det), (sj.inverse, torch.inverse), (sj.linalg.inv, torch.linalg.inv)]:
        with pytest.raises(RuntimeError, match="square"):
            fn(sj.ones(2, 3))
        with pytest.raises(RuntimeError):
            tfn(torch.ones(2, 3))
        with pytest.raises(RuntimeError, match="at least 2"):
            fn(sj.ones(3))
        with pytest.raises(RuntimeError, match="floating point"):
            fn(sj.tensor([[1, 2], [3, 4]]))
    with pytest.raises(RuntimeError, match="singular"):
        sj.linalg.inv(sj.zeros(2, 2))
    with pytest.raises(RuntimeError, match="singular"):
        sj.linalg.solve(sj.zeros(2, 2), sj.ones(2))
    with pytest.raises(RuntimeError, match="Incompatible"):
        sj.linalg.solve(sj.eye(2), sj.ones(3, 1))
    with pytest.raises(ValueError, match="cov"):
        sj.cov(sj.ones(2, 2, 2))
    with pytest.raises(RuntimeError, match="fweights"):
        sj.cov(sj.ones(2, 3), fweights=sj.tensor([1.0, 2.0, 3.0]))
    with pytest.raises(TypeError, match="matrix_power"):
        sj.matrix_power(sj.eye(2), 1.5)
    with pytest.raises(RuntimeError, match="matrix_power"):
        sj.matrix_power(sj.ones(2, 3), 2)
