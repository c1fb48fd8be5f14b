"""Embedding bags: the rows of a table looked up for each bag of indices, reduced by sum, mean or max.

Bag b holds the entries ``index[offsets[b] : offsets[b+1]]`` (the last bag runs to the end, or to the
last offset with ``include_last_offset``, as PyTorch's float32 kernel does; its float64 one lets the
last bag run to the end even then); entries equal to ``padding_idx`` are left out of their bag
(a mean divides by the entries kept), and an empty bag gives a row of zeros.
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from .embedding import inverse_frequency

__all__ = ["EmbeddingBagFn", "bag_ids"]


def bag_ids(offsets: np.ndarray, n_entries: int, include_last_offset: bool) -> tuple[np.ndarray, int]:
    """For every entry of the flat index its bag number (``n_bags`` — no bag — for an entry at or
    after the last offset when ``include_last_offset``), and the number of bags."""
    starts = offsets[:-1] if include_last_offset else offsets
    n_bags = len(starts)
    if n_bags <= 1:
        bag = np.zeros(n_entries, dtype=np.int64)
    else:  # entry j belongs to the last bag whose start is <= j (offsets are non-decreasing)
        bag = (np.searchsorted(starts, np.arange(n_entries), side="right") - 1).astype(np.int64)
    if include_last_offset:
        bag[int(offsets[-1]):] = n_bags
    return bag, n_bags


class EmbeddingBagFn(Function):
    """out[b] = reduce over the entries j of bag b of wⱼ·W[index[j]]  (reduce = sum, mean or max;
    wⱼ = ``per_sample_weights[j]`` or 1, only with sum).

    Backward: sum  ∂L/∂W[k] = Σ_{j: index[j]=k} wⱼ ∂L/∂out[bag j],  ∂L/∂wⱼ = ⟨W[index[j]], ∂L/∂out[bag j]⟩;
    mean divides each term by the size of bag j; max sends ∂L/∂out[b, d] to the row that gave the
    maximum of column d.  ``scale_grad_by_freq`` divides row k's gradient by the count of k in
    ``index``; the row ``padding_idx`` gets no gradient."""

    def forward(self, weight, per_sample_weights, *, index: np.ndarray, bag: np.ndarray, n_bags: int,
                mode: str = "mean", padding_idx: int | None = None, scale_grad_by_freq: bool = False):
        keep = bag < n_bags
        if padding_idx is not None:
            keep &= index != padding_idx
        pos = np.flatnonzero(keep)
        idx, bg = index[pos], bag[pos]
        dim = weight.shape[1]
        rows = weight[idx]
        counts = np.bincount(bg, minlength=n_bags)
        self.mode, self.shape, self.index = mode, weight.shape, index
        self.pos, self.idx, self.bag, self.counts = pos, idx, bg, counts
        self.padding_idx, self.scale_grad_by_freq = padding_idx, scale_grad_by_freq
        if mode == "max":
            out = np.full((n_bags, dim), -np.inf, dtype=weight.dtype)
            np.maximum.at(out, bg, rows)
            empty = counts == 0
            out[empty] = 0
            # the entry that gave each column's maximum: the first one that equals it
            n = len(idx)
            first = np.full((n_bags, dim), n, dtype=np.int64)
            cand = np.where(rows == out[bg], np.arange(n)[:, None], n)
            np.minimum.at(first, bg, cand)
            self.full = ~empty
            self.arg = idx[np.minimum(first[self.full], n - 1)]  # (a NaN column matches no entry)
            return out
        self.rows = rows
        self.psw = None if per_sample_weights is None else per_sample_weights.reshape(-1)[pos]
        self.psw_shape = None if per_sample_weights is None else per_sample_weights.shape
        if self.psw is not None:
            rows = rows * self.psw[:, None]
        out = np.zeros((n_bags, dim), dtype=weight.dtype)
        np.add.at(out, bg, rows)
        if mode == "mean":
            out /= np.maximum(counts, 1).astype(out.dtype)[:, None]
        return out

    def backward(self, g):
        need = self.needs_input_grad
        dim = self.shape[1]
        dw = dpsw = None
        if self.mode == "max":
            if need[0]:
                dw = np.zeros(self.shape, dtype=g.dtype)
                np.add.at(dw, (self.arg, np.arange(dim)[None, :]), g[self.full])
        else:
            gb = g[self.bag]  # (entries kept, D): the gradient of each entry's bag
            if self.mode == "mean":
                gb = gb / np.maximum(self.counts, 1).astype(g.dtype)[self.bag][:, None]
            if need[1]:
                dpsw = np.zeros(self.index.size, dtype=g.dtype)
                dpsw[self.pos] = np.einsum("nd,nd->n", self.rows, gb)
                dpsw = dpsw.reshape(self.psw_shape)
            if need[0]:
                if self.psw is not None:
                    gb = gb * self.psw[:, None]
                dw = np.zeros(self.shape, dtype=g.dtype)
                np.add.at(dw, self.idx, gb)
        if dw is not None:
            if self.scale_grad_by_freq:
                dw *= inverse_frequency(self.index, self.shape[0]).astype(dw.dtype)[:, None]
            if self.padding_idx is not None:
                dw[self.padding_idx] = 0
        return dw, dpsw
