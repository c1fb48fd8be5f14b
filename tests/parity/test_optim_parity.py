"""Optimizers, LR schedules and gradient clipping against PyTorch, step by step.

Every run trains the same small float64 problem in both frameworks — a 2-layer tanh network
written with raw tensors, identical initial weights, the same mean squared error — for 20 steps
and compares the weights (and each optimizer's state, and for schedules every learning rate and
momentum) within 1e-6.  Options that move eps (eps = 0.1) make where eps is added visible.
torch is imported unconditionally: without it these tests fail, they never skip.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from optim_problem import (  # the shared problem and steps
    INIT,
    STEPS,
    TOL,
    assert_params_equal,
    grouped,
    make_pair,
    train_step,
)

import shenjing as sj
from shenjing import optim
from shenjing.nn import Parameter
from shenjing.nn.utils import clip_grad_norm_, clip_grad_value_
from shenjing.optim import lr_scheduler as sj_sched

OPTIMIZERS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "weight_decay": 0.05}),
    ("SGD", {"lr": 0.1, "maximize": True}),
    ("SGD", {"lr": 0.1, "maximize": True, "weight_decay": 0.05}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.05}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.05}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "maximize": True}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "dampening": 0.5, "maximize": True}),
    ("Adam", {"lr": 0.05}),
    ("Adam", {"lr": 0.05, "betas": (0.8, 0.9), "eps": 0.1}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True}),
    ("Adam", {"lr": 0.05, "maximize": True, "amsgrad": True, "eps": 0.1}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("AdamW", {"lr": 0.05}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.3, "amsgrad": True, "maximize": True}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "eps": 0.1, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.8}),
    ("RMSprop", {"lr": 0.01, "centered": True}),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.8, "weight_decay": 0.1,
                 "maximize": True}),
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05, "weight_decay": 0.1}),
    ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.5, "eps": 0.1, "maximize": True}),
]


def _id(cfg) -> str:
    name, kw = cfg
    return name + "(" + ",".join(f"{k}={v}" for k, v in kw.items()) + ")"


@pytest.mark.parametrize("split", [False, True], ids=["one-group", "two-groups"])
@pytest.mark.parametrize("cfg", OPTIMIZERS, ids=[_id(c) for c in OPTIMIZERS])
def test_optimizer_matches_pytorch(cfg, split):
    name, kw = cfg
    sp, tp = make_pair()
    extra = {"lr": kw["lr"] * 0.5, "weight_decay": 0.02}
    so = getattr(optim, name)(grouped(sp, split, extra), **kw)
    to = getattr(torch.optim, name)(grouped(tp, split, extra), **kw)
    for step in range(STEPS):
        train_step(sp, tp, so, to)
        if step in (0, STEPS // 2):
            assert_params_equal(sp, tp, f"{_id(cfg)} after step {step + 1}")
    assert_params_equal(sp, tp, f"{_id(cfg)} after {STEPS} steps")
    assert sp[4].grad is None and np.array_equal(sp[4].data, INIT[4])

    # the state: same parameters have state, same entries, same values
    s_sd, t_sd = so.state_dict(), to.state_dict()
    assert [g["params"] for g in s_sd["param_groups"]] == [g["params"] for g in t_sd["param_groups"]]
    assert sorted(s_sd["state"]) == sorted(t_sd["state"])
    for i, t_state in t_sd["state"].items():
        s_state = s_sd["state"][i]
        assert sorted(s_state) == sorted(t_state), f"state entries of parameter {i}"
        for key, t_val in t_state.items():
            np.testing.assert_allclose(np.asarray(s_state[key], dtype=np.float64),
                                       t_val.detach().numpy(), rtol=0, atol=TOL,
                                       err_msg=f"state {key!r} of parameter {i}")


def test_state_dict_resume_matches_an_uninterrupted_pytorch_run():
    sp, tp = make_pair()
    so = optim.Adam(sp, lr=0.05, amsgrad=True)
    to = torch.optim.Adam(tp, lr=0.05, amsgrad=True)
    for _ in range(STEPS // 2):
        train_step(sp, tp, so, to)
    sd = so.state_dict()
    resumed = [Parameter(sj.tensor(p.data.copy())) for p in sp]
    so = optim.Adam(resumed, lr=0.05, amsgrad=True)
    so.load_state_dict(sd)
    for _ in range(STEPS // 2):
        train_step(resumed, tp, so, to)
    assert_params_equal(resumed, tp, "resumed Adam")


SCHEDULES = [
    ("StepLR", "SGD", {"step_size": 3, "gamma": 0.5}),
    ("MultiStepLR", "SGD", {"milestones": [2, 6, 6, 11], "gamma": 0.5}),
    ("ExponentialLR", "SGD", {"gamma": 0.9}),
    ("CosineAnnealingLR", "SGD", {"T_max": 7, "eta_min": 0.001}),  # past T_max: the cosine climbs
    ("CosineAnnealingLR", "Adam", {"T_max": STEPS}),
    ("LambdaLR", "SGD", {"lr_lambda": lambda e: 0.95**e}),
    ("LambdaLR", "Adam", {"lr_lambda": [lambda e: 1.0 / (1 + e), lambda e: 1.0 + 0.1 * e]}),
    ("OneCycleLR", "SGD", {"max_lr": 0.5, "total_steps": STEPS}),
    ("OneCycleLR", "SGD", {"max_lr": [0.5, 0.3], "total_steps": 25, "anneal_strategy": "linear",
                           "three_phase": True, "base_momentum": 0.7, "max_momentum": 0.9}),
    ("OneCycleLR", "Adam", {"max_lr": 0.05, "epochs": 4, "steps_per_epoch": 5, "pct_start": 0.4,
                            "div_factor": 10.0, "final_div_factor": 100.0}),
    ("OneCycleLR", "Adam", {"max_lr": 0.05, "total_steps": 22, "three_phase": True}),
    ("OneCycleLR", "Adagrad", {"max_lr": 0.2, "total_steps": STEPS, "cycle_momentum": False}),
]
OPT_OPTIONS = {"SGD": {"lr": 0.05, "momentum": 0.9}, "Adam": {"lr": 0.01}, "Adagrad": {"lr": 0.1}}


@pytest.mark.parametrize("cfg", SCHEDULES, ids=[f"{s}-{o}-{i}" for i, (s, o, _) in
                                                enumerate(SCHEDULES)])
def test_scheduler_matches_pytorch(cfg):
    sched_name, opt_name, kw = cfg
    sp, tp = make_pair()
    extra = {"lr": OPT_OPTIONS[opt_name]["lr"] * 2}
    so = getattr(optim, opt_name)(grouped(sp, True, extra), **OPT_OPTIONS[opt_name])
    to = getattr(torch.optim, opt_name)(grouped(tp, True, extra), **OPT_OPTIONS[opt_name])
    ss = getattr(sj_sched, sched_name)(so, **kw)
    ts = getattr(torch.optim.lr_scheduler, sched_name)(to, **kw)
    for step in range(STEPS + 1):
        where = f"{sched_name} at step {step}"
        np.testing.assert_allclose(ss.get_last_lr(), ts.get_last_lr(), rtol=0, atol=TOL,
                                   err_msg=where)
        for sg, tg in zip(so.param_groups, to.param_groups):
            assert sg["lr"] == pytest.approx(tg["lr"], abs=TOL), where
            for key in ("momentum", "betas"):
                if key in tg:
                    np.testing.assert_allclose(sg[key], tg[key], rtol=0, atol=TOL, err_msg=where)
        assert ss.last_epoch == ts.last_epoch
        if step == STEPS:
            break
        train_step(sp, tp, so, to)
        ss.step()
        ts.step()
    assert_params_equal(sp, tp, f"{sched_name} with {opt_name}")


@pytest.mark.parametrize("sched_name, kw", [
    ("StepLR", {"step_size": 3, "gamma": 0.5}),
    ("MultiStepLR", {"milestones": [2, 6, 6, 11], "gamma": 0.5}),
    ("ExponentialLR", {"gamma": 0.9}),
    ("CosineAnnealingLR", {"T_max": 7, "eta_min": 0.001}),
])
def test_step_with_epoch_matches_pytorch(sched_name, kw):
    so = optim.SGD([Parameter(sj.tensor(np.zeros(1)))], lr=0.1)
    to = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    ss = getattr(sj_sched, sched_name)(so, **kw)
    ts = getattr(torch.optim.lr_scheduler, sched_name)(to, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for epoch in (5, 1, 12, 7, 0, 19):
            ss.step(epoch)
            ts.step(epoch)
            np.testing.assert_allclose(ss.get_last_lr(), ts.get_last_lr(), rtol=0, atol=TOL)


def _grad_pair(dtype, scale: float = 1.0, bad: float | None = None):
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(s).astype(dtype) * scale for s in [(4, 3), (3,), (2, 2, 2)]]
    if bad is not None:
        arrays[1][0] = bad
    sp = [Parameter(sj.tensor(np.zeros_like(a))) for a in arrays]
    tp = [torch.zeros(a.shape, dtype=torch.from_numpy(a).dtype, requires_grad=True)
          for a in arrays]
    for s, t, a in zip(sp, tp, arrays):
        s.grad = sj.tensor(a.copy())
        t.grad = torch.tensor(a.copy())
    return sp, tp


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf"), float("-inf"), 0.0, 3.5])
@pytest.mark.parametrize("max_norm", [0.5, 1e6])
def test_clip_grad_norm_matches_pytorch(dtype, norm_type, max_norm):
    sp, tp = _grad_pair(dtype)
    s_total = clip_grad_norm_(sp, max_norm, norm_type=norm_type)
    t_total = torch.nn.utils.clip_grad_norm_(tp, max_norm, norm_type=norm_type)
    assert s_total.dtype.name == str(t_total.dtype).removeprefix("torch.")
    rtol = 1e-12 if dtype == np.float64 else 1e-6
    np.testing.assert_allclose(s_total.item(), t_total.item(), rtol=rtol)
    for s, t in zip(sp, tp):
        np.testing.assert_allclose(s.grad.data, t.grad.numpy(), rtol=rtol, atol=1e-12)


@pytest.mark.parametrize("bad", [float("inf"), float("nan")])
def test_clip_grad_norm_nonfinite_matches_pytorch(bad):
    sp, tp = _grad_pair(np.float64, bad=bad)
    with pytest.raises(RuntimeError):
        clip_grad_norm_(sp, 1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError):
        torch.nn.utils.clip_grad_norm_(tp, 1.0, error_if_nonfinite=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s_total = clip_grad_norm_(sp, 1.0)
        t_total = torch.nn.utils.clip_grad_norm_(tp, 1.0)
    np.testing.assert_equal(s_total.item(), t_total.item())
    for s, t in zip(sp, tp):
        np.testing.assert_array_equal(s.grad.data, t.grad.numpy())


def test_clip_grad_value_matches_pytorch():
    sp, tp = _grad_pair(np.float64, scale=2.0)
    clip_grad_value_(sp, 0.7)
    torch.nn.utils.clip_grad_value_(tp, 0.7)
    for s, t in zip(sp, tp):
        np.testing.assert_array_equal(s.grad.data, t.grad.numpy())
