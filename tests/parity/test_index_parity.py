"""Indexing ops (ops/index.py) against PyTorch: values, dtypes, shapes and input gradients in float32
and float64, integer inputs, every option, and the errors PyTorch raises for bad arguments.

Each case is ``fn(lib, *inputs)`` run once with ``lib = shenjing`` and once with ``lib = torch``.
"""

from __future__ import annotations

import functools
import re
import warnings

import numpy as np
import pytest
import torch

import shenjing as sj


class Const:
    """An input that is a tensor without grad in both libraries."""

    def __init__(self, array) -> None:
        self.const_array = np.asarray(array)


def i64(lib, *values):
    return lib.tensor(np.array(values, dtype=np.int64))


MASK = np.array([[True, False, True, False], [False, False, True, True], [True, True, False, False]])


def mask(lib, m=MASK):
    return lib.tensor(m)


def _grid_sum(lib, x, y, z, indexing):
    gx, gy, gz = lib.meshgrid(x, y, z, indexing=indexing)
    return gx * 2 + gy * gz, gx, gz


# (id, fn(lib, *inputs), input shapes); every input is a float tensor that requires grad
CASES = [
    ("index_select", lambda lib, x: x.index_select(0, i64(lib, 2, 0, 2)), [(3, 4)]),
    ("index_select -1", lambda lib, x: lib.index_select(x, -1, i64(lib, 3, 3, 1)), [(3, 4)]),
    ("index_select int32 idx", lambda lib, x: x.index_select(1, lib.tensor([1, 0], dtype=lib.int32)), [(3, 4)]),
    ("index_select 0-d idx", lambda lib, x: x.index_select(1, lib.tensor(2)), [(3, 4)]),
    ("index_select empty idx", lambda lib, x: x.index_select(0, lib.tensor([], dtype=lib.int64)), [(3, 4)]),
    ("index_select 0-d x", lambda lib, x: x[0, 0].index_select(0, i64(lib, 0)), [(3, 4)]),
    ("masked_fill", lambda lib, x: x.masked_fill(mask(lib), -2.5), [(3, 4)]),
    ("masked_fill int value", lambda lib, x: lib.masked_fill(x, mask(lib), 3), [(3, 4)]),
    ("masked_fill broadcast mask", lambda lib, x: x.masked_fill(mask(lib, MASK[:1]), 1.0), [(3, 4)]),
    ("masked_fill bigger mask", lambda lib, x: x[0].masked_fill(mask(lib), 1.0), [(3, 4)]),
    ("masked_fill 0-d tensor value", lambda lib, x, v: x.masked_fill(mask(lib), v[0, 0]), [(3, 4), (1, 1)]),
    ("masked_select", lambda lib, x: x.masked_select(mask(lib)), [(3, 4)]),
    ("masked_select broadcast", lambda lib, x: lib.masked_select(x, mask(lib, MASK[1])), [(3, 4)]),
    ("masked_select bigger mask", lambda lib, x: x[1].masked_select(mask(lib)), [(3, 4)]),
    ("scatter", lambda lib, x, s: x.scatter(0, i64(lib, [0, 2, 1, 0], [2, 0, 0, 1]), s), [(3, 4), (2, 4)]),
    ("scatter src bigger", lambda lib, x, s: lib.scatter(x, 1, i64(lib, [3], [0]), s), [(2, 4), (3, 2)]),
    ("scatter -1", lambda lib, x, s: x.scatter(-1, i64(lib, [1, 3], [0, 2], [2, 1]), s), [(3, 4), (3, 2)]),
    ("scatter value", lambda lib, x: x.scatter(1, i64(lib, [0], [2], [3]), 7.5), [(3, 4)]),
    ("scatter value kw", lambda lib, x: lib.scatter(x, 0, i64(lib, [1, 2]), value=-1.0), [(3, 4)]),
    ("scatter repeated idx", lambda lib, x, s: x.scatter(0, i64(lib, [1, 1], [1, 1]), s * 0 + 1), [(3, 2), (2, 2)]),
    ("scatter 0-d", lambda lib, x, s: x[0, 0].scatter(0, lib.tensor(0), s[0, 0]), [(3, 4), (2, 2)]),
    ("scatter_add", lambda lib, x, s: x.scatter_add(0, i64(lib, [0, 2, 0, 0], [2, 0, 0, 1], [2, 2, 2, 2]), s),
     [(3, 4), (3, 4)]),
    ("scatter_add src bigger", lambda lib, x, s: lib.scatter_add(x, -1, i64(lib, [1, 1], [0, 3]), s), [(2, 4), (3, 3)]),
    ("index_add", lambda lib, x, s: x.index_add(0, i64(lib, 2, 0, 2), s), [(3, 4), (3, 4)]),
    ("index_add alpha", lambda lib, x, s: lib.index_add(x, 1, i64(lib, 3, 3), s, alpha=-2.5), [(3, 4), (3, 2)]),
    ("index_add -1 int32 idx", lambda lib, x, s: x.index_add(-1, lib.tensor([1], dtype=lib.int32), s),
     [(3, 4), (3, 1)]),
    ("tile", lambda lib, x: x.tile((2, 1)), [(3, 4)]),
    ("tile short", lambda lib, x: lib.tile(x, (3,)), [(3, 4)]),
    ("tile lead", lambda lib, x: x.tile(2, 1, 3), [(3, 4)]),
    ("tile dims kw", lambda lib, x: x.tile(dims=(1, 2)), [(3, 4)]),
    ("repeat", lambda lib, x: x.repeat(2, 3), [(3, 4)]),
    ("repeat lead zero", lambda lib, x: x.repeat((2, 1, 0)), [(3, 4)]),
    ("roll flat", lambda lib, x: x.roll(5), [(3, 4)]),
    ("roll dim", lambda lib, x: lib.roll(x, -1, 1), [(3, 4)]),
    ("roll dims", lambda lib, x: x.roll((1, 7), (0, -1)), [(3, 4)]),
    ("roll same dim twice", lambda lib, x: x.roll((1, 2), (1, 1)), [(3, 4)]),
    ("flip", lambda lib, x: x.flip(0), [(2, 3, 4)]),
    ("flip several", lambda lib, x: x.flip(0, -1), [(2, 3, 4)]),
    ("flip tuple", lambda lib, x: lib.flip(x, (1, 2)), [(2, 3, 4)]),
    ("flip dims kw", lambda lib, x: x.flip(dims=[2]), [(2, 3, 4)]),
    ("flip none", lambda lib, x: x.flip(()), [(2, 3, 4)]),
    ("fliplr", lambda lib, x: x.fliplr(), [(2, 3, 4)]),
    ("flipud", lambda lib, x: lib.flipud(x), [(2, 3, 4)]),
    ("tril", lambda lib, x: x.tril(), [(3, 4)]),
    ("tril 1", lambda lib, x: lib.tril(x, 1), [(3, 4)]),
    ("tril -2 batched", lambda lib, x: x.tril(diagonal=-1), [(2, 3, 4)]),
    ("triu", lambda lib, x: x.triu(), [(4, 3)]),
    ("triu 2", lambda lib, x: lib.triu(x, 2), [(3, 4)]),
    ("triu -1 batched", lambda lib, x: x.triu(-1), [(2, 4, 3)]),
    ("diag vector", lambda lib, x: x.diag(), [(4,)]),
    ("diag vector 1", lambda lib, x: lib.diag(x, 1), [(4,)]),
    ("diag vector -2", lambda lib, x: x.diag(diagonal=-2), [(3,)]),
    ("diag matrix", lambda lib, x: x.diag(), [(3, 4)]),
    ("diag matrix 1", lambda lib, x: lib.diag(x, 1), [(3, 4)]),
    ("diag matrix -2", lambda lib, x: x.diag(-2), [(3, 4)]),
    ("diag matrix far", lambda lib, x: x.diag(7), [(3, 4)]),
    ("diagonal", lambda lib, x: x.diagonal(), [(3, 4)]),
    ("diagonal offset", lambda lib, x: lib.diagonal(x, 1), [(3, 4)]),
    ("diagonal dims", lambda lib, x: x.diagonal(1, 2, 0), [(2, 3, 4)]),
    ("diagonal neg dims", lambda lib, x: lib.diagonal(x, offset=-1, dim1=-1, dim2=1), [(2, 3, 4)]),
    ("trace", lambda lib, x: x.trace(), [(3, 4)]),
    ("trace tall", lambda lib, x: lib.trace(x), [(4, 2)]),
    ("narrow", lambda lib, x: x.narrow(1, 1, 2), [(3, 4)]),
    ("narrow neg start", lambda lib, x: lib.narrow(x, -1, -2, 2), [(3, 4)]),
    ("narrow empty", lambda lib, x: x.narrow(1, 4, 0), [(3, 4)]),
    ("narrow tensor start", lambda lib, x: x.narrow(0, lib.tensor(1), 2), [(3, 4)]),
    ("unbind", lambda lib, x: x.unbind(), [(3, 4)]),
    ("unbind -1", lambda lib, x: lib.unbind(x, -1), [(3, 4)]),
    ("movedim", lambda lib, x: x.movedim(0, -1), [(2, 3, 4)]),
    ("movedim tuples", lambda lib, x: lib.movedim(x, (0, 1), (2, 0)), [(2, 3, 4)]),
    ("moveaxis", lambda lib, x: x.moveaxis(-1, 0), [(2, 3, 4)]),
    ("sj.moveaxis", lambda lib, x: lib.moveaxis(x, [2, 0], [0, 1]), [(2, 3, 4)]),
    ("swapdims", lambda lib, x: x.swapdims(0, 2), [(2, 3, 4)]),
    ("swapaxes", lambda lib, x: x.swapaxes(-1, 1), [(2, 3, 4)]),
    ("sj.swapdims", lambda lib, x: lib.swapdims(x, 1, 0), [(2, 3, 4)]),
    ("sj.swapaxes", lambda lib, x: lib.swapaxes(x, 0, -1), [(2, 3, 4)]),
    ("unflatten", lambda lib, x: x.unflatten(1, (2, 2)), [(3, 4)]),
    ("sj.unflatten -1", lambda lib, x: lib.unflatten(x, -1, (2, -1, 1)), [(3, 4)]),
    ("tensor_split int", lambda lib, x: x.tensor_split(3, 1), [(3, 4)]),
    ("tensor_split more than size", lambda lib, x: lib.tensor_split(x, 5, dim=1), [(3, 4)]),
    ("tensor_split indices", lambda lib, x: x.tensor_split([1, 3], 1), [(3, 4)]),
    ("tensor_split odd indices", lambda lib, x: lib.tensor_split(x, [3, 1, 10, -1], dim=-1), [(3, 4)]),
    ("tensor_split tensor sections", lambda lib, x: x.tensor_split(lib.tensor(2)), [(3, 4)]),
    ("tensor_split tensor indices", lambda lib, x: x.tensor_split(lib.tensor([1, 2]), 1), [(3, 4)]),
    ("tensor_split sections kw", lambda lib, x: lib.tensor_split(x, sections=2, dim=1), [(3, 4)]),
    ("tensor_split indices kw", lambda lib, x: lib.tensor_split(x, indices=[2], dim=0), [(3, 4)]),
    ("meshgrid ij", lambda lib, x, y, z: _grid_sum(lib, x, y, z, "ij"), [(2,), (3,), (4,)]),
    ("meshgrid xy", lambda lib, x, y, z: _grid_sum(lib, x, y, z, "xy"), [(2,), (3,), (4,)]),
    ("meshgrid list 0-d", lambda lib, x, y: lib.meshgrid([x, y[0]], indexing="ij"), [(2,), (3,)]),
    ("meshgrid one xy", lambda lib, x: lib.meshgrid(x, indexing="xy"), [(3,)]),
    ("broadcast_to", lambda lib, x: lib.broadcast_to(x, (2, 3, 4)), [(3, 1)]),
    ("broadcast_to -1", lambda lib, x: x.broadcast_to((2, -1, 4)), [(3, 1)]),
    ("broadcast_tensors", lambda lib, x, y, z: lib.broadcast_tensors(x, y, z), [(3, 1), (4,), ()]),
    ("broadcast_tensors one", lambda lib, x: lib.broadcast_tensors(x), [(3, 1)]),
    ("expand", lambda lib, x: x.expand(2, 3, 4), [(3, 1)]),
    ("expand_as", lambda lib, x, y: x.expand_as(y), [(3, 1), (2, 3, 4)]),
    ("type_as", lambda lib, x: x.type_as(lib.zeros(1, dtype=lib.float64)), [(3, 4)]),
    ("type_as int", lambda lib, x: (x * 3).type_as(lib.zeros(1, dtype=lib.int32)), [(3, 4)]),
]

