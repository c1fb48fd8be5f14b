"""Adamax, NAdam, RAdam, Adadelta, Rprop, ASGD and the further LR schedules against PyTorch.

Same harness as test_optim_parity.py: a small float64 tanh network trained 20 steps in both
frameworks from the same weights; weights and every state entry must agree within 1e-6.
Schedules: every learning rate over 30+ steps (ReduceLROnPlateau fed the same metrics).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from optim_problem import (  # the shared problem and steps
    INIT,
    STEPS,
    assert_params_equal,
    grouped,
    make_pair,
    sj_loss,
    train_step,
)

import shenjing as sj
from shenjing import optim
from shenjing.nn import Parameter
from shenjing.optim import lr_scheduler as sj_sched

OPTIMIZERS = [
    ("Adamax", {}),
    ("Adamax", {"lr": 0.05, "betas": (0.8, 0.9), "eps": 0.1}),
    ("Adamax", {"lr": 0.05, "weight_decay": 0.1, "maximize": True}),
    ("NAdam", {}),
    ("NAdam", {"lr": 0.05, "betas": (0.8, 0.9), "eps": 0.1, "momentum_decay": 0.05}),
    ("NAdam", {"lr": 0.05, "weight_decay": 0.1}),
    ("NAdam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True, "maximize": True}),
    ("RAdam", {}),
    ("RAdam", {"lr": 0.05, "betas": (0.8, 0.9), "eps": 0.1}),  # ρₜ > 5 from step 6 on
    ("RAdam", {"lr": 0.05, "betas": (0.9, 0.7)}),  # ρ∞ < 5: never rectified
    ("RAdam", {"lr": 0.05, "betas": (0.8, 0.9), "weight_decay": 0.1, "maximize": True}),
    ("RAdam", {"lr": 0.05, "betas": (0.8, 0.9), "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.8, "eps": 0.01}),
    ("Adadelta", {"lr": 0.5, "weight_decay": 0.1, "maximize": True}),
    ("Rprop", {}),
    ("Rprop", {"lr": 0.05, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.08)}),
    ("Rprop", {"lr": 0.05, "maximize": True}),
    ("ASGD", {}),
    ("ASGD", {"lr": 0.1, "lambd": 0.01, "alpha": 0.5, "t0": 5}),
    ("ASGD", {"lr": 0.1, "t0": 3, "weight_decay": 0.1, "maximize": True}),
]


def _id(cfg) -> str:
    name, kw = cfg
    return name + "(" + ",".join(f"{k}={v}" for k, v in kw.items()) + ")"


def _compare_state(so, to):
    s_sd, t_sd = so.state_dict(), to.state_dict()
    assert [g["params"] for g in s_sd["param_groups"]] == [g["params"] for g in t_sd["param_groups"]]
    assert sorted(s_sd["state"]) == sorted(t_sd["state"])
    for i, t_state in t_sd["state"].items():
        s_state = s_sd["state"][i]
        assert sorted(s_state) == sorted(t_state), f"state entries of parameter {i}"
        for key, t_val in t_state.items():
            # torch keeps NAdam's mu_product and ASGD's eta/mu as float32 scalars
            atol = 1e-6 if t_val.dtype == torch.float64 else 1e-6 * max(1.0, abs(t_val.item()))
            np.testing.assert_allclose(np.asarray(s_state[key], dtype=np.float64),
                                       t_val.detach().double().numpy(), rtol=0, atol=atol,
                                       err_msg=f"state {key!r} of parameter {i}")


@pytest.mark.parametrize("split", [False, True], ids=["one-group", "two-groups"])
@pytest.mark.parametrize("cfg", OPTIMIZERS, ids=[_id(c) for c in OPTIMIZERS])
def test_optimizer_matches_pytorch(cfg, split):
    name, kw = cfg
    sp, tp = make_pair()
    extra = {"lr": kw.get("lr", 0.01) * 0.5}
    if name not in ("Rprop",):
        extra["weight_decay"] = 0.02
    so = getattr(optim, name)(grouped(sp, split, extra), **kw)
    to = getattr(torch.optim, name)(grouped(tp, split, extra), **kw)
    for step in range(STEPS):
        train_step(sp, tp, so, to)
        if step in (0, STEPS // 2):
            assert_params_equal(sp, tp, f"{_id(cfg)} after step {step + 1}")
    assert_params_equal(sp, tp, f"{_id(cfg)} after {STEPS} steps")
    assert sp[4].grad is None and np.array_equal(sp[4].data, INIT[4])
    _compare_state(so, to)
    # the options are PyTorch's too
    for sg, tg in zip(so.param_groups, to.param_groups):
        for key, val in sg.items():
            if key != "params":
                assert key in tg, key
                assert (list(val) if isinstance(val, tuple) else val) == (
                    list(tg[key]) if isinstance(tg[key], tuple) else tg[key]), key


@pytest.mark.parametrize("cfg", OPTIMIZERS, ids=[_id(c) for c in OPTIMIZERS])
def test_state_dict_resume_matches_an_uninterrupted_pytorch_run(cfg):
    name, kw = cfg
    sp, tp = make_pair()
    so = getattr(optim, name)(sp, **kw)
    to = getattr(torch.optim, name)(tp, **kw)
    for _ in range(STEPS // 2):
        train_step(sp, tp, so, to)
    sd = so.state_dict()
    # through JSON (arrays as lists) and back, as a checkpoint would
    plain = json.loads(json.dumps(sd, default=lambda a: a.tolist()))
    plain["state"] = {k: {e: np.array(v) if isinstance(v, list) else v for e, v in st.items()}
                      for k, st in plain["state"].items()}
    resumed = [Parameter(sj.tensor(p.data.copy())) for p in sp]
    so2 = getattr(optim, name)(resumed, **kw)
    so2.load_state_dict(plain)
    for _ in range(STEPS // 2):
        so.zero_grad()
        sj_loss(sp).backward()
        so.step()
        train_step(resumed, tp, so2, to)
    assert_params_equal(resumed, tp, f"resumed {_id(cfg)}")
    for a, b in zip(resumed, sp):
        np.testing.assert_array_equal(a.data, b.data)


BAD = [
    ("Adamax", {"lr": -1.0}), ("Adamax", {"eps": -1e-3}), ("Adamax", {"betas": (1.0, 0.9)}),
    ("Adamax", {"betas": (0.9, -0.1)}), ("Adamax", {"weight_decay": -0.1}),
    ("NAdam", {"lr": -1.0}), ("NAdam", {"eps": -1.0}), ("NAdam", {"betas": (-0.1, 0.9)}),
    ("NAdam", {"betas": (0.9, 1.0)}), ("NAdam", {"weight_decay": -1.0}),
    ("NAdam", {"momentum_decay": -0.1}),
    ("RAdam", {"lr": -1.0}), ("RAdam", {"eps": -1.0}), ("RAdam", {"betas": (1.5, 0.9)}),
    ("RAdam", {"betas": (0.9, 1.5)}), ("RAdam", {"weight_decay": -1.0}),
    ("Adadelta", {"lr": -1.0}), ("Adadelta", {"rho": 1.5}), ("Adadelta", {"rho": -0.5}),
    ("Adadelta", {"eps": -1.0}), ("Adadelta", {"weight_decay": -1.0}),
    ("Rprop", {"lr": -1.0}), ("Rprop", {"etas": (1.2, 0.5)}), ("Rprop", {"etas": (0.0, 1.2)}),
    ("Rprop", {"etas": (0.5, 1.0)}),
    ("ASGD", {"lr": -1.0}), ("ASGD", {"weight_decay": -1.0}),
]


@pytest.mark.parametrize("cfg", BAD, ids=[_id(c) for c in BAD])
def test_invalid_hyperparameters_raise_like_pytorch(cfg):
    name, kw = cfg
    with pytest.raises(ValueError) as t_err:
        getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **kw)
    with pytest.raises(ValueError) as s_err:
        getattr(optim, name)([Parameter(sj.tensor(np.zeros(2)))], **kw)
    assert str(s_err.value) == str(t_err.value)


@pytest.mark.parametrize("name", ["Adamax", "NAdam", "RAdam", "Adadelta", "Rprop", "ASGD"])
def test_defaults_match_pytorch(name):
    so = getattr(optim, name)([Parameter(sj.tensor(np.zeros(2)))])
    to = getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)])
    for key, val in so.defaults.items():
        tv = to.defaults[key]
        assert (list(val) if isinstance(val, tuple) else val) == (
            list(tv) if isinstance(tv, tuple) else tv), key


# ---------------------------------------------------------------------------------- schedules
SCHED_STEPS = 36


def _opt_pair(name: str = "SGD", **kw):
    """The same two-group optimizer in both frameworks (group 1 has twice the lr)."""
    kw = kw or {"lr": 0.1, "momentum": 0.9}
    sp = [Parameter(sj.tensor(np.ones(3))), Parameter(sj.tensor(np.ones(2)))]
    tp = [torch.ones(3, requires_grad=True), torch.ones(2, requires_grad=True)]
    so = getattr(optim, name)([{"params": sp[:1]}, {"params": sp[1:], "lr": kw["lr"] * 2}], **kw)
    to = getattr(torch.optim, name)([{"params": tp[:1]}, {"params": tp[1:], "lr": kw["lr"] * 2}], **kw)
    return so, to


def _lin(m, o):
    return m.LinearLR(o, start_factor=0.1, total_iters=4)


SCHEDULES = {
    "LinearLR": lambda m, o: m.LinearLR(o),
    "LinearLR-down": lambda m, o: m.LinearLR(o, start_factor=1.0, end_factor=0.05, total_iters=12),
    "ConstantLR": lambda m, o: m.ConstantLR(o),
    "ConstantLR-long": lambda m, o: m.ConstantLR(o, factor=0.25, total_iters=9),
    "PolynomialLR": lambda m, o: m.PolynomialLR(o),
    "PolynomialLR-pow": lambda m, o: m.PolynomialLR(o, total_iters=20, power=2.5),
    "MultiplicativeLR": lambda m, o: m.MultiplicativeLR(o, lr_lambda=lambda e: 0.95),
    "MultiplicativeLR-groups": lambda m, o: m.MultiplicativeLR(
        o, lr_lambda=[lambda e: 0.9 if e % 3 else 1.1, lambda e: 1.0 - 0.01 * e]),
    "CosineAnnealingWarmRestarts": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=7),
    "CosineAnnealingWarmRestarts-mult": lambda m, o: m.CosineAnnealingWarmRestarts(
        o, T_0=3, T_mult=2, eta_min=0.01),
    "SequentialLR": lambda m, o: m.SequentialLR(
        o, [_lin(m, o), m.ExponentialLR(o, gamma=0.9)], milestones=[5]),
    "SequentialLR-3": lambda m, o: m.SequentialLR(
        o, [m.ConstantLR(o, factor=0.5, total_iters=10), m.CosineAnnealingLR(o, T_max=8, eta_min=0.01),
            m.StepLR(o, step_size=4, gamma=0.5)], milestones=[3, 12]),
    "ChainedScheduler": lambda m, o: m.ChainedScheduler(
        [m.ConstantLR(o, factor=0.5, total_iters=6), m.ExponentialLR(o, gamma=0.95)]),
    "ChainedScheduler-opt": lambda m, o: m.ChainedScheduler(
        [_lin(m, o), m.CosineAnnealingWarmRestarts(o, T_0=5), m.MultiStepLR(o, [10, 20])], optimizer=o),
    "CyclicLR": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4),
    "CyclicLR-tri2": lambda m, o: m.CyclicLR(o, base_lr=[0.01, 0.02], max_lr=[0.1, 0.3], step_size_up=3,
                                             step_size_down=5, mode="triangular2", base_momentum=0.7),
    "CyclicLR-exp": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=5, mode="exp_range",
                                            gamma=0.97, cycle_momentum=False),
    "CyclicLR-fn": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=2,
                                           scale_fn=lambda x: 1 / (1 + x), scale_mode="iterations"),
}
ADAM_SCHEDULES = {"CyclicLR-adam": lambda m, o: m.CyclicLR(o, base_lr=0.001, max_lr=0.01, step_size_up=6)}


def _assert_same(so, to, ss, ts, where):
    np.testing.assert_allclose(ss.get_last_lr(), ts.get_last_lr(), rtol=0, atol=1e-12, err_msg=where)
    for sg, tg in zip(so.param_groups, to.param_groups):
        assert sg["lr"] == pytest.approx(tg["lr"], abs=1e-12), where
        for key in ("momentum", "betas"):
            if key in tg:
                np.testing.assert_allclose(sg[key], tg[key], rtol=0, atol=1e-12, err_msg=where)
    assert hasattr(ss, "last_epoch") == hasattr(ts, "last_epoch"), where
    if hasattr(ts, "last_epoch"):
        assert ss.last_epoch == ts.last_epoch, where


def _json(sd):
    return json.loads(json.dumps(sd))  # strict enough: plain numbers, strings, lists, dicts


@pytest.mark.parametrize("key", list(SCHEDULES) + list(ADAM_SCHEDULES))
def test_scheduler_matches_pytorch(key):
    make = SCHEDULES.get(key) or ADAM_SCHEDULES[key]
    so, to = _opt_pair("Adam", lr=0.01) if key in ADAM_SCHEDULES else _opt_pair()
    ss, ts = make(sj_sched, so), make(torch.optim.lr_scheduler, to)
    for step in range(SCHED_STEPS):
        _assert_same(so, to, ss, ts, f"{key} at step {step}")
        so.step()
        to.step()
        ss.step()
        ts.step()
        if step == SCHED_STEPS // 2:  # checkpoint and resume (as JSON) mid-way
            opt_sd, sched_sd = so.state_dict(), _json(ss.state_dict())
            ss = make(sj_sched, so)
            so.load_state_dict(opt_sd)
            ss.load_state_dict(sched_sd)
    _assert_same(so, to, ss, ts, f"{key} at the end")


METRICS = [1.0, 0.9, 0.85, 0.85, 0.86, 0.87, 0.849, 0.8499, 0.85, 0.9, 0.95, 0.7, 0.7, 0.7, 0.7, 0.71,
           0.72, 0.6, 0.65, 0.65, 0.65, 0.65, 0.65, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.49999, 0.5,
           0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]

PLATEAU = [
    {},
    {"patience": 2},
    {"patience": 0, "factor": 0.5},
    {"patience": 1, "cooldown": 2, "factor": 0.5, "min_lr": 0.02},
    {"patience": 1, "factor": 0.3, "min_lr": [0.001, 0.05], "threshold": 0.05},
    {"patience": 2, "threshold": 0.02, "threshold_mode": "abs"},
    {"mode": "max", "patience": 1, "factor": 0.5},
    {"mode": "max", "patience": 1, "threshold_mode": "abs", "threshold": 0.01, "cooldown": 1},
    {"patience": 0, "factor": 0.5, "eps": 0.02},
]


@pytest.mark.parametrize("kw", PLATEAU, ids=[str(k) for k in PLATEAU])
def test_reduce_lr_on_plateau_matches_pytorch(kw):
    so, to = _opt_pair()
    ss = sj_sched.ReduceLROnPlateau(so, **kw)
    ts = torch.optim.lr_scheduler.ReduceLROnPlateau(to, **kw)
    metrics = [1 - m for m in METRICS] if kw.get("mode") == "max" else METRICS
    for step, metric in enumerate(metrics):
        _assert_same(so, to, ss, ts, f"{kw} at step {step}")
        assert (ss.best, ss.num_bad_epochs, ss.cooldown_counter) == (
            ts.best, ts.num_bad_epochs, ts.cooldown_counter)
        # the metric may be a float, a 0-d tensor of either framework
        ss.step(sj.tensor(metric) if step % 3 == 1 else metric)
        ts.step(torch.tensor(metric) if step % 3 == 1 else metric)
        if step == 12:
            sd = _json(ss.state_dict())
            ss = sj_sched.ReduceLROnPlateau(so, **kw)
            ss.load_state_dict(sd)
    _assert_same(so, to, ss, ts, f"{kw} at the end")
    assert set(ss.state_dict()) == set(ts.state_dict())


def test_cosine_warm_restarts_fractional_epochs_match_pytorch():
    for kw in ({"T_0": 4}, {"T_0": 3, "T_mult": 2, "eta_min": 0.001}):
        so, to = _opt_pair()
        ss = sj_sched.CosineAnnealingWarmRestarts(so, **kw)
        ts = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(to, **kw)
        for epoch in (0.5, 1.25, 3, 3.5, 7.9, 2, 20.25, 44.0):
            ss.step(epoch)
            ts.step(epoch)
            _assert_same(so, to, ss, ts, f"{kw} at epoch {epoch}")
        with pytest.raises(ValueError, match="Expected non-negative epoch, but got -1"):
            ss.step(-1)


BAD_SCHED = [
    ("ConstantLR", {"factor": 1.5}), ("ConstantLR", {"factor": -0.1}),
    ("LinearLR", {"start_factor": 0.0}), ("LinearLR", {"start_factor": 1.1}),
    ("LinearLR", {"end_factor": 1.5}), ("LinearLR", {"end_factor": -0.5}),
    ("CosineAnnealingWarmRestarts", {"T_0": 0}), ("CosineAnnealingWarmRestarts", {"T_0": 2.5}),
    ("CosineAnnealingWarmRestarts", {"T_0": 3, "T_mult": 0}),
    ("CosineAnnealingWarmRestarts", {"T_0": 3, "T_mult": 1.5}),
    ("ReduceLROnPlateau", {"factor": 1.0}), ("ReduceLROnPlateau", {"mode": "avg"}),
    ("ReduceLROnPlateau", {"threshold_mode": "pct"}), ("ReduceLROnPlateau", {"min_lr": [0.1]}),
    ("CyclicLR", {"base_lr": 0.1, "max_lr": 1.0, "mode": "sawtooth"}),
    ("MultiplicativeLR", {"lr_lambda": [lambda e: 1.0]}),
]


@pytest.mark.parametrize("cfg", BAD_SCHED, ids=[_id(c) for c in BAD_SCHED])
def test_invalid_scheduler_arguments_raise_like_pytorch(cfg):
    name, kw = cfg
    so, to = _opt_pair()
    with pytest.raises(Exception) as t_err:
        getattr(torch.optim.lr_scheduler, name)(to, **kw)
    with pytest.raises(type(t_err.value)) as s_err:
        getattr(sj_sched, name)(so, **kw)
    assert str(s_err.value) == str(t_err.value)


def test_composite_scheduler_errors_match_pytorch():
    so, to = _opt_pair()
    other_s, other_t = _opt_pair()
    cases = [
        lambda m, o, x: m.SequentialLR(o, [], milestones=[]),
        lambda m, o, x: m.SequentialLR(o, [m.ConstantLR(o), m.ConstantLR(o)], milestones=[]),
        lambda m, o, x: m.SequentialLR(o, [m.ReduceLROnPlateau(o)], milestones=[]),
        lambda m, o, x: m.ChainedScheduler([]),
        lambda m, o, x: m.ChainedScheduler([m.ConstantLR(o), m.ReduceLROnPlateau(o)]),
    ]
    for case in cases:
        with pytest.raises(ValueError) as t_err:
            case(torch.optim.lr_scheduler, to, other_t)
        with pytest.raises(ValueError) as s_err:
            case(sj_sched, so, other_s)
        assert str(s_err.value) == str(t_err.value)
    with pytest.raises(ValueError, match="expects all schedulers to belong to the same optimizer"):
        sj_sched.ChainedScheduler([sj_sched.ConstantLR(so), sj_sched.ConstantLR(other_s)])
