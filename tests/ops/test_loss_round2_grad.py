"""Margin-ranking, hinge-embedding, cosine-embedding, soft-margin, multilabel soft-margin, multi-margin, triplet,
Poisson and Gaussian NLL losses: float64 numerical gradients of every differentiable input, for every reduction and
option, with the data kept away from the kinks (z = 0 of a clamp, ties of a min or a max) so that central
differences never straddle one; values against the formulas; a deliberately wrong backward is caught."""

from __future__ import annotations

import numpy as np
import pytest

import shenjing as sj
import shenjing.nn.functional as F
from shenjing.autograd.gradcheck import GradcheckError
from shenjing.ops import loss as ops_loss

REDUCTIONS = ["mean", "sum", "none"]
GAP = 0.1  # the least distance of a kink variable from its kink


def _sign(rng, shape):
    return np.where(rng.random(shape) < 0.5, -1.0, 1.0)


def _away(rng, shape, gap=GAP, scale=1.5):
    """Uniform values in ±[gap, scale]."""
    return _sign(rng, shape) * rng.uniform(gap, scale, shape)


# ----------------------------------------------------------------- margin ranking
def _ranking(rng, shape, margin):
    """x₁, x₂, y with z = −y(x₁ − x₂) + margin = −d, |d| ≥ GAP."""
    x1, y, d = rng.standard_normal(shape), _sign(rng, shape), _away(rng, shape)
    return x1, x1 - y * (margin + d), y


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.5])
@pytest.mark.parametrize("shape", [(6,), (3, 4)], ids=str)
def test_margin_ranking(check_grad, rng, reduction, margin, shape):
    x1, x2, y = _ranking(rng, shape, margin)
    check_grad(lambda a, b, t: F.margin_ranking_loss(a, b, t, margin=margin, reduction=reduction), x1, x2, y)
    out = F.margin_ranking_loss(sj.tensor(x1), sj.tensor(x2), sj.tensor(y), margin=margin, reduction="none")
    np.testing.assert_allclose(out.numpy(), np.maximum(-y * (x1 - x2) + margin, 0))


# ----------------------------------------------------------------- hinge embedding
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [1.0, 0.5, -0.5])
def test_hinge_embedding(check_grad, rng, reduction, margin):
    x = margin + _away(rng, (4, 5))
    y = rng.choice([-1.0, 1.0, 0.0], (4, 5))  # 0: neither ±1, both terms count (as PyTorch)
    check_grad(lambda a: F.hinge_embedding_loss(a, sj.tensor(y), margin=margin, reduction=reduction), x)
    out = F.hinge_embedding_loss(sj.tensor(x), sj.tensor(y), margin=margin, reduction="none").numpy()
    want = np.where(y != 1, np.maximum(margin - x, 0), 0) + np.where(y != -1, x, 0)
    np.testing.assert_allclose(out, want)


# ----------------------------------------------------------------- cosine embedding
def _cos(a, b):
    return (a * b).sum(-1) / np.sqrt(((a * a).sum(-1) + 1e-12) * ((b * b).sum(-1) + 1e-12))


def _cosine_data(rng, n, d, margin):
    """Rows whose cosine is at least GAP/2 from ``margin`` (the kink of the y = −1 term)."""
    x1, x2 = rng.standard_normal((n, d)), rng.standard_normal((n, d))
    for i in range(n):
        while abs(_cos(x1[i], x2[i]) - margin) < GAP / 2:
            x2[i] = rng.standard_normal(d)
    return x1, x2


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.3, -0.4])
def test_cosine_embedding(check_grad, rng, reduction, margin):
    x1, x2 = _cosine_data(rng, 6, 4, margin)
    y = np.array([1, -1, 1, -1, -1, 1])
    check_grad(lambda a, b: F.cosine_embedding_loss(a, b, sj.tensor(y), margin=margin, reduction=reduction),
               x1, x2)
    out = F.cosine_embedding_loss(sj.tensor(x1), sj.tensor(x2), sj.tensor(y), margin=margin, reduction="none")
    c = _cos(x1, x2)
    np.testing.assert_allclose(out.numpy(), np.where(y == 1, 1 - c, np.maximum(c - margin, 0)))
    # one pair with a 0-d target
    check_grad(lambda a, b: F.cosine_embedding_loss(a, b, sj.tensor(-1), margin=margin, reduction=reduction),
               x1[0], x2[0])


# ----------------------------------------------------------------- soft margin, multilabel soft margin
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("tshape", [(3, 4), (4,)], ids=str)
def test_soft_margin(check_grad, rng, reduction, tshape):
    x, y = rng.standard_normal((3, 4)) * 3, _sign(rng, tshape)
    check_grad(lambda a: F.soft_margin_loss(a, sj.tensor(y), reduction=reduction), x)
    out = F.soft_margin_loss(sj.tensor(x), sj.tensor(y), reduction="none").numpy()
    np.testing.assert_allclose(out, np.log1p(np.exp(-y * x)))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("shape", [(3, 4), (4,), (2, 3, 4)], ids=str)
