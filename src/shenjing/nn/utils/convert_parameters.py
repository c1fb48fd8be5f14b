"""Parameters as one flat vector and back (``torch.nn.utils.parameters_to_vector`` and its inverse)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ...tensor import Tensor


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All the parameters flattened and concatenated, in order (differentiable: a cat of reshapes)."""
    from ... import cat

    vec = [p.reshape(-1) for p in parameters]
    if not vec:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    return cat(vec)


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Give each parameter, in order, the next ``numel`` entries of ``vec`` (as ``.data``, not recorded)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    pointer = 0
    flat = vec.data.reshape(-1)
    for param in parameters:
        n = param.numel()
        chunk = flat[pointer:pointer + n]
        if chunk.size != n:
            raise RuntimeError(f"shape '{list(param.shape)}' is invalid for input of size {chunk.size}")
        param.data = np.reshape(chunk, param.data.shape)
        pointer += n
