"""Stateless differentiable functions under PyTorch's names (``shenjing.nn.functional``).

Activations (lecture notation):  sigmoid σ(x) = 1/(1+e⁻ˣ);  tanh;  relu max(0, x);
elu x or γ(eˣ−1);  softplus ln(1+eˣ);  softmax ŷᵢ = e^zᵢ / Σⱼ e^zⱼ.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ops import activation as _act
from ..ops import loss as _loss
from ..ops import matmul as _mm
from ..ops import shape as _shape
from ..ops.elementwise import Mul
from ..random import get_rng
from ..tensor import Tensor


def _arr(x: Any):
    return x.data if isinstance(x, Tensor) else x


# ----------------------------------------------------------------- activations
def sigmoid(x: Tensor) -> Tensor:
    """σ(x) = 1/(1 + e⁻ˣ), the lecture's logistic function; σ' = σ(1 − σ)."""
    return _act.Sigmoid.apply(x)


def tanh(x: Tensor) -> Tensor:
    """tanh x = (eˣ − e⁻ˣ)/(eˣ + e⁻ˣ); tanh' = 1 − tanh²."""
    return _act.Tanh.apply(x)


def _in_place(x: Tensor, compute, inplace: bool) -> Tensor:
    """``compute(x)``; with ``inplace`` (PyTorch's ``inplace=True``) x takes the result and is
    returned — inside a graph as a recorded change of x, so the gradient stays right."""
    if not inplace:
        return compute(x)
    if x._records():
        return x._record_inplace(compute)
    out = compute(x)
    if out is not x:
        np.copyto(x.data, out.data, casting="unsafe")
        x._bump()
    return x


def relu(x: Tensor, inplace: bool = False) -> Tensor:
    """max(0, x); derivative 1 for x > 0, else 0."""
    return _in_place(x, _act.ReLU.apply, inplace)


