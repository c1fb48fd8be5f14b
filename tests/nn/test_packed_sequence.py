"""Packed sequences: packing utilities and RNN/LSTM/GRU on variable-length batches, against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import shenjing as sj
from shenjing.nn.utils import rnn as srnn

trnn = torch.nn.utils.rnn
LENGTHS = [3, 5, 1, 5, 2]  # unsorted, with a tie


def _both(a: np.ndarray, requires_grad: bool = True):
    return (sj.tensor(a, dtype=sj.float64, requires_grad=requires_grad),
            torch.tensor(a, dtype=torch.float64, requires_grad=requires_grad))


def test_pack_and_pad_round_trip_like_torch(rng):
    x = rng.standard_normal((5, 5, 3))
    xs, xt = _both(x)
    ps = srnn.pack_padded_sequence(xs, LENGTHS, batch_first=True, enforce_sorted=False)
    pt = trnn.pack_padded_sequence(xt, LENGTHS, batch_first=True, enforce_sorted=False)
    assert ps.batch_sizes.tolist() == pt.batch_sizes.tolist()
    assert ps.data.shape == tuple(pt.data.shape)
    outs, lens = srnn.pad_packed_sequence(ps, batch_first=True, padding_value=-1.0, total_length=6)
    outt, lent = trnn.pad_packed_sequence(pt, batch_first=True, padding_value=-1.0, total_length=6)
    np.testing.assert_array_equal(outs.detach().numpy(), outt.detach().numpy())
    assert lens.tolist() == lent.tolist()
    (outs * outs).sum().backward()
    (outt * outt).sum().backward()
    np.testing.assert_allclose(xs.grad.numpy(), xt.grad.numpy())


def test_pad_sequence_and_pack_sequence_like_torch(rng):
    seqs = [rng.standard_normal((n, 2)) for n in (4, 2, 3)]
    s = [sj.tensor(a) for a in seqs]
    t = [torch.tensor(a) for a in seqs]
    for bf in (False, True):
        np.testing.assert_array_equal(srnn.pad_sequence(s, bf, 9.0).numpy(), trnn.pad_sequence(t, bf, 9.0).numpy())
    ps, pt = srnn.pack_sequence(s, enforce_sorted=False), trnn.pack_sequence(t, enforce_sorted=False)
    np.testing.assert_array_equal(ps.data.numpy(), pt.data.numpy())
    assert ps.sorted_indices.tolist() == pt.sorted_indices.tolist()
    assert ps.unsorted_indices.tolist() == pt.unsorted_indices.tolist()


def test_packing_errors():
    x = sj.zeros(4, 2, 3)
    with pytest.raises(RuntimeError, match="sorted in decreasing order"):
        srnn.pack_padded_sequence(x, [2, 3])
    with pytest.raises(RuntimeError, match="greater than 0"):
        srnn.pack_padded_sequence(x, [2, 0])
    with pytest.raises(RuntimeError, match="longer than"):
        srnn.pack_padded_sequence(x, [5, 3])
    with pytest.raises(ValueError, match="2 lengths for a batch of 3|lengths for a batch"):
        srnn.pack_padded_sequence(sj.zeros(4, 3, 1), [2, 1])


@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN"])
@pytest.mark.parametrize("layers,bidirectional", [(1, False), (2, True)], ids=["1 layer", "2 layers bi"])
@pytest.mark.parametrize("with_state", [False, True], ids=["no h0", "h0"])
@pytest.mark.parametrize("enforce_sorted", [False, True], ids=["unsorted", "sorted"])
def test_recurrent_layers_on_packed_batches_match_torch(mode, layers, bidirectional, with_state, enforce_sorted):
    rng = np.random.default_rng(2)
    lengths = sorted(LENGTHS, reverse=True) if enforce_sorted else LENGTHS
    batch, steps, feat, hidden = len(lengths), max(lengths), 3, 4
    torch.manual_seed(0)
    mt = getattr(torch.nn, mode)(feat, hidden, num_layers=layers, bidirectional=bidirectional,
                                 batch_first=True).double()
    ms = getattr(sj.nn, mode)(feat, hidden, num_layers=layers, bidirectional=bidirectional,
                              batch_first=True).double()
    ms.load_state_dict({k: v.detach().numpy() for k, v in mt.state_dict().items()})
    xs, xt = _both(rng.standard_normal((batch, steps, feat)))
    states = [rng.standard_normal((layers * (2 if bidirectional else 1), batch, hidden))
              for _ in range(2 if mode == "LSTM" else 1)]
    hs = [_both(a) for a in states]
    results = {}
    for lib, m, x, R in ((sj, ms, xs, srnn), (torch, mt, xt, trnn)):
        packed = R.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=enforce_sorted)
        hx = None
        if with_state:
            hx = [h[0] if lib is sj else h[1] for h in hs]
            hx = tuple(hx) if mode == "LSTM" else hx[0]
        out, state = m(packed, hx)
        padded, lens = R.pad_packed_sequence(out, batch_first=True)
        state = list(state) if mode == "LSTM" else [state]
        loss = (padded**2).sum() + sum((s * (i + 2)).sum() for i, s in enumerate(state))
        loss.backward()
        grads = [x.grad.numpy().copy()] + [p.grad.numpy().copy() for p in m.parameters()]
        if with_state:
            grads += [(h[0] if lib is sj else h[1]).grad.numpy().copy() for h in hs]
        results[lib] = ([padded.detach().numpy()] + [s.detach().numpy() for s in state], grads, lens.tolist())
    for a, b in zip(results[sj][0], results[torch][0]):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    for a, b in zip(results[sj][1], results[torch][1]):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)
    assert results[sj][2] == results[torch][2]
