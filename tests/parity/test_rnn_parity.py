"""RNN, LSTM, GRU, their cells and Embedding against PyTorch: outputs, final states and every
gradient (input, initial states, each weight and bias), in float64, over layers, directions,
batch_first, initial states and sequence length 1.

torch is imported unconditionally: without it these tests fail, they never skip.
"""

from __future__ import annotations

import itertools
import zlib

import numpy as np
import pytest
import torch

import shenjing as sj
from shenjing import nn

ATOL = 1e-10


def _copy_weights(sm: nn.Module, tm: torch.nn.Module) -> None:
    """Give the shenjing module the PyTorch module's weights through load_state_dict: the keys
    and shapes must match one to one."""
    state = {k: sj.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()}
    assert list(state) == list(sm.state_dict()), "parameter names or order differ from PyTorch"
    sm.load_state_dict(state)


def _leaf(a: np.ndarray):
    return sj.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def _compare(s_outs, t_outs, s_leaves, t_leaves, sm, tm, rng):
    """Forward values, then backward of Σ gᵢ·outᵢ with random gᵢ: all leaf and weight grads."""
    s_loss, t_loss = 0, 0
    for k, (s, t) in enumerate(zip(s_outs, t_outs)):
        assert tuple(s.shape) == tuple(t.shape), f"output {k}: shape {tuple(s.shape)} vs torch {tuple(t.shape)}"
        np.testing.assert_allclose(s.detach().numpy(), t.detach().numpy(), atol=ATOL, rtol=1e-9,
                                   err_msg=f"output {k} differs")
        g = rng.standard_normal(tuple(t.shape))
        s_loss = s_loss + (s * sj.tensor(g)).sum()
        t_loss = t_loss + (t * torch.tensor(g)).sum()
    s_loss.backward()
    t_loss.backward()
    for k, (s, t) in enumerate(zip(s_leaves, t_leaves)):
        np.testing.assert_allclose(s.grad.numpy(), t.grad.numpy(), atol=ATOL, rtol=1e-9,
                                   err_msg=f"gradient of input {k} differs")
    for name, p in tm.named_parameters():
        sp = dict(sm.named_parameters())[name]
        assert sp.grad is not None, f"{name}: no gradient"
        np.testing.assert_allclose(sp.grad.numpy(), p.grad.numpy(), atol=ATOL, rtol=1e-9,
                                   err_msg=f"gradient of {name} differs")


KINDS = [("RNN", {"nonlinearity": "tanh"}), ("RNN", {"nonlinearity": "relu"}), ("LSTM", {}), ("GRU", {})]
GRID = list(itertools.product([1, 2], [False, True], [False, True], [False, True], [1, 4]))


@pytest.mark.parametrize("kind,kw", KINDS, ids=lambda v: v if isinstance(v, str) else (v.get("nonlinearity") or "-"))
@pytest.mark.parametrize("layers,bidirectional,batch_first,with_state,steps", GRID,
                         ids=lambda v: str(v))
def test_layer_parity(kind, kw, layers, bidirectional, batch_first, with_state, steps):
    case = (kind, kw, layers, bidirectional, batch_first, with_state, steps)
    rng = np.random.default_rng(zlib.crc32(repr(case).encode()))
    batch, inp, hidden = 3, 4, 5
    opts = dict(num_layers=layers, bidirectional=bidirectional, batch_first=batch_first, **kw)
    tm = getattr(torch.nn, kind)(inp, hidden, **opts).double()
    sm = getattr(nn, kind)(inp, hidden, dtype=sj.float64, **opts)
    _copy_weights(sm, tm)
    dirs = 2 if bidirectional else 1
    x = rng.standard_normal((batch, steps, inp) if batch_first else (steps, batch, inp))
    sx, tx = _leaf(x)
    s_leaves, t_leaves = [sx], [tx]
    s_hx = t_hx = None
    if with_state:
        sh, th = _leaf(rng.standard_normal((layers * dirs, batch, hidden)))
        s_leaves.append(sh)
        t_leaves.append(th)
        s_hx, t_hx = sh, th
        if kind == "LSTM":
            sc, tc = _leaf(rng.standard_normal((layers * dirs, batch, hidden)))
            s_leaves.append(sc)
            t_leaves.append(tc)
            s_hx, t_hx = (sh, sc), (th, tc)
    s_out, s_state = sm(sx, s_hx)
    t_out, t_state = tm(tx, t_hx)
    s_outs = [s_out, *(s_state if kind == "LSTM" else [s_state])]
    t_outs = [t_out, *(t_state if kind == "LSTM" else [t_state])]
    _compare(s_outs, t_outs, s_leaves, t_leaves, sm, tm, rng)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("with_state", [False, True])
