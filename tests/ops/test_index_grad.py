"""Indexing ops (ops/index.py): numerical gradients in float64 for every differentiable op and option."""

from __future__ import annotations

import numpy as np
import pytest

import shenjing as sj


def idx(*values):
    return sj.tensor(np.array(values, dtype=np.int64))


MASK = np.array([[True, False, True, False], [False, False, True, True], [True, True, False, False]])

UNARY = [
    ("index_select 0", lambda x: x.index_select(0, idx(2, 0))),
    ("index_select repeats", lambda x: x.index_select(1, idx(1, 1, 3, 1))),
    ("index_select -1", lambda x: x.index_select(-1, idx(0, 2))),
    ("index_select 0-d index", lambda x: x.index_select(1, sj.tensor(2))),
    ("sj.index_select", lambda x: sj.index_select(x, 0, idx(1))),
    ("masked_fill", lambda x: x.masked_fill(sj.tensor(MASK), -1.5)),
    ("masked_fill row mask", lambda x: x.masked_fill(sj.tensor(MASK[0]), 2.0)),
    ("sj.masked_fill", lambda x: sj.masked_fill(x, sj.tensor(MASK), 0.0)),
    ("masked_select", lambda x: x.masked_select(sj.tensor(MASK))),
    ("masked_select broadcast", lambda x: sj.masked_select(x, sj.tensor(MASK[1]))),
    ("masked_select mask bigger", lambda x: x[0].masked_select(sj.tensor(MASK))),
    ("scatter value", lambda x: x.scatter(1, idx([0], [2], [3]), 7.0)),
    ("tile", lambda x: x.tile((2, 1))), ("tile short", lambda x: x.tile(2)),
    ("tile lead", lambda x: sj.tile(x, (2, 1, 3))),
    ("repeat", lambda x: x.repeat(2, 3)), ("repeat lead", lambda x: x.repeat(2, 1, 2)),
    ("roll flat", lambda x: x.roll(5)), ("roll dim", lambda x: x.roll(-1, 1)),
    ("roll dims", lambda x: sj.roll(x, (1, 3), (0, -1))),
    ("flip 0", lambda x: x.flip(0)), ("flip both", lambda x: x.flip(0, 1)), ("flip -1", lambda x: sj.flip(x, (-1,))),
    ("fliplr", lambda x: x.fliplr()), ("flipud", lambda x: sj.flipud(x)),
    ("tril", lambda x: x.tril()), ("tril 1", lambda x: x.tril(1)), ("tril -1", lambda x: sj.tril(x, -1)),
    ("triu", lambda x: x.triu()), ("triu 2", lambda x: x.triu(2)), ("triu -1", lambda x: sj.triu(x, diagonal=-1)),
    ("diag", lambda x: x.diag()), ("diag 1", lambda x: x.diag(1)), ("diag -2", lambda x: sj.diag(x, -2)),
    ("diag of row", lambda x: x[0].diag()), ("diag of row 1", lambda x: sj.diag(x[1], 1)),
    ("diag of row -2", lambda x: x[2].diag(-2)),
    ("diagonal", lambda x: x.diagonal()), ("diagonal 1", lambda x: x.diagonal(1)),
    ("diagonal -1 swapped", lambda x: sj.diagonal(x, -1, 1, 0)),
    ("trace", lambda x: x.trace()), ("sj.trace", lambda x: sj.trace(x)),
    ("narrow", lambda x: x.narrow(1, 1, 2)), ("narrow negative start", lambda x: sj.narrow(x, -1, -3, 2)),
    ("unbind", lambda x: sj.stack([p * (i + 1) for i, p in enumerate(x.unbind(1))])),
    ("sj.unbind", lambda x: sj.stack([p * (i + 1) for i, p in enumerate(sj.unbind(x, -2))])),
    ("movedim", lambda x: x.movedim(0, 1)), ("moveaxis", lambda x: sj.moveaxis(x, -1, 0)),
    ("swapdims", lambda x: x.swapdims(0, 1)), ("sj.swapaxes", lambda x: sj.swapaxes(x, 1, 0)),
    ("unflatten", lambda x: sj.unflatten(x, 1, (2, -1))),
    ("tensor_split int", lambda x: sj.cat([p * (i + 1) for i, p in enumerate(x.tensor_split(3, 1))], 1)),
    ("tensor_split indices", lambda x: sj.cat([p * (i + 1) for i, p in enumerate(sj.tensor_split(x, [1, 3], 1))], 1)),
    ("broadcast_to", lambda x: x[:, :1].broadcast_to((2, 3, 4))),
    ("sj.broadcast_to -1", lambda x: sj.broadcast_to(x, (2, -1, -1))),
]


@pytest.mark.parametrize("name,fn", UNARY, ids=[n for n, _ in UNARY])
def test_unary_grad(check_grad, rng, name, fn):
    check_grad(fn, rng.standard_normal((3, 4)))


def test_movedim_3d(check_grad, rng):
    x = rng.standard_normal((2, 3, 4))
    check_grad(lambda a: a.movedim((0, 1), (2, 0)), x)
    check_grad(lambda a: sj.diagonal(a, 1, 2, 0), x)
    check_grad(lambda a: a.diagonal(0, -1, -2), x)
    check_grad(lambda a: a.tril(-1) + a.triu(1), x)
    check_grad(lambda a: a.flip((0, 2)), x)
    check_grad(lambda a: a.roll((1, -2), (2, 0)), x)


