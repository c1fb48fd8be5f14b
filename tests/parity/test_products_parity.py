"""Products and distances against PyTorch: values, dtypes, shapes and input gradients (float64 and
float32), integer inputs where PyTorch takes them, and the errors it raises for bad arguments."""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import shenjing as sj
import shenjing.nn.functional as SF


class N:
    def __init__(self, *shape) -> None:
        self.shape = shape

    def make(self, rng, dtype):
        return np.asarray(rng.standard_normal(self.shape)).astype(dtype)


class I(N):  # noqa: E742 - integer data (no grad)
    def make(self, rng, dtype):
        return rng.integers(-4, 5, self.shape).astype(np.int64)


class Dup:
    """Rows of a given earlier input (by position) with some rows copied: exact zero distances."""

    def __init__(self, src: int, rows) -> None:
        self.src, self.rows = src, rows


def _args(specs, rng, dtype):
    out = []
    for s in specs:
        if isinstance(s, N):
            out.append(s.make(rng, dtype))
        elif isinstance(s, Dup):
            out.append(np.array(out[s.src][..., s.rows, :]))
        else:
            out.append(s)
    return out


def _lib_call(fn, lib):
    nn_f = SF if lib is sj else TF
    return functools.partial(fn, lib, nn_f)


def run(parity, rng, fn, specs, dtype=np.float64, **kw):
    tol = dict(atol=1e-10, rtol=1e-7) if dtype == np.float64 else dict(atol=2e-5, rtol=2e-5)
    tol.update(kw)
    args = _args(specs, rng, dtype)
    return parity(_lib_call(fn, sj), _lib_call(fn, torch), *args, **tol)


