"""Optimizers: each one descends, gradients stay untouched, param groups, checkpoints, errors."""

from __future__ import annotations

import numpy as np
import pytest

import shenjing as sj
from shenjing import optim
from shenjing.nn import Parameter

# (class, options): every optimizer, and the options that change its code path
CONFIGS = [
    (optim.SGD, {"lr": 0.1}),
    (optim.SGD, {"lr": 0.05, "momentum": 0.9}),
    (optim.SGD, {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-3}),
    (optim.SGD, {"lr": 0.05, "momentum": 0.5, "dampening": 0.5}),
    (optim.Adam, {"lr": 0.1}),
    (optim.Adam, {"lr": 0.1, "amsgrad": True, "weight_decay": 1e-3}),
    (optim.AdamW, {"lr": 0.1}),
    (optim.RMSprop, {"lr": 0.01}),
    (optim.RMSprop, {"lr": 0.01, "momentum": 0.5, "centered": True, "weight_decay": 1e-3}),
    (optim.Adagrad, {"lr": 0.5}),
    (optim.Adagrad, {"lr": 0.5, "lr_decay": 0.01, "initial_accumulator_value": 0.1}),
]
IDS = [f"{cls.__name__}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" for cls, kw in CONFIGS]

TARGET = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.0]])


def quadratic(w: sj.Tensor, b: sj.Tensor) -> sj.Tensor:
    """L(w, b) = Σ(w − target)² + Σ(b − 1)², minimum 0."""
    return ((w - sj.tensor(TARGET)) ** 2).sum() + ((b - 1.0) ** 2).sum()


def make_params(seed: int = 0) -> list[Parameter]:
    rng = np.random.default_rng(seed)
    return [Parameter(sj.tensor(rng.standard_normal((2, 3)))),
            Parameter(sj.tensor(rng.standard_normal(3)))]


def train(opt: optim.Optimizer, params: list[Parameter], steps: int) -> float:
    loss = None
    for _ in range(steps):
        opt.zero_grad()
        loss = quadratic(*params)
        loss.backward()
        opt.step()
    return float(quadratic(*params).item()) if loss is not None else float("nan")


