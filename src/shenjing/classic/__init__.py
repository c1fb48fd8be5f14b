"""The historical models of the lecture's timeline, as code that runs.

- :mod:`~shenjing.classic.mcp` — McCulloch & Pitts (1943): weighted sum and threshold.
- :mod:`~shenjing.classic.hebb` — Hebb (1949): fire together, wire together.
- :mod:`~shenjing.classic.perceptron` — Rosenblatt (1958): the perceptron learning rule, and its
  failure on XOR (Minsky & Papert, 1969).

Error back-propagation (1986) lives in the tensor engine (:mod:`shenjing.tensor`) and, for reading,
in :mod:`shenjing.scalar`.
"""

from .hebb import HebbianNeuron, hebb_update
from .mcp import MCPNeuron, mcp_gate, truth_table
from .perceptron import LOGIC_GATES, FitResult, Perceptron, gate_data

__all__ = [
    "LOGIC_GATES",
    "FitResult",
    "HebbianNeuron",
    "MCPNeuron",
    "Perceptron",
    "gate_data",
    "hebb_update",
    "mcp_gate",
    "truth_table",
]
