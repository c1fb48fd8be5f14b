"""Transposed convolution: the adjoint of ``conv2d`` with respect to its input.

For stride s, dilation d, padding p and output padding q (per axis), weight W (C_in, C_out/g, kh, kw):

    y[n, o, s·i + d·u − p, s·j + d·v − p] += Σ_c x[n, c, i, j] · W[c, o, u, v],   OH = (H − 1)s − 2p + d(kh − 1) + q + 1

Forward is conv2d's backward w.r.t. its input: one (batched over groups) GEMM X W_col gives every
tap's contribution, and col2im (``offset_view`` of ops/conv.py) adds them onto the image, which is then
cropped by p.  Backward is conv2d's forward and weight gradient: im2col of the (uncropped) upstream
gradient G_col, then ∂L/∂x = G_col W_colᵀ and ∂L/∂W = Xᵀ G_col (two GEMMs); ∂L/∂b = Σ g.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.function import Function
from .conv import _shape, channels_last, ntuple, offset_view, parallel_batch, windows


def transposed_out_size(size: int, k: int, stride: int, pad: int, out_pad: int, dilation: int) -> int:
    """(size − 1)·s − 2p + d·(k − 1) + q + 1."""
    return (size - 1) * stride - 2 * pad + dilation * (k - 1) + out_pad + 1


class ConvTranspose2d(Function):
    """y = crop_p(col2im(X W_col)) + b;  ∂L/∂x = im2col(g) W_colᵀ, ∂L/∂W = Xᵀ im2col(g), ∂L/∂b = Σ g.

    Inputs: x (N, C_in, H, W), weight (C_in, C_out/groups, kh, kw), bias (C_out,) or None."""

    def forward(self, x, w, b=None, stride=(1, 1), padding=(0, 0), output_padding=(0, 0), dilation=(1, 1),
                groups=1):
        if x.dtype != w.dtype or (b is not None and b.dtype != x.dtype):
            raise RuntimeError(
                f"conv_transpose2d: input dtype {x.dtype} and weight dtype {w.dtype}"
                + (f" and bias dtype {b.dtype}" if b is not None else "") + " should be the same"
            )
        n, c, h, wd = x.shape
        _, og, kh, kw = w.shape
        g = groups
        cg, o = c // g, og * g
        oh = transposed_out_size(h, kh, stride[0], padding[0], output_padding[0], dilation[0])
        ow = transposed_out_size(wd, kw, stride[1], padding[1], output_padding[1], dilation[1])
        if oh <= 0 or ow <= 0:
            raise RuntimeError(
                f"conv_transpose2d: given input of shape {_shape(x.shape)}, kernel {kh}x{kw}, stride {stride}, "
                f"padding {padding}, output_padding {output_padding} and dilation {dilation}, the calculated "
                f"output size {oh}x{ow} is too small"
            )
        # the full (uncropped) image the taps land on, tall enough for the output padding too
        hb = max((h - 1) * stride[0] + dilation[0] * (kh - 1) + 1, padding[0] + oh)
        wb = max((wd - 1) * stride[1] + dilation[1] * (kw - 1) + 1, padding[1] + ow)
        m, k = n * h * wd, kh * kw * og
        xg = channels_last(x).reshape(m, g, cg).transpose(1, 0, 2)  # (g, M, C_in/g)
        wm = np.ascontiguousarray(w.reshape(g, cg, og, kh, kw).transpose(0, 1, 3, 4, 2)).reshape(g, cg, k)
        cols = np.matmul(xg, wm)  # (g, M, kh·kw·og): every tap's contribution
        taps = cols.reshape(g, n, h, wd, kh, kw, og).transpose(4, 5, 1, 2, 3, 0, 6)  # (kh, kw, N, H, W, g, og)
        buf = np.zeros((n, hb, wb, g, og), dtype=x.dtype)

        def col2im(lo: int, hi: int) -> None:  # one strided accumulation per kernel tap
            part = buf[lo:hi]
            for u in range(kh):
                for v in range(kw):
                    view = offset_view(part, u, v, h, wd, stride, dilation)
                    view += taps[u, v, lo:hi]
        parallel_batch(n, col2im, m * k * g)
        out = buf.reshape(n, hb, wb, o)[:, padding[0]:padding[0] + oh, padding[1]:padding[1] + ow]
        if b is not None:
            out += b
        need = self.needs_input_grad
        if need is not None:
            self.x = x if need[1] else None
            self.wm = wm if need[0] else None
            self.geom = (n, c, h, wd, o, og, cg, kh, kw, oh, ow, hb, wb, g, stride, padding, dilation)
            self.has_b = b is not None
        return out.transpose(0, 3, 1, 2)

    def backward(self, grad):
        need_x, need_w = self.needs_input_grad[0], self.needs_input_grad[1]
        need_b = self.has_b and self.needs_input_grad[2]
        n, c, h, wd, o, og, cg, kh, kw, oh, ow, hb, wb, g, stride, padding, dilation = self.geom
        m, k = n * h * wd, kh * kw * og
        gx = gw = gb = None
        if need_b:
            gb = grad.sum(axis=(0, 2, 3))
        if not (need_x or need_w):
            return gx, gw, gb
        gl = channels_last(grad)
        if padding == (0, 0) and (hb, wb) == (oh, ow):
            gp = gl
        else:  # the cropped-off border had no effect on y: its gradient is 0
            gp = np.zeros((n, hb, wb, o), dtype=grad.dtype)
            gp[:, padding[0]:padding[0] + oh, padding[1]:padding[1] + ow] = gl
        win = windows(gp, kh, kw, h, wd, stride, dilation)  # (N, H, W, kh, kw, C_out)
        gcols = win.reshape(n, h, wd, kh, kw, g, og).transpose(5, 0, 1, 2, 3, 4, 6).reshape(g, m, k)
        if need_x:
            gxm = np.empty((m, g, cg), dtype=grad.dtype)
            np.matmul(gcols, self.wm.transpose(0, 2, 1), out=gxm.transpose(1, 0, 2))
            gx = gxm.reshape(n, h, wd, c).transpose(0, 3, 1, 2)
        if need_w:
            xg = channels_last(self.x).reshape(m, g, cg).transpose(1, 2, 0)  # (g, C_in/g, M)
            gwm = np.matmul(xg, gcols)  # (g, C_in/g, kh·kw·og)
            gw = np.ascontiguousarray(gwm.reshape(g, cg, kh, kw, og).transpose(0, 1, 4, 2, 3)).reshape(c, og, kh, kw)
        return gx, gw, gb


class ConvTranspose1d(ConvTranspose2d):
    """y[n, o, s·i + d·u − p] += Σ_c x[n, c, i] · W[c, o, u]: a ConvTranspose2d with height 1."""

    def forward(self, x, w, b=None, stride=(1,), padding=(0,), output_padding=(0,), dilation=(1,), groups=1):
        out = super().forward(x[:, :, None, :], w[:, :, None, :], b, stride=(1, stride[0]), padding=(0, padding[0]),
                              output_padding=(0, output_padding[0]), dilation=(1, dilation[0]), groups=groups)
        return out[:, :, 0, :]

    def backward(self, grad):
        gx, gw, gb = super().backward(grad[:, :, None, :])
        return (None if gx is None else gx[:, :, 0, :]), (None if gw is None else gw[:, :, 0, :]), gb


# ----------------------------------------------------------------- argument handling for nn.functional
def conv_transpose(x: Any, weight: Any, bias: Any, stride: Any, padding: Any, output_padding: Any, groups: int,
                   dilation: Any, dims: int, name: str) -> Any:
    """Check arguments as PyTorch does, then apply ConvTranspose1d/2d; an unbatched input is allowed."""
    from ..tensor import Tensor

    if not isinstance(x, Tensor) or not isinstance(weight, Tensor):
        raise TypeError(f"{name}: input and weight must be Tensors, got {type(x).__name__} and "
                        f"{type(weight).__name__}")
    spatial = "L" if dims == 1 else "H, W"
    if x.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(f"{name}: expected a {dims + 1}-D (C, {spatial}) or {dims + 2}-D (N, C, {spatial}) "
                           f"input, got input of shape {_shape(x.shape)}")
    if weight.ndim != dims + 2:
        raise RuntimeError(f"{name}: expected a {dims + 2}-D weight (in_channels, out_channels/groups, "
                           f"{'k' if dims == 1 else 'kh, kw'}), got weight of shape {_shape(weight.shape)}")
    if not isinstance(groups, int | np.integer) or groups < 1:
        raise RuntimeError(f"{name}: non-positive groups is not supported, got groups={groups}")
    c = x.shape[-dims - 1]
    if c != weight.shape[0]:
        raise RuntimeError(f"{name}: weight of shape {_shape(weight.shape)} expects an input with "
                           f"{weight.shape[0]} channels, but the input of shape {_shape(x.shape)} has {c}")
    if c % groups:
        raise RuntimeError(f"{name}: in_channels={c} is not divisible by groups={groups}")
    o = weight.shape[1] * groups
    if bias is not None and tuple(bias.shape) != (o,):
        raise RuntimeError(f"{name}: bias of shape {_shape(bias.shape)} does not match {o} output channels")
    stride = ntuple(stride, dims, "stride")
    padding = ntuple(padding, dims, "padding")
    output_padding = ntuple(output_padding, dims, "output_padding")
    dilation = ntuple(dilation, dims, "dilation")
    if any(s < 1 for s in stride) or any(d < 1 for d in dilation):
        raise RuntimeError(f"{name}: stride and dilation must be positive, got stride={stride}, "
                           f"dilation={dilation}")
    if any(p < 0 for p in padding) or any(q < 0 for q in output_padding):
        raise RuntimeError(f"{name}: negative padding is not supported, got padding={padding}, "
                           f"output_padding={output_padding}")
    if any(q >= s and q >= d for q, s, d in zip(output_padding, stride, dilation)):
        raise RuntimeError(f"{name}: output padding must be smaller than either stride or dilation, but got "
                           f"output_padding={output_padding}, stride={stride}, dilation={dilation}")
    unbatched = x.ndim == dims + 1
    if unbatched:
        x = x.unsqueeze(0)
    fn = ConvTranspose2d if dims == 2 else ConvTranspose1d
    out = fn.apply(x, weight, bias, stride=stride, padding=padding, output_padding=output_padding,
                   dilation=dilation, groups=int(groups))
    return out.squeeze(0) if unbatched else out
