"""``EmbeddingBag``: sums, means or maxima of bags of embeddings, without building the (N, D) look-up."""

from __future__ import annotations

import numpy as np

from ..backend import get_default_dtype, to_dtype
from ..ops.embedding import check_indices, renorm_rows_
from ..ops.embedding_bag import EmbeddingBagFn, bag_ids
from ..tensor import Tensor
from . import init
from .module import Module
from .parameter import Parameter

__all__ = ["EmbeddingBag", "embedding_bag"]


def _arr(x):
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None,  # noqa: A002
                  max_norm: float | None = None, norm_type: float = 2, scale_grad_by_freq: bool = False,
                  mode: str = "mean", sparse: bool = False, per_sample_weights: Tensor | None = None,
                  include_last_offset: bool = False, padding_idx: int | None = None) -> Tensor:
    """``torch.nn.functional.embedding_bag``: out[b] = sum / mean / max of ``weight[input[j]]`` over
    the entries j of bag b.  A 2-D ``input`` (B, N) is B bags of N entries (``offsets`` must be
    None); a 1-D one is cut into bags at ``offsets``.  ``per_sample_weights`` (mode 'sum') weights
    each entry; entries equal to ``padding_idx`` are left out; an empty bag is a row of zeros."""
    w = _arr(weight)
    if w.ndim != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {w.ndim}")
    if w.dtype.kind != "f":
        raise RuntimeError(f"embedding_bag: weight must be a floating point tensor, got dtype {w.dtype}")
    idx = _arr(input)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"embedding_bag: indices must be integers (Long or Int), got dtype {idx.dtype}")
    psw = per_sample_weights
    if psw is not None and tuple(np.shape(_arr(psw))) != tuple(idx.shape):
        raise ValueError(f"embedding_bag: If per_sample_weights ({tuple(np.shape(_arr(psw)))}) is not None, "
                         f"then it must have the same shape as the input ({tuple(idx.shape)})")
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             f"fixed length sequences. However, found offsets of type {type(offsets).__name__}")
        off = np.arange(idx.shape[0], dtype=np.int64) * idx.shape[1]
        if include_last_offset:
            off = np.append(off, idx.size)
        idx = idx.reshape(-1)
    elif idx.ndim == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        off = _arr(offsets)
        if off.ndim != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        if off.dtype.kind not in "iu":
            raise RuntimeError(f"embedding_bag: offsets must be integers (Long or Int), got dtype {off.dtype}")
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {idx.ndim}")
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if scale_grad_by_freq and mode == "max":
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if sparse:
        raise NotImplementedError("embedding_bag: sparse=True (sparse gradients) is not supported by shenjing; "
                                  "use sparse=False (the dense gradient has the same values)")
    if psw is not None and mode != "sum":
        raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}').")
    if psw is not None and _arr(psw).dtype != w.dtype:
        raise RuntimeError(f"embedding_bag: per_sample_weights is {_arr(psw).dtype} but weight is {w.dtype}; "
                           "they must have the same dtype")
    num = w.shape[0]
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise RuntimeError(f"padding_idx must be within the number of embeddings, {-num} through {num - 1}, "
                               f"but got {padding_idx}")
        padding_idx %= num
    off = off.astype(np.int64, copy=False)
    if off.size:
        if off[0] != 0:
            raise RuntimeError("offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start "
                               f"from position 0. However, got {int(off[0])}")
        if off[-1] > idx.size:
            raise RuntimeError(f"offsets[-1] can not be greater than input's length {idx.size} but got "
                               f"offsets[-1] of {int(off[-1])}")
        if np.any(np.diff(off) < 0):
            raise RuntimeError(f"embedding_bag: offsets must be non-decreasing, got {off.tolist()}")
    idx = check_indices(idx, num, "embedding_bag")
    if max_norm is not None and renorm_rows_(w, idx, float(max_norm), float(norm_type)):
        weight._bump()
    bag, n_bags = bag_ids(off, idx.size, include_last_offset)
    return EmbeddingBagFn.apply(weight, psw, index=idx, bag=bag, n_bags=n_bags, mode=mode,
                                padding_idx=padding_idx, scale_grad_by_freq=bool(scale_grad_by_freq))


class EmbeddingBag(Module):
    """A table ``weight`` (num_embeddings, embedding_dim), initialised N(0, 1) as in PyTorch, whose
    ``forward(input, offsets=None, per_sample_weights=None)`` returns one row per bag: the sum, mean
    or max of the bag's embeddings (see :func:`embedding_bag`)."""

    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm: float | None = None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
                 sparse: bool = False, _weight: Tensor | None = None, include_last_offset: bool = False,
                 padding_idx: int | None = None, device=None, dtype=None) -> None:
        super().__init__()
        if not isinstance(num_embeddings, int) or num_embeddings <= 0:
            raise ValueError(f"EmbeddingBag: num_embeddings must be a positive int, got {num_embeddings!r}")
        if not isinstance(embedding_dim, int) or embedding_dim <= 0:
            raise ValueError(f"EmbeddingBag: embedding_dim must be a positive int, got {embedding_dim!r}")
        if padding_idx is not None:
            if padding_idx > 0:
                assert padding_idx < num_embeddings, "padding_idx must be within num_embeddings"
            elif padding_idx < 0:
                assert padding_idx >= -num_embeddings, "padding_idx must be within num_embeddings"
                padding_idx = num_embeddings + padding_idx
        if sparse:
            raise NotImplementedError("EmbeddingBag: sparse=True (sparse gradients) is not supported by shenjing; "
                                      "use sparse=False (the dense gradient has the same values)")
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.max_norm, self.norm_type, self.scale_grad_by_freq = max_norm, norm_type, scale_grad_by_freq
        self.mode, self.sparse, self.include_last_offset = mode, sparse, include_last_offset
        self.padding_idx = padding_idx
        if _weight is None:
            npd = (to_dtype(dtype) if dtype is not None else get_default_dtype()).np
            self.weight = Parameter(np.empty((num_embeddings, embedding_dim), dtype=npd))
            self.reset_parameters()
        else:
            data = _arr(_weight)
            if data.shape != (num_embeddings, embedding_dim):
                raise AssertionError("Shape of weight does not match num_embeddings and embedding_dim")
            self.weight = Parameter(data.copy())

    def reset_parameters(self) -> None:
        """weight ~ N(0, 1), and the padding row set to zero."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight.data[self.padding_idx] = 0

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True, max_norm: float | None = None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
                        sparse: bool = False, include_last_offset: bool = False,
                        padding_idx: int | None = None) -> EmbeddingBag:
        """An ``EmbeddingBag`` holding a copy of ``embeddings`` (2-D); frozen unless ``freeze=False``."""
        if embeddings.ndim != 2:
            raise AssertionError("Embeddings parameter is expected to be 2-dimensional")
        rows, cols = embeddings.shape
        bag = cls(rows, cols, max_norm=max_norm, norm_type=norm_type, scale_grad_by_freq=scale_grad_by_freq,
                  mode=mode, sparse=sparse, _weight=embeddings, include_last_offset=include_last_offset,
                  padding_idx=padding_idx)
        bag.weight.requires_grad = not freeze
        return bag

    def forward(self, input: Tensor, offsets: Tensor | None = None,  # noqa: A002
                per_sample_weights: Tensor | None = None) -> Tensor:
        return embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type, self.scale_grad_by_freq,
                             self.mode, self.sparse, per_sample_weights, self.include_last_offset,
                             self.padding_idx)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm!r}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type!r}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq!r}"
        s += f", mode={self.mode!r}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx!r}"
        return s
