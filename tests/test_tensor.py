"""The Tensor front door: dtypes, constructors, random generators, conversion and printing."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import shenjing as sj


# ----------------------------------------------------------------- dtypes
@pytest.mark.parametrize("name,np_dtype", [("float16", np.float16), ("float32", np.float32), ("float64", np.float64),
                                           ("int8", np.int8), ("int16", np.int16), ("int32", np.int32),
                                           ("int64", np.int64), ("uint8", np.uint8), ("bool", np.bool_)])
def test_dtype_names(name, np_dtype):
    d = getattr(sj, name)
    assert d.name == name and repr(d) == f"shenjing.{name}" and d.np == np.dtype(np_dtype)
    assert d.is_floating_point == name.startswith("float")
    assert sj.zeros(2, dtype=d).dtype is d
    assert sj.tensor(np.zeros(2, dtype=np_dtype)).dtype is d


def test_dtype_aliases():
    assert sj.float is sj.float32 and sj.double is sj.float64 and sj.half is sj.float16
    assert sj.long is sj.int64 and sj.int is sj.int32 and sj.short is sj.int16
    assert sj.bool.np == np.bool_


def test_default_dtype_is_float32_and_settable():
    assert sj.get_default_dtype() is sj.float32
    try:
        sj.set_default_dtype(sj.float64)
        assert sj.tensor([1.5]).dtype is sj.float64 and sj.zeros(2).dtype is sj.float64
        assert sj.randn(2).dtype is sj.float64
    finally:
        sj.set_default_dtype(sj.float32)
    assert sj.ones(1).dtype is sj.float32
    with pytest.raises(TypeError, match="floating"):
        sj.set_default_dtype(sj.int64)


@pytest.mark.parametrize("conv,dtype", [("float", sj.float32), ("double", sj.float64), ("half", sj.float16),
                                        ("long", sj.int64), ("int", sj.int32), ("bool", sj.bool)])
def test_conversions(conv, dtype):
    t = getattr(sj.tensor([1.7, 0.0, -2.2]), conv)()
    assert t.dtype is dtype
    assert t.tolist() == np.array([1.7, 0.0, -2.2], dtype=np.float32).astype(dtype.np).tolist()
    assert sj.ones(2).to(sj.float64).dtype is sj.float64 and sj.ones(2).type(sj.int64).dtype is sj.int64
    assert sj.ones(2).to(dtype=sj.float16).dtype is sj.float16


# ----------------------------------------------------------------- constructors
CONSTRUCTORS = [  # (call, dtype, shape, values or None)
    (lambda: sj.tensor([1, 2, 3]), sj.int64, (3,), [1, 2, 3]),
    (lambda: sj.tensor([1.0, 2]), sj.float32, (2,), [1.0, 2.0]),
    (lambda: sj.tensor(3.5), sj.float32, (), 3.5),
    (lambda: sj.tensor(True), sj.bool, (), True),
    (lambda: sj.tensor([[1, 2], [3, 4]], dtype=sj.float64), sj.float64, (2, 2), [[1.0, 2.0], [3.0, 4.0]]),
    (lambda: sj.tensor(np.array([1.0, 2.0])), sj.float64, (2,), [1.0, 2.0]),
    (lambda: sj.tensor([]), sj.float32, (0,), []),
    (lambda: sj.zeros(2, 3), sj.float32, (2, 3), [[0.0] * 3] * 2),
    (lambda: sj.zeros((2, 3)), sj.float32, (2, 3), None),
    (lambda: sj.zeros([4]), sj.float32, (4,), None),
    (lambda: sj.zeros(()), sj.float32, (), 0.0),
    (lambda: sj.ones(3, dtype=sj.int32), sj.int32, (3,), [1, 1, 1]),
    (lambda: sj.full((2, 2), 1.5), sj.float32, (2, 2), [[1.5, 1.5], [1.5, 1.5]]),
    (lambda: sj.full((2,), 7), sj.int64, (2,), [7, 7]),
    (lambda: sj.full((2,), True), sj.bool, (2,), [True, True]),
    (lambda: sj.full([3], 2, dtype=sj.float64), sj.float64, (3,), [2.0] * 3),
    (lambda: sj.arange(5), sj.int64, (5,), [0, 1, 2, 3, 4]),
    (lambda: sj.arange(1, 7, 2), sj.int64, (3,), [1, 3, 5]),
    (lambda: sj.arange(10, 0, -3), sj.int64, (4,), [10, 7, 4, 1]),
    (lambda: sj.arange(0, 1, 0.25), sj.float32, (4,), [0.0, 0.25, 0.5, 0.75]),
    (lambda: sj.arange(3, dtype=sj.float64), sj.float64, (3,), [0.0, 1.0, 2.0]),
    (lambda: sj.linspace(0, 1, 5), sj.float32, (5,), [0.0, 0.25, 0.5, 0.75, 1.0]),
    (lambda: sj.linspace(-1, 1, 1), sj.float32, (1,), [-1.0]),
    (lambda: sj.eye(2), sj.float32, (2, 2), [[1.0, 0.0], [0.0, 1.0]]),
    (lambda: sj.eye(2, 3, dtype=sj.int64), sj.int64, (2, 3), [[1, 0, 0], [0, 1, 0]]),
    (lambda: sj.rand(2, 3), sj.float32, (2, 3), None),
    (lambda: sj.randn((4,), dtype=sj.float64), sj.float64, (4,), None),
    (lambda: sj.randint(0, 5, (3, 2)), sj.int64, (3, 2), None),
    (lambda: sj.randint(5, (4,)), sj.int64, (4,), None),
    (lambda: sj.randint(2, 4, size=(6,)), sj.int64, (6,), None),
    (lambda: sj.randperm(5), sj.int64, (5,), None),
    (lambda: sj.zeros_like(sj.ones(2, dtype=sj.float64)), sj.float64, (2,), [0.0, 0.0]),
    (lambda: sj.ones_like(sj.tensor([1, 2])), sj.int64, (2,), [1, 1]),
    (lambda: sj.ones_like(sj.tensor([1, 2]), dtype=sj.float32), sj.float32, (2,), [1.0, 1.0]),
    (lambda: sj.full_like(sj.zeros(2), 3), sj.float32, (2,), [3.0, 3.0]),
    (lambda: sj.empty(2, 2), sj.float32, (2, 2), None),
]


@pytest.mark.parametrize("call,dtype,shape,values", CONSTRUCTORS, ids=range(len(CONSTRUCTORS)))
def test_constructor(call, dtype, shape, values):
    t = call()
    assert isinstance(t, sj.Tensor) and t.dtype is dtype and t.shape == shape
    assert not t.requires_grad and t.is_leaf
    if values is not None:
        assert t.tolist() == values


def test_random_ranges():
    sj.manual_seed(0)
    u = sj.rand(10_000).numpy()
    assert u.min() >= 0 and u.max() < 1 and abs(u.mean() - 0.5) < 0.02
    n = sj.randn(10_000).numpy()
    assert abs(n.mean()) < 0.05 and abs(n.std() - 1) < 0.05
    r = sj.randint(3, 6, (1000,)).numpy()
    assert set(r.tolist()) == {3, 4, 5}
    assert sorted(sj.randperm(6).tolist()) == list(range(6))


def test_requires_grad_at_construction():
    for t in (sj.tensor([1.0], requires_grad=True), sj.zeros(2, requires_grad=True), sj.ones(2, requires_grad=True),
              sj.randn(2, requires_grad=True), sj.full((2,), 1.0, requires_grad=True)):
        assert t.requires_grad and t.is_leaf and t.grad is None


def test_tensor_copies_but_from_numpy_shares():
    a = np.array([1.0, 2.0, 3.0])
    t = sj.tensor(a)
    f = sj.from_numpy(a)
    a[0] = 9.0
    assert t.tolist() == [1.0, 2.0, 3.0] and f.tolist() == [9.0, 2.0, 3.0]
    f[1] = -1.0  # and the other way round
    assert a[1] == -1.0 and f.dtype is sj.float64
    b = np.arange(4, dtype=np.int32)
    assert sj.from_numpy(b).dtype is sj.int32
    with pytest.raises(TypeError, match="ndarray"):
        sj.from_numpy([1, 2])
    s = sj.ones(2)
    assert sj.tensor(s).data is not s.data and sj.as_tensor(s) is s


# ----------------------------------------------------------------- random state
RANDOM = [lambda g=None: sj.rand(3, 4, generator=g), lambda g=None: sj.randn(5, generator=g),
          lambda g=None: sj.randint(0, 100, (6,), generator=g), lambda g=None: sj.randperm(10, generator=g),
          lambda g=None: sj.nn.functional.dropout(sj.ones(20), 0.5, generator=g)]


@pytest.mark.parametrize("draw", RANDOM, ids=["rand", "randn", "randint", "randperm", "dropout"])
def test_manual_seed_reproduces(draw):
    sj.manual_seed(123)
    a, b = draw(), draw()
    sj.manual_seed(123)
    assert draw().equal(a) and draw().equal(b)
    assert not a.equal(b) or a.numel() == 1
    sj.manual_seed(124)
    assert not draw().equal(a)


@pytest.mark.parametrize("draw", RANDOM, ids=["rand", "randn", "randint", "randperm", "dropout"])
def test_generator_is_independent_of_global_state(draw):
    g = sj.Generator().manual_seed(7)
    a = draw(g)
    sj.manual_seed(0)
    draw()  # the global stream moves, the generator's does not
    g2 = sj.Generator()
    g2.manual_seed(7)
    assert draw(g2).equal(a)
    assert g.initial_seed() == 7


def test_generator_state_round_trip():
    g = sj.Generator().manual_seed(1)
    sj.rand(3, generator=g)
    state = g.get_state()
    a = sj.randn(4, generator=g)
    g.set_state(state)
    assert sj.randn(4, generator=g).equal(a)
    sj.manual_seed(5)
    s = sj.get_rng_state()
    x = sj.rand(2)
    sj.set_rng_state(s)
    assert sj.rand(2).equal(x) and sj.initial_seed() == 5


# ----------------------------------------------------------------- conversion
def test_item_tolist_numpy_detach():
    t = sj.tensor([[1.5, 2.0]], requires_grad=True)
    assert sj.tensor(2.5).item() == 2.5 and isinstance(sj.tensor(3).item(), int)
    assert t.sum().item() == 3.5 and t[0, 1].item() == 2.0
    with pytest.raises(RuntimeError, match="2 elements"):
        t.item()
    assert t.tolist() == [[1.5, 2.0]] and sj.tensor(4.0).tolist() == 4.0
    with pytest.raises(RuntimeError, match="detach"):
        t.numpy()
    d = t.detach()
    assert not d.requires_grad and d.grad_fn is None and isinstance(d.numpy(), np.ndarray)
    assert np.shares_memory(d.numpy(), t.data)  # detach shares storage, like PyTorch
    y = (t * 2).detach()
    assert y.is_leaf and not y.requires_grad
    n = sj.ones(3).numpy()
    assert isinstance(n, np.ndarray) and n.dtype == np.float32


def test_python_number_protocols():
    assert float(sj.tensor([2.5])) == 2.5 and int(sj.tensor(3.9)) == 3
    assert bool(sj.tensor([1.0])) and not bool(sj.tensor(0))
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(sj.ones(2))
    assert [10, 20, 30][sj.tensor(1)] == 20
    assert len(sj.zeros(4, 2)) == 4
    assert [r.tolist() for r in sj.tensor([[1, 2], [3, 4]])] == [[1, 2], [3, 4]]


def test_attributes():
    t = sj.zeros(2, 3, 4)
    assert t.shape == (2, 3, 4) and t.size() == (2, 3, 4) and t.size(1) == 3 and t.size(-1) == 4
    assert t.ndim == 3 and t.dim() == 3 and t.numel() == 24 and t.device == "cpu"
    assert t.is_floating_point() and not sj.tensor([1]).is_floating_point()
    assert t.element_size() == 4 and sj.zeros(1, dtype=sj.float64).element_size() == 8
    assert repr(t.shape) == "shenjing.Size([2, 3, 4])"


def test_comparison_and_logic_results():
    x = sj.tensor([1.0, 2.0, 3.0])
    assert (x > 1.5).tolist() == [False, True, True] and (x == 2).dtype is sj.bool
    assert ((x > 1) & (x < 3)).tolist() == [False, True, False] and (~(x > 2)).tolist() == [True, True, False]
    assert x.eq(sj.tensor([1.0, 0.0, 3.0])).tolist() == [True, False, True]
    assert x.equal(sj.tensor([1.0, 2.0, 3.0])) and x.allclose(x + 1e-9)
    assert (x > 1).sum().item() == 2 and (x > 1).any().item() and not (x > 1).all().item()


# ----------------------------------------------------------------- printing (strings as PyTorch prints them)
REPRS = [
    (lambda: sj.tensor([1.0, 2.0]), "tensor([1., 2.])"),
    (lambda: sj.tensor([1.5, -2.0]), "tensor([ 1.5000, -2.0000])"),
    (lambda: sj.tensor(3.5), "tensor(3.5000)"),
    (lambda: sj.tensor(-0.0), "tensor(-0.)"),
    (lambda: sj.zeros(2), "tensor([0., 0.])"),
    (lambda: sj.tensor([1e-5, 1.0]), "tensor([1.0000e-05, 1.0000e+00])"),
    (lambda: sj.tensor([123456.789]), "tensor([123456.7891])"),
    (lambda: sj.tensor([float("nan"), 1.5, float("inf")]), "tensor([   nan, 1.5000,    inf])"),
    (lambda: sj.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=sj.float64),
     "tensor([[1., 2.],\n        [3., 4.]], dtype=shenjing.float64)"),
    (lambda: sj.tensor([[1, -2], [30, 4]]), "tensor([[ 1, -2],\n        [30,  4]])"),
    (lambda: sj.zeros(2, 3, dtype=sj.int32), "tensor([[0, 0, 0],\n        [0, 0, 0]], dtype=shenjing.int32)"),
    (lambda: sj.tensor([True, False]), "tensor([ True, False])"),
    (lambda: sj.tensor([]), "tensor([])"),
    (lambda: sj.zeros(2, 0), "tensor([], size=(2, 0))"),
    (lambda: sj.ones(2, requires_grad=True), "tensor([1., 1.], requires_grad=True)"),
    (lambda: sj.tensor([2.5], dtype=sj.float16), "tensor([2.5000], dtype=shenjing.float16)"),
    (lambda: sj.arange(12).reshape(3, 4) / 7,
     "tensor([[0.0000, 0.1429, 0.2857, 0.4286],\n        [0.5714, 0.7143, 0.8571, 1.0000],\n"
     "        [1.1429, 1.2857, 1.4286, 1.5714]])"),
    (lambda: sj.arange(30), "tensor([ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15, 16, 17,\n"
                            "        18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29])"),
    (lambda: sj.arange(2000.0), "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n"
                                "        1.9990e+03])"),
]


@pytest.mark.parametrize("make,expected", REPRS, ids=range(len(REPRS)))
def test_repr_like_pytorch(make, expected):
    assert repr(make()) == expected


def test_repr_of_results_names_the_grad_fn():
    x = sj.ones(2, requires_grad=True)
    assert repr(x * 2).startswith("tensor([2., 2.], grad_fn=<MulBackward")
    assert repr((x * 2).sum()).startswith("tensor(4., grad_fn=<SumBackward")


# ----------------------------------------------------------------- broadcasting properties
@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 3), min_size=0, max_size=3), st.lists(st.booleans(), min_size=3, max_size=3),
       st.integers(0, 2))
def test_broadcast_result_shapes_match_numpy(shape, ones, lead):
    """Any pair of broadcast-compatible shapes gives NumPy's result shape, forward and back."""
    other = [1 if o else n for n, o in zip(shape, ones)]
    other = [2] * lead + other
    a, b = sj.ones(*shape, requires_grad=True), sj.ones(*other, requires_grad=True)
    out = a * b + a - b
    assert out.shape == np.broadcast_shapes(tuple(shape), tuple(other))
    out.sum().backward()
    assert a.grad.shape == tuple(shape) and b.grad.shape == tuple(other)
    n_out = int(np.prod(out.shape))
    assert a.grad.sum().item() == pytest.approx(2 * n_out) and b.grad.sum().item() == pytest.approx(0.0)


def test_mod_all_any_expand_mm_like_torch():
    import torch

    for L in (sj, torch):
        x = L.tensor([5.0, -3.0, 7.0], requires_grad=True)
        (x % 3).sum().backward()  # remainder, with PyTorch's gradient 1
        assert (x % 3).tolist() == [2.0, 0.0, 1.0] and x.grad.tolist() == [1.0, 1.0, 1.0]
        assert (7 % L.tensor([3.0, -2.0])).tolist() == [1.0, -1.0]
        assert tuple(L.ones(2, 3).all(1, keepdim=True).shape) == (2, 1)
        assert tuple(L.zeros(2, 3).any(0, keepdim=True).shape) == (1, 3)
        with pytest.raises(RuntimeError, match="expand"):
            L.ones(3, 4).expand(1, 4)
        with pytest.raises(RuntimeError):
            L.mm(L.ones(3), L.ones(3))
