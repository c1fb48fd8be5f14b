"""Tensor ops against PyTorch: forward values, dtypes and the gradient of every input, float64.

Each case is ``fn(lib, *inputs)`` run once with ``lib = shenjing`` and once with ``lib = torch``.
Input specs: ``N(shape)`` normal, ``P(shape)`` positive, ``Const`` no grad, anything else as is.
"""

from __future__ import annotations

import functools
import re

import numpy as np
import pytest
import torch

import shenjing as sj


class Const:
    """An input that is a tensor without grad in both libraries."""

    def __init__(self, array) -> None:
        self.const_array = np.asarray(array)


class N:
    def __init__(self, *shape, scale: float = 1.0) -> None:
        self.shape, self.scale = shape, scale

    def make(self, rng):
        return np.asarray(rng.standard_normal(self.shape) * self.scale)


class P(N):
    def make(self, rng):
        return np.asarray(rng.uniform(0.5, 2.0, self.shape))


class Perm(N):
    """Distinct values (so max/min/sort have no ties) in random order."""

    def make(self, rng):
        n = int(np.prod(self.shape))
        return rng.permutation(np.linspace(-2, 2, n)).reshape(self.shape)


def _make(spec, rng):
    return spec.make(rng) if isinstance(spec, N) else spec


def run(parity, rng, fn, specs, **kw):
    args = [_make(s, rng) for s in specs]
    return parity(functools.partial(fn, sj), functools.partial(fn, torch), *args, **kw)


def cases(table):
    return pytest.mark.parametrize("fn,specs", [pytest.param(f, s, id=i) for i, f, s in table])


# ----------------------------------------------------------------- arithmetic and broadcasting
SHAPE_PAIRS = [((3, 4), (3, 4)), ((3, 4), (4,)), ((4,), (3, 4)), ((3, 1), (1, 4)), ((2, 1, 4), (3, 1)),
               ((2, 3, 4), ()), ((), (2, 3)), ((1,), (2, 3)), ((2, 1, 1), (1, 3, 1))]
BINARY = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
          "div": lambda a, b: a / b}


@pytest.mark.parametrize("op", BINARY)
@pytest.mark.parametrize("sa,sb", SHAPE_PAIRS, ids=str)
def test_binary_broadcasting(parity, rng, op, sa, sb):
    b = P(*sb) if op == "div" else N(*sb)
    run(parity, rng, lambda lib, x, y: BINARY[op](x, y), [N(*sa), b])


ARITH = [
    ("x+s", lambda lib, x: x + 2.5, [N(3, 4)]), ("s+x", lambda lib, x: 2.5 + x, [N(3, 4)]),
    ("x-s", lambda lib, x: x - 2, [N(3, 4)]), ("s-x", lambda lib, x: 2 - x, [N(3, 4)]),
    ("x*s", lambda lib, x: x * 3, [N(3, 4)]), ("s*x", lambda lib, x: -1.5 * x, [N(3, 4)]),
    ("x/s", lambda lib, x: x / 3, [N(3, 4)]), ("s/x", lambda lib, x: 3 / x, [P(3, 4)]),
    ("x**2", lambda lib, x: x**2, [N(3, 4)]), ("x**3", lambda lib, x: x**3, [N(3, 4)]),
    ("x**2.5", lambda lib, x: x**2.5, [P(3, 4)]), ("x**-1", lambda lib, x: x**-1, [P(3, 4)]),
    ("x**0.5", lambda lib, x: x**0.5, [P(5)]), ("2**x", lambda lib, x: 2**x, [N(3, 4)]),
    ("x**y", lambda lib, x, y: x**y, [P(3, 4), N(4)]), ("x**y bcast", lambda lib, x, y: x**y, [P(3, 1), N(1, 4)]),
    ("neg", lambda lib, x: -x, [N(3, 4)]), ("neg method", lambda lib, x: x.neg(), [N(2, 3)]),
    ("x*x", lambda lib, x: x * x, [N(3, 4)]), ("x-x", lambda lib, x: x - x + x * 2, [N(3)]),
    ("add alpha", lambda lib, x, y: lib.add(x, y, alpha=2.0), [N(3, 4), N(4)]),
    ("sub alpha", lambda lib, x, y: lib.sub(x, y, alpha=0.5), [N(3, 4), N(3, 1)]),
    ("mul fn", lambda lib, x, y: lib.mul(x, y), [N(3, 4), N(4)]),
    ("div fn", lambda lib, x, y: lib.div(x, y), [N(3, 4), P(4)]),
    ("pow fn", lambda lib, x: lib.pow(x, 3), [N(3, 4)]),
    ("x**0 at 0", lambda lib, x: x**0.0, [np.array([0.0, 2.0, -1.5])]),
    ("x**p at 0 and below", lambda lib, x, p: x**p, [np.array([0.0, 2.0, -1.5, 0.0]), np.array([0.0, 2.0, 3.0, 1.0])]),
    ("s**p", lambda lib, p: 0.0**p + 2.0**p, [np.array([0.0, 1.0, 2.5])]),
]


