"""Resampling (``F.interpolate``): nearest and (bi)linear up/down-sampling of the last 1 or 2 dims.

Nearest:  y[..., i] = x[..., min(⌊i·r⌋, in − 1)]  (r = 1/scale_factor, or in/out), its gradient the sum of g
over the outputs that copied each input.  Linear, separable per axis:

    y[..., i] = λ₀ x[..., i₀] + λ₁ x[..., i₁],   src = r·(i + ½) − ½ clipped at 0 (align_corners: r·i),
    i₀ = ⌊src⌋, i₁ = min(i₀ + 1, in − 1), λ₁ = src − i₀, λ₀ = 1 − λ₁

(PyTorch's formulas, computed in the input's precision as PyTorch does); backward scatters λ₀g onto
i₀ and λ₁g onto i₁.  Forward is a gather, backward one bincount per axis: O(1) work per output.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd.function import Function


def _scale(size: int, out: int, scale: float | None, align_corners: bool, dtype) -> Any:
    """PyTorch's ``area_pixel_compute_scale`` in the computation dtype."""
    t = np.dtype(dtype).type
    if align_corners:
        return t(size - 1) / t(out - 1) if out > 1 else t(0)
    if scale is not None and scale > 0:
        return t(1.0 / scale)
    return t(size) / t(out)


def nearest_index(size: int, out: int, scale: float | None, exact: bool = False) -> np.ndarray:
    """min(⌊i·r⌋, size − 1) (nearest-exact: ⌊(i + ½)·r⌋), in float32 as PyTorch computes it."""
    if out == size and not exact:
        return np.arange(out)
    r = np.float32(1.0 / scale) if scale is not None and scale > 0 else np.float32(size) / np.float32(out)
    i = np.arange(out, dtype=np.float32)
    if exact:
        i = i + np.float32(0.5)
    return np.minimum(np.floor(i * r).astype(np.int64), size - 1)


