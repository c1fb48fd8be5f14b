"""Products and distances: numerical gradient checks (float64) for every op and option."""

from __future__ import annotations

import numpy as np
import pytest

import shenjing as sj
import shenjing.nn.functional as F


def n(rng, *shape):
    return np.asarray(rng.standard_normal(shape))


MATRIX = [
    ("bmm", lambda a, b: sj.bmm(a, b), [(2, 3, 4), (2, 4, 5)]),
    ("baddbmm", lambda c, a, b: sj.baddbmm(c, a, b), [(2, 3, 5), (2, 3, 4), (2, 4, 5)]),
    ("baddbmm-ab", lambda c, a, b: c.baddbmm(a, b, beta=0.5, alpha=-2), [(3, 1), (2, 3, 4), (2, 4, 5)]),
    ("baddbmm-beta0", lambda c, a, b: sj.baddbmm(c, a, b, beta=0, alpha=2), [(5,), (2, 3, 4), (2, 4, 5)]),
    ("addmm", lambda c, a, b: sj.addmm(c, a, b), [(2, 5), (2, 3), (3, 5)]),
    ("addmm-ab", lambda c, a, b: c.addmm(a, b, beta=2.5, alpha=0.5), [(5,), (2, 3), (3, 5)]),
    ("addmm-0d", lambda c, a, b: sj.addmm(c, a, b, beta=-1), [(), (2, 3), (3, 5)]),
    ("addmv", lambda c, a, b: sj.addmv(c, a, b), [(2,), (2, 3), (3,)]),
    ("addmv-ab", lambda c, a, b: c.addmv(a, b, beta=0.5, alpha=-3), [(1,), (2, 3), (3,)]),
    ("mv", lambda a, b: sj.mv(a, b), [(4, 3), (3,)]),
    ("dot", lambda a, b: sj.dot(a, b), [(5,), (5,)]),
    ("vdot", lambda a, b: a.vdot(b), [(5,), (5,)]),
    ("inner", lambda a, b: sj.inner(a, b), [(2, 3), (4, 3)]),
    ("inner-0d", lambda a, b: a.inner(b), [(), (4, 2)]),
    ("tensordot-2", lambda a, b: sj.tensordot(a, b), [(2, 3, 4), (3, 4, 5)]),
    ("tensordot-0", lambda a, b: sj.tensordot(a, b, 0), [(2, 3), (2,)]),
    ("tensordot-lists", lambda a, b: sj.tensordot(a, b, ([1, 2], [1, 0])), [(2, 3, 4), (4, 3, 5)]),
    ("kron", lambda a, b: sj.kron(a, b), [(2, 3), (4, 2)]),
    ("kron-ndim", lambda a, b: a.kron(b), [(3,), (2, 2, 2)]),
    ("cross", lambda a, b: sj.cross(a, b, dim=1), [(4, 3), (4, 3)]),
    ("cross-bcast", lambda a, b: a.cross(b, dim=0), [(3, 1, 4), (3, 2, 1)]),
]


@pytest.mark.parametrize("fn,shapes", [pytest.param(f, s, id=i) for i, f, s in MATRIX])
def test_matrix_products(check_grad, rng, fn, shapes):
    check_grad(fn, *[n(rng, *s) for s in shapes])


