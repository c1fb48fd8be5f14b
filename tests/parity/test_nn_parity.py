"""nn modules against PyTorch: same weights in, same outputs and gradients out; default
initialisations drawn from the same distributions."""

import numpy as np
import pytest
import torch

import shenjing as sj
from shenjing import nn

ACTIVATIONS = [
    (nn.Sigmoid(), torch.nn.Sigmoid()), (nn.Tanh(), torch.nn.Tanh()), (nn.ReLU(), torch.nn.ReLU()),
    (nn.LeakyReLU(0.1), torch.nn.LeakyReLU(0.1)), (nn.ELU(0.7), torch.nn.ELU(0.7)),
    (nn.Softplus(2.0, 5.0), torch.nn.Softplus(2.0, 5.0)), (nn.GELU(), torch.nn.GELU()),
    (nn.GELU("tanh"), torch.nn.GELU("tanh")), (nn.Softmax(dim=1), torch.nn.Softmax(dim=1)),
    (nn.LogSoftmax(dim=0), torch.nn.LogSoftmax(dim=0)), (nn.Identity(), torch.nn.Identity()),
    (nn.Flatten(), torch.nn.Flatten()),
]


def copy_weights(ours: nn.Module, theirs: torch.nn.Module) -> None:
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


@pytest.mark.parametrize("ours,theirs", ACTIVATIONS, ids=lambda m: type(m).__name__)
def test_activation_modules(ours, theirs):
    x = np.random.default_rng(0).standard_normal((4, 5, 3)) * 3
    xs = sj.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    ys, yt = ours(xs), theirs(xt)
    np.testing.assert_allclose(ys.detach().numpy(), yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    w = np.random.default_rng(1).standard_normal(yt.shape)
    (ys * sj.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(xs.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(5,), (3, 5), (2, 3, 5)])
def test_linear_forward_backward(bias, shape):
    theirs = torch.nn.Linear(5, 4, bias=bias).double()
    ours = nn.Linear(5, 4, bias=bias).double()
    copy_weights(ours, theirs)
    x = np.random.default_rng(2).standard_normal(shape)
    xs, xt = sj.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ys, yt = ours(xs), theirs(xt)
    np.testing.assert_allclose(ys.detach().numpy(), yt.detach().numpy(), rtol=1e-12)
    (ys ** 2).sum().backward()
    (yt ** 2).sum().backward()
    np.testing.assert_allclose(xs.grad.numpy(), xt.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-10)
    if bias:
        np.testing.assert_allclose(ours.bias.grad.numpy(), theirs.bias.grad.numpy(), rtol=1e-10)


LOSSES = [
    (lambda: nn.MSELoss(), lambda: torch.nn.MSELoss(), "float"),
    (lambda: nn.MSELoss(reduction="sum"), lambda: torch.nn.MSELoss(reduction="sum"), "float"),
    (lambda: nn.CrossEntropyLoss(), lambda: torch.nn.CrossEntropyLoss(), "index"),
    (lambda: nn.CrossEntropyLoss(weight=sj.tensor([1.0, 2.0, 0.5], dtype=sj.float64), label_smoothing=0.1,
                                 reduction="none"),
     lambda: torch.nn.CrossEntropyLoss(weight=torch.tensor([1.0, 2.0, 0.5], dtype=torch.float64),
                                       label_smoothing=0.1, reduction="none"), "index"),
    (lambda: nn.NLLLoss(), lambda: torch.nn.NLLLoss(), "index"),
    (lambda: nn.BCELoss(), lambda: torch.nn.BCELoss(), "prob"),
    (lambda: nn.BCEWithLogitsLoss(pos_weight=sj.tensor([2.0, 1.0, 0.5], dtype=sj.float64)),
     lambda: torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor([2.0, 1.0, 0.5], dtype=torch.float64)), "prob"),
]


