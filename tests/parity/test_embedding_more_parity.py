"""Embedding with max_norm / scale_grad_by_freq, and EmbeddingBag, against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import shenjing as sj
import shenjing.nn.functional as F
from shenjing import nn

DT = {np.float32: (sj.float32, torch.float32, 1e-5), np.float64: (sj.float64, torch.float64, 1e-10)}


def _pair(rows=7, dim=3, dtype=np.float64, seed=0, scale=1.0):
    w = (np.random.default_rng(seed).normal(size=(rows, dim)) * scale).astype(dtype)
    return sj.tensor(w.copy(), requires_grad=True), torch.tensor(w.copy(), requires_grad=True)


def _close(a, b, tol):
    np.testing.assert_allclose(np.asarray(a), b.detach().numpy(), rtol=tol, atol=tol)


IDX = np.array([[1, 2, 2, 6], [0, 1, 5, 1]])


# ----------------------------------------------------------------- Embedding: max_norm, scale_grad_by_freq
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf")])
@pytest.mark.parametrize("padding_idx", [None, 1])
def test_embedding_max_norm_renorms_weight_in_place(dtype, norm_type, padding_idx):
    _, _, tol = DT[dtype]
    sw, tw = _pair(dtype=dtype, scale=2.0)
    v0 = sw._version
    so = F.embedding(sj.tensor(IDX), sw, padding_idx=padding_idx, max_norm=1.5, norm_type=norm_type)
    to = TF.embedding(torch.tensor(IDX), tw, padding_idx=padding_idx, max_norm=1.5, norm_type=norm_type)
    _close(so.data, to, tol)
    _close(sw.data, tw, tol)  # the looked-up rows of the table itself are rescaled; row 3, 4 untouched
    assert sw._version > v0
    g = np.random.default_rng(1).normal(size=to.shape).astype(dtype)
    so.backward(sj.tensor(g))
    to.backward(torch.tensor(g))
    _close(sw.grad.data, tw.grad, tol)


def test_embedding_max_norm_small_rows_unchanged_and_module():
    sw, tw = _pair(scale=0.1)
    before = sw.data.copy()
    F.embedding(sj.tensor(IDX), sw, max_norm=10.0)
    np.testing.assert_array_equal(sw.data, before)
    se = nn.Embedding(7, 3, max_norm=1.0, dtype=sj.float64)
    te = torch.nn.Embedding(7, 3, max_norm=1.0).double()
    se.weight.data[...] = te.weight.detach().numpy() * 3
    with torch.no_grad():
        te.weight.mul_(3)
    so, to = se(sj.tensor(IDX)), te(torch.tensor(IDX))
    _close(so.data, to, 1e-10)
    _close(se.weight.data, te.weight, 1e-10)
    assert repr(se) == repr(te) == "Embedding(7, 3, max_norm=1.0)"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("padding_idx", [None, 2, -1])
def test_embedding_scale_grad_by_freq(dtype, padding_idx):
    _, _, tol = DT[dtype]
    sw, tw = _pair(dtype=dtype)
    so = F.embedding(sj.tensor(IDX), sw, padding_idx=padding_idx, scale_grad_by_freq=True)
    to = TF.embedding(torch.tensor(IDX), tw, padding_idx=padding_idx, scale_grad_by_freq=True)
    _close(so.data, to, tol)
    g = np.random.default_rng(2).normal(size=to.shape).astype(dtype)
    so.backward(sj.tensor(g))
    to.backward(torch.tensor(g))
    _close(sw.grad.data, tw.grad, tol)
    # a row looked up twice gets half the plain summed gradient
    plain = np.zeros_like(sw.data)
    np.add.at(plain, IDX.reshape(-1), g.reshape(-1, 3))
    if padding_idx != 2:
        np.testing.assert_allclose(sw.grad.data[2], plain[2] / 2, rtol=tol)


def test_embedding_module_scale_grad_and_repr():
    se = nn.Embedding(7, 3, scale_grad_by_freq=True, norm_type=1.0, dtype=sj.float64)
    te = torch.nn.Embedding(7, 3, scale_grad_by_freq=True, norm_type=1.0).double()
    se.weight.data[...] = te.weight.detach().numpy()
    se(sj.tensor(IDX)).sum().backward()
    te(torch.tensor(IDX)).sum().backward()
    _close(se.weight.grad.data, te.weight.grad, 1e-12)
    assert repr(se) == repr(te)


def test_embedding_sparse_and_padding_errors():
    sw, _ = _pair()
    with pytest.raises(NotImplementedError, match="sparse"):
        F.embedding(sj.tensor(IDX), sw, sparse=True)
    with pytest.raises(NotImplementedError, match="sparse"):
        nn.Embedding(4, 2, sparse=True)
    with pytest.raises(AssertionError, match="Padding_idx"):
        F.embedding(sj.tensor(IDX), sw, padding_idx=9)
    with pytest.raises(AssertionError):
        TF.embedding(torch.tensor(IDX), torch.zeros(7, 3), padding_idx=9)


# ----------------------------------------------------------------- EmbeddingBag
INP = np.array([1, 2, 2, 5, 1, 0, 3, 4, 6])
OFF = np.array([0, 3, 3, 5])


def _bag_pair(inp, off, mode, dtype=np.float64, psw=False, seed=0, **kw):
    """Run F.embedding_bag in both libraries on the same table; backward with a random gradient;
    return (sj out, torch out, sj weight, torch weight, sj psw, torch psw)."""
    _, _, tol = DT[dtype]
    sw, tw = _pair(dtype=dtype, seed=seed)
    sp = tp = None
    if psw:
        p = np.random.default_rng(seed + 5).normal(size=inp.shape).astype(dtype)
        sp, tp = sj.tensor(p, requires_grad=True), torch.tensor(p, requires_grad=True)
    so = F.embedding_bag(sj.tensor(inp), sw, None if off is None else sj.tensor(off), mode=mode,
                         per_sample_weights=sp, **kw)
    to = TF.embedding_bag(torch.tensor(inp), tw, None if off is None else torch.tensor(off), mode=mode,
                          per_sample_weights=tp, **kw)
    assert so.dtype == {torch.float32: sj.float32, torch.float64: sj.float64}[to.dtype]
    assert tuple(so.shape) == tuple(to.shape)
    _close(so.data, to, tol)
    g = np.random.default_rng(seed + 9).normal(size=to.shape).astype(dtype)
    so.backward(sj.tensor(g))
    to.backward(torch.tensor(g))
    _close(sw.grad.data, tw.grad, tol)
    if psw:
        _close(sp.grad.data, tp.grad, tol)
    return so, to


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("padding_idx", [None, 2, -1])
@pytest.mark.parametrize("include_last_offset", [False, True])
def test_embedding_bag_offsets(dtype, mode, padding_idx, include_last_offset):
    off = np.append(OFF, len(INP)) if include_last_offset else OFF  # the documented layout: last = len(input)
    _bag_pair(INP, off, mode, dtype, padding_idx=padding_idx, include_last_offset=include_last_offset)


def test_embedding_bag_last_offset_before_the_end():
    """With include_last_offset, entries from the last offset on belong to no bag, as PyTorch's float32
    'sum' kernel has it (its other kernels disagree with each other on this ill-defined input: float64
    and 'max' run the last bag to the end, float32 'mean' sums to the offset but divides by the count to
    the end; its backward reads uninitialised memory there), so only that forward is compared."""
    sw, tw = _pair(dtype=np.float32)
    so = F.embedding_bag(sj.tensor(INP), sw, sj.tensor(OFF), mode="sum", include_last_offset=True)
    to = TF.embedding_bag(torch.tensor(INP), tw, torch.tensor(OFF), mode="sum", include_last_offset=True)
    _close(so.data, to, 1e-5)
    so.sum().backward()
    assert (sw.grad.data[[0, 3, 4, 6]] == 0).all()  # rows used only after the last offset: no gradient


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("padding_idx", [None, 1])
def test_embedding_bag_2d_input(mode, padding_idx):
    inp = np.array([[1, 2, 4], [6, 1, 1], [1, 1, 1]])
    _bag_pair(inp, None, mode, padding_idx=padding_idx)
    _bag_pair(inp.astype(np.int32), None, mode, np.float32, padding_idx=padding_idx)


@pytest.mark.parametrize("padding_idx", [None, 2])
def test_embedding_bag_per_sample_weights(padding_idx):
    _bag_pair(INP, OFF, "sum", psw=True, padding_idx=padding_idx)
    _bag_pair(INP, OFF, "sum", np.float32, psw=True, padding_idx=padding_idx)
    _bag_pair(INP.reshape(3, 3), None, "sum", psw=True, padding_idx=padding_idx)


@pytest.mark.parametrize("mode", ["sum", "mean"])
@pytest.mark.parametrize("padding_idx", [None, 1])
def test_embedding_bag_scale_grad_by_freq(mode, padding_idx):
    """Row k's gradient divided by the count of k in the input.  PyTorch 2.x's CPU embedding_bag
    scales row k by the count of the k-th smallest index instead (e.g. input [0, 0, 1, 2, 3] gives
    row 1 half its gradient), a bug, so the reference is torch's unscaled gradient / the counts."""
    sw, tw = _pair()
    so = F.embedding_bag(sj.tensor(INP), sw, sj.tensor(OFF), mode=mode, scale_grad_by_freq=True,
                         padding_idx=padding_idx)
    to = TF.embedding_bag(torch.tensor(INP), tw, torch.tensor(OFF), mode=mode, padding_idx=padding_idx)
    _close(so.data, to, 1e-12)
    g = np.random.default_rng(4).normal(size=to.shape)
    so.backward(sj.tensor(g))
    to.backward(torch.tensor(g))
    want = tw.grad.numpy() / np.maximum(np.bincount(INP, minlength=7), 1)[:, None]
    np.testing.assert_allclose(sw.grad.data, want, rtol=1e-12, atol=1e-12)
    row = 2 if padding_idx == 1 else 1  # a repeated index: its gradient is halved
    assert np.bincount(INP)[row] == 2 and np.allclose(2 * sw.grad.data[row], tw.grad.numpy()[row])


