"""Rprop: per-weight step sizes that grow while ∇ keeps its sign and shrink when it flips."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .optimizer import Optimizer

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """Rprop: only the sign of ∇ is used, w ← w − s·sign(∇), with a step size s per weight.

    s ← clip(s·η₊, s_min, s_max) where ∇·∇_prev > 0, s ← clip(s·η₋, …) where it is < 0 (and
    that weight does not move this step; its ∇ counts as 0 next time), s unchanged where it
    is 0.  s starts at η (``lr``); ``etas`` = (η₋, η₊), ``step_sizes`` = (s_min, s_max);
    ``maximize`` uses −∇.  Same semantics as ``torch.optim.Rprop``.
    """

    _array_state = ("prev", "step_size")
    _scalar_state = ("step",)

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50),
        *,
        maximize: bool = False,
    ) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = {"lr": lr, "etas": tuple(etas), "step_sizes": tuple(step_sizes), "maximize": maximize}
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One Rprop step for every parameter with a gradient."""
        loss = self._evaluate(closure)
        state = self.state
        for group in self.param_groups:
            eta_minus, eta_plus = group["etas"]
            s_min, s_max = group["step_sizes"]
            maximize = group["maximize"]
            for p, w, g in self._with_grad(group):
                st = state[p]
                if not st:
                    st["step"] = 0
                    st["prev"] = np.zeros_like(w)
                    st["step_size"] = np.full_like(w, group["lr"])
                st["step"] += 1
                prev, s = st["prev"], st["step_size"]
                d = np.negative(g) if maximize else g.copy()
                # factor η₊ where d·d_prev > 0, η₋ where < 0, 1 where = 0
                prod = np.multiply(d, prev, out=self.scratch_like(w))
                flipped = prod < 0
                factor = np.where(prod > 0, eta_plus, 1.0)
                factor[flipped] = eta_minus
                s *= factor
                np.clip(s, s_min, s_max, out=s)
                # where the sign flipped the weight stays and d counts as 0 next time
                d[flipped] = 0
                # w ← w − s·sign(d)
                upd = np.sign(d, out=prod)
                upd *= s
                w -= upd
                prev[...] = d
        return loss
