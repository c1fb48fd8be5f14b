"""The recurrent kernels and the embedding look-up: finite-difference gradient checks in float64,
and the promise that a whole sequence is one node of the graph."""

from __future__ import annotations

import numpy as np
import pytest

import shenjing as sj
from shenjing import nn
from shenjing.autograd import gradcheck
from shenjing.ops import rnn as R
from shenjing.ops.embedding import EmbeddingFn


def _t(rng, *shape):
    return sj.tensor(rng.standard_normal(shape) * 0.7, dtype=sj.float64, requires_grad=True)


@pytest.mark.parametrize("cell", ["RNNCell", "LSTMCell", "GRUCell"])
@pytest.mark.parametrize("bias", [True, False])
def test_cell_gradcheck(rng, cell, bias):
    """Every input of a cell — x, the state(s), each weight and bias — against central differences."""
    m = getattr(nn, cell)(3, 2, bias=bias, dtype=sj.float64)
    x, h, c = _t(rng, 2, 3), _t(rng, 2, 2), _t(rng, 2, 2)
    params = list(m.parameters())

    def fn(x, h, c, *ws):
        for p, w in zip(params, ws):
            p.data = w.data  # the same arrays gradcheck perturbs
        if cell == "LSTMCell":
            h1, c1 = m(x, (h, c))
            return h1 * 1.5 + c1
        return m(x, h)

    inputs = [x, h, c, *params]
    assert gradcheck(fn, inputs, eps=1e-6, atol=1e-7, rtol=1e-5)


def test_rnn_cell_relu_gradcheck(rng):
    m = nn.RNNCell(3, 4, nonlinearity="relu", dtype=sj.float64)
    x, h = _t(rng, 2, 3), _t(rng, 2, 4)
    assert gradcheck(lambda x, h, w: m(x, h), [x, h, m.weight_hh], atol=1e-7, rtol=1e-5)


@pytest.mark.parametrize("kernel", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_sequence_kernel_gradcheck(rng, kernel, reverse, batch_first):
    """The hand-written backpropagation through time of each kernel, both directions and layouts."""
    steps, batch, inp, hid = 3, 2, 3, 2
    gates = {"rnn": 1, "lstm": 4, "gru": 3}[kernel]
    x = _t(rng, *((batch, steps, inp) if batch_first else (steps, batch, inp)))
    h0, c0 = _t(rng, batch, hid), _t(rng, batch, hid)
    w_ih, w_hh = _t(rng, gates * hid, inp), _t(rng, gates * hid, hid)
    b_ih, b_hh = _t(rng, gates * hid), _t(rng, gates * hid)
    opts = {"reverse": reverse, "batch_first": batch_first}
    if kernel == "lstm":
        def fn(x, h0, c0, w_ih, w_hh, b_ih, b_hh):
            return R.LSTMSeq.apply(x, h0, c0, w_ih, w_hh, b_ih, b_hh, **opts)
        inputs = [x, h0, c0, w_ih, w_hh, b_ih, b_hh]
    elif kernel == "gru":
        def fn(x, h0, w_ih, w_hh, b_ih, b_hh):
            return R.GRUSeq.apply(x, h0, w_ih, w_hh, b_ih, b_hh, **opts)
        inputs = [x, h0, w_ih, w_hh, b_ih, b_hh]
    else:
        def fn(x, h0, w_ih, w_hh, b_ih, b_hh):
            return R.RNNSeq.apply(x, h0, w_ih, w_hh, b_ih, b_hh, **opts)
        inputs = [x, h0, w_ih, w_hh, b_ih, b_hh]
    assert gradcheck(fn, inputs, eps=1e-6, atol=1e-7, rtol=1e-5)


def test_lstm_without_initial_state_gradcheck(rng):
    x, w_ih, w_hh = _t(rng, 4, 2, 3), _t(rng, 8, 3), _t(rng, 8, 2)
    assert gradcheck(lambda x, a, b: R.LSTMSeq.apply(x, None, None, a, b), [x, w_ih, w_hh], atol=1e-7, rtol=1e-5)


def test_embedding_gradcheck_and_repeated_indices(rng):
    w = _t(rng, 5, 3)
    idx = np.array([[1, 1, 4], [0, 1, 4]])
    assert gradcheck(lambda w: EmbeddingFn.apply(w, idx), [w])
    w.grad = None
    out = EmbeddingFn.apply(w, idx)
    out.sum().backward()
    counts = np.bincount(idx.ravel(), minlength=5)
    np.testing.assert_array_equal(w.grad.numpy(), np.repeat(counts[:, None], 3, axis=1).astype(float))


def test_embedding_padding_row_gets_no_gradient():
    e = nn.Embedding(6, 2, padding_idx=0)
    assert np.all(e.weight.detach().numpy()[0] == 0)
    out = e(sj.tensor([[0, 3, 0, 3]]))
    (out * 2).sum().backward()
    assert np.all(e.weight.grad.numpy()[0] == 0)
    np.testing.assert_allclose(e.weight.grad.numpy()[3], [4.0, 4.0])


def test_embedding_rejects_bad_indices():
    e = nn.Embedding(4, 2)
    with pytest.raises(IndexError, match="index 4 is out of range"):
        e(sj.tensor([1, 4]))
    with pytest.raises(IndexError, match="index -1"):
        e(sj.tensor([-1]))
    with pytest.raises(TypeError, match="integers"):
        e(sj.tensor([0.5]))


def test_whole_sequence_is_one_graph_node():
    """A 2-layer bidirectional LSTM over 50 steps records one Function per layer and direction,
    not a dozen per step."""
    m = nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    out, _ = m(sj.randn(50, 2, 3))
    seen, stack, kernels = set(), [out], 0
    while stack:
        t = stack.pop()
        fn = t.grad_fn
        if fn is None or id(fn) in seen:
            continue
        seen.add(id(fn))
        kernels += isinstance(fn, R.LSTMSeq)
        stack += [p for p in fn.parents if isinstance(p, sj.Tensor)]
    assert kernels == 4
    assert len(seen) < 20


def test_kernel_checks_shapes_and_dtypes():
    w_ih, w_hh = np.zeros((8, 3), np.float32), np.zeros((8, 2), np.float32)
    with pytest.raises(RuntimeError, match="input has 4 features"):
        R.LSTMSeq().forward(np.zeros((2, 1, 4), np.float32), None, None, w_ih, w_hh)
    with pytest.raises(RuntimeError, match="float64 but the weights are float32"):
        R.LSTMSeq().forward(np.zeros((2, 1, 3)), None, None, w_ih, w_hh)
    with pytest.raises(RuntimeError, match="4 gates"):
        R.LSTMSeq().forward(np.zeros((2, 1, 3), np.float32), None, None, w_ih[:6], w_hh[:6])