def linear_weights(size: int, out: int, scale: float | None, align_corners: bool,
                   dtype) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(i₀, i₁, λ₀, λ₁) per output position along one axis."""
    t = np.dtype(dtype).type
    if out == size:
        idx = np.arange(out)
        return idx, idx, np.ones(out, dtype=dtype), np.zeros(out, dtype=dtype)
    r = _scale(size, out, scale, align_corners, dtype)
    dst = np.arange(out).astype(dtype)
    src = r * dst if align_corners else np.maximum(r * (dst + t(0.5)) - t(0.5), t(0))
    i0 = np.minimum(np.floor(src).astype(np.int64), size - 1)
    lam1 = np.clip(src - i0.astype(dtype), t(0), t(1)).astype(dtype)
    i1 = i0 + (i0 < size - 1)
    return i0, i1, (t(1) - lam1).astype(dtype), lam1


def _scatter_last(g: np.ndarray, idx: np.ndarray, size: int) -> np.ndarray:
    """out[..., k] = Σ_{j: idx[j] = k} g[..., j]  (one bincount, float64 sums)."""
    lead = g.shape[:-1]
    rows = int(np.prod(lead, dtype=np.int64))
    flat = (np.arange(rows)[:, None] * size + idx[None, :]).ravel()
    out = np.bincount(flat, weights=g.reshape(rows, -1).ravel(), minlength=rows * size)
    return out.reshape(*lead, size)


class UpsampleNearest(Function):
    """y = x at the nearest source index per axis;  ∂L/∂x[k] = Σ of g over the outputs that copied x[k]."""

    def forward(self, x, sizes=(1,), scales=(None,), exact=False):
        ins = x.shape[-len(sizes):]
        self.idx = [nearest_index(s, o, sc, exact) for s, o, sc in zip(ins, sizes, scales)]
        self.in_shape = x.shape
        if len(sizes) == 1:
            return x[..., self.idx[0]]
        return x[..., self.idx[0][:, None], self.idx[1][None, :]]

    def backward(self, g):
        shape = self.in_shape
        if len(self.idx) == 1:
            return _scatter_last(g, self.idx[0], shape[-1]).astype(g.dtype, copy=False)
        h, w = shape[-2:]
        flat = (self.idx[0][:, None] * w + self.idx[1][None, :]).ravel()
        gx = _scatter_last(g.reshape(*g.shape[:-2], -1), flat, h * w)
        return gx.astype(g.dtype, copy=False).reshape(shape)


class UpsampleLinear(Function):
    """Separable linear interpolation, last axis first: y = λ₀ x[i₀] + λ₁ x[i₁] per axis;
    ∂L/∂x scatters λ₀g onto i₀ and λ₁g onto i₁, axis by axis in reverse order."""

    def forward(self, x, sizes=(1,), scales=(None,), align_corners=False):
        nd = len(sizes)
        ins = x.shape[-nd:]
        self.w = [linear_weights(s, o, sc, align_corners, x.dtype) for s, o, sc in zip(ins, sizes, scales)]
        self.in_shape = x.shape
        y = x
        for ax in reversed(range(nd)):  # W first, then H, as PyTorch nests its weights
            i0, i1, l0, l1 = self.w[ax]
            axis = x.ndim - nd + ax
            bshape = [1] * (nd - ax)
            bshape[0] = -1
            l0, l1 = l0.reshape(bshape), l1.reshape(bshape)
            y = np.take(y, i0, axis=axis) * l0 + np.take(y, i1, axis=axis) * l1
        return y

    def backward(self, g):
        nd = len(self.w)
        shape = self.in_shape
        for ax in range(nd):  # H first, then W
            i0, i1, l0, l1 = self.w[ax]
            axis = g.ndim - nd + ax
            gm = np.moveaxis(g, axis, -1)
            size = shape[axis]
            if np.array_equal(i0, i1) and np.array_equal(i0, np.arange(size)) and not l1.any():
                continue  # identity along this axis
            s = _scatter_last(gm * l0, i0, size) + _scatter_last(gm * l1, i1, size)
            g = np.moveaxis(s.astype(g.dtype, copy=False), -1, axis)
        return g


_MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact")


def interpolate(x: Any, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Any:
    """PyTorch's ``F.interpolate`` for 3-D (N, C, L) and 4-D (N, C, H, W) inputs; modes 'nearest',
    'nearest-exact', 'linear' (3-D), 'bilinear' (4-D) and 'area'."""
    from ..nn import functional as F

    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    else:
        if align_corners is None:
            align_corners = False
    dim = x.ndim - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if isinstance(size, list | tuple):
            if len(size) != dim:
                raise ValueError(
                    "Input and output must have the same number of spatial dimensions, but got input with spatial "
                    f"dimensions of {list(x.shape[2:])} and output size of {size}. Please provide input tensor in "
                    "(N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format.")
            output_size = [int(s) for s in size]
        else:
            output_size = [int(size)] * dim
        scale_factors: list | None = None
    elif scale_factor is not None:
        if isinstance(scale_factor, list | tuple):
            if len(scale_factor) != dim:
                raise ValueError(
                    "Input and scale_factor must have the same number of spatial dimensions, but got input with "
                    f"spatial dimensions of {list(x.shape[2:])} and scale_factor of shape {scale_factor}. Please "
                    "provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) "
                    "format.")
            scale_factors = [float(s) for s in scale_factor]
        else:
            scale_factors = [float(scale_factor)] * dim
        output_size = None
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor is not None and recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and output_size is None:
        recompute_scale_factor = True
    if output_size is None:
        output_size = [math.floor(float(x.shape[i + 2]) * scale_factors[i]) for i in range(dim)]
        if recompute_scale_factor:
            scale_factors = None
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported")
    if dim not in (1, 2):
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {x.ndim}D) for the modes: nearest | "
            f"linear | bilinear | bicubic | trilinear | area | nearest-exact (got {mode})")
    ins = tuple(x.shape[2:])
    if any(o <= 0 for o in output_size) or any(s <= 0 for s in ins):
        raise RuntimeError(f"interpolate: input and output sizes should be greater than 0, but got input {ins} "
                           f"and output {tuple(output_size)}")
    scales = tuple(scale_factors) if scale_factors is not None else (None,) * dim
    if mode in ("nearest", "nearest-exact"):
        return UpsampleNearest.apply(x, sizes=tuple(output_size), scales=scales, exact=mode == "nearest-exact")
    if mode == "area":
        return (F.adaptive_avg_pool1d if dim == 1 else F.adaptive_avg_pool2d)(x, output_size)
    if (mode == "linear" and dim == 1) or (mode == "bilinear" and dim == 2):
        if x.data.dtype.kind != "f":
            raise RuntimeError(f"interpolate: mode {mode!r} needs a floating-point input, got {x.dtype}")
        return UpsampleLinear.apply(x, sizes=tuple(output_size), scales=scales, align_corners=bool(align_corners))
    if dim == 1 and mode == "bilinear":
        raise NotImplementedError("Got 3D input, but bilinear mode needs 4D input")
    if dim == 2 and mode == "linear":
        raise NotImplementedError("Got 4D input, but linear mode needs 3D input")
    if mode not in _MODES:
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {x.ndim}D) for the modes: nearest | "
            f"linear | bilinear | bicubic | trilinear | area | nearest-exact (got {mode})")
    raise NotImplementedError(f"interpolate: mode {mode!r} is not supported for {x.ndim}-D input")
