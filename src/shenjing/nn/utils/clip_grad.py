"""Gradient clipping: keep one bad batch from throwing the weights far away.

``clip_grad_norm_`` rescales all gradients together so that their joint p-norm ‖∇‖ is at most
``max_norm`` (the direction of the step is kept); ``clip_grad_value_`` clamps every entry of ∇ to
[−c, c].  Both replace ``p.grad.data`` with a new array instead of writing into it, because the
autograd engine may hand the same gradient array to several tensors.  Semantics match
``torch.nn.utils``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from ... import backend
from ...tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm"]

TensorOrTensors = Tensor | Iterable[Tensor]


def _as_list(tensors: TensorOrTensors) -> list[Tensor]:
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


def _norm(a: np.ndarray, p: float) -> np.ndarray:
    """The p-norm of all entries of ``a``, in ``a``'s dtype (0-d array)."""
    x = a.reshape(-1)
    if x.size == 0:
        return np.zeros((), dtype=a.dtype)
    if p == 2.0:
        return np.sqrt(np.dot(x, x))
    if p == math.inf:
        return np.max(np.abs(x))
    if p == -math.inf:
        return np.min(np.abs(x))
    if p == 1.0:
        return np.sum(np.abs(x))
    if p == 0.0:
        return np.asarray(np.count_nonzero(x), dtype=a.dtype)
    return np.sum(np.abs(x) ** p) ** (1.0 / p)


def get_total_norm(
    tensors: TensorOrTensors,
    norm_type: float | str = 2.0,
    error_if_nonfinite: bool = False,
) -> Tensor:
    """‖(t₁, t₂, …)‖_p: the p-norm of all the given tensors' entries taken together.

    Computed as the p-norm of the per-tensor p-norms, as PyTorch does.
    """
    arrays = [t.data for t in _as_list(tensors)]
    p = float(norm_type)
    if not arrays:
        return Tensor(np.zeros((), dtype=backend.get_default_dtype().np))
    dtype = np.result_type(*arrays)
    with np.errstate(invalid="ignore", over="ignore"):  # an inf or nan norm is reported below
        norms = np.array([_norm(a, p) for a in arrays], dtype=dtype)
        total = np.asarray(_norm(norms, p), dtype=dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {p} for gradients from `parameters` is non-finite, so it "
            "cannot be clipped. To disable this error and scale the gradients by the non-finite "
            "norm anyway, set `error_if_nonfinite=False`"
        )
    return Tensor(total)


def clip_grads_with_norm_(
    parameters: TensorOrTensors, max_norm: float, total_norm: Tensor | float
) -> None:
    """Scale every ``p.grad`` by min(1, max_norm / (‖∇‖ + 1e-6)), given ‖∇‖ = ``total_norm``."""
    grads = [p for p in _as_list(parameters) if p.grad is not None]
    if not grads:
        return
    total = total_norm.data if isinstance(total_norm, Tensor) else np.asarray(total_norm)
    coef = max_norm / (total + 1e-6)
    if coef >= 1.0:  # multiplying by the clamped factor 1 changes nothing
        return
    with np.errstate(invalid="ignore", over="ignore"):  # inf·0 for a non-finite norm, as PyTorch
        for p in grads:
            g = p.grad
            g.data = np.multiply(g.data, coef.astype(g.data.dtype, copy=False))


def clip_grad_norm_(
    parameters: TensorOrTensors,
    max_norm: float,
    norm_type: float | str = 2.0,
    error_if_nonfinite: bool = False,
) -> Tensor:
    """Rescale the gradients so that their joint norm is at most ``max_norm``; return the norm.

    ∇ ← ∇ · min(1, max_norm / (‖∇‖_p + 1e-6)).  The returned tensor is ‖∇‖_p before clipping.
    With ``error_if_nonfinite`` an inf or nan norm raises ``RuntimeError`` instead.
    """
    params = _as_list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    clip_grads_with_norm_(params, max_norm, total)
    return total


def clip_grad_value_(parameters: TensorOrTensors, clip_value: float) -> None:
    """Clamp every gradient entry into [−clip_value, clip_value]."""
    c = float(clip_value)
    for p in _as_list(parameters):
        g = p.grad
        if g is not None:
            g.data = np.clip(g.data, -c, c)
