"""Second round of layers: shrinkage activations, bilinear form, unfold/fold, instance norm, alpha dropout.

    hardshrink  y = x·[|x| > λ]                      ∂y/∂x = [|x| > λ]
    softshrink  y = x − λ·sign(x) where |x| > λ, else 0   ∂y/∂x = [|x| > λ]
    tanhshrink  y = x − tanh x                       ∂y/∂x = tanh² x
    bilinear    y[..., o] = Σ_ij x1[..., i] A[o, i, j] x2[..., j] + b[o]
    unfold      im2col: every k_h × k_w block of (N, C, H, W) as a column of (N, C·k_h·k_w, L)
    fold        col2im, unfold's adjoint: overlapping blocks are summed back onto the image
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..autograd.function import Function
from .conv import offset_view, out_size, pad_channels_last, windows
from .elementwise import _float

if TYPE_CHECKING:
    from ..tensor import Tensor


def _no_int(x: Tensor, name: str) -> None:
    if x.data.dtype.kind != "f":
        raise NotImplementedError(f"{name}: not implemented for integer or bool input (dtype {x.dtype})")


# ----------------------------------------------------------------- shrinkage
class Hardshrink(Function):
    """y = x where |x| > λ, else 0;  ∂y/∂x = [|x| > λ]."""

    def forward(self, x, lambd=0.5):
        keep = np.abs(x) > lambd
        self.keep = keep
        return np.where(keep, x, np.zeros((), dtype=x.dtype))

    def backward(self, g):
        return (np.where(self.keep, g, np.zeros((), dtype=g.dtype)),)


class Softshrink(Function):
    """y = x − λ for x > λ, x + λ for x < −λ, else 0;  ∂y/∂x = [|x| > λ]."""

    def forward(self, x, lambd=0.5):
        lam = np.asarray(lambd, dtype=x.dtype)
        self.keep = np.abs(x) > lam
        return np.where(x > lam, x - lam, np.where(x < -lam, x + lam, np.zeros((), dtype=x.dtype)))

    def backward(self, g):
        return (np.where(self.keep, g, np.zeros((), dtype=g.dtype)),)


class Tanhshrink(Function):
    """y = x − tanh x;  ∂y/∂x = tanh² x."""

    def forward(self, x):
        x = _float(x)
        t = np.tanh(x)
        self.t = t
        return x - t

    def backward(self, g):
        return (g * (self.t * self.t),)


def hardshrink(x: Tensor, lambd: float = 0.5) -> Tensor:
    _no_int(x, "hardshrink")
    return Hardshrink.apply(x, lambd=lambd)


def softshrink(x: Tensor, lambd: float = 0.5) -> Tensor:
    _no_int(x, "softshrink")
    if not lambd >= 0:
        raise RuntimeError(f"softshrink: lambda must be non-negative, but found {lambd}")
    return Softshrink.apply(x, lambd=lambd)


def tanhshrink(x: Tensor) -> Tensor:
    return Tanhshrink.apply(x)


def glu(x: Tensor, dim: int = -1) -> Tensor:
    """GLU(a, b) = a ⊙ σ(b), a and b the two halves of ``x`` along ``dim``."""
    if x.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    _no_int(x, "glu")
    if not -x.ndim <= dim < x.ndim:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-x.ndim}, {x.ndim - 1}], "
                         f"but got {dim})")
    d = dim % x.ndim
    if x.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {x.shape[d]}")
    a, b = x.chunk(2, d)
    return a * b.sigmoid()


# ----------------------------------------------------------------- bilinear
class Bilinear(Function):
    """y[..., o] = Σ_ij x1[..., i] A[o, i, j] x2[..., j] + b[o];
    ∂L/∂x1 = Σ_oj g_o A_oij x2_j,  ∂L/∂x2 = Σ_oi g_o A_oij x1_i,  ∂L/∂A = Σ_batch g_o x1_i x2_j,  ∂L/∂b = Σ g."""

    def forward(self, x1, x2, w, b=None):
        t = np.einsum("...j,oij->...oi", x2, w, optimize=True)  # (..., O, I1)
        out = np.einsum("...oi,...i->...o", t, x1, optimize=True)
        if b is not None:
            out = out + b
        self.x1, self.x2, self.w, self.t, self.has_b = x1, x2, w, t, b is not None
        return out

    def backward(self, g):
        need = self.needs_input_grad
        x1, x2, w = self.x1, self.x2, self.w
        g1 = g2 = gw = gb = None
        if need[0]:
            g1 = np.einsum("...o,...oi->...i", g, self.t, optimize=True)
        if need[1]:
            g2 = np.einsum("...o,oij,...i->...j", g, w, x1, optimize=True)
        if need[2]:
            gw = np.einsum("no,ni,nj->oij", g.reshape(-1, g.shape[-1]), x1.reshape(-1, x1.shape[-1]),
                           x2.reshape(-1, x2.shape[-1]), optimize=True)
        if self.has_b and need[3]:
            gb = g.reshape(-1, g.shape[-1]).sum(axis=0)
        return g1, g2, gw, gb


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """PyTorch's ``F.bilinear``: inputs (..., I1) and (..., I2), weight (O, I1, I2), bias (O,)."""
    if weight.ndim != 3:
        raise RuntimeError(f"bilinear(): weight must be 3-D (out, in1, in2), got shape {tuple(weight.shape)}")
    if input1.ndim != input2.ndim:
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {input1.ndim} and {input2.ndim}")
    for i in range(input1.ndim - 1):
        if input1.shape[i] != input2.shape[i]:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {i}: got "
                               f"{input1.shape[i]} and {input2.shape[i]}")
    if input1.shape[-1] != weight.shape[1]:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got {input1.shape[-1]} but "
                           f"expected {weight.shape[1]}")
    if input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got {input2.shape[-1]} but "
                           f"expected {weight.shape[2]}")
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got {bias.shape[0] if bias.ndim else 0}"
                           f" but expected {weight.shape[0]}")
    return Bilinear.apply(input1, input2, weight, bias)


