"""Margin-ranking, hinge-embedding, cosine-embedding, soft-margin, multilabel soft-margin, multi-margin, triplet,
Poisson and Gaussian NLL losses against PyTorch: forward values, dtypes and the gradients of every differentiable
input, for every reduction and option, in float64 and float32 (kinks included); errors; the modules and their repr."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn as tnn
import torch.nn.functional as TF

import shenjing as sj
import shenjing.nn as snn
import shenjing.nn.functional as F


class Const:
    """An input that is a tensor without grad in both libraries."""

    def __init__(self, array) -> None:
        self.const_array = np.asarray(array)


def both(name, **kw):
    def wrap(fn):
        def call(*a):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                return fn(*a, **kw)

        return call

    return wrap(getattr(F, name)), wrap(getattr(TF, name))


REDUCTIONS = ["mean", "sum", "none"]
DTYPES = {"float64": (np.float64, {}), "float32": (np.float32, {"atol": 1e-5, "rtol": 1e-5})}


def _pm1(rng, shape):
    return np.where(rng.random(shape) < 0.5, -1.0, 1.0)


# ----------------------------------------------------------------- margin ranking
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.5])
@pytest.mark.parametrize("shape", [(7,), (3, 4)], ids=str)
def test_margin_ranking(parity, rng, dtype, reduction, margin, shape):
    dt, tol = DTYPES[dtype]
    x1, x2, y = rng.standard_normal(shape).astype(dt), rng.standard_normal(shape).astype(dt), _pm1(rng, shape)
    fns = both("margin_ranking_loss", margin=margin, reduction=reduction)
    out = parity(*fns, x1, x2, y.astype(dt), **tol)  # the target gets a gradient too
    assert out[0].dtype.name == dtype
    parity(*fns, x1, x2, Const(y.astype(dt)), **tol)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_margin_ranking_kink_broadcast_and_ints(parity, reduction):
    """z = 0 exactly (the clamp passes the gradient there, as PyTorch's), broadcasting, integer inputs."""
    x1 = np.array([0.5, 1.0, -0.25, 2.0])
    y = np.array([1.0, -1.0, 1.0, -1.0])
    x2 = x1 - y * 0.5  # z = −y·y·0.5 + 0.5 = 0
    parity(*both("margin_ranking_loss", margin=0.5, reduction=reduction), x1, x2, y)
    parity(*both("margin_ranking_loss", margin=0.5, reduction=reduction),
           np.arange(12.0).reshape(3, 4), np.ones((1, 4)), Const(np.array([[1.0], [-1.0], [1.0]])))
    parity(*both("margin_ranking_loss", reduction=reduction), Const(np.array([1, 2, 3])), Const(np.array([2, 2, 2])),
           Const(np.array([1, -1, 1])), backward=False)


# ----------------------------------------------------------------- hinge embedding
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [1.0, 0.5, -0.5])
def test_hinge_embedding(parity, rng, dtype, reduction, margin):
    dt, tol = DTYPES[dtype]
    x = (rng.standard_normal((4, 5)) * 2).astype(dt)
    x[0, :3] = margin  # the kink of max(0, margin − x)
    y = rng.choice([-1.0, 1.0, 0.0], (4, 5))
    y[0, :3] = -1
    out = parity(*both("hinge_embedding_loss", margin=margin, reduction=reduction), x, Const(y.astype(dt)), **tol)
    assert out[0].dtype.name == dtype
    # an int target, a float64 target for a float32 input (the input's dtype wins), a broadcast target
    parity(*both("hinge_embedding_loss", margin=margin, reduction=reduction), x, Const(y.astype(np.int64)), **tol)
    parity(*both("hinge_embedding_loss", margin=margin, reduction=reduction), x, Const(y), **tol)
    parity(*both("hinge_embedding_loss", margin=margin, reduction=reduction), x, Const(y[0]), **tol)