@cases(ARITH)
def test_arithmetic(parity, rng, fn, specs):
    run(parity, rng, fn, specs)


# ----------------------------------------------------------------- elementwise math
def _clamp_ties(lib, x):
    return x.clamp(-0.5, 0.5)


ELEMENTWISE = [
    ("exp", lambda lib, x: lib.exp(x), [N(3, 4)]), ("exp method", lambda lib, x: x.exp(), [N(5)]),
    ("log", lambda lib, x: lib.log(x), [P(3, 4)]), ("log method", lambda lib, x: x.log(), [P(2, 3)]),
    ("sqrt", lambda lib, x: lib.sqrt(x), [P(3, 4)]), ("rsqrt", lambda lib, x: x.rsqrt(), [P(4)]),
    ("abs", lambda lib, x: lib.abs(x), [N(3, 4)]), ("abs method", lambda lib, x: abs(x), [N(6)]),
    ("sin", lambda lib, x: lib.sin(x), [N(3, 4)]), ("cos", lambda lib, x: lib.cos(x), [N(3, 4)]),
    ("square", lambda lib, x: lib.square(x), [N(3, 4)]),
    ("reciprocal", lambda lib, x: x.reciprocal(), [P(3, 4)]),
    ("sigmoid", lambda lib, x: lib.sigmoid(x), [N(3, 4)]), ("tanh", lambda lib, x: x.tanh(), [N(3, 4)]),
    ("relu", lambda lib, x: lib.relu(x), [N(3, 4)]),
    ("clamp min", lambda lib, x: lib.clamp(x, min=-0.3), [N(3, 4)]),
    ("clamp max", lambda lib, x: lib.clamp(x, max=0.2), [N(3, 4)]),
    ("clamp both", lambda lib, x: x.clamp(-0.5, 0.5), [N(3, 4)]),
    ("clip both", lambda lib, x: lib.clip(x, -0.5, 0.5), [N(3, 4)]),
    ("clip method", lambda lib, x: x.clip(min=0.1), [N(3, 4)]),
    ("clamp_min", lambda lib, x: x.clamp_min(0.0), [N(3, 4)]),
    ("clamp_max", lambda lib, x: x.clamp_max(0.0), [N(3, 4)]),
    ("clamp at bounds", _clamp_ties, [np.array([-1.0, -0.5, 0.0, 0.5, 1.0])]),
    ("clamp tensor bounds", lambda lib, x, lo, hi: x.clamp(lo, hi), [N(3, 4), N(4), P(3, 1)]),
    ("clamp tensor min", lambda lib, x, lo: lib.clamp(x, min=lo), [N(3, 4), N(3, 4)]),
    ("clamp tensor max 0-d", lambda lib, x, hi: x.clamp(max=hi), [N(3, 4), N()]),
    ("clamp min > max", lambda lib, x, lo, hi: x.clamp(lo, hi),
     [N(5), np.full(5, 1.0), np.array([0.0, 2.0, 0.5, 3.0, -1.0])]),
    ("maximum", lambda lib, x, y: lib.maximum(x, y), [N(3, 4), N(3, 4)]),
    ("maximum bcast", lambda lib, x, y: lib.maximum(x, y), [N(3, 4), N(4)]),
    ("minimum", lambda lib, x, y: lib.minimum(x, y), [N(3, 4), N(3, 1)]),
    ("maximum ties", lambda lib, x, y: lib.maximum(x, y),
     [np.array([1.0, 2.0, 3.0, -1.0]), np.array([1.0, 0.0, 3.0, 2.0])]),
    ("minimum ties", lambda lib, x, y: lib.minimum(x, y),
     [np.array([1.0, 2.0, 3.0, -1.0]), np.array([1.0, 0.0, 3.0, 2.0])]),
    ("max(x, y)", lambda lib, x, y: x.max(y), [N(3, 4), N(3, 4)]),
    ("min(x, y)", lambda lib, x, y: x.min(y), [N(3, 4), N(3, 4)]),
    ("where", lambda lib, c, x, y: lib.where(c, x, y),
     [Const(np.arange(12).reshape(3, 4) % 3 == 0), N(3, 4), N(3, 4)]),
    ("where bcast", lambda lib, c, x, y: lib.where(c, x, y),
     [Const(np.array([True, False, True, False])), N(3, 1), N(2, 1, 4)]),
    ("where cond tensor", lambda lib, x, y: lib.where(x > 0, x, y), [N(3, 4), N(4)]),
    ("where scalar", lambda lib, x: lib.where(x > 0, x, 0.0), [N(3, 4)]),
    ("masked_fill", lambda lib, x: x.masked_fill(x < 0, -1.0), [N(3, 4)]),
]


@cases(ELEMENTWISE)
def test_elementwise(parity, rng, fn, specs):
    run(parity, rng, fn, specs)


