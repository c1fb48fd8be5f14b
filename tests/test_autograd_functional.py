"""shenjing.autograd.functional (vjp, jvp, jacobian) against torch.autograd.functional."""

import numpy as np
import pytest
import torch
import torch.autograd.functional as TF

import shenjing as sj
from shenjing.autograd import functional as F


def _np(x):
    return x.detach().numpy() if isinstance(x, torch.Tensor) else x.data


def _same(a, b):
    """Same nesting (tensor / tuple / tuple of tuples), shapes, dtypes and values."""
    if isinstance(b, tuple):
        assert isinstance(a, tuple) and len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
        return
    assert isinstance(a, sj.Tensor) and not a.requires_grad
    assert tuple(a.shape) == tuple(b.shape)
    assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
    tol = 1e-5 if _np(b).dtype == np.float32 else 1e-10
    np.testing.assert_allclose(_np(a), _np(b), rtol=tol, atol=tol)


# (function of the library module `L`, input shapes); several inputs and outputs, some inputs unused
FUNCS = {
    "exp_sum": (lambda L: lambda x: x.exp() * x.sum(), [(3,)]),
    "matrix": (lambda L: lambda x: (x @ x.T).tanh(), [(2, 3)]),
    "scalar": (lambda L: lambda x: (x.sin() ** 2).sum(), [(4,)]),
    "two_in": (lambda L: lambda x, y: x * y.sum() + x.exp(), [(3,), (2, 2)]),
    "two_out": (lambda L: lambda x: (x.sigmoid(), (x * x).sum()), [(2, 2)]),
    "two_two": (lambda L: lambda x, y: (x @ y, (x * 2).sum()), [(2, 3), (3, 2)]),
    "unused": (lambda L: lambda x, y: x.log() * 3, [(3,), (2,)]),
    "scalar_in": (lambda L: lambda x: L.stack([x, x * x, x.exp()]), [()]),
}


