"""LayerNorm and GroupNorm: numerical gradients in float64 and PyTorch parity (values and gradients)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import shenjing as sj
import shenjing.nn.functional as F

LAYER_CASES = [((4, 5), (5,)), ((2, 3, 4), (3, 4)), ((2, 3, 4), 4), ((6,), (6,))]


@pytest.mark.parametrize("shape,norm", LAYER_CASES, ids=str)
@pytest.mark.parametrize("affine", ["both", "weight", "bias", "none"])
def test_layer_norm_gradcheck(check_grad, rng, shape, norm, affine):
    nshape = (norm,) if isinstance(norm, int) else norm
    w = rng.standard_normal(nshape) if affine in ("both", "weight") else None
    b = rng.standard_normal(nshape) if affine in ("both", "bias") else None
    inputs = [rng.standard_normal(shape)] + [a for a in (w, b) if a is not None]

    def fn(x, *params):
        params = list(params)
        wt = params.pop(0) if w is not None else None
        bt = params.pop(0) if b is not None else None
        return F.layer_norm(x, norm, wt, bt) ** 2  # squared, so ∂/∂x is not identically 0

    check_grad(fn, *inputs)


@pytest.mark.parametrize("groups,shape", [(1, (2, 4, 3)), (2, (2, 4, 3)), (4, (3, 4)), (3, (2, 6, 2, 2))], ids=str)
def test_group_norm_gradcheck(check_grad, rng, groups, shape):
    c = shape[1]
    check_grad(lambda x, w, b: F.group_norm(x, groups, w, b) ** 2, rng.standard_normal(shape),
               rng.standard_normal(c), rng.standard_normal(c))


def _parity(make_s, make_t, x: np.ndarray, dtype: str):
    tol = {"float64": 1e-10, "float32": 2e-5}[dtype]
    xs = sj.tensor(x.astype(dtype), requires_grad=True)
    xt = torch.tensor(x.astype(dtype), requires_grad=True)
    ms, mt = make_s(), make_t()
    ms.load_state_dict({k: v.detach().numpy() for k, v in mt.state_dict().items()})
    ys, yt = ms(xs), mt(xt)
    np.testing.assert_allclose(ys.detach().numpy(), yt.detach().numpy(), rtol=tol, atol=tol)
    gs = np.random.default_rng(5).standard_normal(ys.shape).astype(dtype)
    (ys * sj.tensor(gs)).sum().backward()
    (yt * torch.tensor(gs)).sum().backward()
    np.testing.assert_allclose(xs.grad.numpy(), xt.grad.numpy(), rtol=tol * 10, atol=tol * 10)
    for (name, p), q in zip(ms.named_parameters(), mt.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=tol * 10, atol=tol * 10, err_msg=name)
    assert repr(ms) == repr(mt)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("kw", [{}, {"elementwise_affine": False}, {"bias": False}, {"eps": 1e-3}], ids=str)
def test_layer_norm_module_matches_torch(rng, dtype, kw):
    x = rng.standard_normal((3, 4, 5)) * 3 + 1
    for norm in (5, (4, 5)):
        def make(lib, norm=norm):
            m = lib.nn.LayerNorm(norm, **kw)
            if dtype == "float64":
                m = m.double()
            if lib is torch and m.weight is not None:
                with torch.no_grad():  # not the default ones/zeros, so the parameter gradients matter
                    m.weight.uniform_(0.5, 1.5)
                    if m.bias is not None:
                        m.bias.uniform_(-1, 1)
            return m
        _parity(lambda: make(sj), lambda: make(torch), x, dtype)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("groups,affine", [(1, True), (2, True), (6, True), (3, False)], ids=str)
def test_group_norm_module_matches_torch(rng, dtype, groups, affine):
    x = rng.standard_normal((2, 6, 3, 4)) * 2 - 1

    def make(lib):
        m = lib.nn.GroupNorm(groups, 6, affine=affine)
        if dtype == "float64":
            m = m.double()
        if lib is torch and affine:
            with torch.no_grad():
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-1, 1)
        return m

    _parity(lambda: make(sj), lambda: make(torch), x, dtype)


def test_norm_errors():
    with pytest.raises(RuntimeError, match="normalized_shape"):
        sj.nn.LayerNorm(4)(sj.ones(2, 5))
    with pytest.raises(ValueError, match="divisible"):
        sj.nn.GroupNorm(4, 6)
    with pytest.raises(ValueError, match="channels in dim 1"):
        sj.nn.GroupNorm(2, 6)(sj.ones(2, 4, 3))