# ----------------------------------------------------------------- reductions
TIES = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, -1.0], [-5.0, 4.0, -5.0, 4.0]])

REDUCE = [
    ("sum", lambda lib, x: x.sum(), [N(3, 4)]),
    ("sum dim0", lambda lib, x: x.sum(0), [N(3, 4)]),
    ("sum dim-1 keepdim", lambda lib, x: x.sum(-1, keepdim=True), [N(2, 3, 4)]),
    ("sum dims", lambda lib, x: x.sum((0, 2)), [N(2, 3, 4)]),
    ("sum fn", lambda lib, x: lib.sum(x, 1), [N(2, 3, 4)]),
    ("sum 0-d", lambda lib, x: x.sum(), [N()]),
    ("mean", lambda lib, x: x.mean(), [N(3, 4)]),
    ("mean dim", lambda lib, x: x.mean(1), [N(2, 3, 4)]),
    ("mean dims keepdim", lambda lib, x: x.mean((0, -1), keepdim=True), [N(2, 3, 4)]),
    ("mean fn", lambda lib, x: lib.mean(x, 0), [N(3, 4)]),
    ("max full", lambda lib, x: x.max(), [Perm(3, 4)]),
    ("min full", lambda lib, x: x.min(), [Perm(3, 4)]),
    ("max full ties", lambda lib, x: x.max(), [TIES]),
    ("min full ties", lambda lib, x: x.min(), [TIES]),
    ("max dim", lambda lib, x: tuple(x.max(1)), [Perm(3, 4)]),
    ("max dim0 keepdim", lambda lib, x: tuple(x.max(0, keepdim=True)), [Perm(3, 4)]),
    ("min dim", lambda lib, x: tuple(x.min(-1)), [Perm(2, 3, 4)]),
    ("min dim keepdim", lambda lib, x: tuple(lib.min(x, 1, keepdim=True)), [Perm(2, 3, 4)]),
    ("max dim fn", lambda lib, x: tuple(lib.max(x, 0)), [Perm(3, 4)]),
    ("max dim ties", lambda lib, x: tuple(x.max(1)), [TIES]),
    ("min dim ties", lambda lib, x: tuple(x.min(0)), [TIES]),
    ("argmax ties", lambda lib, x: x.argmax(1), [Const(TIES)]),
    ("argmin ties", lambda lib, x: x.argmin(0), [Const(TIES)]),
    ("max dim values", lambda lib, x: x.max(dim=1).values, [Perm(3, 4)]),
    ("min dim indices", lambda lib, x: x.min(dim=0).indices, [Perm(3, 4)]),
    ("amax", lambda lib, x: x.amax(), [Perm(3, 4)]),
    ("amax dim", lambda lib, x: x.amax(1), [TIES]),
    ("amax dims", lambda lib, x: lib.amax(x, (0, 1)), [TIES]),
    ("amax keepdim", lambda lib, x: x.amax(0, keepdim=True), [TIES]),
    ("amin dim", lambda lib, x: x.amin(1), [TIES]),
    ("amin ties", lambda lib, x: lib.amin(x, 0), [TIES]),
    ("amin full", lambda lib, x: x.amin(), [TIES]),
    ("argmax", lambda lib, x: x.argmax(), [Const(Perm(3, 4).make(np.random.default_rng(1)))]),
    ("argmax dim", lambda lib, x: x.argmax(1), [Perm(3, 4)]),
    ("argmax keepdim", lambda lib, x: lib.argmax(x, 0, keepdim=True), [Perm(3, 4)]),
    ("argmin dim", lambda lib, x: x.argmin(-1), [Perm(2, 3, 4)]),
    ("var", lambda lib, x: x.var(), [N(3, 4)]),
    ("var dim", lambda lib, x: x.var(1), [N(3, 4)]),
    ("var unbiased=False", lambda lib, x: x.var(0, unbiased=False), [N(3, 4)]),
    ("var correction=0", lambda lib, x: x.var(1, correction=0), [N(3, 4)]),
    ("var keepdim dims", lambda lib, x: lib.var(x, (0, 2), keepdim=True), [N(2, 3, 4)]),
    ("std", lambda lib, x: x.std(), [N(3, 4)]),
    ("std dim", lambda lib, x: x.std(0), [N(3, 4)]),
    ("std unbiased=False", lambda lib, x: lib.std(x, 1, unbiased=False), [N(3, 4)]),
    ("std correction=0 keepdim", lambda lib, x: x.std(-1, keepdim=True, correction=0), [N(2, 3, 4)]),
    ("logsumexp dim", lambda lib, x: x.logsumexp(1), [N(3, 4)]),
    ("logsumexp dims", lambda lib, x: lib.logsumexp(x, (0, 2)), [N(2, 3, 4)]),
    ("logsumexp keepdim", lambda lib, x: x.logsumexp(-1, keepdim=True), [N(2, 3, 4)]),
    ("prod", lambda lib, x: x.prod(), [P(3, 4)]),
    ("prod dim", lambda lib, x: x.prod(1), [N(3, 4)]),
    ("prod keepdim", lambda lib, x: lib.prod(x, 0, keepdim=True), [N(3, 4)]),
    ("prod one zero", lambda lib, x: x.prod(1), [np.array([[1.0, 0.0, 2.0], [3.0, -1.0, 2.0]])]),
    ("prod two zeros", lambda lib, x: x.prod(), [np.array([[1.0, 0.0, 2.0], [0.0, -1.0, 2.0]])]),
    ("norm", lambda lib, x: x.norm(), [N(3, 4)]),
    ("norm fro", lambda lib, x: x.norm("fro"), [N(3, 4)]),
    ("norm dim keepdim", lambda lib, x: x.norm(dim=1, keepdim=True), [N(3, 4)]),
    ("norm p=1 dims", lambda lib, x: x.norm(p=1, dim=(0, 2)), [N(2, 3, 4)]),
    ("norm p=3", lambda lib, x: x.norm(p=3, dim=0), [N(3, 4)]),
    ("norm p=0.5", lambda lib, x: x.norm(p=0.5, dim=-1), [N(3, 4)]),
    ("norm p=1.5", lambda lib, x: lib.norm(x, 1.5), [N(3, 4)]),
    ("norm p=inf ties", lambda lib, x: x.norm(p=float("inf"), dim=1), [TIES]),
    ("norm p=-inf", lambda lib, x: x.norm(p=float("-inf"), dim=0), [TIES]),
    ("norm p=0", lambda lib, x: x.norm(p=0, dim=1), [np.array([[1.0, 0.0, 2.0], [0.0, 0.0, 0.0]])]),
    ("norm of zeros", lambda lib, x: x.norm(dim=1), [np.array([[0.0, 0.0, 0.0], [3.0, 0.0, 4.0]])]),
    ("norm p=3 of zeros", lambda lib, x: x.norm(p=3, dim=1), [np.array([[0.0, 0.0], [1.0, -2.0]])]),
    ("norm p=0.5 with a zero", lambda lib, x: x.norm(p=0.5), [np.array([[0.0, 1.0], [4.0, -2.0]])]),
    ("vector_norm", lambda lib, x: lib.linalg.vector_norm(x, ord=2, dim=(0, 1)), [N(2, 3, 4)]),
    ("vector_norm inf keepdim", lambda lib, x: lib.linalg.vector_norm(x, float("inf"), -1, True), [N(3, 4)]),
    ("var of one", lambda lib, x: x.var(), [N(1)]),
    ("std over a size-1 dim", lambda lib, x: x.std(0), [N(1, 3)]),
]


