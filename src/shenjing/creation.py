"""Tensor constructors with PyTorch's names and defaults (float32 unless said otherwise)."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import backend
from .random import get_rng
from .tensor import Tensor, _shape_arg


def _np_dtype(dtype: Any, default=None) -> np.dtype:
    if dtype is None:
        return (default or backend.get_default_dtype()).np
    return backend.to_dtype(dtype).np


def _make(arr: np.ndarray, requires_grad: bool) -> Tensor:
    t = Tensor._from_op(arr, None)
    if requires_grad:
        t.requires_grad = True
    return t


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """A new tensor holding a copy of ``data`` (Python numbers, nested lists, arrays, tensors)."""
    if isinstance(data, Tensor):
        data = data.data
    t = Tensor(data, dtype=dtype)
    if isinstance(data, np.ndarray) and np.may_share_memory(t.data, data):
        t.data = t.data.copy()
    if requires_grad:
        t.requires_grad = True
    return t


def as_tensor(data: Any, dtype: Any = None) -> Tensor:
    if isinstance(data, Tensor) and (dtype is None or backend.to_dtype(dtype).np == data.data.dtype):
        return data
    return Tensor(data, dtype=dtype)


def from_numpy(arr: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``arr`` (no copy)."""
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(arr).__name__}")
    backend.from_np(arr.dtype)
    return Tensor._from_op(arr, None)


def zeros(*size, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    return _make(np.zeros(_shape_arg(size), dtype=_np_dtype(dtype)), requires_grad)


def ones(*size, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    return _make(np.ones(_shape_arg(size), dtype=_np_dtype(dtype)), requires_grad)


def empty(*size, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    return _make(np.empty(_shape_arg(size), dtype=_np_dtype(dtype)), requires_grad)


def full(size, fill_value, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    if dtype is None:
        dtype = (backend.bool_ if isinstance(fill_value, bool) else
                 backend.int64 if isinstance(fill_value, int) else None)
    return _make(np.full(tuple(size) if not isinstance(size, int) else (size,), fill_value,
                         dtype=_np_dtype(dtype)), requires_grad)


def zeros_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _make(np.zeros(t.shape, dtype=_np_dtype(dtype, t.dtype)), requires_grad)


def ones_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _make(np.ones(t.shape, dtype=_np_dtype(dtype, t.dtype)), requires_grad)


def full_like(t: Tensor, fill_value, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _make(np.full(t.shape, fill_value, dtype=_np_dtype(dtype, t.dtype)), requires_grad)


def empty_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return zeros_like(t, dtype, requires_grad)


def arange(start, end=None, step=1, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    if end is None:
        start, end = 0, start
    if dtype is None:
        ints = all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end, step))
        dtype = backend.int64 if ints else None
    # computed in int64/float64, then cast, so float32 values are the rounded exact ones
    return _make(np.arange(start, end, step).astype(_np_dtype(dtype)), requires_grad)


def linspace(start, end, steps: int, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    return _make(np.linspace(start, end, steps, dtype=np.float64).astype(_np_dtype(dtype)), requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    return _make(np.eye(n, m, dtype=_np_dtype(dtype)), requires_grad)


def rand(*size, generator=None, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """Uniform on [0, 1)."""
    arr = get_rng(generator).random(_shape_arg(size), dtype=np.float64).astype(_np_dtype(dtype))
    return _make(arr, requires_grad)


def randn(*size, generator=None, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """Standard normal."""
    arr = get_rng(generator).standard_normal(_shape_arg(size)).astype(_np_dtype(dtype))
    return _make(arr, requires_grad)


def randint(low, high=None, size=(), generator=None, dtype: Any = None, device: Any = None) -> Tensor:
    """Integers uniform on [low, high); ``randint(high, size)`` as in PyTorch."""
    if isinstance(high, tuple | list):
        high, size = None, high
    if high is None:
        low, high = 0, low
    arr = get_rng(generator).integers(low, high, size=tuple(size))
    return _make(arr.astype(_np_dtype(dtype, backend.int64)), False)


def randperm(n: int, generator=None, dtype: Any = None, device: Any = None) -> Tensor:
    return _make(get_rng(generator).permutation(n).astype(_np_dtype(dtype, backend.int64)), False)


def rand_like(t: Tensor, generator=None, dtype: Any = None) -> Tensor:
    return rand(*t.shape, generator=generator, dtype=dtype or t.dtype)


def randn_like(t: Tensor, generator=None, dtype: Any = None) -> Tensor:
    return randn(*t.shape, generator=generator, dtype=dtype or t.dtype)