# ----------------------------------------------------------------- cosine embedding
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.3, -0.4])
def test_cosine_embedding(parity, rng, dtype, reduction, margin):
    dt, tol = DTYPES[dtype]
    x1, x2 = rng.standard_normal((6, 4)).astype(dt), rng.standard_normal((6, 4)).astype(dt)
    x2[5] = 0  # a zero vector: the ε in the denominator
    y = np.array([1, -1, 1, -1, -1, 1])
    fns = both("cosine_embedding_loss", margin=margin, reduction=reduction)
    out = parity(*fns, x1, x2, Const(y), **tol)
    assert out[0].dtype.name == dtype
    parity(*fns, x1, x2, Const(y.astype(dt)), **tol)
    parity(*fns, x1[1], x2[1], Const(np.array(-1)), **tol)  # 1-D inputs, 0-d target
    parity(*fns, x1, x2[:1], Const(y), **tol)  # broadcast along the batch


def test_cosine_embedding_kink_and_dtypes(parity):
    x1 = np.array([[1.0, 0.0], [1.0, 1.0]])
    x2 = np.array([[1.0, 1.0], [1.0, 1.0]])  # cos = 1/√2 and 1
    parity(*both("cosine_embedding_loss", margin=1.0), x1, x2, Const(np.array([-1, -1])))  # cos − m = 0 in row 2
    parity(*both("cosine_embedding_loss"), x1.astype(np.float32), x2, Const(np.array([1, -1])), atol=1e-6)
    parity(*both("cosine_embedding_loss"), Const(np.array([[1, 2], [3, 1]])), Const(np.array([[2, 1], [1, 1]])),
           Const(np.array([1, -1])), backward=False, atol=1e-6)


# ----------------------------------------------------------------- soft margin
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("tshape", [(3, 4), (4,)], ids=str)
def test_soft_margin(parity, rng, dtype, reduction, tshape):
    dt, tol = DTYPES[dtype]
    x = (rng.standard_normal((3, 4)) * 4).astype(dt)
    y = _pm1(rng, tshape)
    out = parity(*both("soft_margin_loss", reduction=reduction), x, Const(y.astype(dt)), **tol)
    assert out[0].dtype.name == dtype
    parity(*both("soft_margin_loss", reduction=reduction), x, Const(y.astype(np.int64)), **tol)
    parity(*both("soft_margin_loss", reduction=reduction), x, Const(y * 0.5), **tol)  # float64 target: input dtype


# ----------------------------------------------------------------- multilabel soft margin
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", ["none", "const", "grad"])
@pytest.mark.parametrize("shape", [(3, 4), (4,), (2, 3, 4)], ids=str)
def test_multilabel_soft_margin(parity, rng, dtype, reduction, weight, shape):
    dt, tol = DTYPES[dtype]
    x, y = (rng.standard_normal(shape) * 3).astype(dt), (rng.random(shape) < 0.5).astype(dt)
    w = rng.uniform(0.5, 2, shape[-1]).astype(dt)

    def call(lib):
        def fn(a, t, *ws):
            return lib.multilabel_soft_margin_loss(a, t, *ws, reduction=reduction)

        return fn

    args = (x, y) if weight == "none" else (x, y, w if weight == "grad" else Const(w))
    out = parity(call(F), call(TF), *args, **tol)
    assert out[0].dtype.name == dtype
    parity(call(F), call(TF), x, Const(y.astype(np.int64)), **tol)
    parity(call(F), call(TF), x, rng.random(shape).astype(dt), **tol)  # soft labels, with a gradient


# ----------------------------------------------------------------- multi margin
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("margin", [1.0, 0.3])
@pytest.mark.parametrize("weighted", [False, True])
def test_multi_margin(parity, rng, dtype, reduction, p, margin, weighted):
    dt, tol = DTYPES[dtype]
    x, t = rng.standard_normal((6, 4)).astype(dt), rng.integers(0, 4, 6)
    x[0] = [0.0, 0.0, 0.5, 2.0]  # z = margin − x_y + x_j = margin: and a tie
    t[0] = 1
    x[1] = [0.0, -margin, 0.3, 0.0]  # z = 0 exactly (inactive, as PyTorch's z > 0)
    t[1] = 0
    kw = {"p": p, "margin": margin, "reduction": reduction}
    if weighted:
        kw["weight"] = None
    w = Const(rng.uniform(0.5, 2, 4).astype(dt))

    def call(lib):
        def fn(a, tt, *ws):
            return lib.multi_margin_loss(a, tt, p=p, margin=margin, weight=ws[0] if ws else None, reduction=reduction)

        return fn

    args = (x, Const(t), w) if weighted else (x, Const(t))
    out = parity(call(F), call(TF), *args, **tol)
    assert out[0].dtype.name == dtype
    one = (x[2], Const(np.array(t[2])), w) if weighted else (x[2], Const(np.array(t[2])))
    parity(call(F), call(TF), *one, **tol)  # one sample: a vector of scores and a 0-d target
    parity(call(F), call(TF), x[2], Const(t[2:3]), **tol)