DTYPES = {"float32": (np.float32, dict(atol=1e-5, rtol=1e-5)), "float64": (np.float64, {})}
# torch's backward fails when src is larger than index ("invalid gradient ... got [2, 1] but expected
# shape compatible with [3, 2]"): forward only there; tests/ops/test_index_grad.py checks our gradient
FORWARD_ONLY = {"scatter src bigger", "scatter_add src bigger"}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fn,shapes,backward", [pytest.param(f, s, i not in FORWARD_ONLY, id=i) for i, f, s in CASES])
def test_index_ops_match_torch(parity, rng, fn, shapes, backward, dtype):
    np_dtype, tol = DTYPES[dtype]
    args = [np.asarray(rng.standard_normal(s)).astype(np_dtype) for s in shapes]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parity(functools.partial(fn, sj), functools.partial(fn, torch), *args, backward=backward, **tol)


def test_masked_fill_value_dtype_differs_from_input(parity, rng):
    """A float64 0-d value on float32 data: the result stays float32, the value's gradient is float64."""
    x = rng.standard_normal((3, 4)).astype(np.float32)
    parity(lambda lib_x, v: lib_x.masked_fill(sj.tensor(MASK), v),
           lambda lib_x, v: lib_x.masked_fill(torch.tensor(MASK), v), x, np.array(0.5), atol=1e-6)


