"""Image transforms in NumPy: conversion, normalisation, flattening and small augmentations.

Every transform works on one sample (``t(image)``, as ``MNIST(transform=...)`` calls it) and on
a whole batch with a leading sample axis (``t.batch(images)``), giving the same numbers both
ways.  The :class:`~shenjing.data.loader.DataLoader` uses ``batch`` when every transform of a
data set has it, so an epoch of MNIST is transformed in a few hundred NumPy calls rather than
60,000 Python ones.

Random transforms (:class:`RandomShift`, :class:`RandomRotation`) take ``seed=`` or
``generator=`` (a :class:`shenjing.Generator`); with neither they seed themselves from the
global generator, so ``shenjing.manual_seed`` fixes them too.  Their ``state_dict()`` is
plain JSON, which the loader stores in its own state so that a resumed run augments exactly as
an uninterrupted one.  A batch of ``n`` images draws the same random numbers as ``n`` single
calls, so batched and per-sample pipelines agree bit for bit.

Transforms take and return NumPy arrays; a shenjing Tensor given in comes back as a Tensor.
:class:`ToTensor` returns a Tensor for a single sample (as in PyTorch) and an array from
``batch`` (the loader turns batches into Tensors itself).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..random import Generator, get_rng
from ..tensor import Tensor

__all__ = [
    "Compose",
    "Flatten",
    "Lambda",
    "Normalize",
    "RandomRotation",
    "RandomShift",
    "ToFloat",
    "ToTensor",
    "Transform",
    "supports_batch",
    "MNIST_MEAN",
    "MNIST_STD",
]

#: Mean and standard deviation of the MNIST training pixels scaled to [0, 1].
MNIST_MEAN: float = 0.1307
MNIST_STD: float = 0.3081


def _unwrap(x: Any) -> tuple[np.ndarray, bool]:
    if isinstance(x, Tensor):
        return x.detach().data, True
    return np.asarray(x), False


def _rewrap(x: np.ndarray, was_tensor: bool) -> Any:
    return Tensor(x) if was_tensor else x


class Transform:
    """Base class.  Subclasses implement :meth:`batch` (on arrays with a leading sample axis);
    the single-sample call runs it on a batch of one unless a subclass overrides ``__call__``."""

    def __call__(self, x: Any) -> Any:
        arr, was_tensor = _unwrap(x)
        return _rewrap(self.batch(arr[None])[0], was_tensor)

    def batch(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} has no batched form")

    def state_dict(self) -> dict[str, Any]:
        """Plain-JSON state (random transforms: the generator); empty for the others."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"

    def extra_repr(self) -> str:
        return ""


def supports_batch(transform: Any) -> bool:
    """True if ``transform`` (or ``None``) can be applied to a whole batch at once."""
    if transform is None:
        return True
    if isinstance(transform, Compose):
        return all(supports_batch(t) for t in transform.transforms)
    if isinstance(transform, Lambda):
        return transform.batch_fn is not None
    if isinstance(transform, Transform):
        return type(transform).batch is not Transform.batch
    return callable(getattr(transform, "batch", None))


class Compose(Transform):
    """Apply ``transforms`` one after the other."""

    def __init__(self, transforms: Sequence[Callable[[Any], Any]]) -> None:
        self.transforms = list(transforms)

    def __call__(self, x: Any) -> Any:
        for t in self.transforms:
            x = t(x)
        return x

    def batch(self, x: np.ndarray) -> np.ndarray:
        for t in self.transforms:
            if not supports_batch(t):
                raise TypeError(f"Compose.batch: {t!r} has no batched form")
            x = t.batch(x)  # type: ignore[attr-defined]
        return x

    def state_dict(self) -> dict[str, Any]:
        out = {}
        for i, t in enumerate(self.transforms):
            sd = t.state_dict() if hasattr(t, "state_dict") else {}
            if sd:
                out[str(i)] = sd
        return out

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for i, t in enumerate(self.transforms):
            if str(i) in state:
                t.load_state_dict(state[str(i)])  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        inner = "".join(f"\n    {t!r}," for t in self.transforms)
        return f"Compose([{inner}\n])"


class Lambda(Transform):
    """A user function as a transform; batched only if ``batch_fn`` is given."""

    def __init__(self, fn: Callable[[Any], Any], batch_fn: Callable[[np.ndarray], np.ndarray]
                 | None = None) -> None:
        self.fn, self.batch_fn = fn, batch_fn

    def __call__(self, x: Any) -> Any:
        return self.fn(x)

    def batch(self, x: np.ndarray) -> np.ndarray:
        if self.batch_fn is None:
            raise TypeError("Lambda: no batch_fn was given")
        return self.batch_fn(x)


