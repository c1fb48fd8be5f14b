"""The backward engine, grad modes, in-place rules, and gradcheck itself."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import shenjing as sj
from shenjing.autograd import Function, GradcheckError, gradcheck


# ----------------------------------------------------------------- the walk
def test_chain_of_10000_ops_is_iterative():
    x = sj.tensor(1.0, dtype=sj.float64, requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001 + 0.0
    y.backward()
    assert x.grad.item() == pytest.approx(1.0001**10_000, rel=1e-9)
    del y
    gc.collect()


def test_deep_chain_of_mixed_ops():
    x = sj.ones(3, requires_grad=True)
    y = x
    for i in range(10_000):
        y = y.tanh() if i % 2 else (y * 1.5 + 0.1).sigmoid()
    y.sum().backward()
    assert np.isfinite(x.grad.numpy()).all()


def test_gradients_accumulate_over_two_backward_calls():
    x = sj.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    assert x.grad.tolist() == [3.0 + 2.0, 3.0 + 4.0]


def test_node_used_many_times():
    x = sj.tensor(2.0, requires_grad=True)
    h = x * 1.0
    total = h
    for _ in range(99):
        total = total + h
    (total * h).backward()  # 100 h², d/dx = 200 h
    assert x.grad.item() == 400.0


def test_leaf_used_twice_in_one_op():
    x = sj.tensor([3.0], requires_grad=True)
    (x * x).sum().backward()
    assert x.grad.tolist() == [6.0]
    x.grad = None
    (x + x + x).sum().backward()
    assert x.grad.tolist() == [3.0]


def test_diamond_graph():
    x = sj.tensor(0.5, dtype=sj.float64, requires_grad=True)
    a = x * 2
    b, c = a.exp(), a.sin()
    (b * c).backward()
    av = 1.0
    expected = 2 * (np.exp(av) * np.sin(av) + np.exp(av) * np.cos(av))
    assert x.grad.item() == pytest.approx(expected, rel=1e-12)


def test_broadcast_gradients_reduce_to_operand_shapes():
    a = sj.ones(3, 1, requires_grad=True)
    b = sj.ones(4, requires_grad=True)
    c = sj.ones(2, 1, 1, requires_grad=True)
    (a * b + c).sum().backward()
    assert a.grad.shape == (3, 1) and a.grad.tolist() == [[8.0]] * 3
    assert b.grad.shape == (4,) and b.grad.tolist() == [6.0] * 4
    assert c.grad.shape == (2, 1, 1) and c.grad.numpy().ravel().tolist() == [12.0, 12.0]


def test_reduce_to_shape():
    from shenjing.autograd.engine import reduce_to_shape

    g = np.ones((2, 3, 4))
    assert reduce_to_shape(g, (3, 1)).tolist() == [[8.0]] * 3
    assert reduce_to_shape(g, ()).item() == 24.0
    assert reduce_to_shape(g, (1, 1, 4)).shape == (1, 1, 4)


def test_graph_is_freed_after_backward():
    x = sj.ones(3, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()


def test_freed_graph_releases_intermediate_tensors():
    x = sj.ones(1000, requires_grad=True)
    h = x.exp()
    refs = [weakref.ref(h), weakref.ref(h.data)]  # the intermediate and the array backward needs
    y = (h * 2).sum()
    del h
    assert all(r() is not None for r in refs)  # kept for backward
    y.backward()
    gc.collect()
    assert all(r() is None for r in refs)  # freed by backward, although y is still alive


def test_retain_graph_allows_a_second_backward():
    x = sj.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [4.0, 8.0]


def test_backward_errors():
    x = sj.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="scalar"):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match="does not require grad"):
        sj.ones(3).sum().backward()
    with pytest.raises(RuntimeError, match="shape"):
        (x * 2).backward(sj.ones(2))


def test_backward_with_explicit_gradient():
    x = sj.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x).backward(sj.tensor([1.0, 0.0, -1.0]))
    assert x.grad.tolist() == [2.0, 0.0, -6.0]
    y = sj.tensor([1.0, 2.0], requires_grad=True)
    y.backward(np.array([5.0, 6.0]))  # backward on a leaf
    assert y.grad.tolist() == [5.0, 6.0]


def test_only_leaves_get_grad_unless_retained():
    x = sj.ones(2, requires_grad=True)
    h = x * 2
    k = x * 3
    k.retain_grad()
    (h * k).sum().backward()
    assert h.grad is None and k.grad.tolist() == [2.0, 2.0] and x.grad.tolist() == [12.0, 12.0]
    assert x.is_leaf and not h.is_leaf and h.grad_fn is not None and x.grad_fn is None


def test_grad_of_leaf_is_plain_and_writable():
    x = sj.ones(2, 3, requires_grad=True)
    x.sum().backward()
    assert not x.grad.requires_grad and x.grad.grad_fn is None
    with sj.no_grad():
        x.grad.zero_()
        x.grad.add_(1.0)
    assert x.grad.tolist() == [[1.0] * 3] * 2


def test_hook_sees_the_gradient():
    seen = []
    x = sj.ones(2, requires_grad=True)
    x.register_hook(lambda g: seen.append(g.tolist()))
    (x * 5).sum().backward()
    assert seen == [[5.0, 5.0]]


def test_inputs_not_requiring_grad_get_none():
    x, c = sj.ones(2, requires_grad=True), sj.ones(2)
    (x * c).sum().backward()
    assert c.grad is None and x.grad is not None


def test_autograd_grad():
    x = sj.tensor([1.0, 2.0], requires_grad=True)
    (g,) = sj.autograd.grad((x * x).sum(), [x])
    assert g.tolist() == [2.0, 4.0] and x.grad is None


# ----------------------------------------------------------------- grad modes
def test_no_grad_context():
    x = sj.ones(2, requires_grad=True)
    with sj.no_grad():
        y = x * 2
        assert not sj.is_grad_enabled()
    assert sj.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None


def test_no_grad_decorator_both_forms():
    x = sj.ones(2, requires_grad=True)

    @sj.no_grad()
    def f(t):
        return t * 2

    @sj.no_grad
    def g(t):
        return t * 2

    assert not f(x).requires_grad and not g(x).requires_grad
    assert f.__name__ == "f" and sj.is_grad_enabled()


def test_enable_grad_inside_no_grad():
    x = sj.ones(2, requires_grad=True)

    @sj.enable_grad()
    def f(t):
        return t * 2

    with sj.no_grad():
        with sj.enable_grad():
            assert (x * 2).requires_grad
        assert f(x).requires_grad
        assert not (x * 2).requires_grad


def test_set_grad_enabled_and_exceptions_restore_mode():
    with sj.set_grad_enabled(False):
        assert not sj.is_grad_enabled()
    assert sj.is_grad_enabled()
    with pytest.raises(KeyError), sj.no_grad():
        raise KeyError("inside no_grad")
    assert sj.is_grad_enabled()


@pytest.mark.parametrize("op", ["__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__"])
def test_comparisons_carry_no_grad(op):
    x = sj.tensor([1.0, 2.0, 3.0], requires_grad=True)
    out = getattr(x, op)(2.0)
    assert out.dtype == sj.bool and not out.requires_grad and out.grad_fn is None
    expected = getattr(np.array([1.0, 2.0, 3.0]), op)(2.0)
    assert out.tolist() == expected.tolist()
    assert getattr(x, op)(sj.tensor([3.0, 2.0, 1.0])).shape == (3,)


# ----------------------------------------------------------------- in place
@pytest.mark.parametrize("op", [lambda t: t.add_(1.0), lambda t: t.add_(sj.ones(3), alpha=2),
                                lambda t: t.mul_(3.0), lambda t: t.zero_(), lambda t: t.copy_(sj.ones(3)),
                                lambda t: t.sub_(1.0), lambda t: t.div_(2.0), lambda t: t.fill_(7.0)],
                         ids=["add_", "add_ alpha", "mul_", "zero_", "copy_", "sub_", "div_", "fill_"])
def test_inplace_on_leaf_needs_no_grad(op):
    w = sj.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="in-place"):
        op(w)
    assert w.tolist() == [1.0, 2.0, 3.0]
    with sj.no_grad():
        out = op(w)
    assert out is w and w.requires_grad and w.dtype == sj.float32


def test_inplace_values_and_dtype():
    w = sj.tensor([1.0, 2.0, 3.0], requires_grad=True)
    data = w.data
    with sj.no_grad():
        w.add_(sj.tensor([1.0, 1.0, 1.0]), alpha=-0.5)
        assert w.tolist() == [0.5, 1.5, 2.5]
        w.mul_(2)
        assert w.tolist() == [1.0, 3.0, 5.0]
        w.copy_(sj.tensor([9.0, 8.0, 7.0], dtype=sj.float64))
        assert w.tolist() == [9.0, 8.0, 7.0] and w.dtype == sj.float32
        w.zero_()
    assert w.tolist() == [0.0, 0.0, 0.0] and w.data is data  # truly in place
    t = sj.zeros(3)
    t.add_(1.5)  # tensors that don't require grad may be updated anywhere
    assert t.tolist() == [1.5] * 3
    with pytest.raises(RuntimeError, match="copy"):
        t.copy_(sj.ones(4))


def test_augmented_assignment_updates_in_place_under_no_grad():
    """The lecture's hand-written gradient descent: `w -= lr * w.grad` must move w itself."""
    w = sj.tensor([1.0, 2.0], requires_grad=True)
    same = w
    for _ in range(3):
        loss = ((w - 3.0) ** 2).sum()
        w.grad = None
        loss.backward()
        with sj.no_grad():
            w -= 0.25 * w.grad
    assert w is same and w.requires_grad and w.is_leaf
    np.testing.assert_allclose(w.tolist(), [3 - 2 * 0.5**3, 3 - 0.5**3])
    with pytest.raises(RuntimeError, match="in-place"):
        w += 1.0
    t = sj.ones(2)
    data = t.data
    t += sj.tensor([1.0, 2.0])
    t *= 2
    t /= 4
    t -= 0.5
    assert t.data is data and t.tolist() == [0.5, 1.0]
    w.grad = None
    h = w * 1.0
    h += 1.0  # inside a graph: recorded (out of place), gradients still flow
    h.sum().backward()
    assert w.grad.tolist() == [1.0, 1.0]