@pytest.mark.filterwarnings("ignore:.*degrees of freedom")
@pytest.mark.filterwarnings("ignore:invalid value")
@cases(REDUCE)
def test_reduce(parity, rng, fn, specs):
    run(parity, rng, fn, specs)


# ----------------------------------------------------------------- shape
SHAPE = [
    ("reshape", lambda lib, x: x.reshape(4, 3), [N(3, 4)]),
    ("reshape -1", lambda lib, x: x.reshape(-1, 2), [N(3, 4)]),
    ("reshape tuple", lambda lib, x: x.reshape((2, 2, 3)), [N(3, 4)]),
    ("reshape fn", lambda lib, x: lib.reshape(x, (12,)), [N(3, 4)]),
    ("view", lambda lib, x: x.view(2, 6), [N(3, 4)]),
    ("view -1", lambda lib, x: x.view(-1), [N(3, 4)]),
    ("transpose", lambda lib, x: x.transpose(0, 1), [N(3, 4)]),
    ("transpose neg", lambda lib, x: lib.transpose(x, -1, 0), [N(2, 3, 4)]),
    ("permute", lambda lib, x: x.permute(2, 0, 1), [N(2, 3, 4)]),
    ("permute tuple", lambda lib, x: lib.permute(x, (1, 2, 0)), [N(2, 3, 4)]),
    ("permute neg", lambda lib, x: x.permute(-1, 0, 1), [N(2, 3, 4)]),
    (".T", lambda lib, x: x.T, [N(3, 4)]),
    ("t()", lambda lib, x: x.t(), [N(3, 4)]), (".mT", lambda lib, x: x.mT, [N(2, 3, 4)]),
    ("flatten", lambda lib, x: x.flatten(), [N(2, 3, 4)]),
    ("flatten 1", lambda lib, x: x.flatten(1), [N(2, 3, 4)]),
    ("flatten 0 1", lambda lib, x: lib.flatten(x, 0, 1), [N(2, 3, 4)]),
    ("flatten 0-d", lambda lib, x: x.flatten(), [N()]),
    ("squeeze", lambda lib, x: x.squeeze(), [N(1, 3, 1, 4)]),
    ("squeeze dim", lambda lib, x: x.squeeze(2), [N(1, 3, 1, 4)]),
    ("squeeze non-1 dim", lambda lib, x: x.squeeze(1), [N(1, 3, 1, 4)]),
    ("squeeze dims", lambda lib, x: lib.squeeze(x, (0, 2)), [N(1, 3, 1, 4)]),
    ("unsqueeze", lambda lib, x: x.unsqueeze(0), [N(3, 4)]),
    ("unsqueeze -1", lambda lib, x: x.unsqueeze(-1), [N(3, 4)]),
    ("unsqueeze mid", lambda lib, x: lib.unsqueeze(x, 1), [N(3, 4)]),
    ("expand", lambda lib, x: x.expand(3, 4), [N(3, 1)]),
    ("expand -1 lead", lambda lib, x: x.expand(2, -1, 4), [N(3, 1)]),
    ("expand tuple", lambda lib, x: x.expand((2, 4)), [N(4)]),
    ("expand_as", lambda lib, x, y: x.expand_as(y), [N(1, 4), Const(np.zeros((3, 4)))]),
    ("repeat", lambda lib, x: x.repeat(2, 3), [N(2, 3)]),
    ("repeat lead", lambda lib, x: x.repeat(2, 1, 2), [N(2, 3)]),
    ("cat", lambda lib, x, y: lib.cat([x, y]), [N(2, 4), N(3, 4)]),
    ("cat dim1", lambda lib, x, y, z: lib.cat([x, y, z], dim=1), [N(2, 1), N(2, 3), N(2, 2)]),
    ("cat dim-1 3-D", lambda lib, x, y: lib.cat((x, y), -1), [N(2, 3, 1), N(2, 3, 2)]),
    ("cat same tensor", lambda lib, x: lib.cat([x, x * 2, x]), [N(2, 3)]),
    ("concat", lambda lib, x, y: lib.concat([x, y], 0), [N(2, 4), N(1, 4)]),
    ("stack", lambda lib, x, y: lib.stack([x, y]), [N(3, 4), N(3, 4)]),
    ("stack dim1", lambda lib, x, y, z: lib.stack([x, y, z], 1), [N(3, 4), N(3, 4), N(3, 4)]),
    ("stack dim-1", lambda lib, x, y: lib.stack((x, y), dim=-1), [N(3, 4), N(3, 4)]),
    ("split int", lambda lib, x: x.split(2), [N(5, 3)]),
    ("split sections", lambda lib, x: x.split([1, 3, 1]), [N(5, 3)]),
    ("split dim1", lambda lib, x: lib.split(x, 2, dim=1), [N(2, 5)]),
    ("split dim-1 sections", lambda lib, x: x.split([2, 2], -1), [N(3, 4)]),
    ("chunk", lambda lib, x: x.chunk(3), [N(6, 2)]),
    ("chunk uneven", lambda lib, x: x.chunk(3, dim=1), [N(2, 7)]),
    ("chunk fn", lambda lib, x: lib.chunk(x, 2, 0), [N(5, 2)]),
    ("unbind", lambda lib, x: x.unbind(1), [N(2, 3)]),
    ("narrow", lambda lib, x: x.narrow(1, 1, 2), [N(3, 4)]),
    ("select", lambda lib, x: x.select(0, -1), [N(3, 4)]),
    ("gather dim1", lambda lib, x, i: x.gather(1, i), [N(3, 4), Const(np.array([[0, 0], [3, 1], [2, 2]]))]),
    ("gather dim0", lambda lib, x, i: lib.gather(x, 0, i), [N(3, 4), Const(np.array([[2, 0, 1, 1]]))]),
    ("gather 3-D", lambda lib, x, i: x.gather(-1, i),
     [N(2, 3, 4), Const(np.random.default_rng(0).integers(0, 4, (2, 3, 5)))]),
    ("gather short index", lambda lib, x, i: x.gather(1, i), [N(3, 4), Const(np.array([[0, 1], [2, 3]]))]),
    ("gather short index dim0", lambda lib, x, i: x.gather(0, i), [N(3, 4), Const(np.array([[2, 0], [1, 1]]))]),
    ("clone", lambda lib, x: x.clone() * 2, [N(3)]),
    ("contiguous", lambda lib, x: x.T.contiguous(), [N(3, 2)]),
]


