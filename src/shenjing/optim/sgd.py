"""Stochastic gradient descent, with optional momentum, Nesterov momentum and weight decay."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .optimizer import Optimizer

__all__ = ["SGD"]


class SGD(Optimizer):
    """Gradient descent: w ← w − η·∇L(w), the lecture's rule, one step per call.

    With momentum μ a velocity b ← μ·b + (1 − dampening)·∇ is followed instead of ∇ (Nesterov:
    ∇ + μ·b); ``weight_decay`` λ adds λ·w to ∇; ``maximize`` climbs (uses −∇).  Same semantics
    as ``torch.optim.SGD``.
    """

    _array_state = ("momentum_buffer",)
    _scalar_state = ()

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One step w ← w − η·d for every parameter with a gradient (d: ∇, or the momentum)."""
        loss = self._evaluate(closure)
        state = self.state
        for group in self.param_groups:
            lr = group["lr"]
            mu = group["momentum"]
            damp = group["dampening"]
            wd = group["weight_decay"]
            nesterov = group["nesterov"]
            maximize = group["maximize"]
            for p, w, g in self._with_grad(group):
                if mu == 0 and wd == 0:  # the lecture's rule: w ← w ∓ η·∇, one scratch array
                    step = np.multiply(g, lr, out=self.scratch_like(w))
                    if maximize:
                        w += step
                    else:
                        w -= step
                    continue
                # d = ±∇ + λ·w in a scratch array that this step owns (the gradient stays as is)
                d = self._direction(g, w, wd, maximize)
                own = d is not g
                if mu != 0:
                    st = state[p]
                    buf = st.get("momentum_buffer")
                    if buf is None:  # b ← d on the first step
                        buf = st["momentum_buffer"] = d if own else d.copy()
                        own = False  # d is the buffer now: don't scribble on it
                    else:  # b ← μ·b + (1 − dampening)·d
                        buf *= mu
                        if damp != 0:  # (nesterov needs damp == 0, so d is not needed later)
                            buf += np.multiply(d, 1.0 - damp, out=d if own else None)
                        else:
                            buf += d
                    if nesterov:  # d ← d + μ·b
                        upd = np.multiply(buf, mu, out=self.scratch_like(w))
                        upd += d
                        upd *= lr
                    else:  # d ← b
                        upd = np.multiply(buf, lr, out=d if own else self.scratch_like(w))
                else:
                    upd = np.multiply(d, lr, out=d)  # here d is always owned (wd or maximize)
                w -= upd
        return loss
