"""ParameterList, ParameterDict and RMSNorm against PyTorch: registration, state_dict keys, repr, values, grads."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest
import torch

import shenjing as sj
from shenjing import nn


def _pair():
    sm, tm = nn.Module(), torch.nn.Module()
    sm.pl = nn.ParameterList([nn.Parameter(sj.ones(3, 4)), sj.zeros(2)])
    tm.pl = torch.nn.ParameterList([torch.nn.Parameter(torch.ones(3, 4)), torch.zeros(2)])
    sm.pd = nn.ParameterDict({"b": sj.ones(3), "a": sj.zeros(2, dtype=sj.float64)})
    tm.pd = torch.nn.ParameterDict({"b": torch.ones(3), "a": torch.zeros(2, dtype=torch.float64)})
    return sm, tm


def test_state_dict_and_parameters_match_torch():
    sm, tm = _pair()
    assert list(sm.state_dict()) == list(tm.state_dict())
    assert [n for n, _ in sm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert len(list(sm.parameters())) == 4
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in sm.parameters())
    assert sm.pd["a"].dtype == sj.float64


def test_repr_matches_torch():
    sm, tm = _pair()
    assert repr(sm) == repr(tm).replace("torch.", "shenjing.").replace("Module()", "Module()")
    assert repr(nn.ParameterList()) == repr(torch.nn.ParameterList())
    one_s = nn.ParameterList([nn.Parameter(sj.ones(3), requires_grad=False)])
    one_t = torch.nn.ParameterList([torch.nn.Parameter(torch.ones(3), requires_grad=False)])
    assert repr(one_s) == repr(one_t).replace("torch.", "shenjing.")


def test_parameter_list_ops():
    pl = nn.ParameterList()
    pl.append(nn.Parameter(sj.ones(2)))
    pl.extend([sj.zeros(3), sj.ones(1)])
    pl += [sj.ones(4)]
    assert len(pl) == 4 and [tuple(p.shape) for p in pl] == [(2,), (3,), (1,), (4,)]
    assert pl[-1] is pl[3] and isinstance(pl[1], nn.Parameter)
    sub = pl[1:3]
    assert isinstance(sub, nn.ParameterList) and len(sub) == 2 and sub[0] is pl[1]
    new = nn.Parameter(sj.ones(5))
    pl[0] = new
    assert pl[0] is new and list(pl.state_dict()) == ["0", "1", "2", "3"]
    with pytest.raises(IndexError):
        pl[4]
    with pytest.raises(TypeError):
        pl.extend(5)


def test_parameter_dict_ops():
    pd = nn.ParameterDict(OrderedDict([("z", sj.ones(1)), ("y", sj.ones(2))]))
    assert list(pd.keys()) == ["z", "y"]  # an OrderedDict keeps its order
    pd.update([("x", sj.zeros(3))])
    pd["w"] = nn.Parameter(sj.ones(4))
    assert list(pd) == ["z", "y", "x", "w"] and "x" in pd and len(pd) == 4
    assert list(pd.state_dict()) == ["z", "y", "x", "w"]
    p = pd.pop("y")
    assert tuple(p.shape) == (2,) and "y" not in pd and "y" not in dict(pd.named_parameters())
    assert pd.get("nope") is None and pd.setdefault("v", sj.ones(1)) is pd["v"]
    both = pd | nn.ParameterDict({"u": sj.ones(1)})
    assert list(both) == ["z", "x", "w", "v", "u"]
    pd.clear()
    assert len(pd) == 0 and list(pd.parameters()) == []
    with pytest.raises(KeyError):
        pd["missing"]
    t = torch.nn.ParameterDict({"b": torch.ones(1), "a": torch.ones(1)})
    assert list(nn.ParameterDict({"b": sj.ones(1), "a": sj.ones(1)})) == list(t)


def test_load_state_dict_roundtrip():
    sm, _ = _pair()
    sd = {k: v * 0 + 3 for k, v in sm.state_dict().items()}
    sm.load_state_dict(sd)
    assert np.all(sm.pl[0].detach().numpy() == 3) and np.all(sm.pd["a"].detach().numpy() == 3)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,norm,eps,affine", [
    ((2, 3, 4), 4, None, True), ((2, 3, 4), (3, 4), 1e-3, True), ((5, 6), [6], None, False), ((4,), 4, 0.1, True),
])
def test_rmsnorm_module_parity(dtype, shape, norm, eps, affine):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(dtype)
    s = nn.RMSNorm(norm, eps=eps, elementwise_affine=affine, dtype=sj.float64 if dtype == np.float64 else None)
    t = torch.nn.RMSNorm(norm, eps=eps, elementwise_affine=affine, dtype=torch.float64 if dtype == np.float64 else None)
    assert repr(s) == repr(t) and list(s.state_dict()) == list(t.state_dict())
    if affine:
        w = rng.standard_normal(s.weight.shape).astype(dtype)
        s.weight.data[...] = w
        with torch.no_grad():
            t.weight.copy_(torch.tensor(w))
    xs, xt = sj.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ys, yt = s(xs), t(xt)
    assert ys.dtype.name == str(yt.dtype).removeprefix("torch.")
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ys.detach().numpy(), yt.detach().numpy(), **tol)
    g = rng.standard_normal(shape).astype(dtype)
    (ys * sj.tensor(g)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(xs.grad.numpy(), xt.grad.numpy(), **tol)
    assert xs.grad.dtype == ys.dtype
    if affine:
        np.testing.assert_allclose(s.weight.grad.numpy(), t.weight.grad.numpy(), **tol)


def test_rmsnorm_eps_none_uses_finfo():
    # tiny inputs: the eps matters, so a wrong default shows
    x = np.full((2, 3), 1e-4, dtype=np.float32)
    ys = nn.functional.rms_norm(sj.tensor(x), (3,))
    yt = torch.nn.functional.rms_norm(torch.tensor(x), (3,))
    np.testing.assert_allclose(ys.numpy(), yt.numpy(), rtol=1e-6)


def test_rms_norm_grad_check(check_grad):
    rng = np.random.default_rng(1)
    check_grad(lambda a, w: nn.functional.rms_norm(a, (3, 4), w, 1e-5), rng.standard_normal((2, 3, 4)),
               rng.standard_normal((3, 4)))
    check_grad(lambda a: nn.functional.rms_norm(a, 4), rng.standard_normal((3, 4)))


def test_rms_norm_errors():
    with pytest.raises(RuntimeError, match="rms_norm"):
        nn.functional.rms_norm(sj.ones(2, 4), (5,))
    with pytest.raises(RuntimeError):
        torch.nn.functional.rms_norm(torch.ones(2, 4), (5,))
    with pytest.raises(RuntimeError, match="weight"):
        nn.functional.rms_norm(sj.ones(2, 4), (4,), sj.ones(3))
