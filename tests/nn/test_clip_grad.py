"""Gradient clipping: by joint norm (with the non-finite check) and by value."""

from __future__ import annotations

import math

import numpy as np
import pytest

import shenjing as sj
from shenjing.nn import Parameter
from shenjing.nn.utils import clip_grad_norm_, clip_grad_value_, get_total_norm


def with_grads(*grads) -> list[Parameter]:
    ps = []
    for g in grads:
        p = Parameter(sj.tensor(np.zeros_like(np.asarray(g, dtype=np.float64))))
        p.grad = sj.tensor(np.asarray(g, dtype=np.float64))
        ps.append(p)
    return ps


def joint_norm(ps, ord=2.0) -> float:
    flat = np.concatenate([p.grad.data.ravel() for p in ps])
    return float(np.linalg.norm(flat, ord))


def test_clip_grad_norm_scales_to_max_norm():
    ps = with_grads([[3.0, 0.0], [0.0, 4.0]], [12.0])  # joint 2-norm 13
    total = clip_grad_norm_(ps, max_norm=1.0)
    assert isinstance(total, sj.Tensor)
    assert total.item() == pytest.approx(13.0)  # the norm before clipping
    assert joint_norm(ps) == pytest.approx(1.0, rel=1e-5)
    np.testing.assert_allclose(ps[1].grad.data, [12.0 / (13.0 + 1e-6)])  # direction kept


def test_small_gradients_are_left_alone():
    ps = with_grads([0.3, 0.4])
    before = ps[0].grad.data
    total = clip_grad_norm_(ps, max_norm=1.0)
    assert total.item() == pytest.approx(0.5)
    assert ps[0].grad.data is before


@pytest.mark.parametrize("norm_type", [1.0, 3.0, math.inf, "inf"])
def test_other_norms(norm_type):
    ps = with_grads([1.0, -2.0, 3.0], [[-4.0]])
    p = float(norm_type)
    want = joint_norm(ps, p)
    total = clip_grad_norm_(ps, max_norm=0.5, norm_type=norm_type)
    assert total.item() == pytest.approx(want)
    assert joint_norm(ps, p) == pytest.approx(0.5, rel=1e-5)


@pytest.mark.parametrize("bad", [math.inf, -math.inf, math.nan])
def test_error_if_nonfinite(bad):
    ps = with_grads([1.0, bad], [2.0])
    kept = ps[1].grad.data.copy()
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_(ps, max_norm=1.0, error_if_nonfinite=True)
    np.testing.assert_array_equal(ps[1].grad.data, kept)  # nothing was scaled
    total = clip_grad_norm_(ps, max_norm=1.0)  # without the flag: PyTorch's behaviour, no error
    assert not np.isfinite(total.item())


def test_single_tensor_none_grads_and_no_grads():
    (p,) = with_grads([6.0, 8.0])
    idle = Parameter(sj.tensor(np.zeros(3)))
    assert clip_grad_norm_([p, idle], 5.0).item() == pytest.approx(10.0)
    assert idle.grad is None
    assert clip_grad_norm_(p, 100.0).item() == pytest.approx(5.0, rel=1e-6)
    zero = clip_grad_norm_([idle], 1.0)
    assert zero.item() == 0.0 and zero.dtype == sj.float32


def test_float32_gradients_give_a_float32_norm():
    p = Parameter(sj.tensor(np.zeros(2, dtype=np.float32)))
    p.grad = sj.tensor(np.array([30.0, 40.0], dtype=np.float32))
    total = clip_grad_norm_([p], 1.0)
    assert total.dtype == sj.float32 and p.grad.dtype == sj.float32
    assert get_total_norm([p.grad]).item() == pytest.approx(1.0, rel=1e-5)


def test_shared_gradient_arrays_are_not_written():
    shared = np.array([3.0, 4.0])
    a, b = Parameter(sj.tensor(np.zeros(2))), Parameter(sj.tensor(np.zeros(2)))
    a.grad, b.grad = sj.tensor(shared), sj.tensor(shared)
    a.grad.data = b.grad.data = shared  # one array behind both gradients, as autograd may do
    clip_grad_norm_([a, b], max_norm=1.0)
    np.testing.assert_array_equal(shared, [3.0, 4.0])
    scale = 1.0 / (math.sqrt(50.0) + 1e-6)
    np.testing.assert_allclose(a.grad.data, shared * scale)  # each scaled exactly once
    np.testing.assert_allclose(b.grad.data, shared * scale)
    clip_grad_value_([a, b], 0.1)
    np.testing.assert_array_equal(shared, [3.0, 4.0])


def test_clip_grad_value_clamps_every_entry():
    ps = with_grads([-3.0, 0.05, 2.0], [[0.5, -0.5]])
    assert clip_grad_value_(ps, 0.1) is None
    np.testing.assert_array_equal(ps[0].grad.data, [-0.1, 0.05, 0.1])
    np.testing.assert_array_equal(ps[1].grad.data, [[0.1, -0.1]])


def test_reachable_from_shenjing_nn():
    assert sj.nn.utils.clip_grad_norm_ is clip_grad_norm_
