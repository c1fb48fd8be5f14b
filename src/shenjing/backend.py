"""The array module and the dtype policy.

All numeric code reaches NumPy through ``xp`` so that a CuPy backend is a switch, not a rewrite.
"""

from __future__ import annotations

import numpy as np

xp = np


class dtype:  # noqa: N801 - named like torch.dtype
    """A tensor element type, named as in PyTorch (``shenjing.float32`` ...)."""

    __slots__ = ("name", "np", "is_floating_point", "itemsize")

    def __init__(self, name: str, np_dtype: np.dtype) -> None:
        self.name = name
        self.np = np.dtype(np_dtype)
        self.is_floating_point = self.np.kind == "f"
        self.itemsize = self.np.itemsize

    def __repr__(self) -> str:
        return f"shenjing.{self.name}"

    def __reduce__(self):  # pragma: no cover - refuse pickling, like everything here
        raise TypeError("shenjing objects are not picklable; use shenjing.save")


float16 = dtype("float16", np.float16)
float32 = dtype("float32", np.float32)
float64 = dtype("float64", np.float64)
int8 = dtype("int8", np.int8)
int16 = dtype("int16", np.int16)
int32 = dtype("int32", np.int32)
int64 = dtype("int64", np.int64)
uint8 = dtype("uint8", np.uint8)
bool_ = dtype("bool", np.bool_)

half, float, double = float16, float32, float64  # noqa: A001 - PyTorch aliases
short, int, long = int16, int32, int64  # noqa: A001

_BY_NP: dict[np.dtype, dtype] = {
    d.np: d for d in (float16, float32, float64, int8, int16, int32, int64, uint8, bool_)
}

_default_float = float32


def get_default_dtype() -> dtype:
    """The dtype of new floating tensors (float32 unless changed)."""
    return _default_float


def set_default_dtype(d: dtype) -> None:
    """Set the dtype of new floating tensors (float32 or float64)."""
    global _default_float
    d = to_dtype(d)
    if not d.is_floating_point:
        raise TypeError(f"set_default_dtype: expected a floating dtype, got {d}")
    _default_float = d


def to_dtype(d) -> dtype:
    """Map a shenjing dtype, a NumPy dtype, a type or a name onto a shenjing dtype."""
    if isinstance(d, dtype):
        return d
    if d is None:
        return _default_float
    try:
        key = np.dtype(d)
    except TypeError as e:
        raise TypeError(f"unknown dtype {d!r}") from e
    try:
        return _BY_NP[key]
    except KeyError:
        raise TypeError(f"unsupported dtype {key} (shenjing has {sorted(_BY_NP_names())})") from None


def _BY_NP_names():  # noqa: N802
    return [d.name for d in _BY_NP.values()]


def from_np(np_dtype: np.dtype) -> dtype:
    """The shenjing dtype of a NumPy array."""
    try:
        return _BY_NP[np_dtype]
    except KeyError:
        return to_dtype(np_dtype)