def _to_float(x: np.ndarray) -> np.ndarray:
    if x.dtype == np.uint8:
        return x.astype(np.float32) * np.float32(1.0 / 255.0)
    return x.astype(np.float32, copy=False)


class ToFloat(Transform):
    """uint8 pixels 0..255 → float32 in [0, 1]; other inputs are only cast to float32."""

    def batch(self, x: np.ndarray) -> np.ndarray:
        return _to_float(np.asarray(x))


class ToTensor(Transform):
    """PyTorch's ``ToTensor``: float32 in [0, 1] with a channel axis.

    One image H×W becomes 1×H×W (H×W×C becomes C×H×W) and is returned as a shenjing Tensor;
    a batch N×H×W becomes N×1×H×W (N×H×W×C becomes N×C×H×W), returned as an array.
    """

    def __call__(self, x: Any) -> Tensor:
        arr, _ = _unwrap(x)
        if arr.ndim not in (2, 3):
            raise ValueError(f"ToTensor: expected an H×W or H×W×C image, got shape {arr.shape}")
        return Tensor(np.ascontiguousarray(self.batch(arr[None])[0]))

    def batch(self, x: np.ndarray) -> np.ndarray:
        x = _to_float(np.asarray(x))
        if x.ndim == 3:
            return x[:, None]
        if x.ndim == 4:
            return np.ascontiguousarray(x.transpose(0, 3, 1, 2))
        raise ValueError(f"ToTensor: expected a batch N×H×W or N×H×W×C, got shape {x.shape}")


class Normalize(Transform):
    """(x − mean) / std, float32.  Scalars apply to every pixel; sequences to each channel
    (the channel axis is the third from the end: C×H×W, or N×C×H×W for a batch)."""

    def __init__(self, mean: float | Sequence[float] = MNIST_MEAN,
                 std: float | Sequence[float] = MNIST_STD) -> None:
        m = np.asarray(mean, dtype=np.float32)
        s = np.asarray(std, dtype=np.float32)
        if m.ndim > 1 or s.ndim > 1:
            raise ValueError("Normalize: mean and std must be numbers or 1-D sequences")
        if np.any(s == 0) or not np.all(np.isfinite(s)) or not np.all(np.isfinite(m)):
            raise ValueError(f"Normalize: std must be finite and non-zero, got {std}")
        if m.ndim == 1:
            m = m[:, None, None]
        if s.ndim == 1:
            s = s[:, None, None]
        self.mean, self.std = m, s
        self._mean_arg, self._std_arg = mean, std

    def batch(self, x: np.ndarray) -> np.ndarray:
        x = _to_float(np.asarray(x))
        if (self.mean.ndim or self.std.ndim) and x.ndim < 4:
            raise ValueError(f"Normalize with per-channel values needs N×C×H×W, got {x.shape}")
        return (x - self.mean) / self.std

    def extra_repr(self) -> str:
        return f"mean={self._mean_arg}, std={self._std_arg}"


