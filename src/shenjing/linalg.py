"""``shenjing.linalg``: norms of vectors (``torch.linalg`` names and arguments)."""

from __future__ import annotations

import math
import numbers

from .ops import reduce as _red
from .tensor import Tensor, _axis

__all__ = ["vector_norm"]


def _vector_p(p, where: str) -> float:
    """The order of a vector norm as a float: a number, ±inf, or "fro" (= 2)."""
    if isinstance(p, str):
        if p == "fro":
            return 2.0
        raise ValueError(f"{where}: only vector norms are supported: p must be a number, inf or 'fro', got {p!r}")
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or math.isnan(p):
        raise TypeError(f"{where}: the order p must be a real number or inf, got {p!r}")
    return float(p)


def vector_norm(x: Tensor, ord: float = 2, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """‖x‖_ord over ``dim`` (all entries by default): (Σ|x|ᵒʳᵈ)^(1/ord), max|x| for ord = inf,
    min|x| for -inf, the count of non-zeros for 0.  The gradient at a zero norm is 0."""
    if not isinstance(x, Tensor):
        raise TypeError(f"linalg.vector_norm: expected a Tensor, got {type(x).__name__}")
    if dtype is not None:
        x = x.to(dtype)
    return _red.VectorNorm.apply(x, p=_vector_p(ord, "linalg.vector_norm"), axis=_axis(dim), keepdims=keepdim)
