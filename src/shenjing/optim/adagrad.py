"""Adagrad: each weight's step shrinks with the sum of its squared gradients so far."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .optimizer import Optimizer

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad: s ← s + ∇², w ← w − η/(1 + (t−1)·lr_decay) · ∇ / (√s + ε).

    s starts at ``initial_accumulator_value``; ``weight_decay`` λ adds λ·w to ∇; ``maximize``
    uses −∇.  Same semantics as ``torch.optim.Adagrad`` (whose state exists from the start).
    """

    _array_state = ("sum",)
    _scalar_state = ("step",)

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if lr_decay < 0.0:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if initial_accumulator_value < 0.0:
            raise ValueError(
                f"Invalid initial_accumulator_value value: {initial_accumulator_value}"
            )
        if eps < 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "maximize": maximize,
        }
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, group)

    def _init_state(self, p: Any, group: dict[str, Any]) -> dict[str, Any]:
        st = self.state[p]
        st["step"] = 0
        st["sum"] = np.full_like(p.data, group["initial_accumulator_value"])
        return st

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One Adagrad step for every parameter with a gradient."""
        loss = self._evaluate(closure)
        state = self.state
        for group in self.param_groups:
            lr = group["lr"]
            lr_decay = group["lr_decay"]
            eps = group["eps"]
            wd = group["weight_decay"]
            maximize = group["maximize"]
            for p, w, g in self._with_grad(group):
                st = state[p]
                if not st:  # a group added after construction
                    st = self._init_state(p, group)
                t = st["step"] = st["step"] + 1
                s = st["sum"]
                # d = ±∇ (+ λw)
                d = self._direction(g, w, wd, maximize)
                # s ← s + d²;  w ← w − η_t · d / (√s + ε)
                tmp = np.multiply(d, d)
                s += tmp
                denom = np.sqrt(s, out=tmp)
                denom += eps
                upd = np.divide(d, denom, out=tmp)
                upd *= lr / (1.0 + (t - 1) * lr_decay)
                w -= upd
        return loss
