"""scaled_dot_product_attention: numerical gradients of Q, K, V (and a float mask) in float64."""

from __future__ import annotations

import numpy as np
import pytest

import shenjing as sj
import shenjing.nn.functional as F
from shenjing.ops.attention import ScaledDotProductAttention


def qkv(rng, lead=(2, 2), L=3, S=4, E=5, Ev=3):
    return (rng.standard_normal((*lead, L, E)), rng.standard_normal((*lead, S, E)),
            rng.standard_normal((*lead, S, Ev)))


@pytest.mark.parametrize("lead", [(), (2,), (2, 3)], ids=str)
def test_sdpa_plain(check_grad, rng, lead):
    check_grad(lambda q, k, v: F.scaled_dot_product_attention(q, k, v), *qkv(rng, lead))


@pytest.mark.parametrize("scale", [None, 0.3, 2.0])
def test_sdpa_scale(check_grad, rng, scale):
    check_grad(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, scale=scale), *qkv(rng))


@pytest.mark.parametrize("L,S", [(4, 4), (3, 5), (5, 3)])
def test_sdpa_causal(check_grad, rng, L, S):
    check_grad(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True), *qkv(rng, L=L, S=S))


@pytest.mark.parametrize("mshape", [(3, 4), (2, 1, 3, 4), (2, 2, 3, 4)], ids=str)
def test_sdpa_bool_mask(check_grad, rng, mshape):
    m = sj.tensor(rng.random(mshape) > 0.3)
    check_grad(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=m), *qkv(rng))


@pytest.mark.parametrize("mshape", [(3, 4), (2, 1, 3, 4)], ids=str)
def test_sdpa_float_mask_and_its_grad(check_grad, rng, mshape):
    mask = rng.standard_normal(mshape)
    check_grad(lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m), *qkv(rng), mask)


def test_sdpa_fully_masked_row_is_zero_with_zero_grads(check_grad, rng):
    m = np.ones((3, 4), dtype=bool)
    m[1] = False
    q, k, v = check_grad(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=sj.tensor(m)),
                         *qkv(rng))
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=sj.tensor(m))
    assert np.all(out.detach().numpy()[..., 1, :] == 0)
    out.sum().backward()
    assert np.all(q.grad.numpy()[..., 1, :] == 0)


def test_sdpa_gqa(check_grad, rng):
    q = rng.standard_normal((2, 4, 3, 5))
    k, v = rng.standard_normal((2, 2, 4, 5)), rng.standard_normal((2, 2, 4, 3))
    check_grad(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, enable_gqa=True), q, k, v)


def test_sdpa_broadcast_batch(check_grad, rng):
    q = rng.standard_normal((2, 3, 3, 5))
    k, v = rng.standard_normal((1, 3, 4, 5)), rng.standard_normal((2, 1, 4, 3))
    check_grad(lambda q, k, v: F.scaled_dot_product_attention(q, k, v), q, k, v)


def test_sdpa_dropout_grad_with_fixed_mask(check_grad, rng):
    # the same seed before each call draws the same dropout mask, so the function is deterministic
    def f(q, k, v):
        sj.manual_seed(7)
        return F.scaled_dot_product_attention(q, k, v, dropout_p=0.4)

    check_grad(f, *qkv(rng))


def test_sdpa_dropout_statistics():
    sj.manual_seed(0)
    q = sj.zeros(1, 200, 4, dtype=sj.float64)
    v = sj.ones(1, 50, 2, dtype=sj.float64)
    out = F.scaled_dot_product_attention(q, sj.zeros(1, 50, 4, dtype=sj.float64), v, dropout_p=0.25).numpy()
    assert abs(out.mean() - 1.0) < 0.05  # E[mask/(1-p)] = 1
    assert (out != 1.0).any()
    assert np.all(F.scaled_dot_product_attention(q, q[:, :50], v, dropout_p=1.0).numpy() == 0)


def test_sdpa_is_one_fused_node(rng):
    q, k, v = (sj.tensor(a, requires_grad=True) for a in qkv(rng))
    out = F.scaled_dot_product_attention(q, k, v)
    assert isinstance(out.grad_fn, ScaledDotProductAttention)


def test_sdpa_bad_backward_would_fail(rng):
    """The gradient check catches a wrong derivative (dQ off by 1%)."""
    from shenjing.autograd import gradcheck

    class Broken(ScaledDotProductAttention):
        def backward(self, g):
            dq, dk, dv, dm = super().backward(g)
            return dq * 1.01, dk, dv, dm

    q, k, v = (sj.tensor(a, requires_grad=True) for a in qkv(rng))
    assert gradcheck(lambda q, k, v: ScaledDotProductAttention.apply(q, k, v, None, scale=0.5), [q, k, v])
    assert not gradcheck(lambda q, k, v: Broken.apply(q, k, v, None, scale=0.5), [q, k, v], raise_exception=False)
