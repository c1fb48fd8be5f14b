"""Adam and AdamW: gradient descent with per-weight step sizes from running moments of ∇."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .optimizer import Optimizer, check_adam_hyperparameters

__all__ = ["Adam", "AdamW"]


def update_moments(m: np.ndarray, v: np.ndarray, d: np.ndarray, beta1: float, beta2: float,
                   tmp: np.ndarray) -> None:
    """m ← β₁m + (1−β₁)d and v ← β₂v + (1−β₂)d², in place (``tmp`` is scratch and may be ``d``).

    m is updated as d + β₁(m − d), which needs no temporary.
    """
    m -= d
    m *= beta1
    m += d
    v *= beta2
    sq = np.multiply(d, d, out=tmp)
    sq *= 1.0 - beta2
    v += sq


class Adam(Optimizer):
    """Adam: m ← β₁m + (1−β₁)∇, v ← β₂v + (1−β₂)∇², w ← w − η·m̂ / (√v̂ + ε).

    m̂ = m/(1−β₁ᵗ) and v̂ = v/(1−β₂ᵗ) undo the bias of starting at zero; ε is added after the
    square root.  ``weight_decay`` λ adds λ·w to ∇ (L2), or with ``decoupled_weight_decay``
    shrinks w ← w(1 − ηλ) first (AdamW); ``amsgrad`` uses the running maximum of v̂.
    Same semantics as ``torch.optim.Adam``.
    """

    _array_state = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")
    _scalar_state = ("step",)

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ) -> None:
        check_adam_hyperparameters(lr, eps, betas, weight_decay)
        defaults = {
            "lr": lr,
            "betas": tuple(betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One Adam step for every parameter with a gradient; one scratch array per parameter."""
        loss = self._evaluate(closure)
        state = self.state
        for group in self.param_groups:
            lr = group["lr"]
            beta1, beta2 = group["betas"]
            eps = group["eps"]
            wd = group["weight_decay"]
            amsgrad = group["amsgrad"]
            maximize = group["maximize"]
            decoupled = group["decoupled_weight_decay"]
            for p, w, g in self._with_grad(group):
                st = state[p]
                if not st:
                    st["step"] = 0
                    st["exp_avg"] = np.zeros_like(w)
                    st["exp_avg_sq"] = np.zeros_like(w)
                t = st["step"] = st["step"] + 1
                m = st["exp_avg"]
                v = st["exp_avg_sq"]
                tmp = self.scratch_like(w)

                # d = ±∇ (+ λw for L2 decay); AdamW instead shrinks the weights: w ← w(1 − ηλ)
                if wd != 0 and decoupled:
                    w *= 1.0 - lr * wd
                d = self._direction(g, w, 0 if decoupled else wd, maximize, out=tmp)
                # m ← β₁m + (1−β₁)d,  v ← β₂v + (1−β₂)d²
                update_moments(m, v, d, beta1, beta2, tmp)
                if amsgrad:
                    vmax = st.get("max_exp_avg_sq")
                    if vmax is None:
                        vmax = st["max_exp_avg_sq"] = np.zeros_like(w)
                    np.maximum(vmax, v, out=vmax)
                    v = vmax
                # w ← w − η/(1−β₁ᵗ) · m / (√v / √(1−β₂ᵗ) + ε), as w − c·m / (√v + ε√(1−β₂ᵗ))
                root_bc2 = math.sqrt(1.0 - beta2**t)
                step_size = lr * root_bc2 / (1.0 - beta1**t)
                denom = np.sqrt(v, out=tmp)
                denom += eps * root_bc2
                upd = np.divide(m, denom, out=tmp)
                upd *= step_size
                w -= upd
        return loss


class AdamW(Adam):
    """AdamW: Adam whose weight decay is decoupled, w ← w(1 − ηλ) before the Adam step.

    The decay no longer passes through m and v, so every weight shrinks at the same rate λ
    (default 1e-2).  Same semantics as ``torch.optim.AdamW``.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params, lr, betas, eps, weight_decay, amsgrad,
            maximize=maximize, decoupled_weight_decay=True,
        )