@pytest.mark.parametrize("make_ours,make_theirs,kind", LOSSES)
def test_loss_modules(make_ours, make_theirs, kind):
    rng = np.random.default_rng(3)
    z = rng.standard_normal((6, 3))
    if kind == "index":
        target = rng.integers(0, 3, 6)
    else:
        target = rng.random((6, 3)) if kind == "prob" else rng.standard_normal((6, 3))
    if kind == "prob" and isinstance(make_ours(), nn.BCELoss):
        z = 1 / (1 + np.exp(-z))
    zs, zt = sj.tensor(z, requires_grad=True), torch.tensor(z, requires_grad=True)
    ls = make_ours()(zs, sj.tensor(target))
    lt = make_theirs()(zt, torch.tensor(target))
    np.testing.assert_allclose(ls.detach().numpy(), lt.detach().numpy(), rtol=1e-10)
    ls.sum().backward()
    lt.sum().backward()
    np.testing.assert_allclose(zs.grad.numpy(), zt.grad.numpy(), rtol=1e-9, atol=1e-14)
    assert repr(make_ours()).split("(")[0] == repr(make_theirs()).split("(")[0]


@pytest.mark.parametrize("fan_in,fan_out", [(784, 256), (3, 7)])
def test_default_linear_init_matches_pytorch_bounds(fan_in, fan_out):
    sj.manual_seed(0)
    lin = nn.Linear(fan_in, fan_out)
    bound = 1 / np.sqrt(fan_in)
    w, b = lin.weight.detach().numpy(), lin.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    t = torch.nn.Linear(fan_in, fan_out)
    assert np.abs(t.weight.detach().numpy()).max() <= bound
    if w.size > 1000:  # uniform on (-bound, bound): variance bound²/3, same as PyTorch's
        np.testing.assert_allclose(w.var(), bound**2 / 3, rtol=0.05)
        np.testing.assert_allclose(t.weight.detach().numpy().var(), bound**2 / 3, rtol=0.05)


@pytest.mark.parametrize("name,kwargs,var", [
    ("xavier_uniform_", {"gain": 2.0}, lambda fi, fo: 4.0 * 2 / (fi + fo)),
    ("xavier_normal_", {}, lambda fi, fo: 2 / (fi + fo)),
    ("kaiming_uniform_", {"nonlinearity": "relu"}, lambda fi, fo: 2 / fi),
    ("kaiming_normal_", {"mode": "fan_out", "nonlinearity": "relu"}, lambda fi, fo: 2 / fo),
    ("uniform_", {"a": -0.5, "b": 0.5}, lambda fi, fo: 1 / 12),
    ("normal_", {"std": 0.3}, lambda fi, fo: 0.09),
])
def test_init_functions_match_pytorch_distribution(name, kwargs, var):
    fi, fo = 400, 300
    ours = sj.zeros(fo, fi)
    theirs = torch.zeros(fo, fi)
    getattr(nn.init, name)(ours, **kwargs)
    getattr(torch.nn.init, name)(theirs, **kwargs)
    np.testing.assert_allclose(ours.numpy().var(), var(fi, fo), rtol=0.05)
    np.testing.assert_allclose(theirs.numpy().var(), var(fi, fo), rtol=0.05)
    if "uniform" in name:
        assert np.abs(ours.numpy()).max() <= np.abs(theirs.numpy()).max() * 1.01 + 1e-6


def test_calculate_gain_matches_pytorch():
    for nl, p in [("linear", None), ("sigmoid", None), ("tanh", None), ("relu", None), ("leaky_relu", 0.2),
                  ("selu", None), ("conv2d", None)]:
        assert nn.init.calculate_gain(nl, p) == pytest.approx(torch.nn.init.calculate_gain(nl, p))


def test_state_dict_maps_one_to_one_onto_pytorch():
    ours = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    copy_weights(ours, theirs)
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    np.testing.assert_allclose(ours(sj.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5,
                               atol=1e-6)
