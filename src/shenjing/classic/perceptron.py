"""Rosenblatt's perceptron (1958) and its learning rule.

A single layer: output ``+1`` if w·x + b > 0, else ``−1``. For every misclassified sample
(y · (w·x + b) ≤ 0) the rule moves the boundary towards it:

    w ← w + η · y · x,      b ← b + η · y

Rosenblatt's convergence theorem: on linearly separable data (AND, NAND, OR) this stops after a
finite number of mistakes. On XOR no line separates the classes, so it never stops; Minsky and
Papert's 1969 book made this limit famous. :meth:`Perceptron.fit` therefore never loops forever:
it stops at ``max_epochs`` and, because the samples are presented in a fixed order, it also
recognises the moment the weights come back to a state already seen at the start of an epoch —
from then on the run repeats itself, a proof that it will not converge.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["LOGIC_GATES", "FitResult", "Perceptron", "gate_data"]

_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)

#: The four two-input logic functions of the lecture's figure 6.5, as 0/1 targets.
LOGIC_GATES: dict[str, np.ndarray] = {
    "AND": np.array([0, 0, 0, 1]),
    "NAND": np.array([1, 1, 1, 0]),
    "OR": np.array([0, 1, 1, 1]),
    "XOR": np.array([0, 1, 1, 0]),
}


def gate_data(name: str, signed: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (4, 2) and targets of a logic gate; ``signed`` maps 0/1 to −1/+1."""
    try:
        y = LOGIC_GATES[name.upper()]
    except KeyError:
        raise ValueError(f"unknown gate {name!r}; choose one of {', '.join(LOGIC_GATES)}") from None
    return _X.copy(), (2 * y - 1 if signed else y.copy()).astype(np.float64)


@dataclass
class FitResult:
    """What happened during :meth:`Perceptron.fit`.

    ``reason`` is ``"converged"`` (an epoch without mistakes), ``"cycle"`` (the weights repeated a
    state from an earlier epoch, so the run can never converge) or ``"max_epochs"``.
    """

    converged: bool
    epochs: int
    reason: str
    mistakes: list[int] = field(default_factory=list)
    cycle_from: int | None = None


class Perceptron:
    """A single-layer perceptron with outputs ±1, trained by Rosenblatt's rule."""

    def __init__(self, n_inputs: int, lr: float = 1.0) -> None:
        self.w = np.zeros(n_inputs, dtype=np.float64)
        self.b = 0.0
        self.lr = float(lr)

    def decision(self, X: np.ndarray) -> np.ndarray:
        """w·x + b for each row of ``X``."""
        return np.asarray(X, dtype=np.float64) @ self.w + self.b

    def predict(self, X: np.ndarray) -> np.ndarray:
        """+1 where w·x + b > 0, else −1."""
        return np.where(self.decision(X) > 0, 1.0, -1.0)

    def fit(self, X: np.ndarray, y: np.ndarray, max_epochs: int = 100,
            detect_cycles: bool = True) -> FitResult:
        """Run the perceptron rule over ``X`` (in order) until an epoch makes no mistake, the
        weights cycle (unless ``detect_cycles`` is false), or ``max_epochs`` passes; targets
        ``y`` are ±1."""
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        if not np.all(np.isin(y, (-1.0, 1.0))):
            raise ValueError("Perceptron.fit: targets must be -1 or +1, see gate_data()")
        seen: dict[tuple[float, ...], int] = {}
        mistakes: list[int] = []
        for epoch in range(1, max_epochs + 1):
            state = (*self.w.tolist(), self.b)
            if detect_cycles and state in seen:
                return FitResult(False, epoch - 1, "cycle", mistakes, cycle_from=seen[state])
            seen[state] = epoch
            errors = 0
            for xi, yi in zip(X, y):
                if yi * (xi @ self.w + self.b) <= 0:
                    self.w += self.lr * yi * xi
                    self.b += self.lr * yi
                    errors += 1
            mistakes.append(errors)
            if errors == 0:
                return FitResult(True, epoch, "converged", mistakes)
        return FitResult(False, max_epochs, "max_epochs", mistakes)