# ----------------------------------------------------------------- triplet margin
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, 1.5, float("inf")])
@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("shape", [(5, 3), (2, 2, 3), (3,)], ids=str)
def test_triplet_margin(parity, rng, dtype, reduction, p, swap, shape):
    dt, tol = DTYPES[dtype]
    a, pos, neg = (rng.standard_normal(shape).astype(dt) for _ in range(3))
    fns = both("triplet_margin_loss", p=p, swap=swap, reduction=reduction)
    out = parity(*fns, a, pos, neg, **tol)
    assert out[0].dtype.name == dtype
    parity(*both("triplet_margin_loss", margin=0.5, eps=0.1, p=p, swap=swap, reduction=reduction), a, pos, neg, **tol)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("swap", [False, True])
def test_triplet_margin_kinks_broadcast_dtypes(parity, rng, reduction, swap):
    kw = {"swap": swap, "reduction": reduction}
    a = np.zeros((3, 2))
    pos = np.array([[3.0, 4.0], [0.6, 0.8], [1.0, 0.0]]) - 1e-6  # d(a, p) = 5, 1, 1 (with eps)
    neg = np.array([[0.0, 6.0], [0.0, 2.0], [0.0, 1.0]]) - 1e-6  # z = 0 in row 1; d(a,n) = d(p,n)-free ties
    parity(*both("triplet_margin_loss", **kw), a, pos, neg)
    parity(*both("triplet_margin_loss", **kw), a, pos, a + pos)  # d(a, n) vs d(p, n) ties in the min
    parity(*both("triplet_margin_loss", **kw), rng.standard_normal((4, 3)), rng.standard_normal((1, 3)),
           rng.standard_normal((4, 3)))
    parity(*both("triplet_margin_loss", **kw), rng.standard_normal((4, 3)).astype(np.float32),
           rng.standard_normal((4, 3)), rng.standard_normal((4, 3)).astype(np.float32), atol=1e-6)
    parity(*both("triplet_margin_loss", p=0, **kw), *(rng.standard_normal((4, 3)) for _ in range(3)))
    parity(*both("triplet_margin_loss", **kw), *(Const(rng.integers(-3, 3, (4, 3))) for _ in range(3)),
           backward=False, atol=1e-6)
    parity(*both("triplet_margin_loss", **kw), np.array(0.5), np.array(1.0), np.array(3.0))


# ----------------------------------------------------------------- Poisson NLL
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_input", [True, False])
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("eps", [1e-8, 0.5])
def test_poisson_nll(parity, rng, dtype, reduction, log_input, full, eps):
    dt, tol = DTYPES[dtype]
    x = rng.standard_normal((3, 4)) if log_input else rng.uniform(0.1, 3, (3, 4))
    y = np.array([[0.0, 1.0, 2.0, 3.0], [0.5, 4.0, 7.0, 1.5], [10.0, 0.0, 1.0, 0.25]])  # y ≤ 1: no Stirling term
    fns = both("poisson_nll_loss", log_input=log_input, full=full, eps=eps, reduction=reduction)
    out = parity(*fns, x.astype(dt), y.astype(dt), **tol)  # with full, y = 0 gives a NaN target gradient, as torch
    assert out[0].dtype.name == dtype
    # PyTorch computes the Stirling term of an integer target in float32 (so does shenjing, up to an ulp)
    parity(*fns, x.astype(dt), Const(y.astype(np.int64)), **(DTYPES["float32"][1] if full else tol))
    parity(*fns, x.astype(dt), Const(y[0]), **tol)  # broadcast


