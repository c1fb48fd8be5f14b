"""RMSprop: divide each weight's step by a running root-mean-square of its gradient."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .optimizer import Optimizer

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop: v ← αv + (1−α)∇², w ← w − η·∇ / (√v + ε).

    ``centered`` subtracts the squared running mean of ∇ from v (a variance estimate);
    ``momentum`` μ accumulates b ← μb + ∇/(√v + ε) and steps w ← w − η·b; ``weight_decay`` λ
    adds λ·w to ∇; ``maximize`` uses −∇.  Same semantics as ``torch.optim.RMSprop``.
    """

    _array_state = ("square_avg", "momentum_buffer", "grad_avg")
    _scalar_state = ("step",)

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if eps < 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if alpha < 0.0:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = {
            "lr": lr,
            "alpha": alpha,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum": momentum,
            "centered": centered,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One RMSprop step for every parameter with a gradient."""
        loss = self._evaluate(closure)
        state = self.state
        for group in self.param_groups:
            lr = group["lr"]
            alpha = group["alpha"]
            eps = group["eps"]
            wd = group["weight_decay"]
            mu = group["momentum"]
            centered = group["centered"]
            maximize = group["maximize"]
            for p, w, g in self._with_grad(group):
                st = state[p]
                if not st:
                    st["step"] = 0
                    st["square_avg"] = np.zeros_like(w)
                st["step"] += 1
                v = st["square_avg"]
                # d = ±∇ (+ λw)
                d = self._direction(g, w, wd, maximize)
                # v ← αv + (1−α)d²
                tmp = np.multiply(d, d)
                tmp *= 1.0 - alpha
                v *= alpha
                v += tmp
                if centered:  # ḡ ← αḡ + (1−α)d;  denominator √(v − ḡ²) + ε
                    gbar = st.get("grad_avg")
                    if gbar is None:
                        gbar = st["grad_avg"] = np.zeros_like(w)
                    gbar -= d
                    gbar *= alpha
                    gbar += d
                    np.multiply(gbar, gbar, out=tmp)
                    np.subtract(v, tmp, out=tmp)
                    denom = np.sqrt(tmp, out=tmp)
                else:  # denominator √v + ε
                    denom = np.sqrt(v, out=tmp)
                denom += eps
                upd = np.divide(d, denom, out=tmp)
                if mu > 0:  # b ← μb + d/(√v + ε);  w ← w − η·b
                    buf = st.get("momentum_buffer")
                    if buf is None:
                        buf = st["momentum_buffer"] = np.zeros_like(w)
                    buf *= mu
                    buf += upd
                    upd = np.multiply(buf, lr, out=tmp)
                else:  # w ← w − η·d/(√v + ε)
                    upd *= lr
                w -= upd
        return loss
