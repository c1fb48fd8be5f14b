"""Activation functions, each with the derivative from the lecture's table, and softmax.

σ(x) = 1/(1+e⁻ˣ), σ' = σ(1−σ);  tanh' = 1 − tanh²;  ReLU' = [x > 0];
ELU(x) = x (x > 0) else γ(eˣ − 1), ELU' = 1 or ELU(x) + γ;  SoftPlus(x) = ln(1 + eˣ), SoftPlus' = σ(x).
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd.function import Function
from .elementwise import _float
from .special import erf


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # 1/(1+e⁻ˣ) for x ≥ 0 and eˣ/(1+eˣ) for x < 0: no overflow either side.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0, e) / (1.0 + e)


class Sigmoid(Function):
    def forward(self, x):
        x = _float(x)
        self.out = _sigmoid(x).astype(x.dtype, copy=False)
        return self.out

    def backward(self, g):  # σ' = σ(1 − σ)
        s = self.out
        return g * s * (1 - s)


class Tanh(Function):
    def forward(self, x):
        x = _float(x)
        self.out = np.tanh(x)
        return self.out

    def backward(self, g):  # tanh' = 1 − tanh²
        t = self.out
        return g * (1 - t * t)


class ReLU(Function):
    def forward(self, x):
        out = np.maximum(x, 0)
        self.out = out
        return out

    def backward(self, g):  # ReLU' = 1 where x > 0, else 0
        return g * (self.out > 0)


class LeakyReLU(Function):
    def forward(self, x, negative_slope=0.01):
        x = _float(x)
        self.pos = x > 0
        self.slope = negative_slope
        return np.where(self.pos, x, x * negative_slope)

    def backward(self, g):
        return np.where(self.pos, g, g * self.slope)


class ELU(Function):
    def forward(self, x, alpha=1.0):  # alpha is the lecture's γ
        x = _float(x)
        self.pos = x > 0
        self.alpha = alpha
        self.out = np.where(self.pos, x, alpha * np.expm1(np.minimum(x, 0)))
        return self.out

    def backward(self, g):  # ELU' = 1 (x > 0) else ELU(x) + γ
        return np.where(self.pos, g, g * (self.out + self.alpha))


class Softplus(Function):
    def forward(self, x, beta=1.0, threshold=20.0):
        x = _float(x)
        # ln(1 + e^(βx))/β, linear above the threshold as in PyTorch
        self.x, self.beta, self.threshold = x, beta, threshold
        bx = beta * x
        soft = (np.maximum(bx, 0) + np.log1p(np.exp(-np.abs(bx)))) / beta
        return np.where(bx > threshold, x, soft).astype(x.dtype, copy=False)

    def backward(self, g):  # SoftPlus' = σ(βx)
        bx = self.beta * self.x
        return np.where(bx > self.threshold, g, g * _sigmoid(bx).astype(g.dtype, copy=False))


class GELU(Function):
    def forward(self, x, approximate="none"):
        x = _float(x)
        self.x, self.approximate = x, approximate
        if approximate == "tanh":
            k = math.sqrt(2 / math.pi)
            self.t = np.tanh(k * (x + 0.044715 * x**3))
            return 0.5 * x * (1 + self.t)
        if approximate != "none":
            raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.cdf = (0.5 * (1 + erf(x / math.sqrt(2)))).astype(x.dtype, copy=False)
        return x * self.cdf

    def backward(self, g):
        x = self.x
        if self.approximate == "tanh":
            k = math.sqrt(2 / math.pi)
            t = self.t
            return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * 0.044715 * x * x))
        pdf = np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
        return g * (self.cdf + x * pdf)


class Softmax(Function):
    def forward(self, x, axis=-1):
        x = _float(x)
        # ŷᵢ = e^(zᵢ − max z) / Σⱼ e^(zⱼ − max z): the shift keeps it finite for z = ±1e4
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        e /= e.sum(axis=axis, keepdims=True)
        self.out, self.axis = e, axis
        return e

    def backward(self, g):  # ∂L/∂z = ŷ ⊙ (g − Σ g ŷ)
        y = self.out
        return y * (g - (g * y).sum(axis=self.axis, keepdims=True))


class LogSoftmax(Function):
    def forward(self, x, axis=-1):
        x = _float(x)
        shifted = x - x.max(axis=axis, keepdims=True)
        out = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        self.out, self.axis = out, axis
        return out

    def backward(self, g):  # ∂L/∂z = g − ŷ Σ g
        return g - np.exp(self.out) * g.sum(axis=self.axis, keepdims=True)


# ----------------------------------------------------------------- more activations (PyTorch's names)
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _softplus(x: np.ndarray) -> np.ndarray:
    # ln(1 + eˣ) = max(x, 0) + ln(1 + e^−|x|): finite for x = ±1e4
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


class SiLU(Function):
    """SiLU(x) = x·σ(x);  SiLU' = σ(x)(1 + x(1 − σ(x)))."""

    def forward(self, x):
        x = _float(x)
        self.x, self.s = x, _sigmoid(x).astype(x.dtype, copy=False)
        return x * self.s

    def backward(self, g):
        s = self.s
        return g * (s * (1 + self.x * (1 - s)))


class Mish(Function):
    """Mish(x) = x·tanh(softplus(x));  Mish' = t + x·σ(x)(1 − t²), t = tanh(softplus(x))."""

    def forward(self, x):
        x = _float(x)
        self.x, self.t = x, np.tanh(_softplus(x)).astype(x.dtype, copy=False)
        return x * self.t

    def backward(self, g):
        x, t = self.x, self.t
        s = _sigmoid(x).astype(x.dtype, copy=False)
        return g * (t + x * s * (1 - t * t))