def test_requires_grad_rules():
    with pytest.raises(RuntimeError, match="floating"):
        sj.tensor([1, 2], requires_grad=True)
    x = sj.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        (x * 2).requires_grad = False
    d = (x * 2).detach()
    assert not d.requires_grad and d.is_leaf
    assert sj.ones(2).requires_grad_().requires_grad


# ----------------------------------------------------------------- gradcheck itself
class WrongSquare(Function):
    """x² with a deliberately wrong derivative (x instead of 2x)."""

    def forward(self, a):
        self.a = a
        return a * a

    def backward(self, g):
        return g * self.a


class GoodSquare(WrongSquare):
    def backward(self, g):
        return g * 2 * self.a


def test_gradcheck_passes_on_correct_ops(rng):
    x = sj.tensor(rng.standard_normal((3, 4)), dtype=sj.float64, requires_grad=True)
    y = sj.tensor(rng.standard_normal(4), dtype=sj.float64, requires_grad=True)
    assert gradcheck(lambda a, b: (a * b).tanh().sum(0), [x, y])
    assert gradcheck(lambda a: GoodSquare.apply(a), [x])
    assert gradcheck.last_report.ok
    assert "OK" in str(gradcheck.last_report)


def test_gradcheck_fails_on_a_wrong_backward():
    x = sj.tensor([[0.5, -1.0], [2.0, 3.0]], dtype=sj.float64, requires_grad=True)
    with pytest.raises(GradcheckError) as e:
        gradcheck(lambda a: WrongSquare.apply(a), [x])
    # gradcheck weighs the output with fixed normal weights w (seed 0): analytic w·x against
    # numerical 2w·x, so the worst entry is where |w·x| is largest
    w = np.random.default_rng(0).standard_normal(x.shape)
    worst = tuple(int(i) for i in np.unravel_index(np.argmax(np.abs(w * x.detach().numpy())), x.shape))
    msg = str(e.value)
    assert f"input 0 at {worst}" in msg and "analytic" in msg and "numerical" in msg
    report = gradcheck.last_report
    assert report.entry == worst and not report.ok
    assert report.analytic == pytest.approx(w[worst] * x.detach().numpy()[worst])
    assert report.numerical == pytest.approx(2 * report.analytic, rel=1e-6)
    assert not gradcheck(lambda a: WrongSquare.apply(a), [x], raise_exception=False)


def test_gradcheck_catches_a_wrong_second_input(rng):
    class WrongMul(Function):
        def forward(self, a, b):
            self.a, self.b = a, b
            return a * b

        def backward(self, g):
            return g * self.b, g * self.b  # second one should be g·a

    a = sj.tensor(rng.standard_normal(3), dtype=sj.float64, requires_grad=True)
    b = sj.tensor(rng.standard_normal(3) + 3, dtype=sj.float64, requires_grad=True)
    with pytest.raises(GradcheckError, match="input 1"):
        gradcheck(WrongMul.apply, [a, b])


def test_gradcheck_wants_float64():
    with pytest.raises(TypeError, match="float64"):
        gradcheck(lambda a: a * 2, [sj.ones(2, requires_grad=True)])
