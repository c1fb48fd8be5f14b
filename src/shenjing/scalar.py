"""A scalar autograd engine to read in one sitting: ``Value``.

Every ``Value`` holds one number (``data``), the derivative of the final result with respect to it
(``grad``), the values it was computed from (``parents``) and, for each parent, the local
derivative ∂(this)/∂(parent). ``backward()`` applies the chain rule of the lecture,

    ∂L/∂parent += ∂L/∂this × ∂this/∂parent,

to every node in reverse topological order (an explicit stack, no recursion, so deep graphs do not
hit Python's recursion limit). The derivative rules are the ones the tensor engine uses:

    a + b, a - b, a * b, a / b, a ** n (n a number), exp, log,
    tanh      1 - tanh(x)²
    sigmoid   σ(x)(1 - σ(x))
    relu      I(x > 0)                 (0 at x = 0)
    elu       I(x > 0) + I(x ≤ 0)·γ·exp(x)
    softplus  σ(x)

    >>> from shenjing.scalar import Value
    >>> x = Value(2.0, label="x")
    >>> y = x * x + x.exp()
    >>> y.backward()
    >>> round(x.grad, 6)        # 2x + exp(x)
    11.389056
"""

from __future__ import annotations

import math
from collections.abc import Iterable

__all__ = ["Value"]

Number = int | float


def _sigmoid(x: float) -> float:
    # two branches so that exp never overflows
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


class Value:
    """One scalar in a computation graph, with its gradient."""

    __slots__ = ("data", "grad", "parents", "local_grads", "op", "label")

    def __init__(
        self,
        data: Number,
        parents: tuple[Value, ...] = (),
        local_grads: tuple[float, ...] = (),
        op: str = "",
        label: str = "",
    ) -> None:
        self.data = float(data)
        self.grad = 0.0
        self.parents = parents
        self.local_grads = local_grads  # ∂self/∂parent, one per parent
        self.op = op
        self.label = label

    def __repr__(self) -> str:
        name = f"{self.label}=" if self.label else ""
        return f"Value({name}{self.data:.6g}, grad={self.grad:.6g})"

    # ---- arithmetic -------------------------------------------------------------------------
    @staticmethod
    def _wrap(other: Value | Number) -> Value:
        return other if isinstance(other, Value) else Value(other)

    def __add__(self, other: Value | Number) -> Value:
        other = self._wrap(other)
        return Value(self.data + other.data, (self, other), (1.0, 1.0), "+")

    def __mul__(self, other: Value | Number) -> Value:
        other = self._wrap(other)
        return Value(self.data * other.data, (self, other), (other.data, self.data), "*")

    def __pow__(self, n: Number) -> Value:
        if isinstance(n, Value):
            raise TypeError("Value ** Value is not supported; the exponent must be a number")
        return Value(self.data**n, (self,), (n * self.data ** (n - 1),), f"**{n:g}")

    def __neg__(self) -> Value:
        return Value(-self.data, (self,), (-1.0,), "neg")

    def __sub__(self, other: Value | Number) -> Value:
        other = self._wrap(other)
        return Value(self.data - other.data, (self, other), (1.0, -1.0), "-")

    def __truediv__(self, other: Value | Number) -> Value:
        other = self._wrap(other)
        q = self.data / other.data
        return Value(q, (self, other), (1.0 / other.data, -q / other.data), "/")

    def __radd__(self, other: Number) -> Value:
        return self._wrap(other) + self

    def __rsub__(self, other: Number) -> Value:
        return self._wrap(other) - self

    def __rmul__(self, other: Number) -> Value:
        return self._wrap(other) * self

    def __rtruediv__(self, other: Number) -> Value:
        return self._wrap(other) / self

    # ---- functions --------------------------------------------------------------------------
    def exp(self) -> Value:
        e = math.exp(self.data)
        return Value(e, (self,), (e,), "exp")

    def log(self) -> Value:
        return Value(math.log(self.data), (self,), (1.0 / self.data,), "log")

    def tanh(self) -> Value:
        y = math.tanh(self.data)
        return Value(y, (self,), (1.0 - y * y,), "tanh")

    def sigmoid(self) -> Value:
        s = _sigmoid(self.data)
        return Value(s, (self,), (s * (1.0 - s),), "sigmoid")

    def relu(self) -> Value:
        x = self.data
        return Value(max(x, 0.0), (self,), (1.0 if x > 0 else 0.0,), "relu")

    def elu(self, alpha: float = 1.0) -> Value:
        x = self.data
        if x > 0:
            return Value(x, (self,), (1.0,), "elu")
        e = math.exp(x)
        return Value(alpha * (e - 1.0), (self,), (alpha * e,), "elu")

    def softplus(self) -> Value:
        x = self.data
        y = max(x, 0.0) + math.log1p(math.exp(-abs(x)))  # log(1 + e^x) without overflow
        return Value(y, (self,), (_sigmoid(x),), "softplus")

    # ---- the chain rule ---------------------------------------------------------------------
    def topo(self) -> list[Value]:
        """Every node this value depends on, each after all of its parents (self is last)."""
        order: list[Value] = []
        seen: set[int] = set()
        stack: list[tuple[Value, bool]] = [(self, False)]
        while stack:
            node, parents_done = stack.pop()
            if parents_done:
                order.append(node)
                continue
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.append((node, True))
            for p in node.parents:
                if id(p) not in seen:
                    stack.append((p, False))
        return order

    def backward(self) -> None:
        """Fill ``grad`` of every node with ∂self/∂node (gradients accumulate; call
        :meth:`zero_grad` between steps)."""
        order = self.topo()
        self.grad = 1.0
        for node in reversed(order):
            for parent, local in zip(node.parents, node.local_grads):
                parent.grad += node.grad * local

    def zero_grad(self) -> None:
        """Set ``grad`` to 0 on this node and everything it depends on."""
        for node in self.topo():
            node.grad = 0.0

    @staticmethod
    def sum(values: Iterable[Value | Number]) -> Value:
        """The sum of ``values`` (a left fold of ``+``; ``Value(0)`` for an empty iterable)."""
        total: Value | None = None
        for v in values:
            total = Value._wrap(v) if total is None else total + v
        return Value(0.0) if total is None else total
