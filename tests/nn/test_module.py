"""Module behaviour: registration, traversal, modes, state dicts, repr, summary, XOR training."""

import io
import subprocess
import sys

import numpy as np
import pytest

import shenjing as sj
from shenjing import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 3)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(3, 2, bias=False)
        self.register_buffer("steps", sj.zeros(1))
        self.register_buffer("scratch", sj.zeros(2), persistent=False)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


def test_registration_and_traversal():
    net = Net()
    assert [n for n, _ in net.named_parameters()] == ["fc1.weight", "fc1.bias", "fc2.weight"]
    assert [n for n, _ in net.named_buffers()] == ["steps", "scratch"]
    assert [n for n, _ in net.named_modules()] == ["", "fc1", "act", "fc2"]
    assert [type(m).__name__ for m in net.children()] == ["Linear", "ReLU", "Linear"]
    assert net.fc2.bias is None
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in net.parameters())


def test_shared_parameter_listed_once():
    a = nn.Linear(2, 2)
    seq = nn.Sequential(a, a)
    assert len(list(seq.parameters())) == 2


def test_assigning_wrong_types_raises():
    net = Net()
    with pytest.raises(TypeError, match="parameter 'weight'"):
        net.fc1.weight = sj.zeros(3, 4)
    with pytest.raises(TypeError, match="buffer 'steps'"):
        net.steps = np.zeros(1)
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        _ = net.nope


def test_train_eval_and_dropout():
    m = nn.Sequential(nn.Linear(3, 3), nn.Dropout(0.5))
    assert m.training and m[1].training
    m.eval()
    assert not m.training and not m[1].training
    x = sj.ones(4, 3)
    assert np.array_equal(m[1](x).numpy(), x.numpy())
    m.train()
    y = m[1](sj.ones(1000, 10)).numpy()
    assert set(np.unique(y)) <= {0.0, 2.0} and 0.4 < (y == 0).mean() < 0.6


def test_zero_grad_and_apply():
    net = Net()
    net(sj.randn(2, 4)).sum().backward()
    assert net.fc1.weight.grad is not None
    net.zero_grad(set_to_none=False)
    assert np.all(net.fc1.weight.grad.numpy() == 0)
    net.zero_grad()
    assert net.fc1.weight.grad is None
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "ReLU", "Linear", "Net"]


def test_state_dict_round_trip_and_persistence():
    a, b = Net(), Net()
    sd = a.state_dict()
    assert list(sd) == ["steps", "fc1.weight", "fc1.bias", "fc2.weight"]  # own tensors first, as PyTorch
    assert not any(t.requires_grad for t in sd.values())
    result = b.load_state_dict(sd)
    assert result.missing_keys == [] and result.unexpected_keys == []
    for k in sd:
        assert np.array_equal(b.state_dict()[k].numpy(), sd[k].numpy())
    w = b.fc1.weight
    b.load_state_dict(a.state_dict())
    assert b.fc1.weight is w, "loading copies into the existing parameters"


def test_load_state_dict_strict_checks_leave_model_untouched():
    net = Net()
    before = {k: v.numpy().copy() for k, v in net.state_dict().items()}
    sd = Net().state_dict()
    sd["fc1.weight"] = sj.zeros(5, 4)
    del sd["fc2.weight"]
    sd["extra"] = sj.zeros(1)
    with pytest.raises(RuntimeError) as e:
        net.load_state_dict(sd)
    msg = str(e.value)
    assert "Missing key(s)" in msg and "'fc2.weight'" in msg
    assert "Unexpected key(s)" in msg and "'extra'" in msg
    assert "size mismatch for fc1.weight" in msg and "(5, 4)" in msg and "(3, 4)" in msg
    for k, v in net.state_dict().items():
        assert np.array_equal(v.numpy(), before[k])
    good = Net().state_dict()
    del good["fc2.weight"]
    res = net.load_state_dict(good, strict=False)
    assert res.missing_keys == ["fc2.weight"]


def test_to_dtype():
    net = Net().to(sj.float64)
    assert all(p.dtype == sj.float64 for p in net.parameters())
    assert net(sj.randn(2, 4, dtype=sj.float64)).dtype == sj.float64
    with pytest.raises(TypeError):
        net.to(sj.int64)


def test_repr_matches_pytorch():
    import torch

    ours = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Dropout(0.2), nn.Linear(256, 10, bias=False),
                         nn.ELU(alpha=0.5), nn.Softmax(dim=1), nn.Flatten())
    theirs = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Dropout(0.2),
                                 torch.nn.Linear(256, 10, bias=False), torch.nn.ELU(alpha=0.5),
                                 torch.nn.Softmax(dim=1), torch.nn.Flatten())
    assert repr(ours) == repr(theirs)
    assert repr(nn.CrossEntropyLoss()) == repr(torch.nn.CrossEntropyLoss())


def test_module_lists_and_dicts():
    ml = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    md = nn.ModuleDict({"a": nn.Linear(2, 3), "b": nn.ReLU()})
    holder = nn.Module()
    holder.layers, holder.heads = ml, md
    assert len(list(holder.parameters())) == 8
    assert list(holder.state_dict())[:2] == ["layers.0.weight", "layers.0.bias"]
    assert "heads.a.weight" in holder.state_dict()
    assert len(ml) == 3 and isinstance(md["b"], nn.ReLU) and "a" in md


def test_linear_shape_error_names_layer_and_shapes():
    with pytest.raises(RuntimeError, match=r"Linear\(in_features=4, out_features=3\).*\(2, 5\).*expected 4"):
        nn.Linear(4, 3)(sj.randn(2, 5))


def test_summary_counts_the_digit_network():
    m = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                      nn.Linear(128, 10))
    buf = io.StringIO()
    info = sj.summary(m, (1, 28, 28), file=buf)
    assert info["total_params"] == 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10 == 235_146
    text = buf.getvalue()
    assert "[1, 256]" in text and "200,960" in text and "Total params: 235,146" in text


def test_forward_hook_and_removal():
    lin = nn.Linear(2, 2)
    calls = []
    h = lin.register_forward_hook(lambda mod, inp, out: calls.append(out.shape))
    lin(sj.randn(3, 2))
    h.remove()
    lin(sj.randn(3, 2))
    assert calls == [(3, 2)]


def test_mlp_learns_xor_with_sgd():
    sj.manual_seed(0)
    x = sj.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = sj.tensor([[0.0], [1.0], [1.0], [0.0]])
    model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1), nn.Sigmoid())
    opt = sj.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    for _ in range(1000):
        opt.zero_grad()
        loss = nn.MSELoss()(model(x), y)
        loss.backward()
        opt.step()
    assert loss.item() < 0.01
    assert np.array_equal((model(x).detach().numpy() > 0.5).astype(int).ravel(), [0, 1, 1, 0])


def test_xor_example_runs():
    out = subprocess.run([sys.executable, "examples/xor.py"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "1  1 -> 0.0" in out.stdout


def test_no_pickle():
    import pickle

    with pytest.raises(TypeError, match="not picklable"):
        pickle.dumps(nn.Linear(2, 2))
    with pytest.raises(TypeError, match="not picklable"):
        pickle.dumps(sj.zeros(2))
