"""shenjing.autograd.grad: gradients of chosen tensors without touching any .grad."""

import numpy as np
import pytest
import torch

import shenjing as sj


def test_grad_matches_pytorch_and_leaves_grad_alone():
    x0 = np.array([1.0, -2.0, 3.0])
    x = sj.tensor(x0, requires_grad=True)
    w = sj.tensor(0.5, dtype=sj.float64, requires_grad=True)
    h = (x * w).tanh()
    z = (h * h).sum() + w
    gh, gw, gx = sj.autograd.grad(z, [h, w, x])
    xt = torch.tensor(x0, requires_grad=True)
    wt = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    ht = (xt * wt).tanh()
    zt = (ht * ht).sum() + wt
    ght, gwt, gxt = torch.autograd.grad(zt, [ht, wt, xt])
    for ours, theirs in ((gh, ght), (gw, gwt), (gx, gxt)):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    assert x.grad is None and w.grad is None


def test_grad_unused_input():
    x = sj.tensor([1.0], requires_grad=True)
    u = sj.tensor([1.0], requires_grad=True)
    y = (x * 2).sum()
    with pytest.raises(RuntimeError, match="input 1 was not used"):
        sj.autograd.grad(y, [x, u], retain_graph=True)
    gx, gu = sj.autograd.grad(y, [x, u], allow_unused=True)
    assert gu is None and gx.tolist() == [2.0]
