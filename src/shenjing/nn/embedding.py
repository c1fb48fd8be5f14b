"""``Embedding``: a learnable table of vectors looked up by integer index (one row per token)."""

from __future__ import annotations

import numpy as np

from ..backend import get_default_dtype, to_dtype
from ..ops.embedding import EmbeddingFn, check_indices, renorm_rows_
from ..tensor import Tensor
from . import init
from .module import Module
from .parameter import Parameter

__all__ = ["Embedding", "embedding"]


def _normalize_padding_idx(padding_idx: int | None, num_embeddings: int) -> int | None:
    if padding_idx is None:
        return None
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise ValueError(f"Embedding: padding_idx {padding_idx} must be within num_embeddings ({num_embeddings})")
    return padding_idx % num_embeddings


def _lookup(weight: Tensor, idx: np.ndarray, padding_idx: int | None, max_norm: float | None, norm_type: float,
            scale_grad_by_freq: bool, sparse: bool, who: str) -> Tensor:
    if sparse:
        raise NotImplementedError(f"{who}: sparse=True (sparse gradients) is not supported by shenjing; "
                                  "use sparse=False (the dense gradient has the same values)")
    if max_norm is not None and renorm_rows_(weight.data, idx, float(max_norm), float(norm_type)):
        weight._bump()  # an in-place change of the table, as torch.embedding_renorm_ under no_grad
    return EmbeddingFn.apply(weight, idx, padding_idx=padding_idx, scale_grad_by_freq=bool(scale_grad_by_freq))


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,  # noqa: A002
              max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
              sparse: bool = False) -> Tensor:
    """out[…] = weight[input[…]] (``torch.nn.functional.embedding``); the row ``padding_idx``
    receives no gradient.  ``max_norm``: the looked-up rows whose ``norm_type``-norm exceeds it are
    first rescaled IN PLACE to norm ``max_norm``; ``scale_grad_by_freq``: row k's gradient is divided
    by how often k occurs in ``input``."""
    idx = input.data if isinstance(input, Tensor) else np.asarray(input)
    idx = check_indices(idx, weight.shape[0], "embedding")
    pad = _normalize_padding_idx(padding_idx, weight.shape[0])
    return _lookup(weight, idx, pad, max_norm, norm_type, scale_grad_by_freq, sparse, "embedding")


class Embedding(Module):
    """A table ``weight`` of shape ``(num_embeddings, embedding_dim)``, initialised N(0, 1) as in
    PyTorch; ``forward(index)`` returns ``weight[index]`` with shape ``index.shape + (embedding_dim,)``.

    With ``padding_idx`` that row starts at zero and is never updated by the gradient; ``max_norm``
    rescales the looked-up rows in place to at most that ``norm_type``-norm before each look-up;
    ``scale_grad_by_freq`` divides each row's gradient by its count in the mini-batch."""

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                 sparse: bool = False, _weight: Tensor | None = None, _freeze: bool = False,
                 device=None, dtype=None) -> None:
        super().__init__()
        if not isinstance(num_embeddings, int) or num_embeddings <= 0:
            raise ValueError(f"Embedding: num_embeddings must be a positive int, got {num_embeddings!r}")
        if not isinstance(embedding_dim, int) or embedding_dim <= 0:
            raise ValueError(f"Embedding: embedding_dim must be a positive int, got {embedding_dim!r}")
        if sparse:
            raise NotImplementedError("Embedding: sparse=True (sparse gradients) is not supported by shenjing; "
                                      "use sparse=False (the dense gradient has the same values)")
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = _normalize_padding_idx(padding_idx, num_embeddings)
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        if _weight is None:
            npd = (to_dtype(dtype) if dtype is not None else get_default_dtype()).np
            self.weight = Parameter(np.empty((num_embeddings, embedding_dim), dtype=npd), requires_grad=not _freeze)
            self.reset_parameters()
        else:
            data = _weight.data if isinstance(_weight, Tensor) else np.asarray(_weight)
            if data.shape != (num_embeddings, embedding_dim):
                raise ValueError(f"Embedding: _weight has shape {data.shape}, expected "
                                 f"{(num_embeddings, embedding_dim)}")
            self.weight = Parameter(data.copy(), requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        """weight ~ N(0, 1), and the padding row set to zero."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight.data[self.padding_idx] = 0

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True, padding_idx: int | None = None,
                        **kwargs) -> Embedding:
        """An ``Embedding`` holding a copy of ``embeddings`` (2-D); frozen unless ``freeze=False``."""
        if embeddings.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-D, got shape {tuple(embeddings.shape)}")
        rows, cols = embeddings.shape
        return cls(rows, cols, padding_idx=padding_idx, _weight=embeddings, _freeze=freeze, **kwargs)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        idx = input.data if isinstance(input, Tensor) else np.asarray(input)
        idx = check_indices(idx, self.num_embeddings, f"Embedding({self.num_embeddings}, {self.embedding_dim})")
        return _lookup(self.weight, idx, self.padding_idx, self.max_norm, self.norm_type, self.scale_grad_by_freq,
                       self.sparse, "Embedding")

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        return s
