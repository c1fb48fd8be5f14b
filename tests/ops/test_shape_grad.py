"""Shape ops, indexing, pad and gather: numerical gradients, accumulation at repeated indices, and
the shapes and errors PyTorch gives."""

from __future__ import annotations

import numpy as np
import pytest

import shenjing as sj
import shenjing.nn.functional as F

SHAPE_OPS = [
    ("reshape", lambda x: x.reshape(4, 6)), ("reshape -1", lambda x: x.reshape(-1, 3)),
    ("view", lambda x: x.view(2, 12)), ("view tuple", lambda x: x.view((24,))),
    ("transpose", lambda x: x.transpose(0, 2)), ("swapaxes", lambda x: x.swapaxes(-1, 1)),
    ("permute", lambda x: x.permute(1, 2, 0)), ("permute neg", lambda x: x.permute((-1, 0, 1))),
    (".T", lambda x: x.T), (".mT", lambda x: x.mT),
    ("flatten", lambda x: x.flatten()), ("flatten 1", lambda x: x.flatten(1)),
    ("flatten 0 1", lambda x: sj.flatten(x, 0, 1)), ("unflatten", lambda x: x.unflatten(2, (2, 2))),
    ("squeeze", lambda x: x.reshape(1, 2, 1, 12).squeeze()),
    ("squeeze dim", lambda x: x.reshape(1, 2, 1, 12).squeeze(2)),
    ("unsqueeze", lambda x: x.unsqueeze(0)), ("unsqueeze -1", lambda x: x.unsqueeze(-1)),
    ("unsqueeze fn", lambda x: sj.unsqueeze(x, 2)),
    ("expand", lambda x: x[:, :1].expand(2, 5, 4)), ("expand lead", lambda x: x.expand(3, -1, -1, -1)),
    ("expand_as", lambda x: x[:1].expand_as(x)), ("repeat", lambda x: x.repeat(2, 1, 2)),
    ("repeat lead", lambda x: x.repeat(2, 1, 1, 1)),
    ("split", lambda x: sj.cat([p * (i + 1) for i, p in enumerate(x.split(2, dim=1))], 1)),
    ("split sections", lambda x: sj.cat([p * (i + 1) for i, p in enumerate(x.split([1, 3], -1))], -1)),
    ("chunk", lambda x: sj.stack([p * (i + 1) for i, p in enumerate(x.chunk(2, 2))])),
    ("chunk uneven", lambda x: sj.cat([p * (i + 1) for i, p in enumerate(x.chunk(2, 1))], 1)),
    ("unbind", lambda x: sj.stack([p * (i + 1) for i, p in enumerate(x.unbind(1))], -1)),
    ("narrow", lambda x: x.narrow(2, 1, 2)), ("select", lambda x: x.select(1, 2)),
    ("clone", lambda x: x.clone()),
]


@pytest.mark.parametrize("fn", [f for _, f in SHAPE_OPS], ids=[n for n, _ in SHAPE_OPS])
def test_shape_op(check_grad, rng, fn):
    check_grad(fn, rng.standard_normal((2, 3, 4)))


def test_shapes_like_pytorch():
    x = sj.zeros(2, 3, 4)
    assert x.T.shape == (4, 3, 2) and x.mT.shape == (2, 4, 3)
    assert x.flatten(1).shape == (2, 12) and sj.zeros(()).flatten().shape == (1,)
    assert sj.zeros(1, 3, 1).squeeze().shape == (3,) and sj.zeros(1, 3, 1).squeeze(1).shape == (1, 3, 1)
    assert sj.zeros(3).unsqueeze(-1).shape == (3, 1) and x.unsqueeze(3).shape == (2, 3, 4, 1)
    assert [p.shape for p in sj.zeros(7, 2).split(3)] == [(3, 2), (3, 2), (1, 2)]
    assert [p.shape for p in sj.zeros(7, 2).chunk(3)] == [(3, 2), (3, 2), (1, 2)]
    assert [p.shape for p in sj.zeros(5).chunk(2)] == [(3,), (2,)]
    assert sj.zeros(3, 1).expand(-1, 4).shape == (3, 4)
    assert sj.zeros(2, 3).t().shape == (3, 2) and sj.zeros(3).t().shape == (3,)