def test_multilabel_soft_margin(check_grad, rng, reduction, weighted, shape):
    x, y = rng.standard_normal(shape) * 2, rng.random(shape)  # soft labels: y gets a gradient too
    w = rng.uniform(0.5, 2, shape[-1])
    if weighted:
        check_grad(lambda a, t, v: F.multilabel_soft_margin_loss(a, t, v, reduction=reduction), x, y, w)
    else:
        check_grad(lambda a, t: F.multilabel_soft_margin_loss(a, t, reduction=reduction), x, y)
    out = F.multilabel_soft_margin_loss(sj.tensor(x), sj.tensor(y), sj.tensor(w), reduction="none").numpy()
    sig = 1 / (1 + np.exp(-x))
    want = -(w * (y * np.log(sig) + (1 - y) * np.log(1 - sig))).mean(-1)
    np.testing.assert_allclose(out, want)


# ----------------------------------------------------------------- multi margin
def _multi_margin_data(rng, n, c, margin):
    """Scores whose z_j = margin − x_y + x_j (j ≠ y) are all at least GAP from 0."""
    x, t = rng.standard_normal((n, c)), rng.integers(0, c, n)
    for i in range(n):
        z = margin - x[i, t[i]] + x[i]
        z[t[i]] = 1.0
        while np.abs(z).min() < GAP:
            x[i] = rng.standard_normal(c)
            z = margin - x[i, t[i]] + x[i]
            z[t[i]] = 1.0
    return x, t


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("margin", [1.0, 0.3])
@pytest.mark.parametrize("weighted", [False, True])
def test_multi_margin(check_grad, rng, reduction, p, margin, weighted):
    x, t = _multi_margin_data(rng, 5, 4, margin)
    w = sj.tensor(rng.uniform(0.5, 2, 4)) if weighted else None
    check_grad(lambda a: F.multi_margin_loss(a, sj.tensor(t), p=p, margin=margin, weight=w, reduction=reduction), x)
    check_grad(lambda a: F.multi_margin_loss(a, sj.tensor(t[0]), p=p, margin=margin, weight=w,
                                             reduction=reduction), x[0])
    out = F.multi_margin_loss(sj.tensor(x), sj.tensor(t), p=p, margin=margin, weight=w, reduction="none").numpy()
    z = np.maximum(margin - x[np.arange(5), t][:, None] + x, 0) ** p
    z[np.arange(5), t] = 0
    wy = np.ones(5) if w is None else w.numpy()[t]
    np.testing.assert_allclose(out, wy * z.sum(1) / 4)


# ----------------------------------------------------------------- triplet margin
def _triplet_data(rng, shape, margin, p, swap, eps=1e-6):
    """Anchors, positives, negatives with z away from 0, no tie of d(a, n) and d(p, n), no tie in |u| (p = inf)."""
    from shenjing.ops.loss import _pnorm

    a, pos, neg = (rng.standard_normal(shape) for _ in range(3))
    flat = [v.reshape(-1, shape[-1]) for v in (a, pos, neg)]
    for i in range(flat[0].shape[0]):
        while True:
            ai, pi, ni = (v[i] for v in flat)
            d_ap, d_an, d_pn = (_pnorm(u + eps, p)[0] for u in (ai - pi, ai - ni, pi - ni))
            dn = min(d_an, d_pn) if swap else d_an
            us = [np.sort(np.abs(u + eps)) for u in (ai - pi, ai - ni, pi - ni)]
            ties = min(min(np.diff(u).min(), u[0]) for u in us)  # no tie at the max, nor a zero component
            if abs(margin + d_ap - dn) > GAP and abs(d_an - d_pn) > GAP and ties > 0.02:
                break
            for v in flat:
                v[i] = rng.standard_normal(shape[-1])
    return a, pos, neg


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, 1.5, float("inf")])
@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("margin", [1.0, 0.5])
@pytest.mark.parametrize("shape", [(5, 3), (2, 2, 3), (3,)], ids=str)
def test_triplet_margin(check_grad, rng, reduction, p, swap, margin, shape):
    a, pos, neg = _triplet_data(rng, shape, margin, p, swap)
    check_grad(lambda x, y, z: F.triplet_margin_loss(x, y, z, margin=margin, p=p, swap=swap, reduction=reduction),
               a, pos, neg)


def test_triplet_margin_eps_and_values(check_grad, rng):
    a, pos, neg = _triplet_data(rng, (4, 3), 1.0, 2.0, False, eps=0.1)
    check_grad(lambda x, y, z: F.triplet_margin_loss(x, y, z, eps=0.1, reduction="none"), a, pos, neg)
    out = F.triplet_margin_loss(sj.tensor(a), sj.tensor(pos), sj.tensor(neg), eps=0.1, reduction="none").numpy()
    d = lambda u, v: np.sqrt(((u - v + 0.1) ** 2).sum(-1))  # noqa: E731
    np.testing.assert_allclose(out, np.maximum(1 + d(a, pos) - d(a, neg), 0))


