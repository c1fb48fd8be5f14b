"""Matrix products: ``matmul`` (batched, with PyTorch's 1-D rules) and the fused ``linear``."""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function


class MatMul(Function):
    def forward(self, a, b):
        need = self.needs_input_grad or (False, False)
        self.a = a if need[1] else None  # ∂/∂A needs B and ∂/∂B needs A: keep only what is used
        self.b = b if need[0] else None
        return a @ b

    def backward(self, g):  # ∂(AB)/∂A = g Bᵀ, ∂(AB)/∂B = Aᵀ g
        need_a, need_b = self.needs_input_grad
        ga = g @ np.swapaxes(self.b, -1, -2) if need_a else None
        gb = np.swapaxes(self.a, -1, -2) @ g if need_b else None
        return ga, gb


class Dot(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        return np.asarray(a @ b)

    def backward(self, g):
        return g * self.b, g * self.a


def matmul(a, b):
    from ..tensor import Tensor

    a = a if isinstance(a, Tensor) else Tensor(a)
    b = b if isinstance(b, Tensor) else Tensor(b)
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError("both arguments to matmul need to be at least 1D")
    ka, kb = a.shape[-1], b.shape[0] if b.ndim == 1 else b.shape[-2]
    if ka != kb:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({_shape_str(a.shape)} and {_shape_str(b.shape)})"
        )
    if a.ndim == 1 and b.ndim == 1:
        return Dot.apply(a, b)
    if a.ndim == 1:
        return MatMul.apply(a.unsqueeze(0), b).squeeze(-2)
    if b.ndim == 1:
        return MatMul.apply(a, b.unsqueeze(-1)).squeeze(-1)
    return MatMul.apply(a, b)


def _shape_str(shape) -> str:
    return "x".join(str(n) for n in shape)


def _gemm(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b for 2-D operands, as (bᵀ aᵀ)ᵀ when the result is wider than tall.

    Same numbers, only the order BLAS sees: OpenBLAS runs a batch of 128 through a 784→256 layer
    about 15% faster this way round (benchmarks/gemm_layout.py).  The result is then a transposed
    (Fortran-ordered) view, which every NumPy op accepts.
    """
    if b.shape[1] > a.shape[0]:
        return (b.T @ a.T).T
    return a @ b


class Linear(Function):
    """y = x Wᵀ + b in one GEMM (W has PyTorch's layout: (out_features, in_features))."""

    def forward(self, x, w, b=None):
        if x.shape[-1] != w.shape[1]:
            raise RuntimeError(
                f"linear: input has {x.shape[-1]} features (shape {list(x.shape)}) but the weight "
                f"expects {w.shape[1]} (weight shape {list(w.shape)})"
            )
        need = self.needs_input_grad or (False, False)
        self.x = x if need[1] else None  # ∂L/∂W = gᵀx needs x; ∂L/∂x = gW needs W: keep only what is used
        self.w = w if need[0] else None
        self.has_b = b is not None
        out = _gemm(x, w.T) if x.ndim == 2 else x @ w.T
        if b is not None:
            out += b
        return out

    def backward(self, g):  # ∂L/∂x = g W, ∂L/∂W = gᵀ x, ∂L/∂b = Σ g
        need = self.needs_input_grad
        x, w = self.x, self.w
        gx = (_gemm(g, w) if g.ndim == 2 else g @ w) if need[0] else None
        gw = gb = None
        if need[1] or (self.has_b and need[2]):
            g2 = g.reshape(-1, g.shape[-1]) if g.ndim != 2 else g
            if need[1]:
                x2 = x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x
                # a thin batch is an outer product: np.dot reaches BLAS ger, matmul does not
                gw = np.dot(g2.T, x2) if g2.shape[0] < 8 else g2.T @ x2
            if self.has_b and need[2]:
                gb = g2.sum(axis=0)
        return (gx, gw, gb) if self.has_b else (gx, gw)