def test_shape_errors():
    with pytest.raises(RuntimeError, match="invalid"):
        sj.zeros(2, 3).reshape(4, 2)
    with pytest.raises(RuntimeError, match="expand"):
        sj.zeros(2, 3).expand(4, 3)
    with pytest.raises(RuntimeError, match="cat"):
        sj.cat([sj.zeros(2, 3), sj.zeros(2, 4)])
    with pytest.raises(RuntimeError, match="stack"):
        sj.stack([sj.zeros(2, 3), sj.zeros(3, 2)])
    with pytest.raises(RuntimeError, match="split"):
        sj.zeros(5).split([2, 2])
    with pytest.raises(RuntimeError, match="permute"):
        sj.zeros(2, 3).permute(0, 0)
    with pytest.raises(RuntimeError):
        sj.zeros(2, 3, 4).t()
    with pytest.raises(IndexError, match="squeeze"):
        sj.zeros(3).squeeze(2)
    with pytest.raises(RuntimeError, match="zero-dimensional"):
        sj.cat([sj.tensor(1.0), sj.tensor(2.0)])
    with pytest.raises(IndexError):
        sj.zeros(3).unsqueeze(3)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cat_stack(check_grad, rng, dim):
    a, b, c = rng.standard_normal((2, 3)), rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    xs = check_grad(lambda *t: sj.cat(t, dim), a, b, c)
    assert [x.grad.shape for x in xs] == [(2, 3)] * 3
    check_grad(lambda *t: sj.stack(t, dim), a, b, c)
    check_grad(lambda p, q: sj.cat([p, q, p], dim), a, b)  # the same tensor twice accumulates


def test_cat_different_lengths(check_grad, rng):
    p, q = check_grad(lambda a, b: sj.cat([a, b], 1), rng.standard_normal((2, 1)), rng.standard_normal((2, 4)))
    assert p.grad.shape == (2, 1) and q.grad.shape == (2, 4)


# ----------------------------------------------------------------- indexing
INDICES = [
    ("int", 1), ("neg int", -1), ("ints", (1, 2)), ("slice", slice(1, 3)),
    ("slice step", (slice(None), slice(None, None, 2))), ("neg slice", (slice(-2, None), slice(None, -1))),
    ("None", (None, slice(None), None)), ("ellipsis", (Ellipsis, 0)), ("ellipsis None", (0, Ellipsis, None)),
    ("int array", np.array([2, 0])), ("repeated", np.array([1, 1, 0, 1, 1])), ("list", [0, 2, 2]),
    ("2-D int array", np.array([[0, 1], [1, 1]])), ("array pair", (np.array([0, 2, 0]), np.array([1, 1, 1]))),
    ("slice + array", (slice(None), np.array([3, 0, 3]))), ("array + slice", (np.array([1, 1]), slice(1, 3))),
    ("neg array", np.array([-1, -1, 0])),
    ("bool mask", np.arange(12).reshape(3, 4) % 3 == 0), ("bool rows", np.array([True, False, True])),
    ("bool cols", (slice(None), np.array([False, True, True, False]))),
    ("tensor index", "tensor"), ("bool tensor", "bool tensor"),
]


def _index(spec):
    if isinstance(spec, str) and spec == "tensor":
        return sj.tensor([2, 2, 1])
    if isinstance(spec, str):
        return sj.tensor([[True, False, False, True]] * 3)
    return spec


@pytest.mark.parametrize("index", [i for _, i in INDICES], ids=[n for n, _ in INDICES])
def test_getitem(check_grad, rng, index):
    x = rng.standard_normal((3, 4))
    idx = _index(index)
    (t,) = check_grad(lambda a: a[idx], x)
    np_idx = idx.numpy() if isinstance(idx, sj.Tensor) else idx
    np.testing.assert_array_equal(t[idx].detach().numpy(), x[np_idx])


@pytest.mark.parametrize("index,shape", [((0, slice(None), [1, 2, 1]), (3, 3)), ((slice(None), 0, [3, 3]), (2, 2)),
                                         ((0, None, [1, 2]), (1, 2, 4)), ((1, [0, 2], [3, 3]), (2,))], ids=str)
