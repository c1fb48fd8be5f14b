"""Check analytic gradients against central differences, in float64, with a readable report.

For each input entry xᵢ:  ∂f/∂xᵢ ≈ (f(x + ε eᵢ) − f(x − ε eᵢ)) / 2ε.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np


class GradcheckError(AssertionError):
    """Raised by ``gradcheck`` when an analytic gradient disagrees with the numerical one."""


@dataclass
class GradcheckReport:
    ok: bool
    input_index: int
    entry: tuple
    analytic: float
    numerical: float
    max_abs_error: float

    def __str__(self) -> str:
        status = "OK" if self.ok else "MISMATCH"
        return (f"gradcheck {status}: worst entry is input {self.input_index} at {self.entry}: "
                f"analytic {self.analytic:.10g}, numerical {self.numerical:.10g} "
                f"(|diff| = {self.max_abs_error:.3g})")


def _scalarize(out, weights):
    """Reduce any output to a scalar with fixed random weights, so one backward checks all."""
    if out.data.size == 1:
        return out.sum()
    return (out * weights).sum()


def gradcheck(fn: Callable, inputs: Sequence, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, seed: int = 0) -> bool:
    """Compare ``fn``'s autograd gradients with finite differences for each input that requires grad.

    Inputs should be float64 tensors.  Returns True, or raises ``GradcheckError`` (or returns False
    with ``raise_exception=False``) naming the worst entry.  ``gradcheck.last_report`` keeps the report.
    """
    from ..tensor import Tensor
    from .function import enable_grad

    inputs = list(inputs)
    for i, x in enumerate(inputs):
        if isinstance(x, Tensor) and x.requires_grad and x.data.dtype != np.float64:
            raise TypeError(f"gradcheck: input {i} is {x.dtype}; use float64 inputs (x.double())")
    with enable_grad():
        out0 = fn(*inputs)
        weights = np.random.default_rng(seed).standard_normal(out0.shape)
        for x in inputs:
            if isinstance(x, Tensor):
                x.grad = None
        _scalarize(out0, weights).backward()
    worst = GradcheckReport(True, -1, (), 0.0, 0.0, 0.0)
    worst_ratio = -1.0
    for i, x in enumerate(inputs):
        if not (isinstance(x, Tensor) and x.requires_grad):
            continue
        analytic = np.zeros_like(x.data) if x.grad is None else x.grad.data
        flat = x.data.reshape(-1)
        for j in range(flat.size):
            old = flat[j]
            flat[j] = old + eps
            fp = float(_scalarize(fn(*inputs), weights).data)
            flat[j] = old - eps
            fm = float(_scalarize(fn(*inputs), weights).data)
            flat[j] = old
            num = (fp - fm) / (2 * eps)
            ana = float(analytic.reshape(-1)[j])
            err = abs(ana - num)
            ratio = err / (atol + rtol * abs(num))
            if ratio > worst_ratio:
                worst_ratio = ratio
                worst = GradcheckReport(ratio <= 1.0, i, tuple(int(k) for k in np.unravel_index(j, x.shape)),
                                         ana, num, err)
    if worst.input_index >= 0:
        worst.ok = worst_ratio <= 1.0
    gradcheck.last_report = worst
    if not worst.ok and raise_exception:
        raise GradcheckError(str(worst))
    return worst.ok


gradcheck.last_report = None