def test_unbatched_and_no_bias(kind, with_state):
    rng = np.random.default_rng(7)
    tm = getattr(torch.nn, kind)(3, 4, num_layers=2, bias=False, bidirectional=True).double()
    sm = getattr(nn, kind)(3, 4, num_layers=2, bias=False, bidirectional=True, dtype=sj.float64)
    _copy_weights(sm, tm)
    sx, tx = _leaf(rng.standard_normal((5, 3)))  # (T, I): no batch dimension
    s_leaves, t_leaves, s_hx, t_hx = [sx], [tx], None, None
    if with_state:
        sh, th = _leaf(rng.standard_normal((4, 4)))
        sc, tc = _leaf(rng.standard_normal((4, 4)))
        s_leaves += [sh, sc] if kind == "LSTM" else [sh]
        t_leaves += [th, tc] if kind == "LSTM" else [th]
        s_hx, t_hx = ((sh, sc), (th, tc)) if kind == "LSTM" else (sh, th)
    s_out, s_state = sm(sx, s_hx)
    t_out, t_state = tm(tx, t_hx)
    s_outs = [s_out, *(s_state if kind == "LSTM" else [s_state])]
    t_outs = [t_out, *(t_state if kind == "LSTM" else [t_state])]
    _compare(s_outs, t_outs, s_leaves, t_leaves, sm, tm, rng)


CELLS = [("RNNCell", {"nonlinearity": "tanh"}), ("RNNCell", {"nonlinearity": "relu"}), ("LSTMCell", {}),
         ("GRUCell", {})]


@pytest.mark.parametrize("kind,kw", CELLS, ids=lambda v: v if isinstance(v, str) else (v.get("nonlinearity") or "-"))
@pytest.mark.parametrize("batched,with_state,bias", list(itertools.product([True, False], repeat=3)),
                         ids=lambda v: str(v))
def test_cell_parity(kind, kw, batched, with_state, bias):
    rng = np.random.default_rng(11)
    tm = getattr(torch.nn, kind)(4, 6, bias=bias, **kw).double()
    sm = getattr(nn, kind)(4, 6, bias=bias, dtype=sj.float64, **kw)
    _copy_weights(sm, tm)
    lead = (3,) if batched else ()
    sx, tx = _leaf(rng.standard_normal(lead + (4,)))
    s_leaves, t_leaves, s_hx, t_hx = [sx], [tx], None, None
    if with_state:
        sh, th = _leaf(rng.standard_normal(lead + (6,)))
        s_leaves.append(sh)
        t_leaves.append(th)
        s_hx, t_hx = sh, th
        if kind == "LSTMCell":
            sc, tc = _leaf(rng.standard_normal(lead + (6,)))
            s_leaves.append(sc)
            t_leaves.append(tc)
            s_hx, t_hx = (sh, sc), (th, tc)
    s_out, t_out = sm(sx, s_hx), tm(tx, t_hx)
    s_outs = list(s_out) if kind == "LSTMCell" else [s_out]
    t_outs = list(t_out) if kind == "LSTMCell" else [t_out]
    _compare(s_outs, t_outs, s_leaves, t_leaves, sm, tm, rng)


def test_float32_lstm_matches_pytorch():
    rng = np.random.default_rng(3)
    tm = torch.nn.LSTM(8, 16, num_layers=2, batch_first=True)
    sm = nn.LSTM(8, 16, num_layers=2, batch_first=True)
    _copy_weights(sm, tm)
    x = rng.standard_normal((5, 7, 8)).astype(np.float32)
    s_out, (sh, sc) = sm(sj.tensor(x))
    t_out, (th, tc) = tm(torch.tensor(x))
    assert s_out.dtype == sj.float32
    for s, t in ((s_out, t_out), (sh, th), (sc, tc)):
        np.testing.assert_allclose(s.detach().numpy(), t.detach().numpy(), atol=2e-6)


