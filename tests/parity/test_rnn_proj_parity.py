"""nn.LSTM(proj_size=P) against torch.nn.LSTM: parameters, outputs, states and every gradient."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import shenjing as sj
from shenjing import nn

pytestmark = pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN")


def _pair(num_layers=1, bidirectional=False, batch_first=False, bias=True, dtype=torch.float64, seed=0):
    torch.manual_seed(seed)
    tm = torch.nn.LSTM(4, 6, num_layers=num_layers, bias=bias, batch_first=batch_first,
                       bidirectional=bidirectional, proj_size=3).to(dtype)
    sm = nn.LSTM(4, 6, num_layers=num_layers, bias=bias, batch_first=batch_first, bidirectional=bidirectional,
                 proj_size=3, dtype=sj.float64 if dtype == torch.float64 else sj.float32)
    sm.load_state_dict({k: sj.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    return sm, tm


@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("with_state", [False, True])
def test_lstm_proj_matches_torch(num_layers, bidirectional, batch_first, with_state):
    sm, tm = _pair(num_layers, bidirectional, batch_first)
    rng = np.random.default_rng(1)
    dirs = 2 if bidirectional else 1
    x = rng.normal(size=(2, 5, 4) if batch_first else (5, 2, 4))
    sx, tx = sj.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    s_args, t_args = [sx], [tx]
    if with_state:
        h0 = rng.normal(size=(num_layers * dirs, 2, 3))
        c0 = rng.normal(size=(num_layers * dirs, 2, 6))
        sh, th = sj.tensor(h0, requires_grad=True), torch.tensor(h0, requires_grad=True)
        sc, tc = sj.tensor(c0, requires_grad=True), torch.tensor(c0, requires_grad=True)
        s_args.append((sh, sc))
        t_args.append((th, tc))
    so, (shn, scn) = sm(*s_args)
    to, (thn, tcn) = tm(*t_args)
    assert tuple(so.shape) == tuple(to.shape) and to.shape[-1] == 3 * dirs
    assert tuple(shn.shape) == tuple(thn.shape) == (num_layers * dirs, 2, 3)
    assert tuple(scn.shape) == tuple(tcn.shape) == (num_layers * dirs, 2, 6)
    for a, b in [(so, to), (shn, thn), (scn, tcn)]:
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-12)
    go, gh, gc = (rng.normal(size=tuple(t.shape)) for t in (to, thn, tcn))
    (so * sj.tensor(go)).sum().add((shn * sj.tensor(gh)).sum()).add((scn * sj.tensor(gc)).sum()).backward()
    ((to * torch.tensor(go)).sum() + (thn * torch.tensor(gh)).sum() + (tcn * torch.tensor(gc)).sum()).backward()
    np.testing.assert_allclose(sx.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-11)
    if with_state:
        np.testing.assert_allclose(sh.grad.numpy(), th.grad.numpy(), rtol=1e-9, atol=1e-11)
        np.testing.assert_allclose(sc.grad.numpy(), tc.grad.numpy(), rtol=1e-9, atol=1e-11)
    tp = dict(tm.named_parameters())
    for name, p in sm.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tp[name].grad.numpy(), rtol=1e-9, atol=1e-11, err_msg=name)


def test_lstm_proj_unbatched_no_bias_float32():
    sm, tm = _pair(2, True, bias=False, dtype=torch.float32)
    x = np.random.default_rng(2).normal(size=(5, 4)).astype(np.float32)
    so, (shn, scn) = sm(sj.tensor(x))
    to, (thn, tcn) = tm(torch.tensor(x))
    assert so.dtype == sj.float32 and tuple(so.shape) == tuple(to.shape) == (5, 6)
    for a, b in [(so, to), (shn, thn), (scn, tcn)]:
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_lstm_proj_parameters_state_dict_and_repr():
    tm = torch.nn.LSTM(4, 6, num_layers=2, bidirectional=True, proj_size=3)
    sm = nn.LSTM(4, 6, num_layers=2, bidirectional=True, proj_size=3)
    assert repr(sm) == repr(tm) == "LSTM(4, 6, proj_size=3, num_layers=2, bidirectional=True)"
    assert list(sm.state_dict()) == list(tm.state_dict())
    for (n, p), (tn, tp) in zip(sm.named_parameters(), tm.named_parameters(), strict=True):
        assert n == tn and tuple(p.shape) == tuple(tp.shape)
    assert tuple(sm.weight_hr_l1_reverse.shape) == (3, 6) and tuple(sm.weight_hh_l0.shape) == (24, 3)
    assert tuple(sm.weight_ih_l1.shape) == (24, 6)
    assert len(sm.all_weights) == 4 and len(sm.all_weights[0]) == 5
    bound = 1 / np.sqrt(6)  # U(−1/√H, 1/√H), H the hidden (cell) size
    assert all(np.abs(p.data).max() <= bound for p in sm.parameters())
    # shenjing → torch
    tm2 = torch.nn.LSTM(4, 6, num_layers=2, bidirectional=True, proj_size=3)
    tm2.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in sm.state_dict().items()})
    x = np.random.default_rng(3).normal(size=(5, 2, 4)).astype(np.float32)
    np.testing.assert_allclose(sm(sj.tensor(x))[0].detach().numpy(), tm2(torch.tensor(x))[0].detach().numpy(),
                               rtol=1e-5, atol=1e-6)


def test_lstm_proj_errors():
    for kw in ({"proj_size": 6}, {"proj_size": 9}, {"proj_size": -1}):
        with pytest.raises(ValueError):
            torch.nn.LSTM(4, 6, **kw)
        with pytest.raises(ValueError, match="proj_size"):
            nn.LSTM(4, 6, **kw)
    with pytest.raises(ValueError, match="only supported for LSTM, not RNN or GRU"):
        nn.RNNBase("GRU", 4, 6, proj_size=3)
    sm, tm = _pair()
    x = np.zeros((5, 2, 4))
    bad_h, c = np.zeros((1, 2, 6)), np.zeros((1, 2, 6))
    with pytest.raises(RuntimeError):
        tm(torch.tensor(x), (torch.tensor(bad_h), torch.tensor(c)))
    with pytest.raises(RuntimeError, match="h_0"):
        sm(sj.tensor(x), (sj.tensor(bad_h), sj.tensor(c)))
    with pytest.raises(RuntimeError, match="c_0"):
        sm(sj.tensor(x), (sj.tensor(np.zeros((1, 2, 3))), sj.tensor(np.zeros((1, 2, 3)))))
    packed = nn.utils.rnn.pack_padded_sequence(sj.tensor(x), [5, 3])
    with pytest.raises(NotImplementedError, match="PackedSequence"):
        sm(packed)


def test_lstm_without_proj_still_uses_the_kernel():
    sm = nn.LSTM(4, 6)
    out, _ = sm(sj.tensor(np.zeros((3, 2, 4), dtype=np.float32)))
    assert sm.proj_size == 0 and tuple(out.shape) == (3, 2, 6)