# ----------------------------------------------------------------- integer and bool inputs (no gradient)
INT_CASES = [
    ("index_select", lambda lib, x: x.index_select(1, i64(lib, 0, 0, 2))),
    ("masked_fill", lambda lib, x: x.masked_fill(mask(lib), 2.7)),
    ("masked_fill tensor value", lambda lib, x: x.masked_fill(mask(lib), lib.tensor(2.7))),
    ("masked_select", lambda lib, x: x.masked_select(mask(lib))),
    ("nonzero", lambda lib, x: x.nonzero()),
    ("nonzero as_tuple", lambda lib, x: x.nonzero(as_tuple=True)),
    ("sj.nonzero", lambda lib, x: lib.nonzero(x)),
    ("sj.nonzero as_tuple", lambda lib, x: lib.nonzero(x, as_tuple=True)),
    ("nonzero 0-d", lambda lib, x: x[0, 1].nonzero()),
    ("nonzero 0-d as_tuple", lambda lib, x: x[0, 1].nonzero(as_tuple=True)),
    ("nonzero empty", lambda lib, x: x[:0].nonzero()),
    ("scatter value", lambda lib, x: x.scatter(0, i64(lib, [2, 1]), 2.7)),
    ("scatter src", lambda lib, x: x.scatter(1, i64(lib, [3], [0], [1]), x[:, :1] * 10)),
    ("scatter reduce add", lambda lib, x: x.scatter(0, i64(lib, [2, 2]), x[:1, :2], reduce="add")),
    ("scatter reduce multiply", lambda lib, x: x.scatter(0, i64(lib, [2, 2]), 3, reduce="multiply")),
    ("scatter_add", lambda lib, x: x.scatter_add(0, i64(lib, [2, 2], [2, 0]), x[:2, :2])),
    ("index_add alpha", lambda lib, x: x.index_add(0, i64(lib, 1, 1), x[:2], alpha=2)),
    ("tile", lambda lib, x: x.tile(2)),
    ("repeat", lambda lib, x: x.repeat(1, 2, 1)),
    ("roll", lambda lib, x: x.roll(2, 1)),
    ("flip", lambda lib, x: x.flip(0, 1)),
    ("tril", lambda lib, x: x.tril(-1)),
    ("triu", lambda lib, x: x.triu(1)),
    ("diag", lambda lib, x: x.diag(1)),
    ("diag vector", lambda lib, x: x[0].diag(-1)),
    ("diagonal", lambda lib, x: x.diagonal(-1)),
    ("trace", lambda lib, x: x.trace()),
    ("narrow", lambda lib, x: x.narrow(0, 1, 2)),
    ("unbind", lambda lib, x: x.unbind(1)),
    ("movedim", lambda lib, x: x.movedim(1, 0)),
    ("tensor_split", lambda lib, x: x.tensor_split(2, 1)),
    ("meshgrid", lambda lib, x: lib.meshgrid(x[0], x[1], indexing="xy")),
    ("broadcast_tensors", lambda lib, x: lib.broadcast_tensors(x, x[:1, :1].float())),
    ("type_as", lambda lib, x: x.type_as(lib.zeros(1))),
    ("new_zeros", lambda lib, x: x.new_zeros(2, 3)),
    ("new_ones", lambda lib, x: x.new_ones((2,))),
    ("new_full", lambda lib, x: x.new_full((2, 2), 2.7)),
    ("new_full dtype", lambda lib, x: x.new_full([2], 2.7, dtype=lib.float64)),
    ("new_tensor", lambda lib, x: x.new_tensor([1.5, -2.5])),
    ("new_tensor dtype", lambda lib, x: x.new_tensor([[1, 2]], dtype=lib.float32)),
    ("new_empty shape", lambda lib, x: x.new_empty(2, 0)),
]


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_], ids=["int64", "int32", "bool"])
@pytest.mark.parametrize("fn", [pytest.param(f, id=i) for i, f in INT_CASES])
def test_integer_and_bool_inputs_match_torch(parity, rng, fn, dtype):
    x = rng.integers(-3, 4, (3, 4)).astype(dtype)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn(torch, torch.tensor(x))
    except (RuntimeError, NotImplementedError) as e:  # e.g. trace of bool: torch refuses, and so must we
        with pytest.raises(type(e)):
            fn(sj, sj.tensor(x))
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parity(functools.partial(fn, sj), functools.partial(fn, torch), Const(x), backward=False)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32])
def test_new_tensors_follow_the_dtype(dtype):
    for lib in (sj, torch):
        x = lib.tensor(np.zeros((2, 2), dtype=dtype))
        outs = [x.new_zeros(3), x.new_ones(2, 2), x.new_empty((1,)), x.new_full((2,), 1), x.new_tensor([1.0])]
        names = {str(o.dtype).split(".")[-1] for o in outs}
        assert names == {np.dtype(dtype).name}
    x = sj.tensor(np.zeros(2, dtype=dtype))
    assert x.new_zeros(2, dtype=sj.float64).dtype == sj.float64
    if dtype != np.int32:
        assert x.new_zeros(2, requires_grad=True).requires_grad
    else:
        with pytest.raises(RuntimeError):
            x.new_zeros(2, requires_grad=True)