def test_poisson_nll_dtypes(parity, rng):
    x = rng.standard_normal((3, 4))
    parity(*both("poisson_nll_loss"), x.astype(np.float32), rng.random((3, 4)), atol=1e-6)
    parity(*both("poisson_nll_loss"), Const(np.ones((2, 2), np.int64)), Const(np.ones((2, 2), np.int64)),
           backward=False, atol=1e-6)


# ----------------------------------------------------------------- Gaussian NLL
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("vshape", [(3, 4), (3, 1), (3,), (1, 4)], ids=str)
def test_gaussian_nll(parity, rng, dtype, reduction, full, vshape):
    dt, tol = DTYPES[dtype]
    x, y = rng.standard_normal((3, 4)).astype(dt), rng.standard_normal((3, 4)).astype(dt)
    v = rng.uniform(0.2, 2, vshape).astype(dt)
    v.flat[0] = 1e-8  # clamped to eps: the gradient of var still flows (PyTorch clamps under no_grad)
    fns = both("gaussian_nll_loss", full=full, reduction=reduction)
    out = parity(*fns, x, y, v, **tol)
    assert out[0].dtype.name == dtype
    parity(*both("gaussian_nll_loss", full=full, eps=0.5, reduction=reduction), x, Const(y), v, **tol)

    def scalar_var(lib):
        def fn(a, t):
            return lib.gaussian_nll_loss(a, t, 0.7, full=full, reduction=reduction)

        return fn

    parity(scalar_var(F), scalar_var(TF), x, y, **tol)


def test_gaussian_nll_broadcast_and_dtypes(parity, rng):
    x = rng.standard_normal((4, 1))
    parity(*both("gaussian_nll_loss"), x, rng.standard_normal((4, 3)), rng.uniform(0.5, 1, (4, 1)))
    parity(*both("gaussian_nll_loss"), x.astype(np.float32), rng.standard_normal((4, 1)),
           rng.uniform(0.5, 1, (4, 1)).astype(np.float32), atol=1e-6)


# ----------------------------------------------------------------- errors
def _raises_like(sj_call, th_call, match=None):
    with pytest.raises(Exception) as th_err:
        th_call()
    with pytest.raises(th_err.type, match=match):
        sj_call()


def _calls(name, *arrays, **kw):
    sj_args = [sj.tensor(a) for a in arrays]
    th_args = [torch.tensor(a) for a in arrays]
    return (lambda: getattr(F, name)(*sj_args, **kw)), (lambda: getattr(TF, name)(*th_args, **kw))