# ----------------------------------------------------------------- Poisson and Gaussian NLL
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_input", [True, False])
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("eps", [1e-8, 0.5])
def test_poisson_nll(check_grad, rng, reduction, log_input, full, eps):
    x = rng.standard_normal((3, 4)) if log_input else rng.uniform(0.3, 3, (3, 4))
    y = rng.uniform(0.2, 5, (3, 4))
    y[np.abs(y - 1) < GAP] = 2.5  # the Stirling term starts (with a jump) at y = 1
    check_grad(lambda a, t: F.poisson_nll_loss(a, t, log_input=log_input, full=full, eps=eps, reduction=reduction),
               x, y)
    out = F.poisson_nll_loss(sj.tensor(x), sj.tensor(y), log_input, full, eps=eps, reduction="none").numpy()
    want = np.exp(x) - y * x if log_input else x - y * np.log(x + eps)
    if full:
        want = want + np.where(y > 1, y * np.log(y) - y + 0.5 * np.log(2 * np.pi * y), 0)
    np.testing.assert_allclose(out, want)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("vshape", [(3, 4), (3, 1), (3,), (1, 4)], ids=str)
def test_gaussian_nll(check_grad, rng, reduction, full, vshape):
    x, y, v = rng.standard_normal((3, 4)), rng.standard_normal((3, 4)), rng.uniform(0.2, 2, vshape)
    check_grad(lambda a, t, s: F.gaussian_nll_loss(a, t, s, full=full, reduction=reduction), x, y, v)
    out = F.gaussian_nll_loss(sj.tensor(x), sj.tensor(y), sj.tensor(v), full=full, reduction="none").numpy()
    vb = v[:, None] if vshape == (3,) else v
    want = 0.5 * (np.log(vb) + (x - y) ** 2 / vb) + (0.5 * np.log(2 * np.pi) if full else 0)
    np.testing.assert_allclose(out, want)
    check_grad(lambda a, t: F.gaussian_nll_loss(a, t, 0.7, full=full, reduction=reduction), x, y)


# ----------------------------------------------------------------- the checks above catch a wrong backward
def _wrong(cls, which):
    """``cls.backward`` with the gradient of input ``which`` 1 % off: gradcheck must see it."""
    right = cls.backward

    def backward(self, g):
        grads = list(right(self, g))
        grads[which] = grads[which] * 1.01
        return tuple(grads)

    return backward


def _cases(rng):
    x1, x2, y = _ranking(rng, (5,), 0.5)
    c1, c2 = _cosine_data(rng, 4, 3, 0.2)
    mx, mt = _multi_margin_data(rng, 4, 3, 1.0)
    ta, tp, tn = _triplet_data(rng, (4, 3), 1.0, 2.0, True)
    hx = 1 + _away(rng, (6,))
    hy = np.array([1.0, -1, 1, -1, -1, 1])
    r = rng.standard_normal((3, 4))
    pos = rng.uniform(0.3, 0.9, (3, 4))
    return [
        (ops_loss.MarginRanking, [0, 1, 2], lambda a, b, t: F.margin_ranking_loss(a, b, t, 0.5), (x1, x2, y)),
        (ops_loss.HingeEmbedding, [0], lambda a: F.hinge_embedding_loss(a, sj.tensor(hy)), (hx,)),
        (ops_loss.CosineEmbedding, [0, 1],
         lambda a, b: F.cosine_embedding_loss(a, b, sj.tensor([1, -1, -1, 1]), 0.2), (c1, c2)),
        (ops_loss.SoftMargin, [0], lambda a: F.soft_margin_loss(a, sj.tensor(np.sign(r))), (r,)),
        (ops_loss.MultiLabelSoftMargin, [0, 1, 2], lambda a, t, w: F.multilabel_soft_margin_loss(a, t, w),
         (r, pos, pos[0])),
        (ops_loss.MultiMargin, [0], lambda a: F.multi_margin_loss(a, sj.tensor(mt), p=2), (mx,)),
        (ops_loss.TripletMargin, [0, 1, 2], lambda a, p, n: F.triplet_margin_loss(a, p, n, swap=True), (ta, tp, tn)),
        (ops_loss.PoissonNLL, [0, 1], lambda a, t: F.poisson_nll_loss(a, t, full=True), (r, pos + 1.2)),
        (ops_loss.GaussianNLL, [0, 1, 2], lambda a, t, v: F.gaussian_nll_loss(a, t, v), (r, r[::-1].copy(), pos)),
    ]


@pytest.mark.parametrize("case", range(9), ids=["margin_ranking", "hinge", "cosine", "soft_margin", "multilabel",
                                                 "multi_margin", "triplet", "poisson", "gaussian"])
def test_wrong_backward_is_caught(check_grad, rng, monkeypatch, case):
    cls, which_all, call, inputs = _cases(rng)[case]
    check_grad(call, *inputs)
    for which in which_all:
        with monkeypatch.context() as m:
            m.setattr(cls, "backward", _wrong(cls, which))
            with pytest.raises(GradcheckError):
                check_grad(call, *inputs)
