"""Adamax, NAdam, RAdam, Adadelta, Rprop, ASGD and the further LR schedules, without PyTorch."""

from __future__ import annotations

import json

import numpy as np
import pytest

import shenjing as sj
from shenjing import optim
from shenjing.nn import Parameter
from shenjing.optim import lr_scheduler as sched

NEW = ["Adamax", "NAdam", "RAdam", "Adadelta", "Rprop", "ASGD"]
LR = {"Adamax": 0.1, "NAdam": 0.1, "RAdam": 0.1, "Adadelta": 20.0, "Rprop": 0.05, "ASGD": 0.1}


def quadratic(name: str, steps: int = 200, **kw):
    """Minimise ½‖w − c‖² from w = 0; returns the final w and c."""
    c = np.array([1.0, -2.0, 0.5])
    w = Parameter(sj.tensor(np.zeros(3)))
    opt = getattr(optim, name)([w], lr=LR[name], **kw)
    for _ in range(steps):
        opt.zero_grad()
        loss = ((w - sj.tensor(c)) ** 2).sum() * 0.5
        loss.backward()
        opt.step()
    return w.data, c


@pytest.mark.parametrize("name", NEW)
def test_descends_and_maximize_climbs(name):
    w, c = quadratic(name)
    start = 0.5 * np.sum(c**2)
    assert 0.5 * np.sum((w - c) ** 2) < 0.1 * start
    w, c = quadratic(name, steps=20, maximize=True)
    assert 0.5 * np.sum((w - c) ** 2) > start


@pytest.mark.parametrize("name", NEW)
def test_closure_loss_and_parameters_without_grad(name):
    a, b = Parameter(sj.tensor(np.ones(2))), Parameter(sj.tensor(np.ones(2)))
    opt = getattr(optim, name)([a, b])

    def closure():
        opt.zero_grad()
        loss = (a * a).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert float(loss.item()) == pytest.approx(2.0)
    assert np.array_equal(b.data, np.ones(2)) and b not in opt.state
    assert not np.array_equal(a.data, np.ones(2))


@pytest.mark.parametrize("name", NEW)
def test_state_dict_is_checked_on_load(name):
    p = Parameter(sj.tensor(np.ones(3)))
    opt = getattr(optim, name)([p])
    p.grad = sj.tensor(np.ones(3))
    opt.step()
    sd = opt.state_dict()
    arrays = [k for k, v in sd["state"][0].items() if isinstance(v, np.ndarray)]
    assert arrays and sd["state"][0]["step"] == 1
    json.dumps(sd["param_groups"])  # the options are plain data
    q = Parameter(sj.tensor(np.ones(4)))
    with pytest.raises(ValueError, match="shape"):
        getattr(optim, name)([q]).load_state_dict(sd)
    bad = {"state": {0: {**sd["state"][0], "nonsense": 1}}, "param_groups": sd["param_groups"]}
    with pytest.raises(ValueError, match="unknown state entry 'nonsense'"):
        getattr(optim, name)([p]).load_state_dict(bad)


def test_radam_is_momentum_sgd_while_rho_is_small():
    # β₂ = 0.7: ρ∞ = 2/0.3 − 1 < 5, so every step is w ← w − η·m̂; with a constant ∇, m̂ = ∇
    p = Parameter(sj.tensor(np.zeros(2)))
    opt = optim.RAdam([p], lr=0.1, betas=(0.9, 0.7))
    for _ in range(3):
        p.grad = sj.tensor(np.array([1.0, -2.0]))
        opt.step()
    np.testing.assert_allclose(p.data, [-0.3, 0.6], rtol=1e-12)


def test_rprop_step_sizes_grow_shrink_and_clip():
    p = Parameter(sj.tensor(np.zeros(2)))
    opt = optim.Rprop([p], lr=0.1, etas=(0.5, 2.0), step_sizes=(0.01, 0.3))
    for g in ([1.0, 1.0], [1.0, -1.0], [1.0, 1.0], [1.0, 1.0]):
        p.grad = sj.tensor(np.array(g))
        opt.step()
    # weight 0: 0.1, 0.2, 0.3 (clipped), 0.3; weight 1: 0.1, flip → 0.05 (no move), 0.05, 0.1
    np.testing.assert_allclose(opt.state[p]["step_size"], [0.3, 0.1])
    np.testing.assert_allclose(p.data, [-0.9, -0.1 - 0.05 - 0.1])


def lrs(s, n: int, metrics=None) -> list[float]:
    out = []
    for i in range(n):
        out.append(s.get_last_lr()[0])
        s.optimizer.step()
        s.step() if metrics is None else s.step(metrics[i])
    return out


def sgd(lr: float = 0.1) -> optim.SGD:
    return optim.SGD([Parameter(sj.tensor(np.zeros(2)))], lr=lr, momentum=0.9)


def test_linear_warmup_then_exponential_via_sequential_lr():
    opt = sgd()
    s = sched.SequentialLR(opt, [sched.LinearLR(opt, start_factor=0.25, total_iters=3),
                                 sched.ExponentialLR(opt, gamma=0.5)], milestones=[4])
    want = [0.025, 0.05, 0.075, 0.1, 0.1, 0.05, 0.025]
    np.testing.assert_allclose(lrs(s, 7), want, rtol=1e-12)


def test_constant_polynomial_and_warm_restarts_closed_forms():
    np.testing.assert_allclose(lrs(sched.ConstantLR(sgd(), factor=0.5, total_iters=2), 4),
                               [0.05, 0.05, 0.1, 0.1], rtol=1e-12)
    np.testing.assert_allclose(lrs(sched.PolynomialLR(sgd(), total_iters=4, power=2.0), 6),
                               [0.1 * (1 - min(t, 4) / 4) ** 2 for t in range(6)], atol=1e-15)
    got = lrs(sched.CosineAnnealingWarmRestarts(sgd(), T_0=2, T_mult=2), 7)
    t_cur, t_i = [0, 1, 0, 1, 2, 3, 0], [2, 2, 4, 4, 4, 4, 8]
    np.testing.assert_allclose(got, [0.05 * (1 + np.cos(np.pi * c / i)) for c, i in zip(t_cur, t_i)],
                               rtol=1e-12)


def test_reduce_lr_on_plateau_patience_and_cooldown():
    s = sched.ReduceLROnPlateau(sgd(), patience=1, cooldown=1, factor=0.5)
    got = lrs(s, 7, metrics=[1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    # bad epochs: 2 at step 2 → reduce; cooldown eats step 3; 2 more bad at steps 4, 5 → reduce
    assert got == [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025]


def test_scheduler_state_dicts_are_json_without_functions():
    opt = sgd()
    made = [
        sched.MultiplicativeLR(opt, lambda e: 0.9),
        sched.CyclicLR(opt, 0.01, 0.1, step_size_up=3, scale_fn=lambda x: 1.0),
        sched.ChainedScheduler([sched.ConstantLR(opt), sched.LinearLR(opt)]),
        sched.SequentialLR(opt, [sched.ConstantLR(opt), sched.PolynomialLR(opt)], milestones=[3]),
        sched.ReduceLROnPlateau(opt, min_lr=[0.001]),
    ]
    for s in made:
        sd = s.state_dict()
        text = json.dumps(sd)
        assert "function" not in text and "lambda" not in text
        s.load_state_dict(json.loads(text))
    with pytest.raises(ValueError, match="unknown key"):
        made[0].load_state_dict({"no_such_thing": 1})