def plain(obj) -> None:
    """Assert that a state_dict holds only numbers, strings, lists, dicts and arrays."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            assert isinstance(k, int | str), f"key {k!r} of type {type(k).__name__}"
            plain(v)
    elif isinstance(obj, list):
        for v in obj:
            plain(v)
    else:
        assert obj is None or isinstance(obj, bool | int | float | str | np.ndarray), type(obj)


@pytest.mark.parametrize(("cls", "kw"), CONFIGS, ids=IDS)
def test_descends_a_quadratic(cls, kw):
    params = make_params()
    start = float(quadratic(*params).item())
    end = train(cls(params, **kw), params, 60)
    assert end < 0.2 * start, f"{cls.__name__} went from {start} to {end}"


@pytest.mark.parametrize(("cls", "kw"), CONFIGS, ids=IDS)
def test_maximize_climbs(cls, kw):
    params = make_params()
    start = float(quadratic(*params).item())
    end = train(cls(params, maximize=True, **kw), params, 5)
    assert end > start


@pytest.mark.parametrize(("cls", "kw"), CONFIGS, ids=IDS)
def test_gradient_arrays_are_never_written(cls, kw):
    params = make_params()
    opt = cls(params, **kw)
    for _ in range(3):
        opt.zero_grad()
        quadratic(*params).backward()
        before = [p.grad.data.copy() for p in params]
        arrays = [p.grad.data for p in params]
        opt.step()
        for p, arr, b in zip(params, arrays, before):
            assert p.grad.data is arr
            np.testing.assert_array_equal(arr, b)


@pytest.mark.parametrize(("cls", "kw"), CONFIGS, ids=IDS)
def test_parameters_without_gradient_are_skipped(cls, kw):
    params = make_params()
    idle = Parameter(sj.tensor(np.arange(4.0)))
    opt = cls([*params, idle], **kw)
    train(opt, params, 3)
    np.testing.assert_array_equal(idle.data, np.arange(4.0))
    assert idle.grad is None
    if cls is not optim.Adagrad:  # Adagrad, like PyTorch's, creates its state up front
        assert idle not in opt.state


@pytest.mark.parametrize(("cls", "kw"), CONFIGS, ids=IDS)
def test_state_dict_round_trip_continues_identically(cls, kw):
    a = make_params()
    opt_a = cls(a, **kw)
    train(opt_a, a, 5)
    sd = opt_a.state_dict()
    plain(sd)
    b = [Parameter(sj.tensor(p.data.copy())) for p in a]
    train(opt_a, a, 5)  # the snapshot must not follow the training

    opt_b = cls(make_params(1), **kw)  # other weights, fresh state
    opt_b.param_groups[0]["params"][:] = b
    opt_b.load_state_dict(sd)
    train(opt_b, b, 5)
    for p, q in zip(a, b):
        np.testing.assert_array_equal(p.data, q.data)


def test_state_dict_survives_a_checkpoint_file(tmp_path):
    a = make_params()
    opt_a = optim.Adam([{"params": a[:1]}, {"params": a[1:], "lr": 0.01}], amsgrad=True)
    train(opt_a, a, 4)
    b = [Parameter(sj.tensor(p.data.copy())) for p in a]
    sj.save({"optimizer": opt_a.state_dict()}, tmp_path / "opt.safetensors")
    opt_b = optim.Adam([{"params": b[:1]}, {"params": b[1:]}])
    opt_b.load_state_dict(sj.load(tmp_path / "opt.safetensors")["optimizer"])
    assert opt_b.param_groups[1]["lr"] == 0.01
    assert opt_b.param_groups[0]["betas"] == (0.9, 0.999)  # JSON lists become tuples again
    train(opt_a, a, 4)
    train(opt_b, b, 4)
    for p, q in zip(a, b):
        np.testing.assert_array_equal(p.data, q.data)


def test_state_dict_layout_is_pytorchs():
    p, q, r = make_params() + [Parameter(sj.tensor(np.zeros(2)))]
    opt = optim.SGD([{"params": [p, q]}, {"params": [r], "lr": 0.5}], lr=0.1, momentum=0.9)
    quadratic(p, q).backward()
    opt.step()
    sd = opt.state_dict()
    assert sorted(sd) == ["param_groups", "state"]
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]]
    assert sorted(sd["state"]) == [0, 1]  # r had no gradient, so no state
    assert sorted(sd["state"][0]) == ["momentum_buffer"]
    assert sd["param_groups"][1]["lr"] == 0.5 and sd["param_groups"][0]["momentum"] == 0.9


def test_load_state_dict_errors_name_the_mismatch():
    params = make_params()
    opt = optim.Adam(params)
    train(opt, params, 2)
    sd = opt.state_dict()
    two_groups = optim.Adam([{"params": params[:1]}, {"params": params[1:]}])
    with pytest.raises(ValueError, match="1 parameter groups, but the optimizer has 2"):
        two_groups.load_state_dict(sd)
    with pytest.raises(ValueError, match="group 0 of the loaded state dict has 2 parameters, "
                                         "but the optimizer's group 0 has 1"):
        optim.Adam(params[:1]).load_state_dict(sd)

    before = {k: v.copy() for k, v in opt.state[params[0]].items() if isinstance(v, np.ndarray)}
    bad = opt.state_dict()
    bad["state"][1]["exp_avg"] = np.zeros(4)
    with pytest.raises(ValueError, match=r"parameter 1 .*'exp_avg' has shape \(4,\), but the "
                                         r"parameter has shape \(3,\)"):
        opt.load_state_dict(bad)
    for k, v in before.items():  # nothing changed on failure
        np.testing.assert_array_equal(opt.state[params[0]][k], v)

    bad = opt.state_dict()
    bad["state"][7] = bad["state"][0]
    with pytest.raises(ValueError, match="parameter index 7"):
        opt.load_state_dict(bad)
    bad = opt.state_dict()
    bad["state"][0]["velocity"] = np.zeros((2, 3))
    with pytest.raises(ValueError, match="unknown state entry 'velocity'"):
        opt.load_state_dict(bad)
    sgd = optim.SGD(params, momentum=0.9).state_dict()
    with pytest.raises(ValueError, match="lacks the option.*'betas'"):
        opt.load_state_dict(sgd)
    with pytest.raises(ValueError, match="'state'"):
        opt.load_state_dict({"param_groups": sd["param_groups"]})


def test_zero_grad_both_ways():
    params = make_params()
    opt = optim.SGD(params, lr=0.1)
    quadratic(*params).backward()
    shared = params[0].grad.data
    keep = shared.copy()
    grad_tensor = params[0].grad
    opt.zero_grad(set_to_none=False)
    assert params[0].grad is grad_tensor
    np.testing.assert_array_equal(params[0].grad.data, np.zeros((2, 3)))
    np.testing.assert_array_equal(shared, keep)  # a fresh array: other holders keep their values
    assert not params[0].grad.requires_grad
    opt.zero_grad()
    assert all(p.grad is None for p in params)


def test_param_groups_options_and_defaults():
    p, q = make_params()
    opt = optim.SGD([{"params": [p]}, {"params": q, "lr": 1.0}], lr=0.1, momentum=0.9)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 1.0]
    assert all(g["momentum"] == 0.9 for g in opt.param_groups)
    assert opt.defaults["lr"] == 0.1
    p.grad = sj.tensor(np.ones((2, 3)))
    q.grad = sj.tensor(np.ones(3))
    p0, q0 = p.data.copy(), q.data.copy()
    opt.step()
    np.testing.assert_allclose(p.data, p0 - 0.1)
    np.testing.assert_allclose(q.data, q0 - 1.0)

    extra = Parameter(sj.tensor(np.zeros(2)))
    opt.add_param_group({"params": [extra], "momentum": 0.0})
    assert opt.param_groups[2]["lr"] == 0.1 and opt.param_groups[2]["momentum"] == 0.0
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [p]})
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD({p, q})
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.Adam([])
    with pytest.raises(TypeError, match="only optimize Tensors"):
        optim.SGD([np.zeros(3)])
    with pytest.raises(TypeError, match="iterable of Tensors"):
        optim.SGD(p)


def test_named_parameters_and_modules():
    model = sj.nn.Linear(3, 1)
    opt = optim.Adam(model.named_parameters(), lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["weight", "bias"]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 3))
    y = x @ np.array([[1.0], [-2.0], [0.5]]) + 0.3
    x_t, y_t = sj.tensor(x, dtype=sj.float32), sj.tensor(y, dtype=sj.float32)
    for _ in range(200):
        opt.zero_grad()
        loss = ((model(x_t) - y_t) ** 2).mean()
        loss.backward()
        opt.step()
    assert float(loss.item()) < 1e-3
    assert model.weight.dtype == sj.float32  # updates keep the parameter's dtype
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["weight", "bias"]


def test_closure_is_evaluated_with_grad():
    params = make_params()
    opt = optim.SGD(params, lr=0.1)

    def closure():
        opt.zero_grad()
        loss = quadratic(*params)
        loss.backward()
        return loss

    with sj.no_grad():
        loss = opt.step(closure)
    assert float(loss.item()) > float(quadratic(*params).item())


def test_invalid_options_raise():
    params = make_params()
    with pytest.raises(ValueError, match="learning rate"):
        optim.SGD(params, lr=-1.0)
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD(params, lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="beta parameter at index 1"):
        optim.Adam(params, betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="alpha"):
        optim.RMSprop(params, alpha=-0.1)
    with pytest.raises(ValueError, match="initial_accumulator_value"):
        optim.Adagrad(params, initial_accumulator_value=-1.0)


def test_repr_lists_groups_like_pytorch():
    opt = optim.SGD(make_params(), lr=0.1)
    assert repr(opt) == (
        "SGD (\nParameter Group 0\n    dampening: 0.0\n    lr: 0.1\n    maximize: False\n"
        "    momentum: 0.0\n    nesterov: False\n    weight_decay: 0.0\n)"
    )


def test_adamw_decays_weights_without_gradient_signal():
    w = Parameter(sj.tensor(np.full(3, 2.0)))
    opt = optim.AdamW([w], lr=0.1, weight_decay=0.5)
    w.grad = sj.tensor(np.zeros(3))
    opt.step()
    np.testing.assert_allclose(w.data, 2.0 * (1 - 0.1 * 0.5))  # m = 0: only the decay acts


def test_float32_parameters_stay_float32():
    for cls, kw in CONFIGS:
        w = Parameter(sj.tensor(np.ones(4, dtype=np.float32)))
        opt = cls([w], **kw)
        for _ in range(2):
            w.grad = sj.tensor(np.full(4, 0.5, dtype=np.float32))
            opt.step()
        assert w.data.dtype == np.float32, cls.__name__
        assert all(v.dtype == np.float32 for v in opt.state[w].values()
                   if isinstance(v, np.ndarray)), cls.__name__