@cases(SHAPE)
def test_shape(parity, rng, fn, specs):
    run(parity, rng, fn, specs)


PADS = [
    ("pad constant", lambda lib, x: _F(lib).pad(x, (1, 2)), [N(2, 3)]),
    ("pad constant value", lambda lib, x: _F(lib).pad(x, (0, 1, 2, 0), value=1.5), [N(2, 3)]),
    ("pad constant 3 dims", lambda lib, x: _F(lib).pad(x, (1, 1, 0, 2, 1, 0)), [N(2, 2, 3)]),
    ("pad reflect 1-D", lambda lib, x: _F(lib).pad(x, (2, 1), mode="reflect"), [N(2, 3, 4)]),
    ("pad reflect 2-D", lambda lib, x: _F(lib).pad(x, (1, 2, 2, 1), mode="reflect"), [N(1, 2, 3, 4)]),
    ("pad replicate 1-D", lambda lib, x: _F(lib).pad(x, (3, 1), mode="replicate"), [N(2, 3, 4)]),
    ("pad replicate 2-D", lambda lib, x: _F(lib).pad(x, (2, 0, 1, 3), mode="replicate"), [N(1, 2, 3, 4)]),
    ("pad circular", lambda lib, x: _F(lib).pad(x, (1, 2), mode="circular"), [N(1, 2, 4)]),
]


