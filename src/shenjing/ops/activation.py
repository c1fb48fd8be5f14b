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
