"""Embedding look-up: out[…] = W[index[…]], with a gradient that adds up repeated indices."""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function

__all__ = ["EmbeddingFn", "check_indices", "renorm_rows_", "inverse_frequency"]


def check_indices(index: np.ndarray, num_embeddings: int, who: str = "embedding") -> np.ndarray:
    """``index`` as an integer array inside ``[0, num_embeddings)``, or an ``IndexError`` naming it."""
    index = np.asarray(index)
    if index.dtype.kind not in "iu":
        raise TypeError(f"{who}: indices must be integers (a long tensor), got dtype {index.dtype}")
    if index.size:
        lo, hi = int(index.min()), int(index.max())
        if lo < 0 or hi >= num_embeddings:
            bad = lo if lo < 0 else hi
            raise IndexError(f"{who}: index {bad} is out of range for {num_embeddings} embeddings "
                             f"(valid: 0 … {num_embeddings - 1})")
    return index


def renorm_rows_(weight: np.ndarray, index: np.ndarray, max_norm: float, norm_type: float = 2.0) -> bool:
    """In place, as ``torch.embedding_renorm_``: every row k of ``weight`` named in ``index`` whose
    p-norm exceeds ``max_norm`` becomes W[k]·max_norm/(‖W[k]‖ₚ + 1e-7).  Returns whether a row changed."""
    rows = np.unique(np.asarray(index).reshape(-1))
    if rows.size == 0:
        return False
    norms = np.linalg.norm(weight[rows].astype(np.float64), ord=float(norm_type), axis=1)
    big = norms > max_norm
    if not big.any():
        return False
    scale = (max_norm / (norms[big] + 1e-7)).astype(weight.dtype)
    weight[rows[big]] *= scale[:, None]
    return True


def inverse_frequency(index: np.ndarray, num_embeddings: int) -> np.ndarray:
    """1 / (how often each index occurs in ``index``), one entry per row of the table (1 where absent)."""
    counts = np.bincount(np.asarray(index).reshape(-1), minlength=num_embeddings)
    return 1.0 / np.maximum(counts, 1)


class EmbeddingFn(Function):
    """out = W[index]: row ``index[…]`` of the table for every entry of ``index``.

    Backward: ∂L/∂W[k] = Σ over the positions p with index[p] = k of ∂L/∂out[p]  (``np.add.at``
    scatters and adds, so a repeated index gets the sum of its gradients); the row ``padding_idx``
    gets no gradient.  With ``scale_grad_by_freq`` row k's gradient is divided by the number of
    times k occurs in ``index``."""

    def forward(self, weight, index, padding_idx: int | None = None, scale_grad_by_freq: bool = False):
        self.shape, self.index, self.padding_idx = weight.shape, index, padding_idx
        self.scale_grad_by_freq = scale_grad_by_freq
        return weight[index]

    def backward(self, g):
        out = np.zeros(self.shape, dtype=g.dtype)
        np.add.at(out, self.index.reshape(-1), g.reshape(-1, self.shape[1]))
        if self.scale_grad_by_freq:
            out *= inverse_frequency(self.index, self.shape[0]).astype(out.dtype)[:, None]
        if self.padding_idx is not None:
            out[self.padding_idx] = 0
        return out, None