def _inputs(shapes, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    arrs = [(np.abs(rng.standard_normal(s)) + 0.5).astype(dtype) for s in shapes]
    return [sj.tensor(a.copy()) for a in arrs], [torch.tensor(a.copy()) for a in arrs]


def _args(xs, single):
    return xs[0] if single else tuple(xs)


# (function, pass the input as one tensor?): the one-tensor form only where there is one input
CASES = [(n, single) for n in FUNCS for single in (True, False) if not (single and len(FUNCS[n][1]) > 1)]
CASE_IDS = [f"{n}-{'tensor' if single else 'tuple'}" for n, single in CASES]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,single", CASES, ids=CASE_IDS)
def test_jacobian(name, dtype, single):
    make, shapes = FUNCS[name]
    xs, xt = _inputs(shapes, dtype=dtype)
    js = F.jacobian(make(sj), _args(xs, single))
    jt = TF.jacobian(make(torch), _args(xt, single))
    _same(js, jt)
    for a in xs:  # the inputs are untouched
        assert not a.requires_grad and a.grad is None


def _out_like(out, seed):
    rng = np.random.default_rng(seed)
    outs = out if isinstance(out, tuple) else (out,)
    arrs = [rng.standard_normal(tuple(o.shape)).astype(_np(o).dtype) for o in outs]
    pick = (lambda L: tuple(L.tensor(a) for a in arrs)) if isinstance(out, tuple) else (lambda L: L.tensor(arrs[0]))
    return pick


@pytest.mark.parametrize("name,single", CASES, ids=CASE_IDS)
def test_vjp(name, single):
    make, shapes = FUNCS[name]
    xs, xt = _inputs(shapes)
    out = make(torch)(*xt)
    v = _out_like(out, 1)
    rs, rt = F.vjp(make(sj), _args(xs, single), v(sj)), TF.vjp(make(torch), _args(xt, single), v(torch))
    _same(rs, rt)
    if not isinstance(out, tuple) and out.numel() == 1:  # v may be left out for one-element outputs
        _same(F.vjp(make(sj), _args(xs, single)), TF.vjp(make(torch), _args(xt, single)))


@pytest.mark.parametrize("name,single", CASES, ids=CASE_IDS)
def test_jvp(name, single):
    make, shapes = FUNCS[name]
    xs, xt = _inputs(shapes)
    vs, vt = _inputs(shapes, seed=5)
    rs = F.jvp(make(sj), _args(xs, single), _args(vs, single))
    rt = TF.jvp(make(torch), _args(xt, single), _args(vt, single))
    _same(rs, rt)
    if shapes == [()]:
        _same(F.jvp(make(sj), xs[0]), TF.jvp(make(torch), xt[0]))


def test_jacobian_is_exact_and_a_wrong_gradient_shows():
    """J of x ↦ A x is A exactly; torch agrees to the last bit for a linear map."""
    a = np.random.default_rng(0).standard_normal((4, 3))
    x = np.random.default_rng(1).standard_normal(3)
    js = F.jacobian(lambda t: sj.tensor(a) @ t, sj.tensor(x))
    np.testing.assert_array_equal(js.data, a)
    _, jv = F.jvp(lambda t: sj.tensor(a) @ t, sj.tensor(x), sj.tensor(x))
    np.testing.assert_allclose(jv.data, a @ x, rtol=1e-14)
    _, vj = F.vjp(lambda t: sj.tensor(a) @ t, sj.tensor(x), sj.ones(4, dtype=sj.float64))
    np.testing.assert_allclose(vj.data, a.sum(0), rtol=1e-14)


def test_independent_outputs_and_strict():
    x = sj.ones(3)
    j = F.jacobian(lambda t: sj.ones(2), x)  # output does not depend on the input: zeros
    _same(j, TF.jacobian(lambda t: torch.ones(2), torch.ones(3)))
    for mod, lib in ((F, sj), (TF, torch)):
        with pytest.raises(RuntimeError, match="does not require gradients.*strict mode"):
            mod.vjp(lambda t, lib=lib: lib.ones(3), lib.ones(3), lib.ones(3), strict=True)
        with pytest.raises(RuntimeError, match="independent of input 1. This is not allowed in strict mode"):
            mod.vjp(lambda t, u: t * 2, (lib.ones(3), lib.ones(2)), lib.ones(3), strict=True)
        with pytest.raises(RuntimeError, match="independent of input 1. This is not allowed in strict mode"):
            mod.jacobian(lambda t, u: t * 2, (lib.ones(3), lib.ones(2)), strict=True)


def test_errors_like_torch():
    for mod, lib in ((F, sj), (TF, torch)):
        with pytest.raises(RuntimeError, match=r"v has invalid size: should be .*\[3\].* but got .*\[?2"):
            mod.vjp(lambda t: t * 2, lib.ones(3), lib.ones(2))
        with pytest.raises(RuntimeError, match=r"v has invalid size"):
            mod.jvp(lambda t: t * 2, lib.ones(3), lib.ones(2))
        with pytest.raises(RuntimeError, match="v can only be None if the user-provided function returns a single"):
            mod.vjp(lambda t: t * 2, lib.ones(3))
        with pytest.raises(RuntimeError, match="v can only be None if the input to the user-provided function is"):
            mod.jvp(lambda t: t * 2, lib.ones(3))
        with pytest.raises(RuntimeError, match="v is a tuple of invalid length: should be 2 but got 1"):
            mod.vjp(lambda t: (t * 2, t.sum()), lib.ones(2), (lib.ones(2),))
        with pytest.raises(TypeError, match="The inputs given to vjp must be either a Tensor or a tuple of Tensors"):
            mod.vjp(lambda t: t, 1)
        with pytest.raises(TypeError, match="The outputs of the user-provided function given to vjp must be"):
            mod.vjp(lambda t: 3, lib.ones(1))


def test_hessian_and_create_graph_not_supported():
    with pytest.raises(NotImplementedError, match="gradients of gradients"):
        F.hessian(lambda t: (t**3).sum(), sj.ones(3))
    for fn in (F.vjp, F.jvp):
        with pytest.raises(NotImplementedError, match="create_graph=True"):
            fn(lambda t: t * 2, sj.ones(3), sj.ones(3), create_graph=True)
    with pytest.raises(NotImplementedError, match="create_graph=True"):
        F.jacobian(lambda t: t * 2, sj.ones(3), create_graph=True)


def test_attribute_access():
    assert sj.autograd.functional is F
    with pytest.raises(AttributeError):
        sj.autograd.no_such_thing  # noqa: B018