v4, v3, m43 = np.ones(4), np.ones(3), np.ones((4, 3))
ERRORS = [
    ("margin_ranking_loss", (m43, v4, v4), {}, "same dimension"),
    ("margin_ranking_loss", (v4, v4, v4), {"reduction": "bad"}, "bad"),
    ("hinge_embedding_loss", (m43, np.ones(2)), {}, None),
    ("hinge_embedding_loss", (v4, v4), {"reduction": "bad"}, "bad"),
    ("cosine_embedding_loss", (m43, m43, np.ones((4, 1))), {}, "0D or 1D target"),
    ("cosine_embedding_loss", (v3, v3, v4), {}, "1D target tensor expects 2D input"),
    ("cosine_embedding_loss", (m43, m43, np.array(1.0)), {}, "0D target tensor expects 1D input"),
    ("cosine_embedding_loss", (m43, m43, v4), {"reduction": "bad"}, "bad"),
    ("soft_margin_loss", (np.array([1, 2]), np.array([1, -1])), {}, "soft_margin_loss"),
    ("soft_margin_loss", (m43, m43), {"reduction": "sums"}, "sums"),
    ("multilabel_soft_margin_loss", (np.array(1.0), np.array(1.0)), {}, "no dimensions"),
    ("multilabel_soft_margin_loss", (m43, m43), {"reduction": "bad"}, "bad"),
    ("multilabel_soft_margin_loss", (np.ones((4, 3), np.int64), m43), {}, None),
    ("multi_margin_loss", (m43, np.array([0, 1, 2, 0])), {"p": 3}, "only p == 1 and p == 2"),
    ("multi_margin_loss", (m43, np.array([0, 3, 2, 0])), {}, "target out of range"),
    ("multi_margin_loss", (m43, np.array([0, -1, 2, 0])), {}, "target out of range"),
    ("multi_margin_loss", (m43, np.array([0, 1, 2])), {}, "target tensor should be 1-D"),
    ("multi_margin_loss", (m43, np.array([[0, 1], [2, 0]])), {}, "target tensor should be 1-D"),
    ("multi_margin_loss", (np.ones((2, 2, 3)), np.array([0, 1])), {}, "non-empty vector or matrix"),
    ("multi_margin_loss", (m43, np.array([0.0, 1, 2, 0])), {}, "Long"),
    ("multi_margin_loss", (np.ones((4, 3), np.int64), np.array([0, 1, 2, 0])), {}, None),
    ("multi_margin_loss", (m43, np.array([0, 1, 2, 0])), {"reduction": "bad"}, "bad"),
    ("triplet_margin_loss", (m43, v3, m43), {}, "same number of dimensions"),
    ("triplet_margin_loss", (m43, m43, m43), {"margin": 0}, "margin must be greater than 0, got 0"),
    ("triplet_margin_loss", (m43, m43, m43), {"margin": -1.0}, "got -1.0"),
    ("triplet_margin_loss", (m43, m43, m43), {"reduction": "bad"}, "bad"),
    ("poisson_nll_loss", (m43, m43), {"reduction": "batchmean"}, "batchmean"),
    ("poisson_nll_loss", (m43, np.ones((4, 2))), {}, None),
    ("gaussian_nll_loss", (m43, m43, -m43), {}, "var has negative entry"),
    ("gaussian_nll_loss", (m43, m43, np.ones((1, 1))), {}, "var is of incorrect size"),
    ("gaussian_nll_loss", (m43, m43, v3), {}, "var is of incorrect size"),
    ("gaussian_nll_loss", (m43, m43, np.ones((4, 3, 1))), {}, "var is of incorrect size"),
    ("gaussian_nll_loss", (m43, m43, m43), {"reduction": "bad"}, "bad"),
]


@pytest.mark.parametrize("name,arrays,kw,match", ERRORS, ids=[f"{e[0]}-{i}" for i, e in enumerate(ERRORS)])
def test_errors(name, arrays, kw, match):
    _raises_like(*_calls(name, *arrays, **kw), match=match)


def test_errors_weights_and_grad_targets():
    x, t = np.ones((4, 3)), np.array([0, 1, 2, 0])
    for w, match in [(np.ones((3, 1)), "weight must be one-dimensional"), (np.ones(4), "inconsistent weight size"),
                     (np.ones(3, np.float32), "expected scalar type")]:
        _raises_like(lambda w=w: F.multi_margin_loss(sj.tensor(x), sj.tensor(t), weight=sj.tensor(w)),
                     lambda w=w: TF.multi_margin_loss(torch.tensor(x), torch.tensor(t), weight=torch.tensor(w)),
                     match=match)
    _raises_like(lambda: F.multi_margin_loss(sj.tensor(x), sj.tensor(t), weight=sj.ones(3, dtype=sj.float64,
                                                                                        requires_grad=True)),
                 lambda: TF.multi_margin_loss(torch.tensor(x), torch.tensor(t),
                                              weight=torch.ones(3, dtype=torch.float64, requires_grad=True)),
                 match="not differentiable with respect to argument 'weight'")
    _raises_like(lambda: F.soft_margin_loss(sj.tensor(x), sj.tensor(x, requires_grad=True)),
                 lambda: TF.soft_margin_loss(torch.tensor(x), torch.tensor(x, requires_grad=True)),
                 match="not differentiable with respect to argument 'target'")
    _raises_like(lambda: F.gaussian_nll_loss(sj.tensor(x), sj.tensor(x), -1.0),
                 lambda: TF.gaussian_nll_loss(torch.tensor(x), torch.tensor(x), -1.0), match="negative")
    _raises_like(lambda: snn.MultiMarginLoss(p=3), lambda: tnn.MultiMarginLoss(p=3), match="only p == 1")
    _raises_like(lambda: snn.MultiMarginLoss(weight=sj.ones(2, 2)),
                 lambda: tnn.MultiMarginLoss(weight=torch.ones(2, 2)), match="1D tensor, got 2D")
    _raises_like(lambda: snn.TripletMarginLoss(margin=0), lambda: tnn.TripletMarginLoss(margin=0),
                 match="greater than 0")


