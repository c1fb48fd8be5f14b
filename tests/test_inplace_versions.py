"""In-place changes and autograd: version counters as in PyTorch, and no silently wrong gradient."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import shenjing as sj

STALE = "modified by an inplace operation"


@pytest.mark.parametrize("lib", [sj, torch], ids=["shenjing", "torch"])
def test_changing_a_saved_input_is_refused(lib):
    w = lib.tensor([1.0, 2.0], requires_grad=True)
    x = lib.tensor([3.0, 4.0])
    y = (w * x).sum()  # Mul saves x for ∂y/∂w
    x.add_(1)
    with pytest.raises(RuntimeError, match=STALE):
        y.backward()


@pytest.mark.parametrize("lib", [sj, torch], ids=["shenjing", "torch"])
def test_changing_an_input_that_was_not_saved_is_fine(lib):
    w = lib.tensor([1.0, 2.0], requires_grad=True)
    x = lib.tensor([3.0, 4.0])
    y = (w + x).sum()  # Add saves nothing
    x.mul_(10)
    y.backward()
    np.testing.assert_array_equal(w.grad.numpy(), [1.0, 1.0])


@pytest.mark.parametrize("lib", [sj, torch], ids=["shenjing", "torch"])
def test_changing_a_saved_output_is_refused(lib):
    w = lib.tensor([1.0, -2.0], requires_grad=True)
    y = w.exp()  # Exp saves its output
    with lib.no_grad():
        y.mul_(2)
    with pytest.raises(RuntimeError, match=STALE):
        y.sum().backward()


@pytest.mark.parametrize("lib", [sj, torch], ids=["shenjing", "torch"])
@pytest.mark.parametrize("input_needs_grad", [True, False])
def test_an_optimizer_step_between_forward_and_backward(lib, input_needs_grad):
    """Refused when the backward needs the old W (for ∂L/∂x); fine when it only needs x."""
    lin = lib.nn.Linear(3, 2)
    opt = lib.optim.SGD(lin.parameters(), lr=0.1)
    x = lib.ones(4, 3, requires_grad=input_needs_grad)
    lin(x).sum().backward()
    loss = lin(x).sum()
    opt.step()
    if input_needs_grad:
        with pytest.raises(RuntimeError, match=STALE):
            loss.backward()
    else:
        loss.backward()


def test_version_counts_match_torch():
    counts = {}
    for lib in (sj, torch):
        x = lib.zeros(3)
        seen = [x._version]
        for name, args in (("add_", (1,)), ("mul_", (2,)), ("zero_", ()), ("fill_", (3,)), ("__setitem__", (0, 5.0)),
                           ("copy_", (lib.ones(3),)), ("clamp_", (0, 1)), ("sub_", (1,)), ("div_", (2,))):
            getattr(x, name)(*args)
            seen.append(x._version)
        x += 1
        seen.append(x._version)
        counts[lib] = seen
    assert counts[sj] == counts[torch]


INPLACE_IN_GRAPH = {
    "setitem": lambda L, x: _set(x * 2, 0, 5.0),
    "setitem a tensor": lambda L, x: _set(L.zeros(3), slice(1, 3), x[:2] * 4),
    "setitem then used": lambda L, x: (lambda y: (_set(y, 1, x[0]), y * y)[1])(x * 3),
    "twice": lambda L, x: (lambda y: (_set(y, 0, x[1] * 2), _set(y, 1, x[2] ** 2), y)[2])(x + 1),
    "+= then mul_": lambda L, x: (lambda y: (y.__iadd__(x), y.mul_(3), y)[2])(x * 1),
    "add_ with alpha, div_": lambda L, x: (x * 2).add_(x, alpha=0.5).div_(x + 2),
    "clamp_": lambda L, x: (x * 1).clamp_(0.0, 1.5),
    "fill_ with a tensor": lambda L, x: (x * 1).fill_(x[1] * 3),
    "copy_": lambda L, x: L.zeros(2, 3).copy_(x * 2),
    "zero_": lambda L, x: (x * 2).zero_() + x,
    "no_grad change, then recorded": lambda L, x: _nograd_then_set(L, x),
}


def _set(t, index, value):
    t[index] = value
    return t


def _nograd_then_set(L, x):
    y = x * 1
    z = y + 0  # Add saves nothing, so the plain change below does not make it stale
    with L.no_grad():
        y.mul_(2)
    y[0] = x[2]
    return y * 3 + z


@pytest.mark.parametrize("name", list(INPLACE_IN_GRAPH))
def test_inplace_changes_inside_a_graph_match_torch(name):
    """The value and the gradient after y[...] = v, y += x, y.mul_(…) on tensors inside a graph."""
    fn = INPLACE_IN_GRAPH[name]
    got = {}
    for L in (sj, torch):
        x = L.tensor([0.5, -1.0, 2.0], dtype=L.float64, requires_grad=True)
        out = fn(L, x)
        out.sum().backward()
        got[L] = (out.detach().numpy().copy(), x.grad.numpy().copy())
    np.testing.assert_allclose(got[sj][0], got[torch][0])
    np.testing.assert_allclose(got[sj][1], got[torch][1])


def test_assignment_after_a_use_that_saved_the_value():
    """PyTorch writes into y's memory and so refuses y*y's backward; shenjing copies on a recorded
    write, so the product still has the y it saw and the gradient is right."""
    x = sj.tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = x * 3
    w = y * y
    y[2] = 0.0
    (w + y).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 18 * x.detach().numpy() + [3.0, 3.0, 0.0])


def test_inplace_change_keeps_earlier_users_right_and_refuses_stale_saved_values():
    x = sj.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = y.exp()  # Exp saved its own output, not y: y may change
    y[0] = 0.0
    (z.sum() + y.sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp([2.0, 4.0]) + [0.0, 2.0])
    y = x * 2
    w = y * y  # Mul saved y itself
    with sj.no_grad():
        y.add_(1)
    with pytest.raises(RuntimeError, match=STALE):
        w.sum().backward()


def test_inplace_errors():
    x = sj.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        x[0] = 1.0
    with pytest.raises(RuntimeError, match="leaf Variable"):
        x.add_(1)
    with pytest.raises(RuntimeError, match="random fill"):
        (x * 1).normal_()
    with sj.no_grad():
        x[0] = 5.0
        x.add_(1)
    assert x.tolist() == [6.0, 2.0, 2.0] and x.requires_grad and x.grad_fn is None
