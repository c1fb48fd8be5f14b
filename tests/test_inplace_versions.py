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


def test_assignment_into_a_graph_tensor_is_refused_not_silently_wrong():
    """PyTorch rewires the graph (CopySlices); shenjing cannot, so it says so instead of
    returning a gradient that ignores the assignment."""
    x = sj.ones(3, requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="not supported.*out of place"):
        y[0] = 5.0
    buf = sj.zeros(3)
    with pytest.raises(RuntimeError, match="not supported"):
        buf[0] = x[0]
    with pytest.raises(RuntimeError, match="leaf Variable"):
        x[0] = 1.0
    with sj.no_grad():  # outside recording both are plain array writes
        y[0] = 5.0
        buf[1] = x[1]
    assert y.tolist() == [5.0, 2.0, 2.0] and buf.tolist() == [0.0, 1.0, 0.0]
    # the out-of-place way gives PyTorch's gradient
    y = sj.where(sj.tensor([True, False, False]), sj.tensor(5.0), x * 2)
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 2.0, 2.0]