def test_state_dict_loads_into_pytorch():
    sm = nn.GRU(3, 5, num_layers=2, bidirectional=True)
    tm = torch.nn.GRU(3, 5, num_layers=2, bidirectional=True)
    tm.load_state_dict({k: torch.tensor(v.numpy()) for k, v in sm.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((4, 2, 3)).astype(np.float32)
    np.testing.assert_allclose(sm(sj.tensor(x))[0].detach().numpy(), tm(torch.tensor(x))[0].detach().numpy(),
                               atol=2e-6)


@pytest.mark.parametrize("padding_idx", [None, 2, -1])
def test_embedding_parity_repeated_indices(padding_idx):
    rng = np.random.default_rng(5)
    w = rng.standard_normal((7, 3))
    idx = np.array([[0, 2, 2, 6], [6, 6, 1, 2]])
    te = torch.nn.Embedding(7, 3, padding_idx=padding_idx).double()
    se = nn.Embedding(7, 3, padding_idx=padding_idx, dtype=sj.float64)
    with torch.no_grad():
        te.weight.copy_(torch.tensor(w))
    se.weight.data[...] = w
    g = rng.standard_normal((2, 4, 3))
    so, to = se(sj.tensor(idx)), te(torch.tensor(idx))
    np.testing.assert_allclose(so.detach().numpy(), to.detach().numpy())
    (so * sj.tensor(g)).sum().backward()
    (to * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(se.weight.grad.numpy(), te.weight.grad.numpy(), atol=1e-12)
    # repeated indices accumulate: row 6 gets three gradients, row 2 three
    assert padding_idx is not None or np.allclose(se.weight.grad.numpy()[6], g[0, 3] + g[1, 0] + g[1, 1])


def test_clip_grad_norm_on_exploding_rnn():
    """A tanh RNN with a large recurrent weight over 40 steps: the gradient norm is huge; after
    clip_grad_norm_ it is max_norm, and both the returned norm and the clipped gradients match PyTorch."""
    rng = np.random.default_rng(0)
    tm = torch.nn.RNN(2, 8, nonlinearity="relu").double()
    with torch.no_grad():
        tm.weight_hh_l0.copy_(torch.tensor(1.5 * np.eye(8) + 0.1 * rng.standard_normal((8, 8))))
    sm = nn.RNN(2, 8, nonlinearity="relu", dtype=sj.float64)
    _copy_weights(sm, tm)
    x = np.abs(rng.standard_normal((40, 3, 2)))
    s_out, _ = sm(sj.tensor(x))
    t_out, _ = tm(torch.tensor(x))
    (s_out[-1] ** 2).sum().backward()
    (t_out[-1] ** 2).sum().backward()
    s_norm = sj.nn.utils.clip_grad_norm_(sm.parameters(), 1.0)
    t_norm = torch.nn.utils.clip_grad_norm_(tm.parameters(), 1.0)
    assert float(t_norm) > 1e6, "the set-up should explode"
    np.testing.assert_allclose(float(s_norm), float(t_norm), rtol=1e-9)
    after = np.sqrt(sum(float((p.grad.numpy() ** 2).sum()) for p in sm.parameters()))
    np.testing.assert_allclose(after, 1.0, rtol=1e-6)
    for name, p in tm.named_parameters():
        np.testing.assert_allclose(dict(sm.named_parameters())[name].grad.numpy(), p.grad.numpy(),
                                   rtol=1e-7, atol=1e-12)


@pytest.mark.parametrize("kind", ["RNN", "LSTM"])
@pytest.mark.parametrize("batch", [2, 16])
def test_both_weight_gradient_strategies(kind, batch):
    """A narrow batch takes the one-product weight gradient, a wide one the per-step sum
    (ops.rnn._bulk_weight_grad); both equal PyTorch."""
    from shenjing.ops.rnn import _bulk_weight_grad

    rng = np.random.default_rng(batch)
    tm = getattr(torch.nn, kind)(3, 4, num_layers=2, bidirectional=True).double()
    sm = getattr(nn, kind)(3, 4, num_layers=2, bidirectional=True, dtype=sj.float64)
    _copy_weights(sm, tm)
    assert _bulk_weight_grad(4 + 3 + 1, batch) == (batch == 2)
    sx, tx = _leaf(rng.standard_normal((6, batch, 3)))
    s_out, t_out = sm(sx)[0], tm(tx)[0]
    _compare([s_out], [t_out], [sx], [tx], sm, tm, rng)