def test_embedding_bag_int32_indices_and_empty_bags():
    _bag_pair(INP.astype(np.int32), OFF.astype(np.int32), "mean")
    _bag_pair(INP, np.array([0, 0, 9, 9]), "max")  # empty bags are rows of zeros
    _bag_pair(np.array([], dtype=np.int64), np.array([0, 0]), "sum")


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_max_norm(mode):
    sw, tw = _pair(scale=2.0)
    so = F.embedding_bag(sj.tensor(INP), sw, sj.tensor(OFF), max_norm=1.2, mode=mode)
    to = TF.embedding_bag(torch.tensor(INP), tw, torch.tensor(OFF), max_norm=1.2, mode=mode)
    _close(so.data, to, 1e-10)
    _close(sw.data, tw, 1e-10)
    so.sum().backward()
    to.sum().backward()
    _close(sw.grad.data, tw.grad, 1e-10)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_module(mode):
    te = torch.nn.EmbeddingBag(7, 3, mode=mode, padding_idx=2, include_last_offset=True).double()
    se = nn.EmbeddingBag(7, 3, mode=mode, padding_idx=2, include_last_offset=True, dtype=sj.float64)
    assert repr(se) == repr(te)
    assert se.weight.data[2].tolist() == [0, 0, 0]
    se.load_state_dict({"weight": sj.tensor(te.weight.detach().numpy())})
    off = np.append(OFF, len(INP))
    so = se(sj.tensor(INP), sj.tensor(off))
    to = te(torch.tensor(INP), torch.tensor(off))
    _close(so.data, to, 1e-12)
    so.sum().backward()
    to.sum().backward()
    _close(se.weight.grad.data, te.weight.grad, 1e-12)
    assert set(se.state_dict()) == set(te.state_dict())


