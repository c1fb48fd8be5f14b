"""RAdam: Adam whose adaptive step is switched on gradually, rectifying the early variance of v."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .adam import update_moments
from .optimizer import Optimizer, check_adam_hyperparameters

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """RAdam: m ← β₁m + (1−β₁)∇, v ← β₂v + (1−β₂)∇², m̂ = m/(1−β₁ᵗ).

    ρ∞ = 2/(1−β₂) − 1 and ρₜ = ρ∞ − 2tβ₂ᵗ/(1−β₂ᵗ) measure how trustworthy v is.  While
    ρₜ ≤ 5 the step is momentum SGD, w ← w − η·m̂; afterwards
    w ← w − η·r·m̂·√(1−β₂ᵗ)/(√v + ε), with r = √((ρₜ−4)(ρₜ−2)ρ∞ / ((ρ∞−4)(ρ∞−2)ρₜ)).
    ``weight_decay`` λ adds λ·w to ∇, or with ``decoupled_weight_decay`` shrinks
    w ← w(1 − ηλ) first; ``maximize`` uses −∇.  Same semantics as ``torch.optim.RAdam``.
    """

    _array_state = ("exp_avg", "exp_avg_sq")
    _scalar_state = ("step",)

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        decoupled_weight_decay: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        check_adam_hyperparameters(lr, eps, betas, weight_decay)
        defaults = {
            "lr": lr,
            "betas": tuple(betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One RAdam step for every parameter with a gradient."""
        loss = self._evaluate(closure)
        state = self.state
        for group in self.param_groups:
            lr = group["lr"]
            beta1, beta2 = group["betas"]
            eps = group["eps"]
            wd = group["weight_decay"]
            decoupled = group["decoupled_weight_decay"]
            maximize = group["maximize"]
            for p, w, g in self._with_grad(group):
                st = state[p]
                if not st:
                    st["step"] = 0
                    st["exp_avg"] = np.zeros_like(w)
                    st["exp_avg_sq"] = np.zeros_like(w)
                t = st["step"] = st["step"] + 1
                m, v = st["exp_avg"], st["exp_avg_sq"]
                tmp = self.scratch_like(w)
                # d = ±∇ (+ λw for L2 decay); decoupled decay shrinks w ← w(1 − ηλ)
                if wd != 0 and decoupled:
                    w *= 1.0 - lr * wd
                d = self._direction(g, w, 0 if decoupled else wd, maximize, out=tmp)
                # m ← β₁m + (1−β₁)d,  v ← β₂v + (1−β₂)d²
                update_moments(m, v, d, beta1, beta2, tmp)
                bc1 = 1.0 - beta1**t
                bc2 = 1.0 - beta2**t
                rho_inf = 2.0 / (1.0 - beta2) - 1.0
                rho_t = rho_inf - 2.0 * t * beta2**t / bc2
                if rho_t > 5.0:  # w ← w − η·r·√(1−β₂ᵗ)/(1−β₁ᵗ) · m/(√v + ε)
                    rect = math.sqrt(
                        (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
                    )
                    denom = np.sqrt(v, out=tmp)
                    denom += eps
                    upd = np.divide(m, denom, out=tmp)
                    upd *= lr * rect * math.sqrt(bc2) / bc1
                else:  # w ← w − η·m̂
                    upd = np.multiply(m, lr / bc1, out=tmp)
                w -= upd
        return loss