def test_integers_apply_before_arrays_as_in_pytorch(check_grad, rng, index, shape):
    (t,) = check_grad(lambda a: a[index], rng.standard_normal((2, 3, 4)))
    assert t[index].shape == shape


def test_repeated_indices_accumulate():
    x = sj.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 1.0]
    y = sj.zeros(2, 2, requires_grad=True)
    (y[sj.tensor([1, 1]), sj.tensor([0, 0])] * sj.tensor([2.0, 5.0])).sum().backward()
    assert y.grad.tolist() == [[0.0, 0.0], [7.0, 0.0]]


def test_mask_from_comparison(check_grad, rng):
    check_grad(lambda a: a[a > 0] * 2, rng.standard_normal((3, 4)))


def test_setitem_under_no_grad_and_on_plain_tensors():
    x = sj.zeros(3)
    x[1] = 5.0
    x[sj.tensor([0, 2])] = sj.tensor([1.0, 2.0])
    assert x.tolist() == [1.0, 5.0, 2.0]
    w = sj.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="in-place"):
        w[0] = 1.0
    with sj.no_grad():
        w[0] = 1.0
    assert w.tolist() == [1.0, 0.0, 0.0]


# ----------------------------------------------------------------- gather, pad
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_gather(check_grad, rng, dim):
    x = rng.standard_normal((3, 4))
    size = list(x.shape)
    size[dim] = 5
    index = sj.tensor(rng.integers(0, x.shape[dim], size))  # repeats are certain
    (t,) = check_grad(lambda a: a.gather(dim, index), x)
    np.testing.assert_array_equal(sj.gather(t, dim, index).detach().numpy(),
                                  np.take_along_axis(x, index.numpy(), dim))


def test_gather_with_a_shorter_index(check_grad, rng):
    index = sj.tensor([[0, 3], [2, 2]])  # fewer rows than x: PyTorch reads x's leading rows
    (t,) = check_grad(lambda a: a.gather(1, index), rng.standard_normal((3, 4)))
    assert t.gather(1, index).detach().numpy().tolist() == [[t.data[0, 0], t.data[0, 3]], [t.data[1, 2]] * 2]


def test_gather_accumulates():
    x = sj.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    x.gather(1, sj.tensor([[0, 0, 0], [1, 0, 1]])).sum().backward()
    assert x.grad.tolist() == [[3.0, 0.0], [1.0, 2.0]]


PADS = [
    ((1, 2), "constant", (2, 3, 4)), ((0, 1, 2, 0), "constant", (2, 3, 4)), ((1, 1, 1, 1, 1, 1), "constant", (2, 3, 4)),
    ((2, 1), "reflect", (2, 3, 4)), ((1, 2, 2, 1), "reflect", (1, 2, 3, 4)),
    ((3, 1), "replicate", (2, 3, 4)), ((2, 0, 1, 3), "replicate", (1, 2, 3, 4)),
    ((1, 2), "circular", (1, 2, 4)),
]


@pytest.mark.parametrize("pad,mode,shape", PADS, ids=str)
def test_pad(check_grad, rng, pad, mode, shape):
    (t,) = check_grad(lambda a: F.pad(a, pad, mode=mode), rng.standard_normal(shape))
    out = F.pad(t, pad, mode=mode)
    expected = list(shape)
    for i in range(len(pad) // 2):
        expected[-1 - i] += pad[2 * i] + pad[2 * i + 1]
    assert out.shape == tuple(expected)


def test_pad_values():
    x = sj.tensor([[1.0, 2.0, 3.0]])
    assert F.pad(x, (1, 2), value=9.0).tolist() == [[9.0, 1.0, 2.0, 3.0, 9.0, 9.0]]
    assert F.pad(x, (2, 1), mode="reflect").tolist() == [[3.0, 2.0, 1.0, 2.0, 3.0, 2.0]]
    assert F.pad(x, (2, 1), mode="replicate").tolist() == [[1.0, 1.0, 1.0, 2.0, 3.0, 3.0]]
    assert F.pad(x, (0, 0, 1, 0)).tolist() == [[0.0, 0.0, 0.0], [1.0, 2.0, 3.0]]
    with pytest.raises(RuntimeError, match="even"):
        F.pad(x, (1,))