def test_embedding_bag_module_defaults_repr_and_pretrained():
    se, te = nn.EmbeddingBag(10, 4), torch.nn.EmbeddingBag(10, 4)
    assert repr(se) == repr(te) == "EmbeddingBag(10, 4, mode='mean')"
    assert se.weight.dtype == sj.float32
    kw = dict(max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True, mode="sum", padding_idx=-2)
    assert repr(nn.EmbeddingBag(10, 4, **kw)) == repr(torch.nn.EmbeddingBag(10, 4, **kw))
    w = np.arange(12.0).reshape(4, 3)
    sb = nn.EmbeddingBag.from_pretrained(sj.tensor(w), mode="sum")
    tb = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(w), mode="sum")
    assert sb.weight.requires_grad == tb.weight.requires_grad is False
    inp = np.array([[0, 3], [2, 2]])
    _close(sb(sj.tensor(inp)).data, tb(torch.tensor(inp)), 0)


def _both_raise(exc, call_sj, call_th, match=None):
    with pytest.raises(exc, match=match):
        call_sj()
    with pytest.raises(exc):
        call_th()


def test_embedding_bag_errors():
    sw, tw = _pair()
    si, ti = sj.tensor(INP), torch.tensor(INP)
    so, to = sj.tensor(OFF), torch.tensor(OFF)

    def both(exc, match, **kw):
        s_kw = {k: (sj.tensor(v) if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
        t_kw = {k: (torch.tensor(v) if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
        inp_s, inp_t = s_kw.pop("input", si), t_kw.pop("input", ti)
        w_s, w_t = s_kw.pop("weight", sw), t_kw.pop("weight", tw)
        off_s, off_t = s_kw.pop("offsets", so), t_kw.pop("offsets", to)
        _both_raise(exc, lambda: F.embedding_bag(inp_s, w_s, off_s, **s_kw),
                    lambda: TF.embedding_bag(inp_t, w_t, off_t, **t_kw), match)

    both(RuntimeError, "offsets\\[0\\] has to be 0", offsets=np.array([1, 3]))
    both(RuntimeError, "offsets\\[-1\\] can not be greater", offsets=np.array([0, 4, 12]))
    both(ValueError, "offsets has to be a 1D Tensor but got None", offsets=None)
    both(ValueError, "offsets has to be None", input=INP.reshape(3, 3))
    both(ValueError, "offsets has to be a 1D Tensor", offsets=OFF.reshape(2, 2))
    both(ValueError, "mode has to be one of sum, mean or max", mode="median")
    both(NotImplementedError, "per_sample_weights is only supported for mode='sum'", mode="mean",
         per_sample_weights=np.ones(9))
    both(ValueError, "same shape as the input", mode="sum", per_sample_weights=np.ones(8))
    both(RuntimeError, "same dtype", mode="sum", per_sample_weights=np.ones(9, dtype=np.float32))
    both(ValueError, "max mode does not support scaling", mode="max", scale_grad_by_freq=True)
    both(RuntimeError, "padding_idx must be within", padding_idx=9)
    both(RuntimeError, "integers", input=INP.astype(np.float32))
    both(ValueError, "input has to be 1D or 2D", input=np.zeros((2, 2, 2), dtype=np.int64), offsets=None)
    both(ValueError, "weight has to be a 2D Tensor", weight=np.zeros(7))
    with pytest.raises(IndexError, match="out of range"):
        F.embedding_bag(sj.tensor(np.array([1, 9])), sw, sj.tensor(np.array([0])))
    with pytest.raises(RuntimeError):
        TF.embedding_bag(torch.tensor([1, 9]), tw, torch.tensor([0]))
    with pytest.raises(NotImplementedError, match="sparse"):
        F.embedding_bag(si, sw, so, sparse=True)
    with pytest.raises(NotImplementedError, match="sparse"):
        nn.EmbeddingBag(4, 2, sparse=True)
    _both_raise(AssertionError, lambda: nn.EmbeddingBag(5, 3, padding_idx=5),
                lambda: torch.nn.EmbeddingBag(5, 3, padding_idx=5), "padding_idx")


def test_embedding_bag_wrong_backward_would_fail():
    """The max gradient goes to the arg-max rows only: a sum-like backward would differ."""
    sw, tw = _pair(seed=3)
    F.embedding_bag(sj.tensor(INP), sw, sj.tensor(OFF), mode="max").sum().backward()
    TF.embedding_bag(torch.tensor(INP), tw, torch.tensor(OFF), mode="max").sum().backward()
    _close(sw.grad.data, tw.grad, 1e-12)
    assert (sw.grad.data == 0).sum() > 0
