"""Property tests (hypothesis): broadcasting and reductions on random shapes pass gradcheck, and the
engine's one place that undoes broadcasting equals summing by hand."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import shenjing as sj
from shenjing.autograd import gradcheck
from shenjing.autograd.engine import reduce_to_shape

PAIRS = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=1, max_side=3)
BINARY = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 1.0), "maximum": sj.maximum, "minimum": sj.minimum,
    "where": lambda a, b: sj.where(a > 0, a, b), "pow": lambda a, b: (a * a + 1.0) ** b,
}


def _leaf(shape, seed):
    rng = np.random.default_rng(seed)
    return sj.tensor(rng.standard_normal(shape), dtype=sj.float64, requires_grad=True)


@settings(max_examples=40, deadline=None)
@given(PAIRS, st.sampled_from(sorted(BINARY)), st.integers(0, 2**16))
def test_binary_ops_on_broadcast_shapes(shapes, op, seed):
    (sa, sb), out_shape = shapes.input_shapes, shapes.result_shape
    a, b = _leaf(sa, seed), _leaf(sb, seed + 1)
    assert BINARY[op](a, b).shape == out_shape
    assert gradcheck(BINARY[op], [a, b])
    assert a.grad.shape == sa and b.grad.shape == sb


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 3), min_size=1, max_size=3), st.data(), st.booleans(),
       st.sampled_from(["sum", "mean", "var", "logsumexp", "amax"]))
def test_reductions_over_random_axes(shape, data, keepdim, name):
    ndim = len(shape)
    dims = tuple(sorted(data.draw(st.sets(st.integers(0, ndim - 1), min_size=1))))
    x = sj.tensor(np.random.default_rng(len(shape)).permutation(np.prod(shape)).reshape(shape) * 0.3,
                  dtype=sj.float64, requires_grad=True)
    if name == "var" and int(np.prod([shape[d] for d in dims])) < 2:
        return  # the unbiased variance of one number is undefined
    assert gradcheck(lambda t: getattr(t, name)(dims, keepdim=keepdim), [x])


@settings(max_examples=50, deadline=None)
@given(PAIRS, st.integers(0, 2**16))
def test_reduce_to_shape_is_summing_by_hand(shapes, seed):
    target, _ = shapes.input_shapes
    g = np.random.default_rng(seed).standard_normal(shapes.result_shape)
    got = reduce_to_shape(g, target)
    expected = g
    while expected.ndim > len(target):
        expected = expected.sum(axis=0)
    for i, n in enumerate(target):
        if n == 1:
            expected = expected.sum(axis=i, keepdims=True)
    assert got.shape == tuple(target)
    np.testing.assert_allclose(got, expected, atol=1e-12)
