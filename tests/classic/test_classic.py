"""The historical models: MCP gates, Hebb's rule, the perceptron and its failure on XOR."""

from __future__ import annotations

import numpy as np
import pytest

from shenjing.classic import (
    LOGIC_GATES,
    HebbianNeuron,
    MCPNeuron,
    Perceptron,
    gate_data,
    hebb_update,
    mcp_gate,
    truth_table,
)


def test_mcp_gates():
    assert [y for _, y in truth_table(mcp_gate("AND"))] == [0, 0, 0, 1]
    assert [y for _, y in truth_table(mcp_gate("OR"))] == [0, 1, 1, 1]
    assert [y for _, y in truth_table(mcp_gate("NOT"))] == [1, 0]
    assert [y for _, y in truth_table(mcp_gate("and", 3))] == [0] * 7 + [1]


def test_mcp_errors():
    with pytest.raises(ValueError, match="XOR"):
        mcp_gate("XOR")
    with pytest.raises(ValueError, match="expects 2 inputs"):
        MCPNeuron((1.0, 1.0), 1.0)([1, 0, 1])


def test_hebb_learns_the_association():
    dog = HebbianNeuron([1.0, 0.0], threshold=0.5, lr=0.25)  # (food, bell)
    assert dog([0, 1]) == 0
    dog.step([1, 1])
    assert dog([0, 1]) == 0
    dog.step([1, 1])
    assert dog([0, 1]) == 1
    np.testing.assert_allclose(dog.w, [1.5, 0.5])


def test_hebb_update_layer_is_outer_product():
    w = np.zeros((2, 3))
    w = hebb_update(w, np.array([1.0, 0.0, 1.0]), np.array([1.0, 0.0]), lr=0.5)
    np.testing.assert_allclose(w, [[0.5, 0, 0.5], [0, 0, 0]])


@pytest.mark.parametrize("gate", ["AND", "NAND", "OR"])
def test_perceptron_converges_on_separable_gates(gate):
    X, y = gate_data(gate)
    p = Perceptron(2)
    r = p.fit(X, y, max_epochs=100)
    assert r.converged and r.reason == "converged" and r.mistakes[-1] == 0
    np.testing.assert_array_equal(p.predict(X), y)


def test_perceptron_reports_failure_on_xor():
    X, y = gate_data("XOR")
    r = Perceptron(2).fit(X, y, max_epochs=1000)
    assert not r.converged
    assert r.reason == "cycle"  # proven, not just timed out
    r2 = Perceptron(2, lr=0.37).fit(X, y, max_epochs=5)
    assert not r2.converged and r2.epochs <= 5


def test_perceptron_never_hangs_without_cycle_detection():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = np.where(rng.random(40) > 0.5, 1.0, -1.0)  # random labels: not separable
    r = Perceptron(2, lr=0.1).fit(X, y, max_epochs=30)
    assert not r.converged and r.epochs <= 30 and r.reason in ("cycle", "max_epochs")


def test_gate_data():
    X, y = gate_data("xor", signed=False)
    assert X.shape == (4, 2) and list(y) == list(LOGIC_GATES["XOR"])
    with pytest.raises(ValueError):
        gate_data("IMPLIES")
    with pytest.raises(ValueError, match="-1 or \\+1"):
        Perceptron(2).fit(X, y)
