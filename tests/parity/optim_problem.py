"""The small regression problem on which the optimizer parity tests train shenjing and PyTorch side by side."""

from __future__ import annotations

import numpy as np
import torch

import shenjing as sj
from shenjing.nn import Parameter

STEPS = 20
TOL = 1e-6

_rng = np.random.default_rng(20240601)
X = _rng.standard_normal((16, 4))
Y = _rng.standard_normal((16, 3))
INIT = [  # W1 (5, 4), b1 (5,), W2 (3, 5), b2 (3,), and a parameter the loss never uses
    _rng.standard_normal((5, 4)) * 0.5,
    _rng.standard_normal(5) * 0.1,
    _rng.standard_normal((3, 5)) * 0.5,
    _rng.standard_normal(3) * 0.1,
    _rng.standard_normal(2),
]


def sj_loss(ps):
    w1, b1, w2, b2 = ps[:4]
    h = (sj.tensor(X) @ w1.T + b1).tanh()
    return ((h @ w2.T + b2 - sj.tensor(Y)) ** 2).mean()


def th_loss(ps):
    w1, b1, w2, b2 = ps[:4]
    h = torch.tanh(torch.tensor(X) @ w1.T + b1)
    return ((h @ w2.T + b2 - torch.tensor(Y)) ** 2).mean()


def make_pair():
    sp = [Parameter(sj.tensor(a.copy())) for a in INIT]
    tp = [torch.tensor(a.copy(), requires_grad=True) for a in INIT]
    return sp, tp


def grouped(ps, split: bool, extra: dict):
    """All parameters in one group, or the second layer in a group of its own options."""
    if not split:
        return ps
    return [{"params": ps[:2] + ps[4:]}, {"params": ps[2:4], **extra}]


def train_step(sp, tp, so, to):
    so.zero_grad()
    to.zero_grad()
    sj_loss(sp).backward()
    th_loss(tp).backward()
    so.step()
    to.step()


def assert_params_equal(sp, tp, what: str):
    for i, (s, t) in enumerate(zip(sp, tp)):
        np.testing.assert_allclose(s.data, t.detach().numpy(), rtol=0, atol=TOL,
                                   err_msg=f"{what}: parameter {i} differs from PyTorch")
