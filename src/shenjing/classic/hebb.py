"""Hebb's rule (1949): "neurons that fire together, wire together".

When input xᵢ and output y are active at the same time, the connection between them grows:

    Δwᵢ = η · xᵢ · y

:class:`HebbianNeuron` is a threshold unit whose weights learn by this rule. The classic
demonstration is Pavlov's conditioning: a bell (no innate connection) rung together with food
(innate connection, makes the dog salivate) strengthens the bell's weight until the bell alone
makes the unit fire — an association learned without any teacher or error signal.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["HebbianNeuron", "hebb_update"]


def hebb_update(w: np.ndarray, x: np.ndarray, y: np.ndarray | float, lr: float) -> np.ndarray:
    """One Hebbian step, ``w + lr · y ⊗ x``; works for one unit (w: (n,)) or a layer (w: (m, n))."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return w + lr * (np.outer(y, x).reshape(w.shape) if y.ndim else y * x)


class HebbianNeuron:
    """A threshold unit ``y = [w·x ≥ θ]`` whose weights follow Hebb's rule."""

    def __init__(self, weights: Sequence[float], threshold: float, lr: float = 0.25) -> None:
        self.w = np.asarray(weights, dtype=np.float64).copy()
        self.threshold = float(threshold)
        self.lr = float(lr)

    def __call__(self, x: Sequence[float]) -> int:
        """1 if w·x reaches the threshold, else 0."""
        return int(float(np.dot(self.w, np.asarray(x, dtype=np.float64))) >= self.threshold)

    def step(self, x: Sequence[float]) -> int:
        """Present ``x``, fire (or not), then strengthen the weights of the inputs that were
        active together with the output. Returns the output."""
        y = self(x)
        self.w = hebb_update(self.w, np.asarray(x, dtype=np.float64), float(y), self.lr)
        return y