# ----------------------------------------------------------------- modules
MODULES = [
    ("MarginRankingLoss", {"margin": 0.5}, "rank"),
    ("HingeEmbeddingLoss", {"margin": 0.7}, "hinge"),
    ("CosineEmbeddingLoss", {"margin": 0.2}, "cos"),
    ("SoftMarginLoss", {}, "soft"),
    ("MultiLabelSoftMarginLoss", {}, "multilabel"),
    ("MultiLabelSoftMarginLoss", {"weight": "w"}, "multilabel"),
    ("MultiMarginLoss", {"p": 2, "margin": 0.5}, "multi"),
    ("MultiMarginLoss", {"weight": "w"}, "multi"),
    ("TripletMarginLoss", {"margin": 0.5, "p": 1.0, "swap": True}, "triplet"),
    ("PoissonNLLLoss", {"log_input": False, "full": True}, "poisson"),
    ("GaussianNLLLoss", {"full": True, "eps": 1e-3}, "gauss"),
]


def _module_inputs(rng, kind):
    x = rng.standard_normal((4, 3))
    return {
        "rank": (rng.standard_normal(4), rng.standard_normal(4), Const(_pm1(rng, 4))),
        "hinge": (x, Const(_pm1(rng, (4, 3)))),
        "cos": (x, rng.standard_normal((4, 3)), Const(np.array([1, -1, 1, -1]))),
        "soft": (x, Const(_pm1(rng, (4, 3)))),
        "multilabel": (x, Const((rng.random((4, 3)) < 0.5) * 1.0)),
        "multi": (x, Const(np.array([0, 2, 1, 2]))),
        "triplet": (x, rng.standard_normal((4, 3)), rng.standard_normal((4, 3))),
        "poisson": (rng.uniform(0.5, 2, (4, 3)), Const(rng.integers(0, 5, (4, 3)) * 1.0)),
        "gauss": (x, rng.standard_normal((4, 3)), rng.uniform(0.5, 2, (4, 1))),
    }[kind]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,kw,kind", MODULES, ids=[f"{m[0]}-{i}" for i, m in enumerate(MODULES)])
def test_modules(parity, rng, name, kw, kind, reduction):
    w = rng.uniform(0.5, 2, 3)
    s_kw = {k: (sj.tensor(w) if v == "w" else v) for k, v in kw.items()}
    t_kw = {k: (torch.tensor(w) if v == "w" else v) for k, v in kw.items()}
    s_mod = getattr(snn, name)(reduction=reduction, **s_kw)
    t_mod = getattr(tnn, name)(reduction=reduction, **t_kw)
    assert repr(s_mod) == repr(t_mod)
    assert s_mod.reduction == t_mod.reduction
    if "weight" in kw:
        assert [k for k, _ in s_mod.named_buffers()] == ["weight"] == list(t_mod.state_dict())
    parity(s_mod, t_mod, *_module_inputs(rng, kind))


def test_module_legacy_reduction():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for kw in [{"size_average": False}, {"reduce": False}, {"size_average": True, "reduce": True}]:
            for name in ["MarginRankingLoss", "SoftMarginLoss", "PoissonNLLLoss", "TripletMarginLoss"]:
                assert getattr(snn, name)(**kw).reduction == getattr(tnn, name)(**kw).reduction
        x = np.linspace(-2, 2, 6)
        for kw in [{"size_average": False}, {"reduce": False}]:
            s = F.soft_margin_loss(sj.tensor(x), sj.tensor(np.sign(x)), **kw)
            t = TF.soft_margin_loss(torch.tensor(x), torch.tensor(np.sign(x)), **kw)
            np.testing.assert_allclose(s.numpy(), t.numpy())