class Flatten(Transform):
    """An image (any shape) → a vector; a batch → N × (everything else)."""

    def batch(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        return x.reshape(x.shape[0], -1)


class _RandomTransform(Transform):
    def __init__(self, seed: int | None, generator: Generator | None) -> None:
        if generator is not None and seed is not None:
            raise ValueError(f"{type(self).__name__}: give seed or generator, not both")
        if generator is None:
            if seed is None:
                seed = int(get_rng().integers(0, 2**63 - 1))
            generator = Generator().manual_seed(seed)
        self.generator = generator

    @property
    def rng(self) -> np.random.Generator:
        return self.generator.rng

    def state_dict(self) -> dict[str, Any]:
        return {"generator": self.generator.get_state()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.generator.set_state(state["generator"])

    @staticmethod
    def _planes(x: np.ndarray, who: str) -> tuple[np.ndarray, tuple[int, ...]]:
        """View a batch N×…×H×W as N×P×H×W (P = all middle axes)."""
        if x.ndim < 3:
            raise ValueError(f"{who}: expected a batch N×H×W (or N×C×H×W), got shape {x.shape}")
        n, h, w = x.shape[0], x.shape[-2], x.shape[-1]
        return x.reshape(n, -1, h, w), x.shape


def _cast_like(out: np.ndarray, dtype: np.dtype) -> np.ndarray:
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return np.clip(np.rint(out), info.min, info.max).astype(dtype)
    return out.astype(dtype, copy=False)


class RandomShift(_RandomTransform):
    """Move each image by a random whole number of pixels, −max_shift..max_shift in each
    direction independently; uncovered pixels get ``fill``."""

    def __init__(self, max_shift: int = 2, fill: float = 0, *, seed: int | None = None,
                 generator: Generator | None = None) -> None:
        if int(max_shift) != max_shift or max_shift < 0:
            raise ValueError(f"RandomShift: max_shift must be a non-negative integer, "
                             f"got {max_shift}")
        self.max_shift, self.fill = int(max_shift), fill
        super().__init__(seed, generator)

    def batch(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        planes, shape = self._planes(x, "RandomShift")
        n, p, h, w = planes.shape
        m = self.max_shift
        # one uniform draw per number, so n single calls draw exactly what one batch draws
        d = (np.floor(self.rng.random((n, 2)) * (2 * m + 1)).astype(np.intp) - m)
        if m == 0 or n == 0:
            return x.copy()
        padded = np.full((n, p, h + 2 * m, w + 2 * m), self.fill, dtype=x.dtype)
        padded[:, :, m:m + h, m:m + w] = planes
        rows = (m - d[:, 0])[:, None] + np.arange(h)  # n×h: source row of each output row
        cols = (m - d[:, 1])[:, None] + np.arange(w)
        out = padded[np.arange(n)[:, None, None, None], np.arange(p)[None, :, None, None],
                     rows[:, None, :, None], cols[:, None, None, :]]
        return out.reshape(shape)

    def extra_repr(self) -> str:
        return f"max_shift={self.max_shift}, fill={self.fill}"


class RandomRotation(_RandomTransform):
    """Rotate each image about its centre by a random angle in [−degrees, degrees]
    (bilinear interpolation, ``fill`` outside; integer images are rounded back)."""

    def __init__(self, degrees: float = 10.0, fill: float = 0, *, seed: int | None = None,
                 generator: Generator | None = None) -> None:
        if not math.isfinite(degrees) or degrees < 0 or degrees > 180:
            raise ValueError(f"RandomRotation: degrees must lie in [0, 180], got {degrees}")
        self.degrees, self.fill = float(degrees), fill
        super().__init__(seed, generator)

    def batch(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        planes, shape = self._planes(x, "RandomRotation")
        n, p, h, w = planes.shape
        theta = np.deg2rad((self.rng.random(n) * 2.0 - 1.0) * self.degrees)
        if n == 0:
            return x.copy()
        return _cast_like(_rotate(planes, theta, self.fill), x.dtype).reshape(shape)

    def extra_repr(self) -> str:
        return f"degrees={self.degrees}, fill={self.fill}"


def _rotate(planes: np.ndarray, theta: np.ndarray, fill: float) -> np.ndarray:
    """Rotate each N×P×H×W image n by theta[n] radians (anticlockwise as displayed)."""
    n, p, h, w = planes.shape
    cy, cx = (h - 1) / 2.0, (w - 1) / 2.0
    yy, xx = np.meshgrid(np.arange(h) - cy, np.arange(w) - cx, indexing="ij")
    c, s = np.cos(theta)[:, None, None], np.sin(theta)[:, None, None]
    # inverse map: where in the source does each output pixel come from
    src_x = c * xx - s * yy + cx
    src_y = s * xx + c * yy + cy
    padded = np.full((n, p, h + 2, w + 2), fill, dtype=np.float32)
    padded[:, :, 1:-1, 1:-1] = planes
    y0 = np.floor(src_y)
    x0 = np.floor(src_x)
    wy = (src_y - y0).astype(np.float32)[:, None]
    wx = (src_x - x0).astype(np.float32)[:, None]
    # +1 for the padding; clipping puts far-away points on the fill border
    y0i = np.clip(y0 + 1, 0, h + 1).astype(np.intp)
    x0i = np.clip(x0 + 1, 0, w + 1).astype(np.intp)
    y1i = np.clip(y0 + 2, 0, h + 1).astype(np.intp)
    x1i = np.clip(x0 + 2, 0, w + 1).astype(np.intp)
    ni = np.arange(n)[:, None, None, None]
    pi = np.arange(p)[None, :, None, None]

    def at(yi: np.ndarray, xi: np.ndarray) -> np.ndarray:
        return padded[ni, pi, yi[:, None], xi[:, None]]

    top = at(y0i, x0i) * (1 - wx) + at(y0i, x1i) * wx
    bottom = at(y1i, x0i) * (1 - wx) + at(y1i, x1i) * wx
    return top * (1 - wy) + bottom * wy
