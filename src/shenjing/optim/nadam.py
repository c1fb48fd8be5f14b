"""NAdam: Adam with Nesterov momentum — the step looks ahead along the next momentum."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .adam import update_moments
from .optimizer import Optimizer, check_adam_hyperparameters

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """NAdam: Adam whose step mixes ∇ and the momentum m with the next momentum factor.

    μₜ = β₁(1 − ½·0.96^(t·ψ)) with ψ = ``momentum_decay``, Πₜ = μ₁⋯μₜ;
    m ← β₁m + (1−β₁)∇, v ← β₂v + (1−β₂)∇², and with D = √(v/(1−β₂ᵗ)) + ε::

        w ← w − η(1−μₜ)/(1−Πₜ) · ∇/D − η·μₜ₊₁/(1−Πₜμₜ₊₁) · m/D

    ``weight_decay`` λ adds λ·w to ∇, or with ``decoupled_weight_decay`` shrinks
    w ← w(1 − ηλ) first; ``maximize`` uses −∇.  Same semantics as ``torch.optim.NAdam``.
    """

    _array_state = ("exp_avg", "exp_avg_sq")
    _scalar_state = ("step", "mu_product")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        check_adam_hyperparameters(lr, eps, betas, weight_decay)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = {
            "lr": lr,
            "betas": tuple(betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum_decay": momentum_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One NAdam step for every parameter with a gradient."""
        loss = self._evaluate(closure)
        state = self.state
        for group in self.param_groups:
            lr = group["lr"]
            beta1, beta2 = group["betas"]
            eps = group["eps"]
            wd = group["weight_decay"]
            psi = group["momentum_decay"]
            decoupled = group["decoupled_weight_decay"]
            maximize = group["maximize"]
            for p, w, g in self._with_grad(group):
                st = state[p]
                if not st:
                    st["step"] = 0
                    st["mu_product"] = 1.0
                    st["exp_avg"] = np.zeros_like(w)
                    st["exp_avg_sq"] = np.zeros_like(w)
                t = st["step"] = st["step"] + 1
                m, v = st["exp_avg"], st["exp_avg_sq"]
                tmp = self.scratch_like(w)
                # d = ±∇ (+ λw for L2 decay); decoupled decay shrinks w ← w(1 − ηλ)
                if wd != 0 and decoupled:
                    w *= 1.0 - lr * wd
                d = self._direction(g, w, 0 if decoupled else wd, maximize)
                # μₜ, μₜ₊₁ and Πₜ
                mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * psi))
                mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
                prod = st["mu_product"] = st["mu_product"] * mu
                # m ← β₁m + (1−β₁)d,  v ← β₂v + (1−β₂)d²
                update_moments(m, v, d, beta1, beta2, tmp)
                # D = √(v/(1−β₂ᵗ)) + ε
                denom = np.sqrt(v, out=tmp)
                denom /= math.sqrt(1.0 - beta2**t)
                denom += eps
                # w ← w − η(1−μₜ)/(1−Πₜ)·d/D − ημₜ₊₁/(1−Πₜμₜ₊₁)·m/D
                upd = np.multiply(d, lr * (1.0 - mu) / (1.0 - prod))
                upd += np.multiply(m, lr * mu_next / (1.0 - prod * mu_next))
                upd /= denom
                w -= upd
        return loss