class Hardtanh(Function):
    """Hardtanh(x) = min(max(x, min_val), max_val);  derivative 1 for min_val < x < max_val, else 0."""

    def forward(self, x, min_val=-1.0, max_val=1.0):
        # integer data stays integer (bounds truncated), as in PyTorch
        self.inside = (x > min_val) & (x < max_val)
        return np.clip(x, min_val, max_val).astype(x.dtype, copy=False)

    def backward(self, g):
        return np.where(self.inside, g, 0).astype(g.dtype, copy=False)


class ReLU6(Hardtanh):
    """ReLU6(x) = min(max(x, 0), 6): Hardtanh on [0, 6] (derivative 0 at 0 and at 6)."""

    def forward(self, x):
        return super().forward(x, 0.0, 6.0)


class Hardsigmoid(Function):
    """Hardsigmoid(x) = min(max(x + 3, 0), 6)/6;  derivative 1/6 for −3 < x < 3, else 0."""

    def forward(self, x):
        x = _float(x)
        self.inside = (x > -3) & (x < 3)
        return np.clip(x + 3, 0, 6) / 6

    def backward(self, g):
        # PyTorch's kernel uses the float32 constant 1.0f/6.0f for every dtype
        return np.where(self.inside, g * float(np.float32(1 / 6)), 0).astype(g.dtype, copy=False)


class Hardswish(Function):
    """Hardswish(x) = x·min(max(x + 3, 0), 6)/6;  derivative 0 (x ≤ −3), x/3 + 1/2 (−3 < x < 3), 1 (x ≥ 3)."""

    def forward(self, x):
        x = _float(x)
        self.x = x
        return x * np.clip(x + 3, 0, 6) / 6

    def backward(self, g):
        x = self.x
        return np.where(x <= -3, 0, np.where(x < 3, g * (x / 3 + 0.5), g)).astype(g.dtype, copy=False)


class SELU(Function):
    """SELU(x) = λ·(x if x > 0 else α(eˣ − 1)), α ≈ 1.6733, λ ≈ 1.0507;  SELU' = λ (x > 0) else λαeˣ."""

    def forward(self, x):
        x = _float(x)
        self.pos = x > 0
        self.e = np.exp(np.minimum(x, 0))
        return _SELU_SCALE * np.where(self.pos, x, _SELU_ALPHA * np.expm1(np.minimum(x, 0)))

    def backward(self, g):
        return g * np.where(self.pos, _SELU_SCALE, _SELU_SCALE * _SELU_ALPHA * self.e).astype(g.dtype, copy=False)


class CELU(Function):
    """CELU(x) = x if x > 0 else α(e^(x/α) − 1);  CELU' = 1 (x > 0) else e^(x/α)."""

    def forward(self, x, alpha=1.0):
        if alpha == 0:
            raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
        x = _float(x)
        self.pos = x > 0
        self.e = np.exp(np.minimum(x, 0) / alpha)
        return np.where(self.pos, x, alpha * np.expm1(np.minimum(x, 0) / alpha)).astype(x.dtype, copy=False)

    def backward(self, g):
        return np.where(self.pos, g, g * self.e)


class Softsign(Function):
    """Softsign(x) = x/(1 + |x|);  Softsign' = 1/(1 + |x|)²."""

    def forward(self, x):
        x = _float(x)
        self.d = 1 + np.abs(x)
        return x / self.d

    def backward(self, g):
        return g / (self.d * self.d)


class LogSigmoid(Function):
    """log σ(x) = min(x, 0) − ln(1 + e^−|x|);  derivative σ(−x)."""

    def forward(self, x):
        x = _float(x)
        self.x = x
        return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))

    def backward(self, g):
        return g * _sigmoid(-self.x).astype(g.dtype, copy=False)


class Threshold(Function):
    """y = x if x > threshold else value;  derivative 1 for x > threshold, else 0."""

    def forward(self, x, threshold=0.0, value=0.0):
        # integer data stays integer (value truncated), as in PyTorch
        self.above = x > threshold
        return np.where(self.above, x, value).astype(x.dtype, copy=False)

    def backward(self, g):
        return np.where(self.above, g, 0).astype(g.dtype, copy=False)


class PReLU(Function):
    """PReLU(x) = x if x > 0 else w·x, w one slope or one per channel (dim 1);
    ∂/∂x = 1 (x > 0) else w,  ∂/∂w = Σ x over x ≤ 0."""

    def forward(self, x, weight):
        x = _float(x)
        if weight.ndim > 1:
            raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.ndim}")
        if x.dtype != weight.dtype:
            raise RuntimeError(f"prelu: Type promoting not supported. Got {x.dtype} and {weight.dtype}")
        n = weight.size
        if n != 1:
            channels = x.shape[1] if x.ndim >= 2 else 1
            if n != channels:
                raise RuntimeError("Mismatch of parameter numbers and input channel size. Found parameter numbers "
                                   f"= {n} and channel size = {channels}.")
            w = weight.reshape((n,) + (1,) * (x.ndim - 2))
        else:
            w = weight.reshape(())
        self.x, self.w, self.wshape, self.pos = x, w, weight.shape, x > 0
        return np.where(self.pos, x, w * x)

    def backward(self, g):
        need_x, need_w = self.needs_input_grad
        gx = np.where(self.pos, g, g * self.w) if need_x else None
        gw = None
        if need_w:
            gxw = np.where(self.pos, 0, g * self.x)
            if self.w.ndim:  # one slope per channel: sum all but dim 1
                gxw = gxw.sum(axis=tuple(i for i in range(gxw.ndim) if i != 1))
            gw = np.asarray(gxw.sum() if not self.w.ndim else gxw, dtype=g.dtype).reshape(self.wshape)
        return gx, gw
