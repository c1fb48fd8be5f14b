"""Adamax: Adam with the infinity norm, a running maximum of |∇| instead of a mean of ∇²."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .optimizer import Optimizer, check_adam_hyperparameters

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """Adamax: m ← β₁m + (1−β₁)∇, u ← max(β₂u, |∇| + ε), w ← w − η/(1−β₁ᵗ) · m / u.

    ``weight_decay`` λ adds λ·w to ∇; ``maximize`` uses −∇.  Same semantics as
    ``torch.optim.Adamax``.
    """

    _array_state = ("exp_avg", "exp_inf")
    _scalar_state = ("step",)

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
    ) -> None:
        check_adam_hyperparameters(lr, eps, betas, weight_decay)
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize}
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One Adamax step for every parameter with a gradient."""
        loss = self._evaluate(closure)
        state = self.state
        for group in self.param_groups:
            lr = group["lr"]
            beta1, beta2 = group["betas"]
            eps = group["eps"]
            wd = group["weight_decay"]
            maximize = group["maximize"]
            for p, w, g in self._with_grad(group):
                st = state[p]
                if not st:
                    st["step"] = 0
                    st["exp_avg"] = np.zeros_like(w)
                    st["exp_inf"] = np.zeros_like(w)
                t = st["step"] = st["step"] + 1
                m, u = st["exp_avg"], st["exp_inf"]
                tmp = self.scratch_like(w)
                # d = ±∇ (+ λw)
                d = self._direction(g, w, wd, maximize, out=tmp)
                # m ← β₁m + (1−β₁)d, as d + β₁(m − d)
                m -= d
                m *= beta1
                m += d
                # u ← max(β₂u, |d| + ε)
                u *= beta2
                a = np.abs(d, out=tmp)
                a += eps
                np.maximum(u, a, out=u)
                # w ← w − η/(1−β₁ᵗ) · m/u
                upd = np.divide(m, u, out=tmp)
                upd *= lr / (1.0 - beta1**t)
                w -= upd
        return loss
