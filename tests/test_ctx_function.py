"""PyTorch-style custom functions (static forward(ctx, …) / backward(ctx, …)), against torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import shenjing as sj
from shenjing.autograd import gradcheck


def _define(L):
    class Cube(L.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            ctx.save_for_backward(x)
            ctx.k = k
            return x**3 * k

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x**2 * ctx.k, None

    class MulAdd(L.autograd.Function):  # two tensor inputs, broadcasting, needs_input_grad
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a * b + a

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            ga = g * (b + 1) if ctx.needs_input_grad[0] else None
            gb = (g * a).sum(0, keepdim=True) if ctx.needs_input_grad[1] else None
            return ga, gb

    class Split(L.autograd.Function):  # several outputs, one of them not differentiable
        @staticmethod
        def forward(ctx, x):
            idx = x.argmax()
            ctx.mark_non_differentiable(idx)
            return x * 2, x.sum(), idx

        @staticmethod
        def backward(ctx, g_double, g_sum, g_idx):
            return g_double * 2 + g_sum

    class Square(L.autograd.Function):  # PyTorch 2's forward without ctx + setup_context
        @staticmethod
        def forward(x):
            return x * x

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    return Cube, MulAdd, Split, Square


CASES = {
    "cube": lambda F, x, y: F[0].apply(x, 2.5).sum(),
    "muladd broadcast": lambda F, x, y: (F[1].apply(x, y) ** 2).sum(),
    "several outputs": lambda F, x, y: (lambda d, s, i: (d * d).sum() + 3 * s)(*F[2].apply(x)),
    "only one output used": lambda F, x, y: F[2].apply(x)[0][1, 2],
    "setup_context": lambda F, x, y: F[3].apply(x).sum(),
    "in a chain": lambda F, x, y: F[0].apply(F[3].apply(x * y), 0.5).mean(),
}


@pytest.mark.parametrize("name", list(CASES))
def test_custom_function_matches_torch(name):
    rng = np.random.default_rng(0)
    xa, ya = rng.standard_normal((2, 3)), rng.standard_normal((1, 3))
    got = {}
    for L in (sj, torch):
        x, y = L.tensor(xa, requires_grad=True), L.tensor(ya, requires_grad=True)
        out = CASES[name](_define(L), x, y)
        out.backward()
        got[L] = (out.item(), x.grad.numpy().copy(), None if y.grad is None else y.grad.numpy().copy())
    assert got[sj][0] == pytest.approx(got[torch][0], rel=1e-12)
    np.testing.assert_allclose(got[sj][1], got[torch][1], rtol=1e-12)
    assert (got[sj][2] is None) == (got[torch][2] is None)
    if got[torch][2] is not None:
        np.testing.assert_allclose(got[sj][2], got[torch][2], rtol=1e-12)


def test_custom_function_passes_gradcheck_and_a_wrong_one_fails():
    cube, muladd, _, _ = _define(sj)
    x = sj.tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True)
    y = sj.tensor(np.linspace(0.5, 2, 3).reshape(1, 3), requires_grad=True)
    assert gradcheck(lambda a, b: muladd.apply(a, b), [x, y])

    class Wrong(sj.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a**3

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return g * 3 * a  # should be 3a²

    with pytest.raises(sj.autograd.GradcheckError, match="MISMATCH"):
        gradcheck(lambda a: Wrong.apply(a), [x])


def test_custom_function_errors_like_torch():
    for L in (sj, torch):
        cube = _define(L)[0]
        x = L.tensor([1.0, 2.0], requires_grad=True)
        h = x * 1
        y = cube.apply(h, 1.0)
        with L.no_grad():
            h.add_(1)  # changes a saved tensor
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()

        class TooFew(L.autograd.Function):
            @staticmethod
            def forward(ctx, a, b):
                return a * b

            @staticmethod
            def backward(ctx, g):
                return g

        with pytest.raises(RuntimeError, match="incorrect number of gradients"):
            TooFew.apply(x, x).sum().backward()
    assert sj.autograd.Function  # exported under PyTorch's name


def test_custom_function_without_grad_returns_plain_tensors():
    cube = _define(sj)[0]
    out = cube.apply(sj.tensor([1.0, 2.0]), 2.0)
    assert not out.requires_grad and out.tolist() == [2.0, 16.0]
    with sj.no_grad():
        assert not cube.apply(sj.tensor([1.0], requires_grad=True), 1.0).requires_grad
