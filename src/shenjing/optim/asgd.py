"""ASGD: averaged stochastic gradient descent — SGD with a decaying step and a running average of w."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .optimizer import Optimizer

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """ASGD: w ← w(1 − λ·ηₜ) − ηₜ·∇, then the average a ← a + μₜ(w − a).

    ηₜ₊₁ = η/(1 + λη·t)^α and μₜ₊₁ = 1/max(1, t − t₀): the average a (``ax``) starts at step
    t₀.  ``weight_decay`` adds its multiple of w to ∇; ``maximize`` uses −∇.  Same semantics
    as ``torch.optim.ASGD`` (whose ``eta`` and ``mu`` are kept in float32 there: the last
    digits can differ by that rounding).
    """

    _array_state = ("ax",)
    _scalar_state = ("step", "eta", "mu")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
    ) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0, "weight_decay": weight_decay,
                    "maximize": maximize}
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One ASGD step for every parameter with a gradient."""
        loss = self._evaluate(closure)
        state = self.state
        for group in self.param_groups:
            lr = group["lr"]
            lambd = group["lambd"]
            alpha = group["alpha"]
            t0 = group["t0"]
            wd = group["weight_decay"]
            maximize = group["maximize"]
            for p, w, g in self._with_grad(group):
                st = state[p]
                if not st:
                    st["step"] = 0
                    st["eta"] = float(lr)
                    st["mu"] = 1.0
                    st["ax"] = np.zeros_like(w)
                t = st["step"] = st["step"] + 1
                eta, mu, ax = st["eta"], st["mu"], st["ax"]
                tmp = self.scratch_like(w)
                # d = ±∇ (+ λw)
                d = np.negative(g, out=tmp) if maximize else np.multiply(g, 1.0, out=tmp)
                if wd != 0:
                    d += wd * w
                # w ← w(1 − λη) − η·d
                w *= 1.0 - lambd * eta
                d *= eta
                w -= d
                # a ← a + μ(w − a)  (a ← w while μ = 1)
                if mu != 1:
                    diff = np.subtract(w, ax, out=tmp)
                    diff *= mu
                    ax += diff
                else:
                    ax[...] = w
                st["eta"] = lr / ((1 + lambd * lr * t) ** alpha)
                st["mu"] = 1 / max(1, t - t0)
        return loss
