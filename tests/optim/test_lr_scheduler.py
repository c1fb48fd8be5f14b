"""Learning-rate schedules: closed-form values, OneCycle's shape, state_dict round trips."""

from __future__ import annotations

import math

import numpy as np
import pytest

import shenjing as sj
from shenjing import optim
from shenjing.nn import Parameter
from shenjing.optim import lr_scheduler as sched


def sgd(lr: float = 0.1, groups: int = 1, **kw) -> optim.SGD:
    ps = [Parameter(sj.tensor(np.zeros(2))) for _ in range(groups)]
    return optim.SGD([{"params": [p], "lr": lr * (i + 1)} for i, p in enumerate(ps)], **kw)


def lrs(s: sched.LRScheduler, n: int) -> list[float]:
    """The learning rate of group 0 at epochs 0 .. n−1."""
    out = []
    for _ in range(n):
        out.append(s.get_last_lr()[0])
        s.optimizer.step()
        s.step()
    return out


def test_step_lr():
    got = lrs(sched.StepLR(sgd(), step_size=3, gamma=0.5), 10)
    np.testing.assert_allclose(got, [0.1 * 0.5 ** (t // 3) for t in range(10)], rtol=1e-12)


def test_multistep_lr_counts_repeated_milestones():
    got = lrs(sched.MultiStepLR(sgd(), milestones=[2, 5, 5], gamma=0.1), 7)
    np.testing.assert_allclose(got, [0.1, 0.1, 0.01, 0.01, 0.01, 1e-4, 1e-4], rtol=1e-12)


def test_exponential_lr():
    got = lrs(sched.ExponentialLR(sgd(), gamma=0.9), 8)
    np.testing.assert_allclose(got, [0.1 * 0.9**t for t in range(8)], rtol=1e-12)


def test_cosine_annealing_matches_the_closed_form():
    got = lrs(sched.CosineAnnealingLR(sgd(), T_max=10, eta_min=0.01), 11)
    want = [0.01 + 0.09 * (1 + math.cos(math.pi * t / 10)) / 2 for t in range(11)]
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_lambda_lr_per_group():
    opt = sgd(groups=2)
    s = sched.LambdaLR(opt, [lambda e: 1.0 / (e + 1), lambda e: 0.5**e])
    for _ in range(3):
        opt.step()
        s.step()
    np.testing.assert_allclose(s.get_last_lr(), [0.1 / 4, 0.2 * 0.125], rtol=1e-12)
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas"):
        sched.LambdaLR(opt, [lambda e: 1.0])


def test_step_with_epoch_uses_the_closed_form():
    s = sched.StepLR(sgd(), step_size=2, gamma=0.5)
    with pytest.warns(UserWarning, match="deprecated"):
        s.step(7)
    assert s.last_epoch == 7
    assert s.get_last_lr()[0] == pytest.approx(0.1 * 0.5**3)


@pytest.mark.parametrize("three_phase", [False, True])
@pytest.mark.parametrize("anneal", ["cos", "linear"])
def test_one_cycle_shape(three_phase, anneal):
    opt = sgd(momentum=0.9)
    s = sched.OneCycleLR(opt, max_lr=1.0, total_steps=20, pct_start=0.25, anneal_strategy=anneal,
                         three_phase=three_phase)
    got, moms = [], []
    for _ in range(20):
        got.append(s.get_last_lr()[0])
        moms.append(opt.param_groups[0]["momentum"])
        opt.step()
        s.step()
    assert got[0] == pytest.approx(1.0 / 25)
    assert got[4] == pytest.approx(1.0)  # the peak at pct_start·total − 1
    assert max(got) == pytest.approx(1.0)
    assert got[-1] == pytest.approx(1.0 / 25 / 1e4)
    assert moms[0] == pytest.approx(0.95) and moms[4] == pytest.approx(0.85)
    if three_phase:
        assert got[8] == pytest.approx(1.0 / 25)  # back down before the final annealing
    with pytest.raises(ValueError, match="Tried to step 21 times"):
        s.step()


def test_one_cycle_cycles_adams_beta1_and_checks_its_arguments():
    p = Parameter(sj.tensor(np.zeros(2)))
    opt = optim.Adam([p], betas=(0.8, 0.99))
    sched.OneCycleLR(opt, max_lr=0.5, epochs=2, steps_per_epoch=5)
    assert opt.param_groups[0]["betas"] == (0.95, 0.99)
    with pytest.raises(ValueError, match="momentum or beta1"):
        sched.OneCycleLR(optim.Adagrad([p]), max_lr=0.5, total_steps=5)
    with pytest.raises(ValueError, match="total_steps OR"):
        sched.OneCycleLR(opt, max_lr=0.5)
    with pytest.raises(ValueError, match="anneal_strategy"):
        sched.OneCycleLR(opt, max_lr=0.5, total_steps=5, anneal_strategy="cosine")
    with pytest.raises(ValueError, match="pct_start"):
        sched.OneCycleLR(opt, max_lr=0.5, total_steps=5, pct_start=1.5)


FACTORIES = {
    "StepLR": lambda o: sched.StepLR(o, step_size=2, gamma=0.5),
    "MultiStepLR": lambda o: sched.MultiStepLR(o, milestones=[3, 5, 5], gamma=0.5),
    "ExponentialLR": lambda o: sched.ExponentialLR(o, gamma=0.8),
    "CosineAnnealingLR": lambda o: sched.CosineAnnealingLR(o, T_max=4, eta_min=0.001),
    "LambdaLR": lambda o: sched.LambdaLR(o, lambda e: 1.0 / (1 + e)),
    "OneCycleLR": lambda o: sched.OneCycleLR(o, max_lr=[1.0, 2.0], total_steps=12,
                                             three_phase=True),
}


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_state_dict_round_trip_through_a_checkpoint(name, tmp_path):
    make = FACTORIES[name]
    opt_a = sgd(groups=2, momentum=0.9)
    a = make(opt_a)
    lrs(a, 5)
    sj.save({"opt": opt_a.state_dict(), "sched": a.state_dict()}, tmp_path / "s.safetensors")
    assert "lr_lambdas" not in a.state_dict() and "optimizer" not in a.state_dict()

    saved = sj.load(tmp_path / "s.safetensors")
    opt_b = sgd(groups=2, momentum=0.9)
    b = make(opt_b)  # a fresh scheduler, then the saved state on top (PyTorch's order)
    opt_b.load_state_dict(saved["opt"])
    b.load_state_dict(saved["sched"])
    assert b.last_epoch == a.last_epoch and b.get_last_lr() == a.get_last_lr()
    for _ in range(6):
        opt_a.step()
        a.step()
        opt_b.step()
        b.step()
        assert b.get_last_lr() == a.get_last_lr()
        assert opt_b.param_groups[1]["momentum"] == opt_a.param_groups[1]["momentum"]


def test_load_state_dict_rejects_unknown_keys():
    s = sched.StepLR(sgd(), step_size=2)
    with pytest.raises(ValueError, match="unknown key.*'bogus'"):
        s.load_state_dict({"bogus": 1})
    with pytest.raises(ValueError, match="'optimizer'"):
        s.load_state_dict({"optimizer": None})


def test_resuming_needs_initial_lr():
    with pytest.raises(KeyError, match="initial_lr"):
        sched.ExponentialLR(sgd(), gamma=0.9, last_epoch=3)
    opt = sgd()
    sched.ExponentialLR(opt, gamma=0.9)
    resumed = sched.ExponentialLR(opt, gamma=0.9, last_epoch=3)
    assert resumed.last_epoch == 4 and resumed.get_last_lr() == [0.1]


def test_not_an_optimizer():
    with pytest.raises(TypeError, match="is not an Optimizer"):
        sched.StepLR(object(), step_size=1)  # type: ignore[arg-type]
