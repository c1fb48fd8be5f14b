"""Embedding look-up: out[…] = W[index[…]], with a gradient that adds up repeated indices."""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function

__all__ = ["EmbeddingFn", "check_indices"]


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


class EmbeddingFn(Function):
    """out = W[index]: row ``index[…]`` of the table for every entry of ``index``.

    Backward: ∂L/∂W[k] = Σ over the positions p with index[p] = k of ∂L/∂out[p]  (``np.add.at``
    scatters and adds, so a repeated index gets the sum of its gradients); the row ``padding_idx``
    gets no gradient."""

    def forward(self, weight, index, padding_idx: int | None = None):
        self.shape, self.index, self.padding_idx = weight.shape, index, padding_idx
        return weight[index]

    def backward(self, g):
        out = np.zeros(self.shape, dtype=g.dtype)
        np.add.at(out, self.index.reshape(-1), g.reshape(-1, self.shape[1]))
        if self.padding_idx is not None:
            out[self.padding_idx] = 0
        return out, None