def _F(lib):  # noqa: N802
    return torch.nn.functional if lib is torch else sj.nn.functional


@cases(PADS)
def test_pad(parity, rng, fn, specs):
    run(parity, rng, fn, specs)


# ----------------------------------------------------------------- indexing
def _ix(index):
    """An index that holds integer or boolean arrays as lists (each library converts its own)."""
    def fn(lib, x):
        def conv(i):
            if isinstance(i, np.ndarray):
                return sj.tensor(i) if lib is sj else torch.tensor(i)
            return i
        return x[tuple(conv(i) for i in index) if isinstance(index, tuple) else conv(index)]
    return fn


INDEX = [
    ("int", _ix(1), [N(3, 4)]), ("neg int", _ix(-1), [N(3, 4)]),
    ("int int", _ix((1, 2)), [N(3, 4)]),
    ("slice", _ix(slice(1, 3)), [N(4, 3)]),
    ("slice step", _ix((slice(None), slice(None, None, 2))), [N(3, 5)]),
    ("slice neg", _ix((slice(-2, None), slice(None, -1))), [N(3, 5)]),
    ("None", _ix((None, slice(None), None)), [N(3, 4)]),
    ("ellipsis", _ix((Ellipsis, 0)), [N(2, 3, 4)]),
    ("ellipsis None", _ix((0, Ellipsis, None)), [N(2, 3, 4)]),
    ("int array", _ix(np.array([2, 0])), [N(3, 4)]),
    ("repeated int array", _ix(np.array([1, 1, 0, 1])), [N(3, 4)]),
    ("list", _ix([0, 2, 2]), [N(3, 4)]),
    ("2-D int array", _ix(np.array([[0, 1], [1, 1]])), [N(3, 2)]),
    ("int arrays pair", _ix((np.array([0, 2, 0]), np.array([1, 1, 1]))), [N(3, 4)]),
    ("slice + int array", _ix((slice(None), np.array([3, 0, 3]))), [N(3, 4)]),
    ("int array + slice", _ix((np.array([1, 1]), slice(1, 3))), [N(3, 4)]),
    ("bool mask", _ix(np.array([[True, False, True, False]] * 3)), [N(3, 4)]),
    ("bool rows", _ix(np.array([True, False, True])), [N(3, 4)]),
    ("bool cols", _ix((slice(None), np.array([False, True, True, False]))), [N(3, 4)]),
    ("int, slice, array", _ix((0, slice(None), np.array([1, 2, 1]))), [N(2, 3, 4)]),
    ("int, None, array", _ix((0, None, np.array([1, 2]))), [N(2, 3, 4)]),
    ("slice, int, array", _ix((slice(None), 0, np.array([3, 3]))), [N(2, 3, 4)]),
    ("array, slice, int", _ix((np.array([1, 0, 1]), slice(1, 3), -1)), [N(2, 3, 4)]),
    ("int, array, array", _ix((1, np.array([0, 2]), np.array([3, 3]))), [N(2, 3, 4)]),
    ("int, ellipsis, mask", _ix((0, Ellipsis, np.array([True, False, True, True]))), [N(2, 3, 4)]),
    ("0-d tensor, slice, array", lambda lib, x: x[lib.tensor(1), :, lib.tensor([0, 0, 2])], [N(2, 3, 4)]),
    ("mask from compare", lambda lib, x: x[x > 0], [N(3, 4)]),
    ("where on leaf", lambda lib, x: x[x.abs() < 1] * 3, [N(4, 4)]),
]


@cases(INDEX)
def test_getitem(parity, rng, fn, specs):
    run(parity, rng, fn, specs)


# ----------------------------------------------------------------- matmul
MATMUL = [
    ("1-D @ 1-D", [N(4), N(4)]), ("1-D @ 2-D", [N(3), N(3, 5)]), ("2-D @ 1-D", [N(2, 3), N(3)]),
    ("2-D @ 2-D", [N(2, 3), N(3, 4)]), ("3-D @ 2-D", [N(2, 3, 4), N(4, 5)]),
    ("2-D @ 3-D", [N(3, 4), N(2, 4, 5)]), ("3-D @ 1-D", [N(2, 3, 4), N(4)]),
    ("1-D @ 3-D", [N(4), N(2, 4, 5)]), ("batched", [N(2, 3, 4), N(2, 4, 5)]),
    ("broadcast batch", [N(2, 1, 3, 4), N(5, 4, 2)]), ("broadcast batch 2", [N(1, 3, 2, 4), N(2, 1, 4, 3)]),
]