CASES = [
    # matrix products
    ("bmm", lambda L, F, a, b: L.bmm(a, b), [N(2, 3, 4), N(2, 4, 5)]),
    ("bmm-method", lambda L, F, a, b: a.bmm(b), [N(3, 1, 4), N(3, 4, 2)]),
    ("baddbmm", lambda L, F, c, a, b: L.baddbmm(c, a, b), [N(2, 3, 5), N(2, 3, 4), N(2, 4, 5)]),
    ("baddbmm-bcast", lambda L, F, c, a, b: L.baddbmm(c, a, b, beta=0.5, alpha=-2), [N(3, 1), N(2, 3, 4), N(2, 4, 5)]),
    ("baddbmm-0d", lambda L, F, c, a, b: c.baddbmm(a, b, alpha=3), [N(), N(2, 3, 4), N(2, 4, 5)]),
    ("baddbmm-beta0", lambda L, F, c, a, b: L.baddbmm(c, a, b, beta=0), [N(5), N(2, 3, 4), N(2, 4, 5)]),
    ("addmm", lambda L, F, c, a, b: L.addmm(c, a, b), [N(2, 5), N(2, 3), N(3, 5)]),
    ("addmm-row", lambda L, F, c, a, b: L.addmm(c, a, b, beta=2.5, alpha=0.5), [N(5), N(2, 3), N(3, 5)]),
    ("addmm-col", lambda L, F, c, a, b: c.addmm(a, b, beta=-1), [N(2, 1), N(2, 3), N(3, 5)]),
    ("addmm-0d", lambda L, F, c, a, b: L.addmm(c, a, b, alpha=2), [N(), N(2, 3), N(3, 5)]),
    ("addmm-beta0", lambda L, F, c, a, b: L.addmm(c, a, b, beta=0, alpha=2), [N(2, 5), N(2, 3), N(3, 5)]),
    ("addmv", lambda L, F, c, a, b: L.addmv(c, a, b), [N(2), N(2, 3), N(3)]),
    ("addmv-ab", lambda L, F, c, a, b: c.addmv(a, b, beta=0.5, alpha=-3), [N(2), N(2, 3), N(3)]),
    ("addmv-1", lambda L, F, c, a, b: L.addmv(c, a, b), [N(1), N(4, 3), N(3)]),
    ("addmv-0d", lambda L, F, c, a, b: L.addmv(c, a, b, beta=0), [N(), N(4, 3), N(3)]),
    ("mv", lambda L, F, a, b: L.mv(a, b), [N(4, 3), N(3)]),
    ("mv-method", lambda L, F, a, b: a.mv(b), [N(2, 5), N(5)]),
    ("dot", lambda L, F, a, b: L.dot(a, b), [N(5), N(5)]),
    ("dot-method", lambda L, F, a, b: a.dot(b), [N(4), N(4)]),
    ("vdot", lambda L, F, a, b: L.vdot(a, b), [N(5), N(5)]),
    ("vdot-method", lambda L, F, a, b: a.vdot(b), [N(3), N(3)]),
    ("inner", lambda L, F, a, b: L.inner(a, b), [N(2, 3), N(4, 3)]),
    ("inner-1d", lambda L, F, a, b: a.inner(b), [N(3), N(3)]),
    ("inner-3d", lambda L, F, a, b: L.inner(a, b), [N(2, 1, 3), N(3)]),
    ("inner-0d", lambda L, F, a, b: L.inner(a, b), [N(), N(4, 2)]),
    # einsum
    ("ein-mm", lambda L, F, a, b: L.einsum("ij,jk->ik", a, b), [N(2, 3), N(3, 4)]),
    ("ein-implicit", lambda L, F, a, b: L.einsum("ij,jk", a, b), [N(2, 3), N(3, 4)]),
    ("ein-implicit-order", lambda L, F, a, b: L.einsum("ba,ac", a, b), [N(2, 3), N(3, 4)]),
    ("ein-upper", lambda L, F, a: L.einsum("aB", a), [N(2, 3)]),
    ("ein-trace", lambda L, F, a: L.einsum("ii", a), [N(3, 3)]),
    ("ein-diag", lambda L, F, a: L.einsum("ii->i", a), [N(3, 3)]),
    ("ein-diag3", lambda L, F, a: L.einsum("iji->j", a), [N(3, 2, 3)]),
    ("ein-diag-out", lambda L, F, a, b: L.einsum("ii,i->i", a, b), [N(3, 3), N(3)]),
    ("ein-sum", lambda L, F, a: L.einsum("ij->", a), [N(2, 3)]),
    ("ein-sum-row", lambda L, F, a: L.einsum("ij->j", a), [N(2, 3)]),
    ("ein-transpose", lambda L, F, a: L.einsum("ij->ji", a), [N(2, 3)]),
    ("ein-scalar", lambda L, F, a: L.einsum("", a), [N()]),
    ("ein-scalar-arrow", lambda L, F, a, b: L.einsum("->", a) * L.einsum(",->", a, b), [N(), N()]),
    ("ein-outer", lambda L, F, a, b: L.einsum("i,j->ij", a, b), [N(3), N(4)]),
    ("ein-batch", lambda L, F, a, b: L.einsum("bij,bjk->bik", a, b), [N(2, 3, 4), N(2, 4, 5)]),
    ("ein-three", lambda L, F, a, b, c: L.einsum("ij,jk,kl->il", a, b, c), [N(2, 3), N(3, 4), N(4, 2)]),
    ("ein-three-free", lambda L, F, a, b, c: L.einsum("ia,jb,k->kjbi", a, b, c), [N(2, 3), N(3, 4), N(2)]),
    ("ein-bilinear", lambda L, F, a, w, b: L.einsum("bn,anm,bm->ba", a, w, b), [N(2, 3), N(4, 3, 5), N(2, 5)]),
    ("ein-ellipsis", lambda L, F, a: L.einsum("...ij->...ji", a), [N(2, 3, 4)]),
    ("ein-ellipsis-sum", lambda L, F, a: L.einsum("i...->...", a), [N(2, 3, 4)]),
    ("ein-ellipsis-bcast", lambda L, F, a, b: L.einsum("b...i,...i", a, b), [N(2, 1, 4), N(3, 4)]),
    ("ein-ellipsis-mid", lambda L, F, a, b: L.einsum("i...j,j...->i...", a, b), [N(2, 3, 4), N(4, 3)]),
    ("ein-ellipsis-none", lambda L, F, a: L.einsum("...", a), [N(2, 3)]),
    ("ein-ellipsis-drop", lambda L, F, a: L.einsum("...->", a), [N(2, 3)]),
    ("ein-ellipsis-empty", lambda L, F, a, b: L.einsum("...i,...i->...", a, b), [N(4), N(4)]),
    ("ein-bcast1", lambda L, F, a, b: L.einsum("i,i->i", a, b), [N(1), N(3)]),
    ("ein-bcast2", lambda L, F, a, b: L.einsum("ij,ij->ij", a, b), [N(1, 3), N(2, 1)]),
    ("ein-bcast-sum", lambda L, F, a, b: L.einsum("ij,jk->", a, b), [N(2, 1), N(3, 4)]),
    ("ein-same-twice", lambda L, F, a: L.einsum("i,i", a, a), [N(4)]),
    ("ein-spaces", lambda L, F, a, b: L.einsum(" i j , j k -> i k ", a, b), [N(2, 3), N(3, 4)]),
    ("ein-list", lambda L, F, a, b: L.einsum("ij,jk->ik", [a, b]), [N(2, 3), N(3, 4)]),
    ("ein-sublist", lambda L, F, a, b: L.einsum(a, [0, 1], b, [1, 2], [0, 2]), [N(2, 3), N(3, 4)]),
    ("ein-sublist-implicit", lambda L, F, a, b: L.einsum(a, [Ellipsis, 1], b, [1, 2]), [N(2, 3), N(3, 4)]),
    # tensordot
    ("td-2", lambda L, F, a, b: L.tensordot(a, b), [N(2, 3, 4), N(3, 4, 5)]),
    ("td-1", lambda L, F, a, b: L.tensordot(a, b, dims=1), [N(2, 3, 4), N(4, 5)]),
    ("td-0", lambda L, F, a, b: L.tensordot(a, b, dims=0), [N(2, 3), N(4)]),
    ("td-lists", lambda L, F, a, b: L.tensordot(a, b, dims=([1, 2], [1, 0])), [N(2, 3, 4), N(4, 3, 5)]),
    ("td-neg", lambda L, F, a, b: L.tensordot(a, b, dims=([-1], [-2])), [N(2, 3), N(3, 5)]),
    ("td-nested-list", lambda L, F, a, b: L.tensordot(a, b, dims=[[0], [1]]), [N(3, 2), N(4, 3)]),
    ("td-tensor", lambda L, F, a, b: L.tensordot(a, b, dims=L.tensor(1)), [N(2, 3), N(3, 5)]),
    ("td-empty-lists", lambda L, F, a, b: L.tensordot(a, b, dims=([], [])), [N(2), N(3)]),
    # kron, cross
    ("kron", lambda L, F, a, b: L.kron(a, b), [N(2, 3), N(4, 5)]),
    ("kron-method", lambda L, F, a, b: a.kron(b), [N(2, 3), N(4)]),
    ("kron-1d", lambda L, F, a, b: L.kron(a, b), [N(3), N(2, 2, 2)]),
    ("kron-0d", lambda L, F, a, b: L.kron(a, b), [N(), N(4)]),
    ("cross-dim", lambda L, F, a, b: L.cross(a, b, dim=1), [N(4, 3), N(4, 3)]),
    ("cross-neg", lambda L, F, a, b: a.cross(b, dim=-2), [N(3, 3, 2), N(3, 3, 2)]),
    ("cross-bcast", lambda L, F, a, b: L.cross(a, b, dim=-1), [N(2, 3), N(1, 3)]),
    ("cross-bcast2", lambda L, F, a, b: L.cross(a, b, dim=0), [N(3, 1, 4), N(3, 2, 1)]),
    # distances
    ("cdist", lambda L, F, a, b: L.cdist(a, b), [N(4, 3), N(5, 3)]),
    ("cdist-batch", lambda L, F, a, b: L.cdist(a, b), [N(2, 4, 3), N(5, 3)]),
    ("cdist-bcast", lambda L, F, a, b: L.cdist(a, b, p=1.0), [N(2, 1, 4, 3), N(3, 5, 3)]),
    ("cdist-empty-cols", lambda L, F, a, b: L.cdist(a, b), [N(4, 0), N(5, 0)]),
    ("cdist-empty-rows", lambda L, F, a, b: L.cdist(a, b, p=3), [N(0, 3), N(5, 3)]),
    ("cdist-mm", lambda L, F, a, b: L.cdist(a, b), [N(30, 3), N(27, 3)]),
    ("cdist-mm-forced", lambda L, F, a, b: L.cdist(a, b, compute_mode="use_mm_for_euclid_dist"), [N(4, 3), N(5, 3)]),
    ("cdist-nomm", lambda L, F, a, b: L.cdist(a, b, compute_mode="donot_use_mm_for_euclid_dist"), [N(30, 3), N(5, 3)]),
    ("dist", lambda L, F, a, b: L.dist(a, b), [N(4, 3), N(3)]),
    ("dist-method", lambda L, F, a, b: a.dist(b, 3), [N(4, 3), N(4, 3)]),
    ("dist-0d", lambda L, F, a, b: L.dist(a, b), [N(), N()]),
    ("cos", lambda L, F, a, b: F.cosine_similarity(a, b), [N(4, 3), N(4, 3)]),
    ("cos-top", lambda L, F, a, b: L.cosine_similarity(a, b, dim=-1), [N(4, 3), N(3)]),
    ("cos-dim0", lambda L, F, a, b: F.cosine_similarity(a, b, 0), [N(4, 3, 2), N(4, 1, 2)]),
    ("cos-bcast-dim", lambda L, F, a, b: F.cosine_similarity(a, b, 1), [N(4, 1), N(4, 3)]),
    ("cos-eps", lambda L, F, a, b: F.cosine_similarity(a, b, eps=0.5), [N(4, 3), N(4, 3)]),
    ("cos-1d", lambda L, F, a, b: F.cosine_similarity(a, b, dim=0), [N(3), N(3)]),
    ("cos-0d", lambda L, F, a, b: F.cosine_similarity(a, b, dim=0), [N(), N()]),
    ("pd", lambda L, F, a, b: F.pairwise_distance(a, b), [N(4, 3), N(4, 3)]),
    ("pd-top", lambda L, F, a, b: L.pairwise_distance(a, b, 1.0, 1e-3, True), [N(4, 3), N(3)]),
    ("pd-bcast", lambda L, F, a, b: F.pairwise_distance(a, b, p=3, keepdim=True), [N(2, 4, 3), N(4, 3)]),
    ("pd-1d", lambda L, F, a, b: F.pairwise_distance(a, b), [N(3), N(3)]),
    ("pd-0d", lambda L, F, a, b: F.pairwise_distance(a, b), [N(), N()]),
    ("pd-0d-keep", lambda L, F, a, b: F.pairwise_distance(a, b, keepdim=True), [N(), N()]),
    ("pd-neg-p", lambda L, F, a, b: F.pairwise_distance(a, b, p=-1), [N(4, 3), N(4, 3)]),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("fn,specs", [pytest.param(f, s, id=i) for i, f, s in CASES])
def test_products(parity, rng, fn, specs, dtype):
    run(parity, rng, fn, specs, dtype)


P_VALUES = [2.0, 1.0, float("inf"), 3.0, 1.5, 0.5, 0.0]


@pytest.mark.parametrize("p", P_VALUES, ids=str)
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
def test_cdist_p(parity, rng, p, dtype):
    run(parity, rng, lambda L, F, a, b: L.cdist(a, b, p=p), [N(2, 4, 3), N(2, 5, 3)], dtype)


@pytest.mark.parametrize("p", P_VALUES, ids=str)
def test_cdist_zero_distance_grads(parity, rng, p):
    """Rows repeated between x1 and x2 (distance exactly 0): the gradient there is 0, as PyTorch."""
    run(parity, rng, lambda L, F, a, b: L.cdist(a, b, p=p), [N(4, 3), Dup(0, [1, 1, 3, 0, 2])])


def test_cdist_inf_ties(parity):
    x = np.array([[1.0, 2.0], [3.0, 3.0]])
    y = np.array([[1.0, 2.0], [0.0, 0.0]])
    parity(lambda a, b: sj.cdist(a, b, p=float("inf")), lambda a, b: torch.cdist(a, b, p=float("inf")), x, y)


@pytest.mark.parametrize("p", [2, 1, float("inf"), float("-inf"), 3, 0, -1, 0.5], ids=str)
def test_dist_p(parity, rng, p):
    # (PyTorch's own backward of dist with p = 0 fails; shenjing gives the zero gradient)
    run(parity, rng, lambda L, F, a, b: L.dist(a, b, p), [N(3, 4), N(4)], backward=p != 0)
    run(parity, rng, lambda L, F, a, b: L.dist(a, b, p), [N(3, 4), N(3, 4)], np.float32, backward=p != 0)
    if p == 0:
        a = sj.tensor(rng.standard_normal((3, 4)), requires_grad=True)
        sj.dist(a, sj.tensor(rng.standard_normal(4)), 0).backward()
        assert not np.any(a.grad.numpy())


@pytest.mark.parametrize("p", [2, 1, float("inf"), 3, 0, 0.5], ids=str)
def test_pairwise_distance_p(parity, rng, p):
    run(parity, rng, lambda L, F, a, b: F.pairwise_distance(a, b, p=p), [N(4, 3), N(4, 3)])


def test_dist_at_zero(parity):
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    for p in (2, 1, 3):
        parity(functools.partial(sj.dist, p=p), functools.partial(torch.dist, p=p), x, x.copy())


def test_cosine_zero_and_tiny_vectors(parity):
    """A zero or tiny-norm row: the norm is clamped to eps but differentiated unclamped."""
    x = np.array([[0.0, 0.0], [1e-9, 0.0], [1.0, 2.0], [3.0, -1.0]])
    y = np.array([[1.0, 2.0], [1.0, 1.0], [0.0, 0.0], [2.0, 0.5]])
    parity(SF.cosine_similarity, TF.cosine_similarity, x, y, rtol=1e-9)
    parity(lambda a, b: SF.cosine_similarity(a, b, 1, 1.0), lambda a, b: TF.cosine_similarity(a, b, 1, 1.0), x, y)


def test_cross_default_dim(parity, rng):
    a, b = rng.standard_normal((2, 3, 3)), rng.standard_normal((2, 3, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parity(lambda x, y: sj.cross(x, y), lambda x, y: torch.cross(x, y), a, b)
    with pytest.warns(UserWarning, match="dim"):
        sj.cross(sj.tensor(a), sj.tensor(b))


def test_modules(parity, rng):
    a, b = rng.standard_normal((4, 3, 2)), rng.standard_normal((4, 3, 2))
    parity(sj.nn.CosineSimilarity(dim=2, eps=1e-6), torch.nn.CosineSimilarity(dim=2, eps=1e-6), a, b)
    parity(sj.nn.CosineSimilarity(), torch.nn.CosineSimilarity(), a, b)
    parity(sj.nn.PairwiseDistance(), torch.nn.PairwiseDistance(), a, b)
    kw = dict(p=1.0, eps=0.1, keepdim=True)
    parity(sj.nn.PairwiseDistance(**kw), torch.nn.PairwiseDistance(**kw), a, b)
    assert repr(sj.nn.CosineSimilarity()) == "CosineSimilarity()"
    assert repr(sj.nn.PairwiseDistance()) == "PairwiseDistance()"


# ----------------------------------------------------------------- integer inputs
INT_CASES = [
    ("bmm", lambda L, F, a, b: L.bmm(a, b), [I(2, 3, 4), I(2, 4, 5)]),
    ("baddbmm", lambda L, F, c, a, b: L.baddbmm(c, a, b, beta=2, alpha=3), [I(5), I(2, 3, 4), I(2, 4, 5)]),
    ("addmm", lambda L, F, c, a, b: L.addmm(c, a, b, beta=2, alpha=-1), [I(2, 5), I(2, 3), I(3, 5)]),
    ("addmv", lambda L, F, c, a, b: L.addmv(c, a, b, beta=0), [I(2), I(2, 3), I(3)]),
    ("mv", lambda L, F, a, b: L.mv(a, b), [I(2, 3), I(3)]),
    ("dot", lambda L, F, a, b: L.dot(a, b), [I(3), I(3)]),
    ("inner", lambda L, F, a, b: L.inner(a, b), [I(2, 3), I(3)]),
    ("inner-0d-mixed", lambda L, F, a, b: L.inner(a, b), [I(), N(4, 2)]),
    ("einsum", lambda L, F, a, b: L.einsum("ij,jk->ki", a, b), [I(2, 3), I(3, 4)]),
    ("einsum-trace", lambda L, F, a: L.einsum("ii", a), [I(3, 3)]),
    ("tensordot", lambda L, F, a, b: L.tensordot(a, b, 1), [I(2, 3), I(3, 4)]),
    ("kron", lambda L, F, a, b: L.kron(a, b), [I(2, 3), I(2)]),
    ("kron-mixed", lambda L, F, a, b: L.kron(a, b), [I(2), N(3)]),
    ("cross", lambda L, F, a, b: L.cross(a, b, dim=1), [I(2, 3), I(2, 3)]),
    ("cos-mixed", lambda L, F, a, b: F.cosine_similarity(a, b), [I(4, 3), N(4, 3)]),
    ("pd-int", lambda L, F, a, b: F.pairwise_distance(a, b), [I(4, 3), I(4, 3)]),
    ("pd-mixed", lambda L, F, a, b: F.pairwise_distance(a, b), [I(4, 3), N(4, 3)]),
    ("dist-mixed", lambda L, F, a, b: L.dist(a, b), [N(4, 3), I(3)]),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("fn,specs", [pytest.param(f, s, id=i) for i, f, s in INT_CASES])
def test_integer_inputs(parity, rng, fn, specs, dtype):
    run(parity, rng, fn, specs, dtype)


MIXED = [
    ("cos", lambda L, F, a, b: F.cosine_similarity(a, b)),
    ("pd", lambda L, F, a, b: F.pairwise_distance(a, b)),
    ("dist", lambda L, F, a, b: L.dist(a, b)),
    ("kron", lambda L, F, a, b: L.kron(a, b)),
]


@pytest.mark.parametrize("fn", [pytest.param(f, id=i) for i, f in MIXED])
def test_mixed_float_dtypes(parity, rng, fn):
    a, b = rng.standard_normal((4, 3)).astype(np.float32), rng.standard_normal((4, 3))
    parity(_lib_call(fn, sj), _lib_call(fn, torch), a, b, atol=1e-6, rtol=1e-6)


# ----------------------------------------------------------------- errors
def _f(*shape, dtype=np.float32):
    return np.ones(shape, dtype=dtype)


ERRORS = [
    ("bmm-2d", lambda L, F: L.bmm(L.tensor(_f(2, 3)), L.tensor(_f(2, 3, 4))), RuntimeError, "batch1 must be a 3D"),
    ("bmm-2d-b", lambda L, F: L.bmm(L.tensor(_f(2, 2, 3)), L.tensor(_f(2, 4))), RuntimeError, "batch2 must be a 3D"),
    ("bmm-batch", lambda L, F: L.bmm(L.tensor(_f(2, 2, 3)), L.tensor(_f(3, 3, 4))), RuntimeError,
     r"Expected size for first two dimensions of batch2 tensor to be: \[2, 3\] but got: \[3, 3\]"),
    ("bmm-inner", lambda L, F: L.bmm(L.tensor(_f(2, 2, 3)), L.tensor(_f(2, 4, 4))), RuntimeError,
     r"to be: \[2, 3\] but got: \[2, 4\]"),
    ("bmm-dtype", lambda L, F: L.bmm(L.tensor(_f(2, 2, 3)), L.tensor(_f(2, 3, 4, dtype=np.float64))), RuntimeError,
     "expected scalar type Float but found Double"),
    ("baddbmm-shape", lambda L, F: L.baddbmm(L.tensor(_f(5, 3, 4)), L.tensor(_f(2, 3, 3)), L.tensor(_f(2, 3, 4))),
     RuntimeError, r"The expanded size of the tensor \(2\) must match the existing size \(5\)"),
    ("baddbmm-dtype", lambda L, F: L.baddbmm(L.tensor(_f(2, 3, 4, dtype=np.float64)), L.tensor(_f(2, 3, 3)),
                                             L.tensor(_f(2, 3, 4))), RuntimeError, "dtypes must be the same"),
    ("addmm-1d", lambda L, F: L.addmm(L.tensor(_f(2, 3)), L.tensor(_f(3)), L.tensor(_f(3, 3))), RuntimeError,
     "mat1 must be a matrix"),
    ("addmm-mismatch", lambda L, F: L.addmm(L.tensor(_f(2, 3)), L.tensor(_f(2, 3)), L.tensor(_f(4, 3))),
     RuntimeError, r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x3\)"),
    ("addmm-input", lambda L, F: L.addmm(L.tensor(_f(4)), L.tensor(_f(2, 3)), L.tensor(_f(3, 3))), RuntimeError,
     r"The expanded size of the tensor \(3\) must match the existing size \(4\)"),
    ("addmm-dtype", lambda L, F: L.addmm(L.tensor(_f(2, 3, dtype=np.float64)), L.tensor(_f(2, 3)),
                                         L.tensor(_f(3, 3))), RuntimeError, "must have the same dtype"),
    ("addmv-size", lambda L, F: L.addmv(L.tensor(_f(2)), L.tensor(_f(2, 3)), L.tensor(_f(4))), RuntimeError,
     r"size mismatch, got input \(2\), mat \(2x3\), vec \(4\)"),
    ("addmv-input", lambda L, F: L.addmv(L.tensor(_f(3)), L.tensor(_f(2, 3)), L.tensor(_f(3))), RuntimeError,
     r"size mismatch, got input \(3\), mat \(2x3\), vec \(3\)"),
    ("addmv-dims", lambda L, F: L.addmv(L.tensor(_f(2)), L.tensor(_f(2, 3)), L.tensor(_f(3, 1))), RuntimeError,
     "vector \\+ matrix @ vector expected, got 1, 2, 2"),
    ("mv-dims", lambda L, F: L.mv(L.tensor(_f(3)), L.tensor(_f(3))), RuntimeError,
     "vector \\+ matrix @ vector expected, got 1, 1, 1"),
    ("mv-size", lambda L, F: L.mv(L.tensor(_f(2, 3)), L.tensor(_f(4))), RuntimeError, "size mismatch"),
    ("dot-2d", lambda L, F: L.dot(L.tensor(_f(2, 3)), L.tensor(_f(3))), RuntimeError,
     "1D tensors expected, but got 2D and 1D tensors"),
    ("dot-size", lambda L, F: L.dot(L.tensor(_f(3)), L.tensor(_f(4))), RuntimeError, "inconsistent tensor size"),
    ("dot-dtype", lambda L, F: L.dot(L.tensor(_f(3)), L.tensor(_f(3, dtype=np.float64))), RuntimeError,
     "expected both vectors to have same dtype, but found Float and Double"),
    ("vdot-0d", lambda L, F: L.vdot(L.tensor(_f()), L.tensor(_f())), RuntimeError, "1D tensors expected"),
    ("inner-last", lambda L, F: L.inner(L.tensor(_f(2, 3)), L.tensor(_f(4, 2))), RuntimeError,
     r"the last dimension must match on both input tensors but got shapes \[2, 3\] and \[4, 2\]"),
    ("inner-dtype", lambda L, F: L.inner(L.tensor(_f(2, 3)), L.tensor(_f(3, dtype=np.float64))), RuntimeError,
     "both inputs should have same dtype"),
    ("ein-repeat", lambda L, F: L.einsum("ii", L.tensor(_f(3, 4))), RuntimeError,
     "subscript i is repeated for operand 0 but the sizes don't match, 4 != 3"),
    ("ein-bcast", lambda L, F: L.einsum("ij,ij->", L.tensor(_f(2, 3)), L.tensor(_f(2, 4))), RuntimeError,
     "subscript j has size 4 for operand 1 which does not broadcast with previously seen size 3"),
    ("ein-fewer", lambda L, F: L.einsum("ij,jk->ik", L.tensor(_f(2, 3))), RuntimeError, "fewer operands"),
    ("ein-more", lambda L, F: L.einsum("ij->i", L.tensor(_f(2, 3)), L.tensor(_f(3))), RuntimeError,
     "more operands"),
    ("ein-out-missing", lambda L, F: L.einsum("ij->ik", L.tensor(_f(2, 3))), RuntimeError,
     "output subscript k does not appear in the equation for any input operand"),
    ("ein-out-twice", lambda L, F: L.einsum("ij->ii", L.tensor(_f(2, 2))), RuntimeError,
     "output subscript i appears more than once in the output"),
    ("ein-ndim", lambda L, F: L.einsum("ijk->ij", L.tensor(_f(2, 3))), RuntimeError,
     r"the number of subscripts in the equation \(3\) does not match the number of dimensions \(2\) for operand 0"),
    ("ein-bad-char", lambda L, F: L.einsum("i1", L.tensor(_f(2, 3))), RuntimeError,
     "invalid subscript given at index 1 in the equation string, subscripts must be in"),
    ("ein-dot", lambda L, F: L.einsum("i.j", L.tensor(_f(2, 3))), RuntimeError,
     "found '.' for operand 0 that is not part of any ellipsis"),
    ("ein-two-arrows", lambda L, F: L.einsum("ij->j->i", L.tensor(_f(2, 3))), RuntimeError,
     "invalid subscript given at index 5"),
    ("ein-dtype", lambda L, F: L.einsum("i,i", L.tensor(_f(3)), L.tensor(_f(3, dtype=np.float64))), RuntimeError,
     "Double|dtype"),
    ("td-neg", lambda L, F: L.tensordot(L.tensor(_f(2, 3)), L.tensor(_f(3, 5)), dims=-1), RuntimeError,
     "tensordot expects dims >= 0, but got dims=-1"),
    ("td-big", lambda L, F: L.tensordot(L.tensor(_f(2, 3)), L.tensor(_f(3, 5)), dims=3), RuntimeError,
     "tensordot expects dims < ndim_a or ndim_b, but got dims=3"),
    ("td-size", lambda L, F: L.tensordot(L.tensor(_f(2, 3, 4)), L.tensor(_f(3, 4, 5)), dims=1), RuntimeError,
     "contracted dimensions need to match, but first has size 4 in dim -1 and second has size 3 in dim 0"),
    ("td-len", lambda L, F: L.tensordot(L.tensor(_f(2, 3)), L.tensor(_f(3, 5)), dims=([1], [0, 1])), RuntimeError,
     "both dimension lists should have same length"),
    ("td-ints", lambda L, F: L.tensordot(L.tensor(_f(2, 3)), L.tensor(_f(3, 5)), dims=(1, 0)), TypeError, "dims"),
    ("td-dtype", lambda L, F: L.tensordot(L.tensor(_f(2, 3)), L.tensor(_f(3, 5, dtype=np.float64)), dims=1),
     RuntimeError, "both inputs should have same dtype"),
    ("cross-ndim", lambda L, F: L.cross(L.tensor(_f(3, 3, 4)), L.tensor(_f(3, 4)), dim=1), RuntimeError,
     "linalg.cross: inputs must have the same number of dimensions"),
    ("cross-len", lambda L, F: L.cross(L.tensor(_f(3, 4)), L.tensor(_f(3, 4)), dim=1), RuntimeError,
     "linalg.cross: inputs dimension 1 must have length 3. Got 4 and 4"),
    ("cross-no3", lambda L, F: L.cross(L.tensor(_f(4, 4)), L.tensor(_f(4, 4))), RuntimeError,
     "no dimension of size 3 in input"),
    ("cross-range", lambda L, F: L.cross(L.tensor(_f(2, 3)), L.tensor(_f(2, 3)), dim=2), IndexError,
     r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"),
    ("cross-dtype", lambda L, F: L.cross(L.tensor(_f(2, 3)), L.tensor(_f(2, 3, dtype=np.float64)), dim=1),
     RuntimeError, "expected scalar type Float but found Double"),
    ("cdist-1d", lambda L, F: L.cdist(L.tensor(_f(3)), L.tensor(_f(5, 3))), RuntimeError,
     "cdist only supports at least 2D tensors, X1 got: 1D"),
    ("cdist-cols", lambda L, F: L.cdist(L.tensor(_f(4, 3)), L.tensor(_f(5, 2))), RuntimeError,
     "X1 and X2 must have the same number of columns. X1: 3 X2: 2"),
    ("cdist-int", lambda L, F: L.cdist(L.tensor(np.ones((4, 3), np.int64)), L.tensor(np.ones((5, 3), np.int64))),
     RuntimeError, "cdist only supports floating-point dtypes, X1 got: Long"),
    ("cdist-dtype", lambda L, F: L.cdist(L.tensor(_f(4, 3)), L.tensor(_f(5, 3, dtype=np.float64))), RuntimeError,
     "expected scalar type Float but found Double"),
    ("cdist-neg-p", lambda L, F: L.cdist(L.tensor(_f(4, 3)), L.tensor(_f(5, 3)), p=-1), RuntimeError,
     "cdist only supports non-negative p values"),
    ("cdist-batch", lambda L, F: L.cdist(L.tensor(_f(2, 4, 3)), L.tensor(_f(3, 5, 3))), RuntimeError,
     r"The size of tensor a \(2\) must match the size of tensor b \(3\) at non-singleton dimension 0"),
    ("cdist-mode", lambda L, F: L.cdist(L.tensor(_f(4, 3)), L.tensor(_f(5, 3)), compute_mode="foo"), ValueError,
     "foo is not a valid value for compute_mode"),
    ("dist-int", lambda L, F: L.dist(L.tensor(np.ones(3, np.int64)), L.tensor(np.ones(3, np.int64))), RuntimeError,
     "floating point"),
    ("dist-shape", lambda L, F: L.dist(L.tensor(_f(4, 3)), L.tensor(_f(4))), RuntimeError,
     r"The size of tensor a \(3\) must match the size of tensor b \(4\) at non-singleton dimension 1"),
    ("dist-p-str", lambda L, F: L.dist(L.tensor(_f(3)), L.tensor(_f(3)), p="fro"), TypeError, "p"),
    ("cos-int", lambda L, F: F.cosine_similarity(L.tensor(np.ones((4, 3), np.int64)),
                                                 L.tensor(np.ones((4, 3), np.int64))), RuntimeError,
     "expected common dtype to be floating point, yet common dtype is Long"),
    ("cos-dim", lambda L, F: F.cosine_similarity(L.tensor(_f(4, 3)), L.tensor(_f(4, 3)), dim=2), IndexError,
     r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"),
    ("cos-shape", lambda L, F: F.cosine_similarity(L.tensor(_f(4, 3)), L.tensor(_f(5, 3))), RuntimeError,
     r"The size of tensor a \(4\) must match the size of tensor b \(5\) at non-singleton dimension 0"),
    ("cos-1d-dim1", lambda L, F: F.cosine_similarity(L.tensor(_f(3)), L.tensor(_f(3))), IndexError,
     r"expected to be in range of \[-1, 0\], but got 1"),
    ("pd-shape", lambda L, F: F.pairwise_distance(L.tensor(_f(4, 3)), L.tensor(_f(5, 3))), RuntimeError,
     r"The size of tensor a \(4\) must match the size of tensor b \(5\) at non-singleton dimension 0"),
]


@pytest.mark.parametrize("fn,exc,match", [pytest.param(f, e, m, id=i) for i, f, e, m in ERRORS])
def test_errors(fn, exc, match):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cross without dim warns first in both
        with pytest.raises(exc, match=match):
            fn(torch, TF)
        with pytest.raises(exc, match=match):
            fn(sj, SF)