EINSUM = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("ii", [(3, 3)]),
    ("ii->i", [(3, 3)]),
    ("iji->j", [(3, 2, 3)]),
    ("iij,j->ij", [(2, 2, 3), (3,)]),
    ("ii,i->i", [(3, 3), (3,)]),
    ("ij->", [(2, 3)]),
    ("ij->ji", [(2, 3)]),
    ("", [()]),
    ("i,j->ij", [(3,), (4,)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("ia,jb,k->kjbi", [(2, 3), (3, 4), (2,)]),
    ("bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)]),
    ("...ij->...ji", [(2, 3, 4)]),
    ("i...->...", [(2, 3, 4)]),
    ("b...i,...i", [(2, 1, 4), (3, 4)]),
    ("i...j,j...->i...", [(2, 3, 4), (4, 3)]),
    ("i,i->i", [(1,), (3,)]),
    ("ij,ij->ij", [(1, 3), (2, 1)]),
    ("ij,jk->", [(2, 1), (3, 4)]),
    ("ij,kl->", [(2, 3), (4, 1)]),
]


@pytest.mark.parametrize("eq,shapes", EINSUM, ids=[e or "scalar" for e, _ in EINSUM])
def test_einsum(check_grad, rng, eq, shapes):
    arrays = [n(rng, *s) for s in shapes]
    check_grad(lambda *xs: sj.einsum(eq, *xs), *arrays)
    if "..." not in eq and eq and all(1 not in s for s in shapes):
        np.testing.assert_allclose(sj.einsum(eq, *[sj.tensor(a) for a in arrays]).numpy(), np.einsum(eq, *arrays),
                                   rtol=1e-12, atol=1e-12)


def test_einsum_same_operand_twice(check_grad, rng):
    check_grad(lambda a: sj.einsum("ij,jk->ik", a, a), n(rng, 3, 3))


def test_einsum_result_does_not_alias_input(rng):
    x = sj.tensor(n(rng, 3, 3))
    y = sj.einsum("ii->i", x)
    y.data[0] = 100.0
    assert x.numpy()[0, 0] != 100.0


P_VALUES = [2.0, 1.0, 3.0, 1.5, 0.5, float("inf"), 0.0]


@pytest.mark.parametrize("p", P_VALUES, ids=str)
def test_cdist(check_grad, rng, p):
    # distinct |differences| (so max is unique for p = inf and no difference is 0)
    x1 = rng.permutation(np.linspace(-3, 3, 24)).reshape(2, 4, 3)
    x2 = rng.permutation(np.linspace(-2.9, 2.9, 15)).reshape(5, 3) + 0.013
    check_grad(lambda a, b: sj.cdist(a, b, p=p), x1, x2)


@pytest.mark.parametrize("mode", ["use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist"])
def test_cdist_modes(check_grad, rng, mode):
    check_grad(lambda a, b: sj.cdist(a, b, compute_mode=mode), n(rng, 30, 3), n(rng, 4, 3))


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, 0.5, float("inf")], ids=str)
def test_cdist_zero_distance_grad_is_zero(rng, p):
    x = sj.tensor(n(rng, 1, 3), requires_grad=True)
    y = sj.tensor(x.detach().numpy().copy(), requires_grad=True)
    d = sj.cdist(x, y, p=p)
    assert d.item() == 0
    d.sum().backward()
    assert np.all(x.grad.numpy() == 0) and np.all(y.grad.numpy() == 0)


@pytest.mark.parametrize("p", [2, 1, 3, 0.5, -1, float("inf"), float("-inf")], ids=str)
def test_dist(check_grad, rng, p):
    x = rng.permutation(np.linspace(-3, 3, 12)).reshape(3, 4)
    check_grad(lambda a, b: sj.dist(a, b, p), x, np.linspace(0.11, 0.5, 4))


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("eps", [1e-8, 1e-3])
def test_cosine_similarity(check_grad, rng, dim, eps):
    check_grad(lambda a, b: F.cosine_similarity(a, b, dim, eps), n(rng, 3, 4), n(rng, 3, 4))
    check_grad(lambda a, b: sj.cosine_similarity(a, b, dim, eps), n(rng, 3, 1), n(rng, 3, 4))


def test_cosine_similarity_clamped_norm():
    """A norm below eps: clamped in value, but differentiated as the true norm (PyTorch's definition,
    so not the derivative of the clamped function): ∂y/∂a = b/(n₁n₂) − y·(a/‖a‖)/n₁."""
    x = np.array([[0.01, 0.02], [1.0, 2.0], [0.0, 0.0]])
    y = np.array([[1.0, -1.0], [0.03, 0.0], [1.0, 2.0]])
    eps = 0.1
    a, b = sj.tensor(x, requires_grad=True), sj.tensor(y, requires_grad=True)
    out = F.cosine_similarity(a, b, 1, eps)
    g = np.array([1.0, -2.0, 0.5])
    (out * sj.tensor(g)).sum().backward()
    nx, ny = np.linalg.norm(x, axis=1, keepdims=True), np.linalg.norm(y, axis=1, keepdims=True)
    n1, n2 = np.maximum(nx, eps), np.maximum(ny, eps)
    ref = np.sum(x * y, 1, keepdims=True) / (n1 * n2)
    np.testing.assert_allclose(out.detach().numpy(), ref[:, 0])
    ux = np.divide(x, nx, out=np.zeros_like(x), where=nx > 0)
    uy = np.divide(y, ny, out=np.zeros_like(y), where=ny > 0)
    np.testing.assert_allclose(a.grad.numpy(), g[:, None] * (y / (n1 * n2) - ref * ux / n1))
    np.testing.assert_allclose(b.grad.numpy(), g[:, None] * (x / (n1 * n2) - ref * uy / n2))


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, float("inf"), -1.0], ids=str)
@pytest.mark.parametrize("keepdim", [False, True])
def test_pairwise_distance(check_grad, rng, p, keepdim):
    x = rng.permutation(np.linspace(-3, 3, 12)).reshape(4, 3)
    check_grad(lambda a, b: F.pairwise_distance(a, b, p, 1e-6, keepdim), x, np.linspace(0.1, 0.3, 3))


def test_modules(check_grad, rng):
    check_grad(sj.nn.CosineSimilarity(dim=0), n(rng, 3, 2), n(rng, 3, 2))
    check_grad(sj.nn.PairwiseDistance(p=1.0, keepdim=True), n(rng, 3, 2), n(rng, 3, 2))
