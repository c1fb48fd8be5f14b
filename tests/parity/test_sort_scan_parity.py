"""Sorting, scans and order statistics against PyTorch: values, dtypes, shapes, gradients and errors.

Each case is ``fn(lib, *inputs)`` run with ``lib = shenjing`` and ``lib = torch``, in float64 and
float32.  Ties are compared only where PyTorch documents the order (stable sort, cummax, mode).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import shenjing as sj


class Const:
    """A tensor without grad in both libraries."""

    def __init__(self, array) -> None:
        self.const_array = np.asarray(array)


def perm(rng, *shape):
    """Distinct values in random order (order statistics without ties)."""
    n = int(np.prod(shape))
    return rng.permutation(np.linspace(-2, 2, n)).reshape(shape)


def ties(rng, *shape):
    """Few distinct values: many ties."""
    return rng.integers(-2, 3, shape).astype(np.float64)


def flat(out) -> list:
    """Nested tuples of outputs (named tuples included) as one flat list of tensors."""
    if isinstance(out, tuple | list):
        return [t for o in out for t in flat(o)]
    return [out]


def on(fn, lib):
    return lambda *a: flat(fn(lib, *a))


def run(parity, fn, *args, dtype=np.float64, **kw):
    args = [a.astype(dtype) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a for a in args]
    tol = {"atol": 1e-10, "rtol": 1e-7} if dtype == np.float64 else {"atol": 2e-5, "rtol": 2e-5}
    return parity(on(fn, sj), on(fn, torch), *args, **tol, **kw)


DTYPES = pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
DIMS = [0, 1, 2, -1, -3]

# ----------------------------------------------------------------- scans
SCANS = {
    "cumsum": lambda lib, x, d: lib.cumsum(x, d),
    "cumsum method": lambda lib, x, d: x.cumsum(d),
    "cumprod": lambda lib, x, d: lib.cumprod(x, dim=d),
    "cumprod method": lambda lib, x, d: x.cumprod(d),
    "logcumsumexp": lambda lib, x, d: lib.logcumsumexp(x, d),
    "cummax": lambda lib, x, d: lib.cummax(x, d),
    "cummin": lambda lib, x, d: x.cummin(d),
}


@DTYPES
@pytest.mark.parametrize("dim", DIMS)
@pytest.mark.parametrize("name", SCANS)
def test_scans(parity, rng, name, dim, dtype):
    x = rng.standard_normal((2, 3, 4))
    if "prod" in name:  # away from 0 (zeros have their own test)
        x = rng.uniform(0.5, 1.5, x.shape) * np.sign(x)
    run(parity, lambda lib, a: SCANS[name](lib, a, dim), x, dtype=dtype)


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("zeros", [[(0, 1)], [(1, 0), (1, 2)], [(0, 0), (2, 3), (1, 1)], [(0, 3), (1, 3), (2, 3)]],
                         ids=str)
def test_cumprod_with_zeros(parity, rng, dim, zeros):
    x = rng.uniform(0.5, 1.5, (3, 4)) * rng.choice([-1, 1], (3, 4))
    for z in zeros:
        x[z] = 0.0
    run(parity, lambda lib, a: lib.cumprod(a, dim), x)


def test_scans_with_ties_nan_and_inf(parity):
    x = np.array([[1.0, 3.0, 3.0, 2.0, np.nan, 5.0, np.nan], [2.0, 2.0, 1.0, 1.0, 4.0, 4.0, 0.0]])
    run(parity, lambda lib, a: (lib.cummax(a, 1), lib.cummin(a, 1)), x)
    run(parity, lambda lib, a: lib.logcumsumexp(a, 1), np.array([[-np.inf, 1.0, -np.inf, 800.0, -800.0, 2.0]]))
    run(parity, lambda lib, a: lib.logcumsumexp(a, 0), np.array([-1000.0, 0.0, 1000.0]))


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.bool_])
def test_scans_of_integers(parity, dtype):
    a = Const(np.array([[1, 0, 2], [3, 1, 1]]).astype(dtype))
    both(parity, lambda lib, x: (x.cumsum(1), x.cumprod(0), x.cummax(1), x.cummin(0)), a.const_array)


def test_scan_dtype_argument_and_0d(parity, rng):
    run(parity, lambda lib, a: (a.cumsum(0, dtype=lib.float64), lib.cumprod(a, 0, dtype=lib.float64)),
        rng.standard_normal(4), dtype=np.float32)
    parity(lambda x: x.cumsum(0, dtype=sj.float32), lambda x: x.cumsum(0, dtype=torch.float32), Const(np.arange(4)))
    for name in SCANS:
        run(parity, lambda lib, a, n=name: SCANS[n](lib, a, -1), np.array(1.5))


# ----------------------------------------------------------------- sort and order statistics
@DTYPES
@pytest.mark.parametrize("dim", DIMS)
@pytest.mark.parametrize("descending", [False, True])
def test_sort_argsort(parity, rng, dim, descending, dtype):
    for x in (perm(rng, 2, 3, 4), ties(rng, 2, 3, 4)):
        run(parity, lambda lib, a: lib.sort(a, dim=dim, descending=descending, stable=True), x, dtype=dtype)
        run(parity, lambda lib, a: a.sort(dim=dim, descending=descending, stable=True), x, dtype=dtype)
        run(parity, lambda lib, a: a.argsort(dim=dim, descending=descending, stable=True), x, dtype=dtype)
        run(parity, lambda lib, a: lib.argsort(a, dim=dim, descending=descending, stable=True), x, dtype=dtype)


def test_sort_nan_int_bool_0d(parity):
    x = np.array([2.0, np.nan, -1.0, 2.0, np.nan, 0.0])
    run(parity, lambda lib, a: (lib.sort(a, stable=True), lib.sort(a, descending=True, stable=True)), x)
    for arr in (np.array([3, 1, 2, 1, 3]), np.array([True, False, True]), np.array([5, 0, 200], np.uint8)):
        both(parity, lambda lib, a: (a.sort(stable=True), a.sort(descending=True, stable=True), a.argsort(stable=True)),
             arr)
    run(parity, lambda lib, a: (lib.sort(a, stable=True), a.argsort(), a.sort(dim=0, stable=True)), np.array(2.5))
    run(parity, lambda lib, a: lib.sort(a, dim=1, stable=True), np.zeros((2, 0)))


def test_sort_result_is_named():
    out = sj.sort(sj.tensor([3.0, 1.0, 2.0]))
    assert type(out).__name__ == "sort" and out.values.tolist() == [1.0, 2.0, 3.0] and out.indices.tolist() == [1, 2, 0]
    v, i = sj.tensor([[2, 1]]).sort(1)
    assert i.dtype == sj.int64 and v.dtype == sj.int64


@DTYPES
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", DIMS)
def test_kthvalue_median_mode_with_dim(parity, rng, dim, keepdim, dtype):
    x = perm(rng, 3, 4, 5)
    for k in (1, 2, 3):
        run(parity, lambda lib, a, k=k: lib.kthvalue(a, k, dim, keepdim), x, dtype=dtype)
    run(parity, lambda lib, a: a.kthvalue(1, dim=dim, keepdim=keepdim), x, dtype=dtype)
    run(parity, lambda lib, a: lib.median(a, dim, keepdim), x, dtype=dtype)
    run(parity, lambda lib, a: a.median(dim=dim, keepdim=keepdim), x, dtype=dtype)
    run(parity, lambda lib, a: lib.mode(a, dim, keepdim), x, dtype=dtype)
    run(parity, lambda lib, a: a.mode(dim, keepdim=keepdim), ties(rng, 3, 4, 5), dtype=dtype)


def test_mode_ties_pick_smallest_value_and_last_index(parity, rng):
    x = np.array([[1.0, 2, 2, 1, 3, 1, 2], [5, 5, 4, 4, 0, 0, 9], [7, 7, 7, 7, 7, 7, 7]])
    run(parity, lambda lib, a: lib.mode(a, 1), x)
    run(parity, lambda lib, a: (lib.mode(a), lib.mode(a, 0, True)), ties(rng, 6, 8))
    both(parity, lambda lib, a: a.mode(0), rng.integers(0, 3, (9, 4)))


def test_median_whole_tensor(parity, rng):
    run(parity, lambda lib, a: lib.median(a), perm(rng, 3, 5))  # odd and
    run(parity, lambda lib, a: a.median(), perm(rng, 2, 3))  # even count: the lower one
    run(parity, lambda lib, a: a.median(), np.array([1.0, 2.0, 2.0, 2.0, 3.0, 0.0]))  # ties share the gradient
    run(parity, lambda lib, a: a.median(), np.array([1.0, np.nan, 2.0]))
    run(parity, lambda lib, a: a.median(), np.array(4.0))
    run(parity, lambda lib, a: a.median(), perm(rng, 7), dtype=np.float32)
    parity(lambda a: a.median(), lambda a: a.median(), Const(np.array([4, 1, 3, 2])))


def test_median_and_kthvalue_nan_int_0d(parity):
    x = np.array([[1.0, np.nan, 2.0, np.nan], [3.0, 1.0, 2.0, 0.0]])
    run(parity, lambda lib, a: (lib.median(a, 1), lib.kthvalue(a, 4, 1)), x)
    both(parity, lambda lib, a: (a.median(0), a.kthvalue(2, 0)), np.array([4, 1, 3, 2]))
    run(parity, lambda lib, a: (lib.median(a, 0), lib.kthvalue(a, 1, 0, True), lib.mode(a, -1)), np.array(2.0))


# ----------------------------------------------------------------- quantile
@DTYPES
@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [None, 0, 1, -1])
def test_quantile(parity, rng, dim, keepdim, interpolation, dtype):
    x = perm(rng, 3, 5)
    for q in (0.0, 0.3, 0.5, 0.625, 1.0):
        run(parity, lambda lib, a, q=q: lib.quantile(a, q, dim, keepdim, interpolation=interpolation), x, dtype=dtype)
    qs = np.array([0.0, 0.125, 0.3, 0.5, 0.9, 1.0], dtype=dtype)

    def f(lib, a):
        return a.quantile(lib.tensor(qs), dim=dim, keepdim=keepdim, interpolation=interpolation)

    run(parity, f, x, dtype=dtype)
    run(parity, lambda lib, a: a.quantile(lib.tensor(qs[1]), dim, keepdim), x, dtype=dtype)  # 0-d q


def test_quantile_ties_nan_and_3d(parity, rng):
    # with ties PyTorch's (unstable) sort may credit another of the equal elements: values only
    qs = [0.25, 0.5, 0.75]
    run(parity, lambda lib, a: lib.quantile(a, lib.tensor(qs, dtype=lib.float64), 1), ties(rng, 4, 7), backward=False)
    run(parity, lambda lib, a: lib.quantile(a, 0.4, 1, True), perm(rng, 2, 3, 4))
    run(parity, lambda lib, a: lib.quantile(a, 0.5, 1), np.array([[1.0, np.nan, 2.0], [3.0, 1.0, 2.0]]),
        )
    run(parity, lambda lib, a: (lib.quantile(a, 0.3), lib.quantile(a, 0.3, 0)), np.array(1.5))


# ----------------------------------------------------------------- min/max and moments
@DTYPES
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [None, 0, 1, -1])
def test_aminmax(parity, rng, dim, keepdim, dtype):
    run(parity, lambda lib, a: lib.aminmax(a, dim=dim, keepdim=keepdim), perm(rng, 3, 4), dtype=dtype)
    run(parity, lambda lib, a: a.aminmax(dim=dim, keepdim=keepdim), ties(rng, 3, 4), dtype=dtype)
    out = sj.aminmax(sj.tensor(perm(rng, 3, 4)), dim=dim, keepdim=keepdim)
    assert type(out).__name__ == "aminmax" and out.min.shape == out.max.shape


@DTYPES
@pytest.mark.parametrize("fn", ["var_mean", "std_mean"])
@pytest.mark.parametrize("dim", [None, 0, 1, -1, (0, 1)], ids=str)
def test_var_mean_std_mean(parity, rng, fn, dim, dtype):
    x = rng.standard_normal((3, 4))
    run(parity, lambda lib, a: getattr(lib, fn)(a, dim), x, dtype=dtype)
    run(parity, lambda lib, a: getattr(lib, fn)(a, dim, keepdim=True, correction=0), x, dtype=dtype)
    run(parity, lambda lib, a: getattr(lib, fn)(a, dim=dim, correction=2), x, dtype=dtype)
    if dim is not None:
        run(parity, lambda lib, a: getattr(lib, fn)(a, dim, False, True), x, dtype=dtype)
    run(parity, lambda lib, a: getattr(lib, fn)(a, False), x, dtype=dtype)  # (input, unbiased)


# ----------------------------------------------------------------- counting: no gradient
def both(parity, fn, *arrays):
    return parity(on(fn, sj), on(fn, torch), *[Const(a) for a in arrays])


def test_unique(parity, rng):
    for x in (np.array([3, 1, 2, 3, 1]), rng.integers(0, 5, (3, 4)), np.array([2.5, -1.0, 2.5, 0.0]),
              np.array([True, False, True]), np.zeros((0,), np.int64)):
        both(parity, lambda lib, a: lib.unique(a), x)
        both(parity, lambda lib, a: lib.unique(a, return_inverse=True), x)
        both(parity, lambda lib, a: a.unique(return_counts=True), x)
        both(parity, lambda lib, a: lib.unique(a, sorted=True, return_inverse=True, return_counts=True), x)


def test_bincount(parity, rng):
    x = np.array([0, 1, 1, 3, 5, 1])
    both(parity, lambda lib, a: lib.bincount(a), x)
    both(parity, lambda lib, a: a.bincount(minlength=10), x)
    both(parity, lambda lib, a: lib.bincount(a, minlength=2), x)
    for w in (rng.standard_normal(6), rng.standard_normal(6).astype(np.float32), np.arange(6)):
        both(parity, lambda lib, a, b: lib.bincount(a, b), x, w)
        both(parity, lambda lib, a, b: a.bincount(weights=b, minlength=8), x, w)
    both(parity, lambda lib, a: lib.bincount(a), np.zeros(0, np.int64))
    both(parity, lambda lib, a: lib.bincount(a), np.array([0, 2, 2], np.uint8))


def test_histc(parity, rng):
    x = rng.standard_normal(50)
    for dtype in (np.float64, np.float32):
        both(parity, lambda lib, a: lib.histc(a), x.astype(dtype))
        both(parity, lambda lib, a: a.histc(bins=7, min=-1, max=1), x.astype(dtype))
        both(parity, lambda lib, a: lib.histc(a, 4, 1, 3), np.array([1.0, 2, 3, 4, 0, 1.5]).astype(dtype))
        both(parity, lambda lib, a: lib.histc(a, bins=3), np.array([2.0, 2.0]).astype(dtype))
        both(parity, lambda lib, a: lib.histc(a, bins=5), rng.standard_normal((3, 4)).astype(dtype))


@pytest.mark.parametrize("dim", [None, 0, 1, -1, (0, 1), (1, 2), (-1, 0)], ids=str)
def test_count_nonzero(parity, rng, dim):
    x = rng.integers(-1, 2, (2, 3, 4))
    for arr in (x, x.astype(np.float64), x.astype(bool)):
        both(parity, lambda lib, a: lib.count_nonzero(a, dim), arr)
        both(parity, lambda lib, a: a.count_nonzero(dim=dim), arr)


@pytest.mark.parametrize("right", [False, True])
def test_searchsorted_and_bucketize(parity, rng, right):
    seq = np.array([1.0, 3.0, 3.0, 5.0, 7.0])
    vals = np.array([[0.0, 3.0, 6.0], [7.0, 8.0, 1.0]])
    both(parity, lambda lib, s, v: lib.searchsorted(s, v, right=right), seq, vals)
    both(parity, lambda lib, s, v: lib.searchsorted(s, v, side="right" if right else "left"), seq, vals)
    both(parity, lambda lib, s, v: lib.searchsorted(s, v, right=right, out_int32=True), seq, vals)
    both(parity, lambda lib, s, v: lib.bucketize(v, s, right=right), seq, vals)
    both(parity, lambda lib, s, v: lib.bucketize(v, s, right=right, out_int32=True), seq, vals)
    rows = np.sort(rng.integers(0, 10, (2, 3, 6)), axis=-1)
    both(parity, lambda lib, s, v: lib.searchsorted(s, v, right=right), rows, rng.integers(-1, 11, (2, 3, 4)))
    both(parity, lambda lib, s: (lib.searchsorted(s, 3.0), lib.bucketize(3.0, s, right=True)), seq)
    unsorted = np.array([5.0, 1.0, 3.0])
    both(parity, lambda lib, s, v, o: lib.searchsorted(s, v, sorter=o), unsorted, vals, np.argsort(unsorted))
    both(parity, lambda lib, s, v: lib.searchsorted(s, v), np.array([1, 3, 5]), np.array([[3, 6]]))


@pytest.mark.parametrize("dim", [None, 0, 1, -1, (0, 1)], ids=str)
@pytest.mark.parametrize("keepdim", [False, True])
def test_all_any(parity, rng, dim, keepdim):
    x = rng.integers(0, 2, (3, 4))
    x[0] = 1
    for arr in (x, x.astype(bool), x.astype(np.float64), x.astype(np.uint8)):
        if dim is None and keepdim:
            continue  # torch.all(x, keepdim=...) needs a dim
        if dim is None:
            both(parity, lambda lib, a: (lib.all(a), lib.any(a)), arr)
        else:
            both(parity, lambda lib, a: (lib.all(a, dim, keepdim), lib.any(a, dim=dim, keepdim=keepdim)), arr)


# ----------------------------------------------------------------- errors
def _same_error(fn, *arrays, match: str | None = None):
    with pytest.raises(Exception) as t_err:
        fn(torch, *[torch.tensor(a) for a in arrays])
    with pytest.raises(t_err.type, match=match):
        fn(sj, *[sj.tensor(a) for a in arrays])


ERRORS = [
    ("cumsum dim", lambda lib, x: lib.cumsum(x, 2), [np.ones((2, 3))], "Dimension out of range.*got 2"),
    ("cumprod dim", lambda lib, x: x.cumprod(-3), [np.ones((2, 3))], "Dimension out of range.*got -3"),
    ("cummax dim", lambda lib, x: lib.cummax(x, 5), [np.ones(3)], "got 5"),
    ("logcumsumexp int", lambda lib, x: lib.logcumsumexp(x, 0), [np.arange(3)], "logcumsumexp"),
    ("sort dim", lambda lib, x: lib.sort(x, 3), [np.ones((2, 3))], "got 3"),
    ("argsort dim", lambda lib, x: x.argsort(-4), [np.ones((2, 3))], "got -4"),
    ("kthvalue k big", lambda lib, x: lib.kthvalue(x, 4, 1), [np.ones((2, 3))], "kthvalue.*k out of range"),
    ("kthvalue k 0", lambda lib, x: x.kthvalue(0), [np.ones((2, 3))], "kthvalue.*k out of range"),
    ("median dim", lambda lib, x: x.median(2), [np.ones((2, 3))], "got 2"),
    ("mode dim", lambda lib, x: lib.mode(x, 2), [np.ones((2, 3))], "got 2"),
    ("quantile q", lambda lib, x: lib.quantile(x, 1.5), [np.ones(3)], r"quantile\(\).*1\.5"),
    ("quantile q<0", lambda lib, x: x.quantile(-0.1), [np.ones(3)], r"quantile\(\)"),
    ("quantile q tensor", lambda lib, x: x.quantile(lib.tensor([0.5, 1.2], dtype=lib.float64)), [np.ones(3)],
     r"quantile\(\)"),
    ("quantile int", lambda lib, x: lib.quantile(x, 0.5), [np.arange(3)], "float or double"),
    ("quantile 2-d q", lambda lib, x: x.quantile(lib.tensor([[0.5]], dtype=lib.float64)), [np.ones(3)], "1D"),
    ("quantile q dtype", lambda lib, x: x.quantile(lib.tensor([0.5])), [np.ones(3)], "same dtype"),
    ("quantile interp", lambda lib, x: x.quantile(0.5, interpolation="foo"), [np.ones(3)], "foo"),
    ("quantile dim", lambda lib, x: x.quantile(0.5, 2), [np.ones((2, 3))], "got 2"),
    ("quantile empty", lambda lib, x: x.quantile(0.5), [np.ones(0)], "non-empty"),
    ("bincount negative", lambda lib, x: lib.bincount(x), [np.array([0, -1])], "non-negative"),
    ("bincount 2-d", lambda lib, x: lib.bincount(x), [np.array([[0, 1]])], "1-d"),
    ("bincount float", lambda lib, x: lib.bincount(x), [np.array([0.0, 1.0])], "bincount"),
    ("bincount minlength", lambda lib, x: lib.bincount(x, minlength=-1), [np.array([0, 1])], "minlength"),
    ("bincount weights", lambda lib, x, w: lib.bincount(x, w), [np.array([0, 1]), np.ones(3)], "weights"),
    ("histc int", lambda lib, x: lib.histc(x), [np.arange(3)], "histc"),
    ("histc bins", lambda lib, x: lib.histc(x, bins=0), [np.ones(3)], "bins must be > 0"),
    ("histc range", lambda lib, x: lib.histc(x, 3, 3, 1), [np.ones(3)], "max must be larger than min"),
    ("count_nonzero dim", lambda lib, x: lib.count_nonzero(x, 2), [np.ones((2, 3))], "got 2"),
    ("aminmax empty", lambda lib, x: lib.aminmax(x), [np.ones(0)], "aminmax"),
    ("aminmax dim", lambda lib, x: lib.aminmax(x, dim=2), [np.ones((2, 3))], "got 2"),
    ("searchsorted shape", lambda lib, s, v: lib.searchsorted(s, v), [np.ones((2, 3)), np.ones(2)], "boundaries"),
    ("searchsorted side", lambda lib, s, v: lib.searchsorted(s, v, side="up"), [np.ones(3), np.ones(2)], "up"),
    ("searchsorted opposite", lambda lib, s, v: lib.searchsorted(s, v, right=True, side="left"),
     [np.ones(3), np.ones(2)], "opposite"),
    ("bucketize 2-d", lambda lib, v, s: lib.bucketize(v, s), [np.ones(2), np.ones((2, 3))], "1 dimension"),
    ("all dim", lambda lib, x: lib.all(x, 2), [np.ones((2, 3))], "got 2"),
]


@pytest.mark.parametrize("fn,arrays,match", [pytest.param(f, a, m, id=i) for i, f, a, m in ERRORS])
def test_errors(fn, arrays, match):
    _same_error(fn, *arrays, match=match)


def test_harness_catches_a_wrong_gradient(parity, rng, monkeypatch):
    """A sort whose backward sends g to the sorted position instead of the source must fail."""
    from shenjing.ops import sort_scan

    x = perm(rng, 6)
    monkeypatch.setattr(sort_scan.TakeAlong, "backward", lambda self, g: g.copy())
    with pytest.raises(AssertionError, match="gradient of input 0"):
        run(parity, lambda lib, a: lib.sort(a, stable=True).values, x)
    monkeypatch.setattr(sort_scan.CumSum, "backward", lambda self, g: g.copy())
    with pytest.raises(AssertionError, match="gradient of input 0"):
        run(parity, lambda lib, a: lib.cumsum(a, 0), x)