def test_scatter_with_reduce_has_no_derivative_like_torch():
    for lib in (sj, torch):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y = x.scatter(0, i64(lib, 1), 2.0, reduce="add")
        assert y.tolist() == [1.0, 4.0, 3.0]
        with pytest.raises(RuntimeError, match="derivative for .*scatter"):
            y.sum().backward()


# ----------------------------------------------------------------- errors
def T(lib, shape=(3, 4), dtype=None):  # noqa: N802
    return lib.arange(int(np.prod(shape)), dtype=dtype or lib.float32).reshape(shape)


ERRORS = [
    ("index_select 2-d index", lambda lib: T(lib).index_select(0, i64(lib, [1])), "index_select", None),
    ("index_select float index", lambda lib: T(lib).index_select(0, lib.tensor([1.0])), "index_select", "float"),
    ("index_select out of range", lambda lib: T(lib).index_select(0, i64(lib, 5)), "index_select", "5"),
    ("index_select negative", lambda lib: T(lib).index_select(0, i64(lib, -1)), "index_select", "-1"),
    ("index_select bad dim", lambda lib: T(lib).index_select(2, i64(lib, 0)), "index_select", "2"),
    ("index_select list index", lambda lib: T(lib).index_select(0, [0]), "index_select", "list"),
    ("index_select 0-d two", lambda lib: lib.tensor(3.0).index_select(0, i64(lib, 0, 0)), "index_select", "2"),
    ("masked_fill int mask", lambda lib: T(lib).masked_fill(i64(lib, 1, 0, 1, 0), 1.0), "masked_fill", "int64"),
    ("masked_fill 1-d value", lambda lib: T(lib).masked_fill(mask(lib), lib.ones(2)), "masked_fill", "1"),
    ("masked_fill bad shape", lambda lib: T(lib).masked_fill(mask(lib, MASK[:2, :1]), 1.0), "masked_fill", "3"),
    ("masked_select int mask", lambda lib: T(lib).masked_select(i64(lib, 1, 0, 1, 0)), "masked_select", "int64"),
    ("masked_select bad shape", lambda lib: T(lib).masked_select(mask(lib, MASK[:, :3])), "masked_select", "3"),
    ("scatter src dtype", lambda lib: T(lib).scatter(0, i64(lib, [0]), lib.ones(1, 1, dtype=lib.float64)),
     "scatter", "float64"),
    ("scatter float index", lambda lib: T(lib).scatter(0, lib.tensor([[0.0]]), 1.0), "scatter", "float"),
    ("scatter out of bounds", lambda lib: T(lib).scatter(0, i64(lib, [0, 5]), lib.ones(1, 2)), "scatter", "5"),
    ("scatter negative", lambda lib: T(lib).scatter(0, i64(lib, [0, -1]), lib.ones(1, 2)), "scatter", "-1"),
    ("scatter index dims", lambda lib: T(lib).scatter(0, i64(lib, 0, 1), lib.ones(1, 2)), "scatter", None),
    ("scatter index too big", lambda lib: T(lib).scatter(0, lib.zeros(2, 2, dtype=lib.int64), lib.ones(1, 2)),
     "scatter", r"\[2, 2\]"),
    ("scatter index wider than self", lambda lib: T(lib).scatter(0, lib.zeros(1, 5, dtype=lib.int64), 1.0),
     "scatter", r"\[1, 5\]"),
    ("scatter bad reduce", lambda lib: T(lib).scatter(0, i64(lib, [0]), lib.ones(1, 1), reduce="mean"),
     "scatter", "mean"),
    ("scatter bad dim", lambda lib: T(lib).scatter(2, i64(lib, [0]), 1.0), "scatter", "2"),
    ("scatter 0-d src", lambda lib: T(lib).scatter(0, i64(lib, [0]), lib.tensor(1.0)), "scatter", None),
    ("scatter_add scalar src", lambda lib: T(lib).scatter_add(0, i64(lib, [0]), 1.0), "scatter_add", "float"),
    ("scatter_add out of bounds", lambda lib: T(lib).scatter_add(1, i64(lib, [4]), lib.ones(1, 1)),
     "scatter_add", "4"),
    ("index_add shape", lambda lib: T(lib).index_add(0, i64(lib, 0, 0), lib.ones(2, 3)), "index_add", r"\[2, 3\]"),
    ("index_add count", lambda lib: T(lib).index_add(0, i64(lib, 0, 0), lib.ones(3, 4)), "index_add", "3"),
    ("index_add dtype", lambda lib: T(lib).index_add(0, i64(lib, 0), lib.ones(1, 4, dtype=lib.float64)),
     "index_add", "float64"),
    ("index_add out of bounds", lambda lib: T(lib).index_add(0, i64(lib, 3), lib.ones(1, 4)), "index_add", "3"),
    ("index_add negative", lambda lib: T(lib).index_add(0, i64(lib, -1), lib.ones(1, 4)), "index_add", "-1"),
    ("index_add 2-d index", lambda lib: T(lib).index_add(0, i64(lib, [0]), lib.ones(1, 4)), "index_add", None),
    ("repeat too few", lambda lib: T(lib).repeat(2), "repeat", "1"),
    ("repeat negative", lambda lib: T(lib).repeat(-1, 1), "repeat", "-3"),
    ("tile negative", lambda lib: T(lib).tile(-1, 1), "repeat", "-3"),
    ("roll misaligned", lambda lib: T(lib).roll((1, 2), 0), "roll", "2"),
    ("roll no dims", lambda lib: T(lib).roll((1, 2)), "roll", "2"),
    ("roll bad dim", lambda lib: T(lib).roll(1, 2), "roll", "2"),
    ("flip repeated dim", lambda lib: T(lib).flip(0, 0), "flip", "0"),
    ("flip bad dim", lambda lib: T(lib).flip(2), "flip", "2"),
    ("fliplr 1-d", lambda lib: lib.ones(3).fliplr(), "fliplr", "1"),
    ("flipud 0-d", lambda lib: lib.tensor(1.0).flipud(), "flipud", "0"),
    ("tril 1-d", lambda lib: lib.ones(3).tril(), "tril", "1"),
    ("triu 1-d", lambda lib: lib.ones(3).triu(), "triu", "1"),
    ("diag 3-d", lambda lib: lib.ones(2, 3, 4).diag(), "diag", "3"),
    ("diag 0-d", lambda lib: lib.tensor(1.0).diag(), "diag", "0"),
    ("diagonal same dims", lambda lib: T(lib).diagonal(0, 1, 1), "diagonal", "1"),
    ("diagonal bad dim", lambda lib: T(lib).diagonal(0, 0, 2), "diagonal", "2"),
    ("diagonal 1-d", lambda lib: lib.ones(3).diagonal(), "diagonal", "1"),
    ("trace 3-d", lambda lib: lib.ones(2, 3, 4).trace(), "trace", "3"),
    ("narrow too long", lambda lib: T(lib).narrow(1, 3, 2), "narrow", "3"),
    ("narrow start", lambda lib: T(lib).narrow(1, -5, 2), "narrow", "-5"),
    ("narrow negative length", lambda lib: T(lib).narrow(1, 1, -1), "narrow", "-1"),
    ("narrow bad dim", lambda lib: T(lib).narrow(2, 0, 1), "narrow", "2"),
    ("unbind bad dim", lambda lib: T(lib).unbind(2), "unbind", "2"),
    ("unbind 0-d", lambda lib: lib.tensor(1.0).unbind(), "unbind", "0"),
    ("movedim count", lambda lib: lib.ones(2, 3, 4).movedim((0, 1), (2,)), "movedim", r"\[2\]"),
    ("movedim repeated", lambda lib: lib.ones(2, 3, 4).movedim((0, 0), (2, 1)), "movedim", r"\[0, 0\]"),
    ("movedim repeated destination", lambda lib: lib.ones(2, 3, 4).movedim((0, 1), (2, 2)), "movedim",
     r"\[2, 2\]"),
    ("movedim bad dim", lambda lib: lib.ones(2, 3, 4).movedim(0, 3), "movedim", "3"),
    ("swapdims bad dim", lambda lib: lib.ones(2, 3, 4).swapdims(0, 3), "swapdims", "3"),
    ("swapaxes bad dim", lambda lib: lib.swapaxes(lib.ones(2, 3, 4), -4, 0), "swapdims", "-4"),
    ("unflatten bad sizes", lambda lib: lib.ones(2, 12).unflatten(1, (5, -1)), "unflatten", "5"),
    ("unflatten bad product", lambda lib: lib.unflatten(lib.ones(2, 12), 1, (5, 2)), "unflatten", "5"),
    ("unflatten empty sizes", lambda lib: lib.ones(2, 12).unflatten(1, ()), "unflatten", None),
    ("unflatten bad dim", lambda lib: lib.ones(2, 12).unflatten(2, (2, 6)), "unflatten", "2"),
    ("tensor_split 0 sections", lambda lib: T(lib).tensor_split(0, 1), "tensor_split", "0"),
    ("tensor_split float tensor", lambda lib: T(lib).tensor_split(lib.tensor([1.0]), 1), "tensor_split", "float"),
    ("tensor_split 0-d", lambda lib: lib.tensor(1.0).tensor_split(2), "tensor_split", "0"),
    ("tensor_split bad dim", lambda lib: lib.tensor_split(T(lib), 2, 3), "tensor_split", "3"),
    ("meshgrid 2-d", lambda lib: lib.meshgrid(lib.ones(2), lib.ones(3, 2), indexing="ij"), "meshgrid", "2"),
    ("meshgrid dtypes", lambda lib: lib.meshgrid(lib.ones(2), lib.ones(3, dtype=lib.float64), indexing="ij"),
     "meshgrid", "float64"),
    ("meshgrid indexing", lambda lib: lib.meshgrid(lib.ones(2), indexing="foo"), "meshgrid", "foo"),
    ("meshgrid empty", lambda lib: lib.meshgrid(), "meshgrid", None),
    ("broadcast_to mismatch", lambda lib: lib.broadcast_to(lib.ones(3, 1), (2, 4)), "broadcast_to", "2"),
    ("broadcast_to too few", lambda lib: lib.ones(3, 1).broadcast_to((4,)), "broadcast_to", "1"),
    ("broadcast_to leading -1", lambda lib: lib.broadcast_to(lib.ones(3, 1), (-1, 3, 4)), "broadcast_to", "-1"),
    ("broadcast_tensors mismatch", lambda lib: lib.broadcast_tensors(lib.ones(3, 1), lib.ones(2, 4)),
     "broadcast_tensors", "3"),
    ("new_full int size", lambda lib: lib.ones(2).new_full(2, 1.0), "new_full", "int"),
]


@pytest.mark.parametrize("fn,op,value", [pytest.param(f, o, v, id=i) for i, f, o, v in ERRORS])
def test_errors_match_torch(fn, op, value):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception) as th:  # noqa: PT011 - whatever torch raises, we must raise too
            fn(torch)
        kind = th.type
        with pytest.raises(kind) as ours:
            fn(sj)
    msg = str(ours.value)
    assert op in msg, f"the message should name {op}: {msg}"
    if value is not None:
        assert re.search(value, msg, re.IGNORECASE), f"the message should name {value}: {msg}"