def leaky_relu(x: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    return _in_place(x, lambda t: _act.LeakyReLU.apply(t, negative_slope=negative_slope), inplace)


def elu(x: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, else γ(eˣ − 1) (``alpha`` is the lecture's γ)."""
    return _in_place(x, lambda t: _act.ELU.apply(t, alpha=alpha), inplace)


def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """ln(1 + eˣ) (divided by β, linear above ``threshold``); its derivative is σ(x)."""
    return _act.Softplus.apply(x, beta=beta, threshold=threshold)


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """x·Φ(x), Φ the standard normal CDF (or its tanh approximation)."""
    return _act.GELU.apply(x, approximate=approximate)


def softmax(x: Tensor, dim: int = -1, dtype: Any = None) -> Tensor:
    """ŷᵢ = e^zᵢ / Σⱼ e^zⱼ along ``dim`` (computed with max subtracted, so ±1e4 stays finite)."""
    if dtype is not None:
        x = x.type(dtype)
    return _act.Softmax.apply(x, axis=dim)


def log_softmax(x: Tensor, dim: int = -1, dtype: Any = None) -> Tensor:
    if dtype is not None:
        x = x.type(dtype)
    return _act.LogSoftmax.apply(x, axis=dim)


def logsigmoid(x: Tensor) -> Tensor:
    return -softplus(-x)


# ----------------------------------------------------------------- layers
def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x Wᵀ + b, fused: one matrix product forward, two back."""
    if bias is None:
        return _mm.Linear.apply(x, weight)
    return _mm.Linear.apply(x, weight, bias)


def dropout(x: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False,
            generator=None) -> Tensor:
    """Zero each element with probability p and scale the rest by 1/(1 − p) (training only)."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return _in_place(x, lambda t: t * 0.0, inplace)
    keep = get_rng(generator).random(x.shape, dtype=np.float32) >= p
    mask = keep.astype(x.data.dtype) * np.asarray(1.0 / (1.0 - p), dtype=x.data.dtype)
    return _in_place(x, lambda t: Mul.apply(t, mask), inplace)


def pad(x: Tensor, pad: tuple, mode: str = "constant", value: float = 0.0) -> Tensor:
    """Pad the last dims: ``pad`` = (last_left, last_right, 2nd_last_left, ...), as in PyTorch."""
    return _shape.Pad.apply(x, pad=tuple(pad), mode=mode, value=value)


def one_hot(t: Tensor, num_classes: int = -1) -> Tensor:
    idx = _arr(t).astype(np.int64)
    n = int(idx.max()) + 1 if num_classes < 0 else num_classes
    return Tensor._from_op((idx[..., None] == np.arange(n)).astype(np.int64), None)


# ----------------------------------------------------------------- losses
def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, ignore_index: int = -100,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Softmax then negative log-likelihood, fused: ∂L/∂z = ŷ − y (lecture), divided by N for 'mean'.

    ``target`` holds class indices (N,) or probabilities (N, C).
    """
    return _loss.CrossEntropy.apply(input, _arr(target), weight=_arr(weight), ignore_index=ignore_index,
                                    reduction=reduction, label_smoothing=label_smoothing)


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, ignore_index: int = -100,
             reduction: str = "mean") -> Tensor:
    return _loss.NLL.apply(input, _arr(target), weight=_arr(weight), ignore_index=ignore_index,
                           reduction=reduction)


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """L = (1/n) Σ (ŷ − y)², the lecture's squared error (mean over all elements)."""
    return _loss.MSE.apply(input, target, reduction=reduction)


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         reduction: str = "mean") -> Tensor:
    return _loss.BCE.apply(input, target, weight=_arr(weight), reduction=reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     reduction: str = "mean", pos_weight: Tensor | None = None) -> Tensor:
    return _loss.BCEWithLogits.apply(input, target, weight=_arr(weight), pos_weight=_arr(pos_weight),
                                     reduction=reduction)


__all__ = [
    "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "gelu", "softmax", "log_softmax",
    "logsigmoid", "linear", "dropout", "pad", "one_hot", "cross_entropy", "nll_loss", "mse_loss",
    "binary_cross_entropy", "binary_cross_entropy_with_logits",
    "conv1d", "conv2d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "batch_norm", "dropout2d",
]


# ----------------------------------------------------------------- convolutional networks
def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """y[n,o,i,j] = b[o] + Σ_{c,u,v} W[o,c,u,v] x[n,c,s·i+d·u−p, s·j+d·v−p]: im2col and one GEMM.

    ``padding``: int, pair, 'valid' or 'same'; ``groups`` splits channels (groups = C: depthwise)."""
    from ..ops import conv as _conv

    return _conv.conv(input, weight, bias, stride, padding, dilation, groups, dims=2, name="conv2d")


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """y[n,o,i] = b[o] + Σ_{c,u} W[o,c,u] x[n,c,s·i+d·u−p] (a conv2d of height 1)."""
    from ..ops import conv as _conv

    return _conv.conv(input, weight, bias, stride, padding, dilation, groups, dims=1, name="conv1d")


def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """y = max over each window (stride defaults to the kernel); the gradient goes to the first maximum."""
    from ..ops import pool as _pool

    return _pool.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """y = (1/|window|) Σ window (stride defaults to the kernel)."""
    from ..ops import pool as _pool

    return _pool.avg_pool2d(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """Average over bins ⌊i·H/OH⌋ … ⌈(i+1)·H/OH⌉ − 1, so any H × W becomes OH × OW."""
    from ..ops import pool as _pool

    return _pool.adaptive_avg_pool2d(input, output_size)


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """y = γ (x − μ)/√(σ² + ε) + β per channel; batch statistics in training (running ones updated in
    place), running statistics otherwise."""
    from ..ops import norm as _norm

    return _norm.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False,
              generator: Any = None) -> Tensor:
    """Zero whole feature maps with probability p, scale the rest by 1/(1 − p) (training only)."""
    from ..ops import norm as _norm

    return _in_place(input, lambda t: _norm.dropout2d(t, p, training, generator), inplace)
