"""``shenjing.nn.functional`` against ``torch.nn.functional``: activations, softmax, linear and
every loss with every reduction and option — forward values and the gradient of every input."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import shenjing as sj
import shenjing.nn.functional as F


class Const:
    """An input that is a tensor without grad in both libraries."""

    def __init__(self, array) -> None:
        self.const_array = np.asarray(array)


def both(name, **kw):
    """The same call in each library: ``F.name(*args, **kw)``."""
    return (lambda *a: getattr(F, name)(*a, **kw)), (lambda *a: getattr(TF, name)(*a, **kw))


EDGES = np.array([-30.0, -3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 30.0])


def test_functional_alias():
    assert sj.functional.cross_entropy is F.cross_entropy
    assert sj.nn.functional.softmax is F.softmax


# ----------------------------------------------------------------- activations
ACTIVATIONS = [
    ("sigmoid", {}), ("tanh", {}), ("relu", {}), ("leaky_relu", {}), ("leaky_relu", {"negative_slope": 0.2}),
    ("elu", {}), ("elu", {"alpha": 0.5}), ("elu", {"alpha": 2.0}),
    ("softplus", {}), ("softplus", {"beta": 2.0}), ("softplus", {"beta": 0.5, "threshold": 1.0}),
    ("softplus", {"threshold": 2.0}), ("gelu", {}), ("gelu", {"approximate": "none"}),
    ("gelu", {"approximate": "tanh"}), ("logsigmoid", {}),
]


@pytest.mark.parametrize("name,kw", ACTIVATIONS, ids=lambda v: str(v))
def test_activation(parity, rng, name, kw):
    parity(*both(name, **kw), rng.standard_normal((4, 5)) * 3)
    parity(*both(name, **kw), EDGES.copy())


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu"])
def test_activation_top_level_and_method(parity, rng, name):
    x = rng.standard_normal((3, 4))
    parity(lambda t: getattr(sj, name)(t), lambda t: getattr(torch, name)(t), x)
    parity(lambda t: getattr(t, name)(), lambda t: getattr(t, name)(), x)


def test_activation_float32(parity, rng):
    x = (rng.standard_normal((4, 5)) * 3).astype(np.float32)
    for name, kw in [("sigmoid", {}), ("tanh", {}), ("elu", {}), ("softplus", {}), ("gelu", {}),
                     ("gelu", {"approximate": "tanh"}), ("softmax", {"dim": 1}), ("log_softmax", {"dim": 0})]:
        out = parity(*both(name, **kw), x, atol=1e-6, rtol=1e-5)
        assert out[0].dtype == sj.float32, name


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [0, 1, -1, 2])
def test_softmax(parity, rng, name, dim):
    parity(*both(name, dim=dim), rng.standard_normal((2, 3, 4)) * 2)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_method_and_function(parity, rng, name):
    x = rng.standard_normal((3, 4))
    parity(lambda t: getattr(t, name)(1), lambda t: getattr(t, name)(1), x)
    parity(lambda t: getattr(sj, name)(t, 0), lambda t: getattr(torch, name)(t, 0), x)
    parity(*both(name, dim=1), x.astype(np.float32), atol=1e-6)


def test_softmax_dtype_argument(parity, rng):
    x = rng.standard_normal((3, 4)).astype(np.float32)
    parity(lambda t: F.softmax(t, dim=1, dtype=sj.float64), lambda t: TF.softmax(t, dim=1, dtype=torch.float64),
           x, atol=1e-6)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("xshape", [(5,), (4, 5), (2, 3, 5)], ids=str)
def test_linear(parity, rng, bias, xshape):
    args = [rng.standard_normal(xshape), rng.standard_normal((3, 5))]
    if bias:
        args.append(rng.standard_normal(3))
    parity(F.linear, TF.linear, *args)


def test_dropout_eval_and_p0_are_identity(parity, rng):
    x = rng.standard_normal((4, 5))
    parity(lambda t: F.dropout(t, 0.5, training=False), lambda t: TF.dropout(t, 0.5, training=False), x)
    parity(lambda t: F.dropout(t, 0.0), lambda t: TF.dropout(t, 0.0), x)
    parity(lambda t: F.dropout(t, 1.0), lambda t: TF.dropout(t, 1.0), x)


# ----------------------------------------------------------------- losses
REDUCTIONS = ["mean", "sum", "none"]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4)], ids=str)
def test_mse_loss(parity, rng, reduction, shape):
    # both the prediction and the target require grad
    parity(*both("mse_loss", reduction=reduction), rng.standard_normal(shape), rng.standard_normal(shape))
    parity(*both("mse_loss", reduction=reduction), rng.standard_normal(shape), Const(rng.standard_normal(shape)))


def _targets(rng, n_cls, shape, ignore: bool):
    t = rng.integers(0, n_cls, shape)
    if ignore:
        t.flat[::3] = -100 if ignore is True else ignore
        t.flat[1] = rng.integers(0, n_cls)  # never ignore everything
    return Const(t)


CE_SHAPES = [(6, 4), (5, 100), (3, 4, 5), (2, 4, 3, 2)]  # 100 classes: the untransposed path


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted,smoothing,ignore",
                         list(itertools.product([False, True], [0.0, 0.15], [False, True])),
                         ids=lambda v: str(v))
@pytest.mark.parametrize("shape", CE_SHAPES, ids=str)
def test_cross_entropy_class_indices(parity, rng, reduction, weighted, smoothing, ignore, shape):
    n_cls = shape[1]
    tshape = (shape[0],) + shape[2:]
    kw = {"reduction": reduction, "label_smoothing": smoothing}
    args = [rng.standard_normal(shape) * 2, _targets(rng, n_cls, tshape, ignore)]
    if weighted:
        args.append(Const(rng.uniform(0.2, 2.0, n_cls)))
    fs, ft = both("cross_entropy", **kw)
    parity(fs, ft, *args)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_custom_ignore_index(parity, rng, reduction):
    args = [rng.standard_normal((6, 4)), _targets(rng, 4, (6,), 2)]
    parity(*both("cross_entropy", reduction=reduction, ignore_index=2), *args)
    parity(*both("cross_entropy", reduction=reduction, ignore_index=2, label_smoothing=0.1), *args)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted,smoothing", list(itertools.product([False, True], [0.0, 0.2])),
                         ids=lambda v: str(v))
@pytest.mark.parametrize("shape", CE_SHAPES, ids=str)
def test_cross_entropy_probabilities(parity, rng, reduction, weighted, smoothing, shape):
    target = rng.uniform(0, 1, shape)
    target /= target.sum(axis=1, keepdims=True)
    args = [rng.standard_normal(shape) * 2, Const(target)]
    if weighted:
        args.append(Const(rng.uniform(0.2, 2.0, shape[1])))
    parity(*both("cross_entropy", reduction=reduction, label_smoothing=smoothing), *args)


def test_cross_entropy_unbatched(parity, rng):
    parity(*both("cross_entropy"), rng.standard_normal(5), Const(np.array(3)))
    p = rng.uniform(0, 1, 5)
    parity(*both("cross_entropy", label_smoothing=0.1), rng.standard_normal(5), Const(p / p.sum()))


def test_cross_entropy_float32(parity, rng):
    z = rng.standard_normal((8, 5)).astype(np.float32)
    out = parity(*both("cross_entropy"), z, Const(rng.integers(0, 5, 8)), atol=1e-6, rtol=1e-5)
    assert out[0].dtype == sj.float32


def test_cross_entropy_is_log_softmax_then_nll(parity, rng):
    z, t = rng.standard_normal((5, 3)), Const(rng.integers(0, 3, 5))
    parity(lambda a, b: F.nll_loss(F.log_softmax(a, 1), b), TF.cross_entropy, z, t)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted,ignore", list(itertools.product([False, True], [False, True])),
                         ids=lambda v: str(v))
@pytest.mark.parametrize("shape", [(5,), *CE_SHAPES], ids=str)
def test_nll_loss(parity, rng, reduction, weighted, ignore, shape):
    if len(shape) == 1:
        target = Const(np.array(2))
        n_cls = shape[0]
    else:
        n_cls = shape[1]
        target = _targets(rng, n_cls, (shape[0],) + shape[2:], ignore)
    args = [rng.standard_normal(shape), target]
    if weighted:
        args.append(Const(rng.uniform(0.2, 2.0, n_cls)))
    parity(*both("nll_loss", reduction=reduction), *args)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [None, "full", "broadcast"])
def test_binary_cross_entropy(parity, rng, reduction, weight):
    p, y = rng.uniform(0.05, 0.95, (4, 3)), rng.uniform(0, 1, (4, 3))
    args = [p, y]  # soft targets, and the target requires grad too
    if weight:
        args.append(Const(rng.uniform(0.5, 2, (4, 3) if weight == "full" else (3,))))
    parity(*both("binary_cross_entropy", reduction=reduction), *args)
    args[1] = Const((y > 0.5).astype(np.float64))
    parity(*both("binary_cross_entropy", reduction=reduction), *args)


def test_binary_cross_entropy_at_zero_and_one(parity):
    # log is clamped at -100, as in PyTorch, so p = 0 or 1 gives finite losses and gradients
    p = np.array([0.0, 1.0, 0.0, 1.0, 0.5])
    y = Const(np.array([0.0, 1.0, 1.0, 0.0, 1.0]))
    for reduction in REDUCTIONS:
        parity(*both("binary_cross_entropy", reduction=reduction), p, y)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight,pos_weight", list(itertools.product([None, "full", "broadcast"], [None, "pw"])),
                         ids=lambda v: str(v))
def test_binary_cross_entropy_with_logits(parity, rng, reduction, weight, pos_weight):
    z, y = rng.standard_normal((4, 3)) * 3, rng.uniform(0, 1, (4, 3))
    kw = {"reduction": reduction}
    extra_s, extra_t = {}, {}
    if weight:
        w = rng.uniform(0.5, 2, (4, 3) if weight == "full" else (3,))
        extra_s["weight"], extra_t["weight"] = sj.tensor(w), torch.tensor(w)
    if pos_weight:
        pw = rng.uniform(0.5, 3, 3)
        extra_s["pos_weight"], extra_t["pos_weight"] = sj.tensor(pw), torch.tensor(pw)

    def fs(a, b):
        return F.binary_cross_entropy_with_logits(a, b, **kw, **extra_s)

    def ft(a, b):
        return TF.binary_cross_entropy_with_logits(a, b, **kw, **extra_t)

    parity(fs, ft, z, y)
    parity(fs, ft, z, Const((y > 0.5).astype(np.float64)))
    parity(fs, ft, np.array([[-1e3, 1e3, 0.0]] * 4), Const((y > 0.5).astype(np.float64)))


# ----------------------------------------------------------------- stability at ±1e4
BIG = np.array([[1e4, -1e4, 0.0, 5.0], [-1e4, -1e4, -1e4, -1e4], [1e4, 1e4, -1e4, 0.0]])


@pytest.mark.parametrize("case", [
    "softmax", "log_softmax", "logsumexp", "cross_entropy", "cross_entropy_smooth", "cross_entropy_probs",
    "nll_of_log_softmax",
])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_huge_logits_stay_finite(parity, case, dtype):
    z = BIG.astype(dtype)
    idx = Const(np.array([1, 2, 3]))
    probs = Const(np.full(BIG.shape, 0.25, dtype=dtype))
    calls = {
        "softmax": (lambda a: F.softmax(a, 1), lambda a: TF.softmax(a, 1)),
        "log_softmax": (lambda a: F.log_softmax(a, 1), lambda a: TF.log_softmax(a, 1)),
        "logsumexp": (lambda a: a.logsumexp(1), lambda a: a.logsumexp(1)),
        "cross_entropy": (lambda a, t: F.cross_entropy(a, t), lambda a, t: TF.cross_entropy(a, t)),
        "cross_entropy_smooth": (lambda a, t: F.cross_entropy(a, t, label_smoothing=0.1),
                                 lambda a, t: TF.cross_entropy(a, t, label_smoothing=0.1)),
        "cross_entropy_probs": (lambda a, t: F.cross_entropy(a, t), lambda a, t: TF.cross_entropy(a, t)),
        "nll_of_log_softmax": (lambda a, t: F.nll_loss(F.log_softmax(a, 1), t),
                               lambda a, t: TF.nll_loss(TF.log_softmax(a, 1), t)),
    }
    fs, ft = calls[case]
    args = [z] if case in ("softmax", "log_softmax", "logsumexp") else [z, probs if case.endswith("probs") else idx]
    tol = {"atol": 1e-3, "rtol": 1e-5} if dtype == np.float32 else {}
    outs = parity(fs, ft, *args, **tol)
    for o in outs:
        assert np.isfinite(o.detach().numpy()).all(), case
    x = sj.tensor(z, requires_grad=True)
    fs(x, *[sj.tensor(a.const_array) for a in args[1:]]).sum().backward()
    assert np.isfinite(x.grad.numpy()).all(), case
