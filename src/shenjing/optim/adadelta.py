"""Adadelta: steps scaled by the ratio of running RMS of past updates to running RMS of ∇."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .optimizer import Optimizer

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta: v ← ρv + (1−ρ)∇², Δ = √(u + ε)/√(v + ε) · ∇, u ← ρu + (1−ρ)Δ², w ← w − η·Δ.

    v (``square_avg``) averages ∇², u (``acc_delta``) averages the updates Δ²;
    ``weight_decay`` λ adds λ·w to ∇; ``maximize`` uses −∇.  Same semantics as
    ``torch.optim.Adadelta``.
    """

    _array_state = ("square_avg", "acc_delta")
    _scalar_state = ("step",)

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
    ) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize}
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One Adadelta step for every parameter with a gradient."""
        loss = self._evaluate(closure)
        state = self.state
        for group in self.param_groups:
            lr = group["lr"]
            rho = group["rho"]
            eps = group["eps"]
            wd = group["weight_decay"]
            maximize = group["maximize"]
            for p, w, g in self._with_grad(group):
                st = state[p]
                if not st:
                    st["step"] = 0
                    st["square_avg"] = np.zeros_like(w)
                    st["acc_delta"] = np.zeros_like(w)
                st["step"] += 1
                v, u = st["square_avg"], st["acc_delta"]
                # d = ±∇ (+ λw)
                d = self._direction(g, w, wd, maximize)
                tmp = self.scratch_like(w)
                # v ← ρv + (1−ρ)d²
                v *= rho
                sq = np.multiply(d, d, out=tmp)
                sq *= 1.0 - rho
                v += sq
                # Δ = √(u + ε) / √(v + ε) · d
                delta = np.add(u, eps)
                np.sqrt(delta, out=delta)
                std = np.add(v, eps, out=tmp)
                np.sqrt(std, out=std)
                delta /= std
                delta *= d
                # u ← ρu + (1−ρ)Δ²
                u *= rho
                sq = np.multiply(delta, delta, out=tmp)
                sq *= 1.0 - rho
                u += sq
                # w ← w − η·Δ
                delta *= lr
                w -= delta
        return loss