@pytest.mark.parametrize("specs", [pytest.param(s, id=i) for i, s in MATMUL])
@pytest.mark.parametrize("form", ["@", "matmul", "method"])
def test_matmul(parity, rng, specs, form):
    fn = {"@": lambda lib, a, b: a @ b, "matmul": lambda lib, a, b: lib.matmul(a, b),
          "method": lambda lib, a, b: a.matmul(b)}[form]
    run(parity, rng, fn, specs)


def test_mm_and_dot(parity, rng):
    run(parity, rng, lambda lib, a, b: lib.mm(a, b), [N(2, 3), N(3, 4)])
    run(parity, rng, lambda lib, a, b: a.dot(b), [N(5), N(5)])


def test_matmul_one_side_constant(parity, rng):
    run(parity, rng, lambda lib, a, b: a @ b, [N(2, 3), Const(N(3, 4).make(rng))])
    run(parity, rng, lambda lib, a, b: a @ b, [Const(N(2, 3).make(rng)), N(3)])


# ----------------------------------------------------------------- composites
def test_composite_expression(parity, rng):
    def f(lib, x, w, b):
        h = (x @ w + b).tanh()
        return (h * h.sigmoid()).sum(1).log_softmax(0) + h.mean() - h.max(1).values.exp()

    run(parity, rng, f, [N(4, 3), N(3, 5), N(5)])


def test_float32_parity(parity, rng):
    x = rng.standard_normal((3, 4)).astype(np.float32)
    y = rng.uniform(0.5, 2, (4,)).astype(np.float32)
    out = parity(lambda a, b: ((a / b) ** 2 - 2.5 * a).exp().sum(0), lambda a, b: ((a / b) ** 2 - 2.5 * a).exp().sum(0),
                 x, y, atol=1e-5, rtol=1e-5)
    assert out[0].dtype == sj.float32


def test_integer_results_match(parity):
    a = Const(np.arange(6).reshape(2, 3))
    parity(lambda x: x * 2 + 1, lambda x: x * 2 + 1, a)
    parity(lambda x: x / 2, lambda x: x / 2, a)   # true division of ints gives the default float
    parity(lambda x: x * 0.5, lambda x: x * 0.5, a)
    parity(lambda x: x.sum(0), lambda x: x.sum(0), a)
    parity(lambda x: x // 4, lambda x: x // 4, a)
    parity(lambda x: x % 4, lambda x: x % 4, a)
    parity(lambda x: (x > 2) & (x < 5), lambda x: (x > 2) & (x < 5), a)


def test_harness_catches_a_wrong_gradient(parity):
    """The parity harness itself: a forward that agrees but a backward that doesn't must fail."""
    from shenjing.autograd import Function

    class Cube(Function):
        def forward(self, a):
            self.a = a
            return a**3

        def backward(self, g):
            return g * 3 * self.a  # wrong: should be 3a²

    x = np.array([0.5, -1.5, 2.0])
    parity(lambda t: t**3, lambda t: t**3, x)
    with pytest.raises(AssertionError, match="gradient of input 0"):
        parity(lambda t: Cube.apply(t), lambda t: t**3, x)
    with pytest.raises(AssertionError, match="forward values"):
        parity(lambda t: t**3, lambda t: t**2, x)


# ----------------------------------------------------------------- printing
REPR_VALUES = [
    [1.0, 2.0], [1.5, -2.0], 3.5, -0.0, [0.0, 0.0], [1e-5, 1.0], [1e10, 1.0], [123456.789], [1e8], [1.5e8, 1.0],
    [float("nan"), 1.5, float("inf")], [float("nan"), 1.0, float("-inf")], [0.0001], [[1.5, 2.0], [3.0, 4.0]],
    [[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.5]]], (np.arange(30.0) / 7).tolist(),
    np.arange(2000.0).tolist(), (np.arange(3000.0) / 3).reshape(3, 1000).tolist(),
]  # (summarised tensors with negative values break their first line differently: not compared)


def _same_repr(s, t):
    """Equal modulo the library name (whose length may push a suffix onto the next line)."""
    def norm(text, name):
        return re.sub(r",\s+(dtype|size|requires_grad)=", r", \1=", text.replace(name + ".", ""))
    return norm(repr(s), "shenjing") == norm(repr(t), "torch")


@pytest.mark.filterwarnings("ignore:overflow encountered in cast")  # 1e8 in float16 is inf in both
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("value", REPR_VALUES, ids=range(len(REPR_VALUES)))
def test_repr_matches_torch(value, dtype):
    assert _same_repr(sj.tensor(value, dtype=getattr(sj, dtype)), torch.tensor(value, dtype=getattr(torch, dtype)))