def test_masked_fill_value_tensor_gets_gradient(check_grad, rng):
    mask = sj.tensor(MASK)
    x, v = check_grad(lambda a, b: a.masked_fill(mask, b), rng.standard_normal((3, 4)), np.array(0.3))
    x.grad = v.grad = None
    x.masked_fill(mask, v).sum().backward()
    assert v.grad.item() == pytest.approx(MASK.sum())
    np.testing.assert_array_equal(x.grad.numpy(), ~MASK)


def test_index_select_repeats_accumulate():
    x = sj.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x.index_select(0, idx(2, 2, 0, 2)).sum().backward()
    assert x.grad.tolist() == [1.0, 0.0, 3.0]


def test_scatter_grad_src_and_self(check_grad, rng):
    index = idx([0, 2, 1, 0], [2, 0, 0, 1])  # no repeats along dim 0 within a column
    check_grad(lambda a, s: a.scatter(0, index, s), rng.standard_normal((3, 4)), rng.standard_normal((2, 4)))
    # src larger than index: only its leading part is read
    check_grad(lambda a, s: sj.scatter(a, 1, idx([3], [0]), s), rng.standard_normal((2, 4)),
               rng.standard_normal((3, 2)))


def test_scatter_gradients_as_torch_for_repeated_indices():
    x = sj.zeros(3, requires_grad=True)
    s = sj.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x.scatter(0, idx(1, 1, 2), s)
    (y * sj.tensor([10.0, 20.0, 30.0])).sum().backward()
    assert x.grad.tolist() == [10.0, 0.0, 0.0]  # overwritten entries get nothing
    assert s.grad.tolist() == [20.0, 20.0, 30.0]  # every source gathers its target's gradient


def test_scatter_add_grad(check_grad, rng):
    index = idx([0, 2, 0, 0], [2, 0, 0, 1], [2, 2, 2, 2])  # repeats add up
    check_grad(lambda a, s: a.scatter_add(0, index, s), rng.standard_normal((3, 4)), rng.standard_normal((3, 4)))
    check_grad(lambda a, s: sj.scatter_add(a, -1, idx([1, 1], [0, 3]), s), rng.standard_normal((2, 4)),
               rng.standard_normal((2, 3)))


@pytest.mark.parametrize("alpha", [1, 2.5, -1])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_index_add_grad(check_grad, rng, alpha, dim):
    index = idx(2, 0, 2)
    shape = [3, 4]
    shape[dim] = 3
    check_grad(lambda a, s: a.index_add(dim, index, s, alpha=alpha), rng.standard_normal((3, 4)),
               rng.standard_normal(shape))


def test_index_add_repeats_accumulate():
    x = sj.zeros(3, requires_grad=True)
    s = sj.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = sj.index_add(x, 0, idx(1, 1, 2), s, alpha=2)
    assert y.tolist() == [0.0, 6.0, 6.0]
    (y * sj.tensor([10.0, 20.0, 30.0])).sum().backward()
    assert s.grad.tolist() == [40.0, 40.0, 60.0] and x.grad.tolist() == [10.0, 20.0, 30.0]


@pytest.mark.parametrize("indexing", ["ij", "xy"])
def test_meshgrid_and_broadcast_tensors_grad(check_grad, rng, indexing):
    a, b, c = rng.standard_normal(2), rng.standard_normal(3), rng.standard_normal(4)
    w = rng.standard_normal((3, 2, 4) if indexing == "xy" else (2, 3, 4))

    def grid(p, q, r):
        gp, gq, gr = sj.meshgrid(p, q, r, indexing=indexing)
        return gp * sj.tensor(w) + gq * gr

    check_grad(grid, a, b, c)
    check_grad(lambda p, q: sum(t * (i + 1) for i, t in enumerate(sj.broadcast_tensors(p, q))),
               rng.standard_normal((3, 1)), rng.standard_normal(4))


def test_type_as_keeps_grad():
    x = sj.tensor([1.0, 2.0], dtype=sj.float32, requires_grad=True)
    y = x.type_as(sj.zeros(1, dtype=sj.float64))
    assert y.dtype == sj.float64
    y.sum().backward()
    assert x.grad.dtype == sj.float32 and x.grad.tolist() == [1.0, 1.0]


def test_nondifferentiable_results_carry_no_grad():
    x = sj.tensor([[0.0, 1.5], [2.0, 0.0]], requires_grad=True)
    assert not x.nonzero().requires_grad and x.nonzero().dtype == sj.int64
    assert all(not t.requires_grad for t in x.nonzero(as_tuple=True))
    assert not x.new_zeros(2).requires_grad and x.new_ones(2, requires_grad=True).requires_grad


def test_wrong_backward_would_fail(rng, monkeypatch):
    """The checks above catch a backward that drops the repeated indices' accumulation."""
    from shenjing.autograd import gradcheck
    from shenjing.ops import index as ix

    def bad(self, g):
        out = np.zeros(self.shape, dtype=g.dtype)
        np.moveaxis(out, self.axis, 0)[self.index] = np.moveaxis(g, self.axis, 0)  # last write wins
        return out

    monkeypatch.setattr(ix.IndexSelect, "backward", bad)
    x = sj.tensor(rng.standard_normal((3, 4)), dtype=sj.float64, requires_grad=True)
    assert not gradcheck(lambda a: a.index_select(1, idx(1, 1, 3)), [x], raise_exception=False)
