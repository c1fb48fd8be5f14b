"""Numerical gradients (float64) of the round-2 layers: shrinkage, GLU, softmin, bilinear, pixel
(un)shuffle, unfold/fold, instance norm and the dropout variants (with a fixed mask)."""

from __future__ import annotations

import numpy as np
import pytest

import shenjing as sj
import shenjing.nn.functional as F


def away_from(rng, shape, kinks, gap=0.05):
    """Random values kept at least ``gap`` from every kink, so the finite differences are exact."""
    x = rng.standard_normal(shape)
    for k in kinks:
        near = np.abs(x - k) < gap
        x = np.where(near, k + np.sign(x - k + 1e-12) * 2 * gap, x)
    return x


@pytest.mark.parametrize("lambd", [0.0, 0.3, 0.5, 1.2])
def test_shrinks(check_grad, rng, lambd):
    x = away_from(rng, (3, 4), [lambd, -lambd])
    check_grad(lambda a: F.hardshrink(a, lambd), x)
    check_grad(lambda a: F.softshrink(a, lambd), x)


def test_tanhshrink(check_grad, rng):
    check_grad(F.tanhshrink, rng.standard_normal((2, 3, 4)) * 2)


@pytest.mark.parametrize("dim", [0, 1, 2, -1, -3])
def test_glu(check_grad, rng, dim):
    check_grad(lambda a: F.glu(a, dim), rng.standard_normal((2, 4, 6)))


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmin(check_grad, rng, dim):
    check_grad(lambda a: F.softmin(a, dim), rng.standard_normal((3, 4)))


@pytest.mark.parametrize("shapes", [((3,), (4,)), ((5, 3), (5, 4)), ((2, 3, 3), (2, 3, 4))], ids=str)
@pytest.mark.parametrize("bias", [True, False])
def test_bilinear(check_grad, rng, shapes, bias):
    s1, s2 = shapes
    args = [rng.standard_normal(s1), rng.standard_normal(s2), rng.standard_normal((2, 3, 4))]
    if bias:
        args.append(rng.standard_normal(2))
    check_grad(F.bilinear, *args)


@pytest.mark.parametrize("r", [1, 2, 3])
def test_pixel_shuffle(check_grad, rng, r):
    check_grad(lambda a: F.pixel_shuffle(a, r), rng.standard_normal((2, 2 * r * r, 2, 3)))
    check_grad(lambda a: F.pixel_unshuffle(a, r), rng.standard_normal((2, 2, 2 * r, 3 * r)))


GEOMS = [
    dict(kernel_size=2),
    dict(kernel_size=(2, 3), stride=(2, 1)),
    dict(kernel_size=3, padding=1),
    dict(kernel_size=(2, 2), dilation=(2, 1), padding=(1, 2), stride=2),
]


@pytest.mark.parametrize("geom", GEOMS, ids=str)
def test_unfold_fold(check_grad, rng, geom):
    check_grad(lambda a: F.unfold(a, **geom), rng.standard_normal((2, 2, 5, 6)))
    check_grad(lambda a: F.unfold(a, **geom), rng.standard_normal((2, 5, 6)))  # unbatched
    cols = F.unfold(sj.zeros(2, 2, 5, 6, dtype=sj.float64), **geom)
    check_grad(lambda a: F.fold(a, (5, 6), **geom), rng.standard_normal(tuple(cols.shape)))
    check_grad(lambda a: F.fold(a, (5, 6), **geom), rng.standard_normal(tuple(cols.shape[1:])))


@pytest.mark.parametrize("shape", [(2, 3, 5), (2, 3, 4, 3)], ids=str)
@pytest.mark.parametrize("affine", [False, True])
def test_instance_norm(check_grad, rng, shape, affine):
    x = rng.standard_normal(shape)
    if affine:
        check_grad(lambda a, w, b: F.instance_norm(a, weight=w, bias=b), x, rng.standard_normal(3),
                   rng.standard_normal(3))
    else:
        check_grad(F.instance_norm, x)
    rm, rv = sj.tensor(rng.standard_normal(3)), sj.tensor(rng.random(3) + 0.5)
    check_grad(lambda a, w, b: F.instance_norm(a, rm, rv, w, b, use_input_stats=False), x,
               rng.standard_normal(3), rng.standard_normal(3))


@pytest.mark.parametrize("p", [0.2, 0.6])
def test_dropout_variants(check_grad, rng, p):
    # the mask is drawn afresh each call, so fix it with a seeded generator per call
    x = rng.standard_normal((3, 4, 5))
    check_grad(lambda a: F.dropout1d(a, p, True, generator=sj.Generator().manual_seed(3)), x)
    check_grad(lambda a: F.alpha_dropout(a, p, True, generator=sj.Generator().manual_seed(3)), x)
