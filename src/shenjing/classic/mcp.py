"""The McCulloch–Pitts neuron (1943): a weighted sum of binary inputs and a hard threshold.

    y = 1  if  w₁x₁ + … + wₙxₙ ≥ θ,   else 0

With the right weights and threshold one such unit computes AND, OR or NOT, so networks of them
compute any Boolean function; what the 1943 model lacks is a way to *learn* the weights.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["MCPNeuron", "mcp_gate", "truth_table"]


@dataclass(frozen=True)
class MCPNeuron:
    """A McCulloch–Pitts unit with fixed ``weights`` and ``threshold`` (nothing is learned)."""

    weights: tuple[float, ...]
    threshold: float

    def net(self, x: Sequence[float]) -> float:
        """The weighted sum w·x of the inputs."""
        x = np.asarray(x, dtype=np.float64)
        if x.shape != (len(self.weights),):
            raise ValueError(f"MCPNeuron expects {len(self.weights)} inputs, got shape {x.shape}")
        return float(np.dot(self.weights, x))

    def __call__(self, x: Sequence[float]) -> int:
        """1 if the weighted sum reaches the threshold, else 0."""
        return int(self.net(x) >= self.threshold)


def mcp_gate(name: str, n_inputs: int = 2) -> MCPNeuron:
    """The MCP unit for a logic gate: ``"AND"``, ``"OR"`` (any ``n_inputs``) or ``"NOT"`` (one).

    AND: all weights 1, threshold n (every input must fire). OR: weights 1, threshold 1.
    NOT: an inhibitory weight −1 and threshold 0 (fires only when the input is silent).
    """
    key = name.upper()
    if key == "AND":
        return MCPNeuron((1.0,) * n_inputs, float(n_inputs))
    if key == "OR":
        return MCPNeuron((1.0,) * n_inputs, 1.0)
    if key == "NOT":
        return MCPNeuron((-1.0,), 0.0)
    raise ValueError(f"unknown gate {name!r}; choose AND, OR or NOT")


def truth_table(unit: MCPNeuron) -> list[tuple[tuple[int, ...], int]]:
    """Every binary input of ``unit`` with its output, in counting order."""
    n = len(unit.weights)
    return [(x, unit(x)) for x in itertools.product((0, 1), repeat=n)]