@pytest.mark.parametrize("shape", [(40,), (2, 20), (2, 2, 20), (2, 2, 2, 20), (3, 50), (2, 3, 30), (1, 1, 1, 1, 25),
                                   (13, 13)], ids=str)
@pytest.mark.parametrize("scale", [1, 1 / 7, 1000, -3, 1e-5])
@pytest.mark.parametrize("dtype", ["int64", "float32", "float64"])
def test_repr_line_breaks_match_torch(shape, scale, dtype):
    a = (np.arange(np.prod(shape)).reshape(shape) * scale).astype(dtype)
    assert _same_repr(sj.tensor(a), torch.tensor(a))
    if dtype != "int64":
        assert _same_repr(sj.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True))


@pytest.mark.parametrize("make", [lambda L: L.tensor([[1, -2], [30, 4]]), lambda L: L.arange(40).reshape(2, 20),
                                  lambda L: L.zeros(2, 3, dtype=L.int32), lambda L: L.tensor([True, False]),
                                  lambda L: L.zeros(2, 0), lambda L: L.tensor([], dtype=L.float64),
                                  lambda L: L.zeros(0, 3, dtype=L.int64), lambda L: L.zeros(0, dtype=L.bool),
                                  lambda L: L.ones(2, 2, requires_grad=True), lambda L: L.tensor(7)],
                         ids=range(10))
def test_repr_matches_torch_other_dtypes(make):
    assert _same_repr(make(sj), make(torch))


PROMOTIONS = [
    lambda L, x: x.exp(), lambda L, x: x.log(), lambda L, x: x.sqrt(), lambda L, x: x.sin(), lambda L, x: x.cos(),
    lambda L, x: x.sigmoid(), lambda L, x: x.tanh(), lambda L, x: x.relu(), lambda L, x: x.abs(),
    lambda L, x: x * 0.5, lambda L, x: x / 2, lambda L, x: x.clamp(min=1.5), lambda L, x: L.where(x > 2, x, 0.5),
    lambda L, x: x.float() * np.float64(1.5), lambda L, x: x.float() ** np.float64(2),
    lambda L, x: L.maximum(x.float(), L.ones(3)),
    lambda L, x: x.softmax(0) if L is sj else x.float().softmax(0),  # (PyTorch has no integer softmax)
]


@pytest.mark.parametrize("fn", PROMOTIONS, ids=range(len(PROMOTIONS)))
def test_dtype_promotion_like_torch(parity, fn):
    """Integer inputs to float ops give the default float; NumPy float64 scalars don't upcast float32."""
    parity(functools.partial(fn, sj), functools.partial(fn, torch), Const(np.array([1, 2, 4])), atol=1e-6, rtol=1e-6)


ZERO_DIM_CASES = [  # (data dtype, 0-d dtype): dimensioned floats decide; a 0-d float counts only over ints
    ("float32", "float64"), ("int64", "float64"), ("int64", "float32"), ("float64", "float32"), ("float16", "float64"),
]
ZERO_DIM_OPS = [
    lambda L, a, s: a * s, lambda L, a, s: s + a, lambda L, a, s: a - s, lambda L, a, s: a / s,
    lambda L, a, s: a**s if a.dtype.is_floating_point else a * s, lambda L, a, s: L.maximum(a, s),
    lambda L, a, s: L.minimum(s, a), lambda L, a, s: L.where(a > 1, a, s),
]


@pytest.mark.parametrize("dtypes", ZERO_DIM_CASES, ids=str)
@pytest.mark.parametrize("op", ZERO_DIM_OPS, ids=range(len(ZERO_DIM_OPS)))
def test_zero_dim_tensor_promotion_like_torch(dtypes, op):
    """A 0-d float64 tensor does not turn float32 data into float64 (PyTorch's rule; NumPy's differs)."""
    data, scalar = dtypes
    outs = {}
    for L in (sj, torch):
        a = L.tensor([0.5, 2.0, 3.0]).to(getattr(L, data))
        s = L.tensor(1.5, dtype=getattr(L, scalar), requires_grad=True)
        if a.dtype.is_floating_point:
            a.requires_grad_()
        out = op(L, a, s)
        out.sum().backward()
        outs[L] = (str(out.dtype).split(".")[-1], out.detach().double().numpy(), str(s.grad.dtype).split(".")[-1],
                   s.grad.double().numpy(), None if a.grad is None else (str(a.grad.dtype), a.grad.double().numpy()))
    got, want = outs[sj], outs[torch]
    assert got[0] == want[0] and got[2] == want[2]
    np.testing.assert_allclose(got[1], want[1], rtol=1e-3)
    np.testing.assert_allclose(got[3], want[3], rtol=1e-3)
    if want[4] is not None:
        assert got[4][0].split(".")[-1] == want[4][0].split(".")[-1]
        np.testing.assert_allclose(got[4][1], want[4][1], rtol=1e-3)