# ----------------------------------------------------------------- pixel shuffle
def pixel_shuffle(x: Tensor, upscale_factor: int) -> Tensor:
    """(*, C·r², H, W) → (*, C, H·r, W·r): y[c, h·r + i, w·r + j] = x[c·r² + i·r + j, h, w]."""
    r = int(upscale_factor)
    if x.ndim < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{x.ndim} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    *lead, c, h, w = x.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square "
                           f"of upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    k = len(lead)
    y = x.reshape(*lead, c // (r * r), r, r, h, w)
    y = y.permute(*range(k), k, k + 3, k + 1, k + 4, k + 2)
    return y.reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(x: Tensor, downscale_factor: int) -> Tensor:
    """(*, C, H·r, W·r) → (*, C·r², H, W), the inverse of ``pixel_shuffle``."""
    r = int(downscale_factor)
    if x.ndim < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
                           f"{x.ndim} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    *lead, c, h, w = x.shape
    if h % r:
        raise RuntimeError(f"pixel_unshuffle expects height to be divisible by downscale_factor, but "
                           f"input.size(-2)={h} is not divisible by {r}")
    if w % r:
        raise RuntimeError(f"pixel_unshuffle expects width to be divisible by downscale_factor, but "
                           f"input.size(-1)={w} is not divisible by {r}")
    k = len(lead)
    y = x.reshape(*lead, c, h // r, r, w // r, r)
    y = y.permute(*range(k), k, k + 2, k + 4, k + 1, k + 3)
    return y.reshape(*lead, c * r * r, h // r, w // r)


# ----------------------------------------------------------------- unfold / fold
def _im2col(x: np.ndarray, geom) -> np.ndarray:
    """x (N, C, H, W) → (N, C·kh·kw, L), rows ordered (c, u, v) as in PyTorch."""
    (kh, kw), dil, (ph, pw), stride, oh, ow = geom
    xp = pad_channels_last(x, (ph, ph, pw, pw))
    win = windows(xp, kh, kw, oh, ow, stride, dil)  # (N, OH, OW, kh, kw, C)
    n, c = x.shape[0], x.shape[1]
    return win.transpose(0, 5, 3, 4, 1, 2).reshape(n, c * kh * kw, oh * ow)


def _col2im(cols: np.ndarray, c: int, h: int, w: int, geom) -> np.ndarray:
    """The adjoint of ``_im2col``: (N, C·kh·kw, L) → (N, C, H, W), overlapping taps summed."""
    (kh, kw), dil, (ph, pw), stride, oh, ow = geom
    n = cols.shape[0]
    taps = cols.reshape(n, c, kh, kw, oh, ow)
    buf = np.zeros((n, h + 2 * ph, w + 2 * pw, c), dtype=cols.dtype)
    for u in range(kh):
        for v in range(kw):
            view = offset_view(buf, u, v, oh, ow, stride, dil)
            view += taps[:, :, u, v].transpose(0, 2, 3, 1)
    return np.ascontiguousarray(buf[:, ph:ph + h, pw:pw + w].transpose(0, 3, 1, 2))


class Unfold(Function):
    """y = im2col(x);  ∂L/∂x = col2im(g)."""

    def forward(self, x, geom=None):
        self.geom, self.shape = geom, x.shape
        return _im2col(x, geom)

    def backward(self, g):
        _, c, h, w = self.shape
        return (_col2im(g, c, h, w, self.geom),)


class Fold(Function):
    """y = col2im(x);  ∂L/∂x = im2col(g)."""

    def forward(self, x, c=1, size=(1, 1), geom=None):
        self.geom = geom
        return _col2im(x, c, size[0], size[1], geom)

    def backward(self, g):
        return (_im2col(g, self.geom),)


def _pair_args(kernel_size: Any, dilation: Any, padding: Any, stride: Any):
    out = []
    for label, v in (("kernel_size", kernel_size), ("dilation", dilation), ("padding", padding),
                     ("stride", stride)):
        t = (int(v),) * 2 if isinstance(v, int | np.integer) else tuple(int(a) for a in v)
        if len(t) != 2:
            raise RuntimeError(f"It is expected {label} equals to 2, but got size {len(t)}")
        out.append(t)
    k, d, p, s = out
    if min(k) <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_height: {k[0]} "
                           f"kernel_width: {k[1]}")
    if min(s) <= 0:
        raise RuntimeError(f"stride should be greater than zero, but got stride_height: {s[0]} stride_width: {s[1]}")
    if min(d) <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got dilation_height: {d[0]} "
                           f"dilation_width: {d[1]}")
    if min(p) < 0:
        raise RuntimeError(f"padding should be non-negative, but got pad_height: {p[0]} pad_width: {p[1]}")
    return k, d, p, s


def _blocks(name: str, size, k, d, p, s) -> tuple[int, int]:
    oh = out_size(size[0], k[0], s[0], p[0], p[0], d[0])
    ow = out_size(size[1], k[1], s[1], p[1], p[1], d[1])
    if oh < 1 or ow < 1:
        raise RuntimeError(f"{name}: given input with spatial size {tuple(size)}, kernel_size={k}, dilation={d}, "
                           f"padding={p}, calculated shape of the array of sliding blocks as ({oh}, {ow}), but "
                           f"its components must be at least one.")
    return oh, ow


def unfold(x: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> Tensor:
    """PyTorch's ``F.unfold``: (N, C, H, W) or (C, H, W) → (N, C·kh·kw, L) or (C·kh·kw, L)."""
    if x.ndim not in (3, 4):
        raise RuntimeError(f"unfold: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape "
                           f"{list(x.shape)}")
    _no_int(x, "unfold")
    k, d, p, s = _pair_args(kernel_size, dilation, padding, stride)
    oh, ow = _blocks("unfold", x.shape[-2:], k, d, p, s)
    unbatched = x.ndim == 3
    if unbatched:
        x = x.unsqueeze(0)
    out = Unfold.apply(x, geom=(k, d, p, s, oh, ow))
    return out.squeeze(0) if unbatched else out


def fold(x: Tensor, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
         stride: Any = 1) -> Tensor:
    """PyTorch's ``F.fold``: (N, C·kh·kw, L) or (C·kh·kw, L) → (N, C, H, W) or (C, H, W), blocks summed."""
    if x.ndim not in (2, 3):
        raise RuntimeError(f"fold: expected a 2-D (C·kh·kw, L) or 3-D (N, C·kh·kw, L) input, got shape "
                           f"{list(x.shape)}")
    _no_int(x, "fold")
    size = (int(output_size),) * 2 if isinstance(output_size, int | np.integer) else tuple(int(v) for v in output_size)
    if len(size) != 2:
        raise RuntimeError(f"It is expected output_size equals to 2, but got size {len(size)}")
    k, d, p, s = _pair_args(kernel_size, dilation, padding, stride)
    oh, ow = _blocks("fold", size, k, d, p, s)
    rows, length = x.shape[-2], x.shape[-1]
    if rows % (k[0] * k[1]):
        raise RuntimeError(f"fold: expected size of input's dimension {x.ndim - 2} to be divisible by the product "
                           f"of kernel_size, but got input.size({x.ndim - 2})={rows} and kernel_size={k}.")
    if length != oh * ow:
        raise RuntimeError(f"fold: given output_size={size}, kernel_size={k}, dilation={d}, padding={p}, "
                           f"stride={s}, expected size of input's dimension {x.ndim - 1} to match the calculated "
                           f"number of sliding blocks {oh} * {ow} = {oh * ow}, but got "
                           f"input.size({x.ndim - 1})={length}.")
    unbatched = x.ndim == 2
    if unbatched:
        x = x.unsqueeze(0)
    out = Fold.apply(x, c=rows // (k[0] * k[1]), size=size, geom=(k, d, p, s, oh, ow))
    return out.squeeze(0) if unbatched else out


# ----------------------------------------------------------------- instance norm
def instance_norm(x: Tensor, running_mean: Tensor | None = None, running_var: Tensor | None = None,
                  weight: Tensor | None = None, bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise every (n, c) map over its positions: y = γ_c (x − μ_nc)/√(σ²_nc + ε) + β_c.

    With ``use_input_stats`` the running statistics (if given) move towards the batch average of the
    per-instance means and unbiased variances; without, they replace them (batch norm's eval path)."""
    from .norm import LayerNorm, batch_norm

    if x.ndim < 2:
        raise ValueError(f"instance_norm: expected an input with at least 2 dims (N, C, ...), got shape "
                         f"{tuple(x.shape)}")
    _no_int(x, "instance_norm")
    c = x.shape[1]
    for label, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                     ("bias", bias)):
        if t is not None and tuple(t.shape) != (c,):
            raise RuntimeError(f"instance_norm: {label} should contain {c} elements (one per channel), got shape "
                               f"{tuple(t.shape)}")
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise RuntimeError("Expected running_mean and running_var to be defined when use_input_stats is false")
        return batch_norm(x, running_mean, running_var, weight, bias, False, momentum, eps, name="instance_norm")
    spatial = int(np.prod(x.shape[2:])) if x.ndim > 2 else 1
    if spatial == 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size {list(x.shape)}")
    k = x.ndim - 2
    if running_mean is not None or running_var is not None:
        axes = tuple(range(2, x.ndim))
        data = x.data
        if running_mean is not None:
            rm = running_mean.data
            rm *= 1 - momentum
            rm += (momentum * data.mean(axis=axes).mean(axis=0)).astype(rm.dtype)
        if running_var is not None:
            rv = running_var.data
            rv *= 1 - momentum
            rv += (momentum * data.var(axis=axes, ddof=1).mean(axis=0)).astype(rv.dtype)
    y = LayerNorm.apply(x, None, None, k=k, eps=eps)
    view = (c,) + (1,) * k
    if weight is not None:
        y = y * weight.reshape(view)
    if bias is not None:
        y = y + bias.reshape(view)
    return y


# ----------------------------------------------------------------- dropout variants
def dropout1d(x: Tensor, p: float = 0.5, training: bool = True, generator: Any = None) -> Tensor:
    """Zero whole channels of (N, C, L) or (C, L): each kept with probability 1 − p, scaled by 1/(1 − p)."""
    from ..random import get_rng
    from .elementwise import Mul

    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if x.ndim not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {x.ndim}D input. Note that "
                           "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, "
                           "a channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    shape = tuple(x.shape[:-1]) + (1,)
    keep = get_rng(generator).random(shape, dtype=np.float32) >= p
    mask = keep.astype(x.data.dtype) * np.asarray(1.0 / (1.0 - p), dtype=x.data.dtype)
    return Mul.apply(x, mask)


_ALPHA = 1.7580993408473766  # −λα of SELU: the value a dropped SELU unit is set to, negated


def alpha_dropout(x: Tensor, p: float = 0.5, training: bool = False, generator: Any = None) -> Tensor:
    """Dropout that keeps SELU's zero mean and unit variance: dropped units become −λα, then
    y = a·(x·m + (−λα)(1 − m)) + b with a = ((1 − p)(1 + p λ²α²))^(−1/2), b = −a(−λα)p;  ∂y/∂x = a·m."""
    from ..random import get_rng
    from .elementwise import Add, Mul

    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    keep = get_rng(generator).random(tuple(x.shape), dtype=np.float32) >= p
    dt = x.data.dtype
    a = 1.0 / np.sqrt((_ALPHA * _ALPHA * p + 1) * (1 - p))
    mask = (keep * a).astype(dt)
    shift = ((keep.astype(np.float64) - 1) * (_ALPHA * a) + _ALPHA * a * p).astype(dt)
    return Add.apply(Mul.apply(x, mask), shift)
