"""``shenjing.linalg``: norms, determinants, inverses and solves (``torch.linalg`` names and arguments)."""

from __future__ import annotations

import math
import numbers

from .ops import reduce as _red
from .tensor import Tensor, _axis

__all__ = ["vector_norm", "det", "inv", "solve", "matrix_power", "matrix_norm"]


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


def det(A: Tensor) -> Tensor:
    """det A of each square matrix in the batch; ∂/∂A = det A · A⁻ᵀ."""
    from .ops import misc as _misc

    return _misc.det(A)


def inv(A: Tensor) -> Tensor:
    """A⁻¹ of each square matrix in the batch; ∂L/∂A = −A⁻ᵀ G A⁻ᵀ."""
    from .ops import misc as _misc

    return _misc.inverse(A)


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    """X with A X = B (X A = B when ``left=False``); B may be a vector or a batch of them."""
    from .ops import misc as _misc

    return _misc.solve(A, B, left=left)


def matrix_power(A: Tensor, n: int) -> Tensor:
    """Aⁿ for an integer n (negative n: powers of A⁻¹)."""
    from .ops import misc as _misc

    return _misc.matrix_power(A, n)


def matrix_norm(A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None) -> Tensor:
    """The matrix norm over the two dims ``dim``: 'fro' (√Σ|a|²), 1 / -1 (max / min column abs-sum),
    inf / -inf (max / min row abs-sum).  'nuc', 2 and -2 are not supported."""
    if not isinstance(A, Tensor):
        raise TypeError(f"linalg.matrix_norm: expected a Tensor, got {type(A).__name__}")
    if A.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    if dtype is not None:
        A = A.to(dtype)
    d0, d1 = (d % A.ndim for d in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    if ord == "fro":
        return _red.VectorNorm.apply(A, p=2.0, axis=(d0, d1), keepdims=keepdim)
    if isinstance(ord, str) or ord not in (1, -1, math.inf, -math.inf):
        raise NotImplementedError(f"linalg.matrix_norm: ord={ord!r} is not supported in shenjing "
                                  "(only 'fro', 1, -1, inf, -inf)")
    inner, outer = (d0, d1) if abs(ord) == 1 else (d1, d0)
    sums = A.abs().sum(inner, keepdim=True)
    out = sums.amax(outer, keepdim=True) if ord > 0 else sums.amin(outer, keepdim=True)
    return out if keepdim else out.reshape(tuple(s for i, s in enumerate(A.shape) if i not in (d0, d1)))
