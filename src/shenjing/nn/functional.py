"""Stateless differentiable functions under PyTorch's names (``shenjing.nn.functional``).

Activations (lecture notation):  sigmoid σ(x) = 1/(1+e⁻ˣ);  tanh;  relu max(0, x);
elu x or γ(eˣ−1);  softplus ln(1+eˣ);  softmax ŷᵢ = e^zᵢ / Σⱼ e^zⱼ.
"""

from __future__ import annotations

import warnings
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
    """log σ(x) = −ln(1 + e⁻ˣ), computed as min(x, 0) − ln(1 + e^−|x|) (finite for x = ±1e4)."""
    return _act.LogSigmoid.apply(x)


def silu(x: Tensor, inplace: bool = False) -> Tensor:
    """SiLU (swish): x·σ(x)."""
    return _in_place(x, _act.SiLU.apply, inplace)


def mish(x: Tensor, inplace: bool = False) -> Tensor:
    """x·tanh(softplus(x)) = x·tanh(ln(1 + eˣ))."""
    return _in_place(x, _act.Mish.apply, inplace)


def hardtanh(x: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """min(max(x, min_val), max_val); derivative 1 strictly between the bounds, else 0."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _in_place(x, lambda t: _act.Hardtanh.apply(t, min_val=min_val, max_val=max_val), inplace)


def relu6(x: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6), i.e. hardtanh(x, 0, 6)."""
    return _in_place(x, _act.ReLU6.apply, inplace)


def hardsigmoid(x: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x + 3, 0), 6)/6: 0 for x ≤ −3, 1 for x ≥ 3, x/6 + 1/2 between."""
    return _in_place(x, _act.Hardsigmoid.apply, inplace)


def hardswish(x: Tensor, inplace: bool = False) -> Tensor:
    """x·min(max(x + 3, 0), 6)/6: 0 for x ≤ −3, x for x ≥ 3, x(x + 3)/6 between."""
    return _in_place(x, _act.Hardswish.apply, inplace)


def selu(x: Tensor, inplace: bool = False) -> Tensor:
    """λ·(x if x > 0 else α(eˣ − 1)) with α ≈ 1.6733, λ ≈ 1.0507 (self-normalising)."""
    return _in_place(x, _act.SELU.apply, inplace)


def celu(x: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """max(0, x) + min(0, α(e^(x/α) − 1))."""
    return _in_place(x, lambda t: _act.CELU.apply(t, alpha=alpha), inplace)


def softsign(x: Tensor) -> Tensor:
    """x/(1 + |x|)."""
    return _act.Softsign.apply(x)


def prelu(x: Tensor, weight: Tensor) -> Tensor:
    """max(0, x) + w·min(0, x), ``weight`` one learnable slope or one per channel (dim 1)."""
    return _act.PReLU.apply(x, weight)


def threshold(x: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold, else ``value``."""
    return _in_place(x, lambda t: _act.Threshold.apply(t, threshold=threshold, value=value), inplace)


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


def _check_sizes(name: str, input: Any, target: Any, warn: bool = True) -> None:
    """PyTorch's rule for the regression losses: different sizes warn (kl_div: silently), then
    broadcast; sizes that cannot broadcast raise (here a ValueError naming both shapes)."""
    s_in, s_t = np.shape(_arr(input)), np.shape(_arr(target))
    if s_in == s_t:
        return
    try:
        np.broadcast_shapes(s_in, s_t)
    except ValueError:
        raise ValueError(f"{name}: target shape {s_t} cannot be broadcast with input shape {s_in}") from None
    if warn:
        warnings.warn(f"Using a target size ({s_t}) that is different to the input size ({s_in}). "
                      "This will likely lead to incorrect results due to broadcasting. "
                      "Please ensure they have the same size.", stacklevel=3)


def l1_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """L = (1/n) Σ |ŷ − y|;  ∂L/∂ŷ = sign(ŷ − y)/n."""
    _check_sizes("l1_loss", input, target)
    return _loss.L1.apply(input, target, reduction=reduction)


def smooth_l1_loss(input: Tensor, target: Tensor, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """L = ½(ŷ − y)²/β where |ŷ − y| < β, else |ŷ − y| − ½β (β = 0: the L1 loss)."""
    _check_sizes("smooth_l1_loss", input, target)
    return _loss.SmoothL1.apply(input, target, reduction=reduction, beta=beta)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """L = ½(ŷ − y)² where |ŷ − y| < δ, else δ(|ŷ − y| − ½δ);  δ · smooth_l1_loss with β = δ."""
    _check_sizes("huber_loss", input, target)
    return _loss.Huber.apply(input, target, reduction=reduction, delta=delta)


def kl_div(input: Tensor, target: Tensor, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """L = Σ y (log y − ŷ) with ``input`` ŷ the log-probabilities (terms with y = 0 are 0).

    'batchmean' divides by the batch size (the KL divergence per sample); 'mean', as in PyTorch,
    divides by the number of elements, and warns.
    """
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                      stacklevel=2)
    _check_sizes("kl_div", input, target, warn=False)
    return _loss.KLDiv.apply(input, target, reduction=reduction, log_target=log_target)


__all__ = [
    "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "gelu", "softmax", "log_softmax",
    "logsigmoid", "silu", "mish", "hardtanh", "relu6", "hardsigmoid", "hardswish", "selu", "celu", "softsign",
    "prelu", "threshold", "linear", "dropout", "pad", "one_hot", "cross_entropy", "nll_loss", "mse_loss",
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "l1_loss", "smooth_l1_loss", "huber_loss", "kl_div",
    "conv1d", "conv2d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "batch_norm", "dropout2d", "layer_norm",
    "group_norm", "rms_norm", "cosine_similarity", "pairwise_distance", "scaled_dot_product_attention",
    "conv_transpose1d", "conv_transpose2d", "max_pool1d", "avg_pool1d", "adaptive_avg_pool1d",
    "adaptive_max_pool2d", "interpolate", "upsample",
    "instance_norm", "dropout1d", "alpha_dropout", "bilinear", "pixel_shuffle", "pixel_unshuffle", "unfold",
    "fold", "softmin", "glu", "hardshrink", "softshrink", "tanhshrink",
    "margin_ranking_loss", "hinge_embedding_loss", "cosine_embedding_loss", "soft_margin_loss",
    "multilabel_soft_margin_loss", "multi_margin_loss", "triplet_margin_loss", "poisson_nll_loss",
    "gaussian_nll_loss",
    "embedding", "embedding_bag",
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


def layer_norm(input: Tensor, normalized_shape: Any, weight: Tensor | None = None,  # noqa: A002
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """y = γ (x − μ)/√(σ² + ε) + β, μ and σ² over the trailing ``normalized_shape`` dims of each sample."""
    from ..ops import norm as _norm

    return _norm.layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,  # noqa: A002
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise each of ``num_groups`` groups of channels per sample, then γ, β per channel."""
    from ..ops import norm as _norm

    return _norm.group_norm(input, num_groups, weight, bias, eps)


def rms_norm(input: Tensor, normalized_shape: Any, weight: Tensor | None = None,  # noqa: A002
             eps: float | None = None) -> Tensor:
    """y = γ · x / √(mean(x²) + ε) over the trailing ``normalized_shape`` dims (ε = finfo(dtype).eps if None)."""
    from ..ops import misc as _misc

    return _misc.rms_norm(input, normalized_shape, weight, eps)


# ----------------------------------------------------------------- distances
def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """Σ x₁x₂ / (max(‖x₁‖, ε)·max(‖x₂‖, ε)) along ``dim`` (inputs broadcast first)."""
    from ..ops import products as _prod

    return _prod.cosine_similarity(x1, x2, dim, eps)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """‖x₁ − x₂ + ε‖_p over the last dim (inputs broadcast first)."""
    from ..ops import products as _prod

    return _prod.pairwise_distance(x1, x2, p, eps, keepdim)


# ----------------------------------------------------------------- attention
def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None = None,
                                 dropout_p: float = 0.0, is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(Q Kᵀ·scale + mask) V in one fused op (scale = 1/√E by default); a bool mask keeps the True
    entries, a float mask is added; ``is_causal`` keeps key j ≤ query i; dropout on the weights when p > 0."""
    from ..ops import attention as _attn

    return _attn.scaled_dot_product_attention(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa)


# ----------------------------------------------------------------- transposed convolution, 1-D pooling, resampling
def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,  # noqa: A002
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Tensor:
    """The adjoint of conv2d: y[n,o,s·i+d·u−p, s·j+d·v−p] += Σ_c x[n,c,i,j] W[c,o,u,v]; W (C_in, C_out/g, kh, kw)."""
    from ..ops import conv_transpose as _ct

    return _ct.conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, dims=2,
                              name="conv_transpose2d")


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,  # noqa: A002
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Tensor:
    """The adjoint of conv1d: y[n,o,s·i+d·u−p] += Σ_c x[n,c,i] W[c,o,u]; weight (C_in, C_out/g, k)."""
    from ..ops import conv_transpose as _ct

    return _ct.conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, dims=1,
                              name="conv_transpose1d")


def max_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,  # noqa: A002
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """y = max over each window of the last dim (a max_pool2d of height 1)."""
    from ..ops import pool_more as _pm

    return _pm.max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def avg_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """y = mean over each window of the last dim (an avg_pool2d of height 1)."""
    from ..ops import pool_more as _pm

    return _pm.avg_pool1d(input, kernel_size, stride, padding, ceil_mode, count_include_pad)


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    """Average over bins ⌊i·L/OL⌋ … ⌈(i+1)·L/OL⌉ − 1 of the last dim."""
    from ..ops import pool_more as _pm

    return _pm.adaptive_avg_pool1d(input, output_size)


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:  # noqa: A002
    """Max over bins ⌊i·H/OH⌋ … ⌈(i+1)·H/OH⌉ − 1 (and along W); the gradient goes to the first maximum."""
    from ..ops import pool_more as _pm

    return _pm.adaptive_max_pool2d(input, output_size, return_indices)


def interpolate(input: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",  # noqa: A002
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resize the last 1 or 2 dims: 'nearest', 'nearest-exact', 'linear' (3-D), 'bilinear' (4-D), 'area'."""
    from ..ops import resample as _rs

    return _rs.interpolate(input, size, scale_factor, mode, align_corners, recompute_scale_factor, antialias)


def upsample(input: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",  # noqa: A002
             align_corners: bool | None = None) -> Tensor:
    """Deprecated alias of ``interpolate``, as in PyTorch."""
    return interpolate(input, size, scale_factor, mode, align_corners)


# ----------------------------------------------------------------- layers, round 2 (instance norm, shrinkage, fold)
def instance_norm(input: Tensor, running_mean: Tensor | None = None, running_var: Tensor | None = None,  # noqa: A002
                  weight: Tensor | None = None, bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """y = γ (x − μ)/√(σ² + ε) + β, μ and σ² over the positions of each (sample, channel) map."""
    from ..ops import layers_more as _lm

    return _lm.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False,  # noqa: A002
              generator: Any = None) -> Tensor:
    """Zero whole channels of (N, C, L) or (C, L) with probability p, scale the rest by 1/(1 − p) (training only)."""
    from ..ops import layers_more as _lm

    return _in_place(input, lambda t: _lm.dropout1d(t, p, training, generator), inplace)


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False,  # noqa: A002
                  generator: Any = None) -> Tensor:
    """Dropout that keeps SELU's self-normalisation: dropped units take −λα, then an affine map a·y + b."""
    from ..ops import layers_more as _lm

    return _in_place(input, lambda t: _lm.alpha_dropout(t, p, training, generator), inplace)


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y[..., o] = Σ_ij x1[..., i] A[o, i, j] x2[..., j] + b[o]."""
    from ..ops import layers_more as _lm

    return _lm.bilinear(input1, input2, weight, bias)


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:  # noqa: A002
    """(*, C·r², H, W) → (*, C, H·r, W·r)."""
    from ..ops import layers_more as _lm

    return _lm.pixel_shuffle(input, upscale_factor)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:  # noqa: A002
    """(*, C, H·r, W·r) → (*, C·r², H, W)."""
    from ..ops import layers_more as _lm

    return _lm.pixel_unshuffle(input, downscale_factor)


def unfold(input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> Tensor:  # noqa: A002
    """im2col: every sliding block of (N, C, H, W) as a column of (N, C·kh·kw, L)."""
    from ..ops import layers_more as _lm

    return _lm.unfold(input, kernel_size, dilation, padding, stride)


def fold(input: Tensor, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,  # noqa: A002
         stride: Any = 1) -> Tensor:
    """col2im: sum the blocks (N, C·kh·kw, L) back onto an (N, C, H, W) image."""
    from ..ops import layers_more as _lm

    return _lm.fold(input, output_size, kernel_size, dilation, padding, stride)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:  # noqa: A002
    """softmax(−x) along ``dim`` (no dim: PyTorch's implicit choice, 0 for 0-, 1- and 3-D inputs, else 1)."""
    if input.data.dtype.kind != "f" and dtype is None:
        raise NotImplementedError(f"softmin: not implemented for integer or bool input (dtype {input.dtype})")
    if dim is None:
        warnings.warn("Implicit dimension choice for softmin has been deprecated. Change the call to include "
                      "dim=X as an argument.", stacklevel=_stacklevel)
        dim = 0 if input.ndim in (0, 1, 3) else 1
    if dtype is not None:
        input = input.type(dtype)
    return _act.Softmax.apply(-input, axis=dim)


def glu(input: Tensor, dim: int = -1) -> Tensor:  # noqa: A002
    """a ⊙ σ(b), a and b the two halves of the input along ``dim``."""
    from ..ops import layers_more as _lm

    return _lm.glu(input, dim)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:  # noqa: A002
    """x where |x| > λ, else 0."""
    from ..ops import layers_more as _lm

    return _lm.hardshrink(input, lambd)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:  # noqa: A002
    """x − λ·sign(x) where |x| > λ, else 0."""
    from ..ops import layers_more as _lm

    return _lm.softshrink(input, lambd)


def tanhshrink(input: Tensor) -> Tensor:  # noqa: A002
    """x − tanh x."""
    from ..ops import layers_more as _lm

    return _lm.tanhshrink(input)


# ----------------------------------------------------------------- ranking, embedding and likelihood losses
def _legacy_reduction(size_average: bool | None, reduce: bool | None, reduction: str) -> str:
    """PyTorch's deprecated ``size_average``/``reduce`` pair, when given, decides the reduction (with a warning)."""
    if size_average is None and reduce is None:
        return reduction
    warnings.warn("size_average and reduce args will be deprecated, please use reduction='"
                  f"{'none' if reduce is False else 'mean' if size_average is not False else 'sum'}' instead.",
                  stacklevel=3)
    if reduce is False:
        return "none"
    return "sum" if size_average is False else "mean"


def _no_grad_arg(name: str, arg: str, x: Any) -> None:
    from ..autograd import is_grad_enabled

    if isinstance(x, Tensor) and x.requires_grad and is_grad_enabled():
        raise RuntimeError(f"The function '{name}' is not differentiable with respect to argument '{arg}'. "
                           "This input cannot have requires_grad True.")


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                        size_average: bool | None = None, reduce: bool | None = None,
                        reduction: str = "mean") -> Tensor:
    """L = max(0, −y(x₁ − x₂) + margin); gradients reach x₁, x₂ and y."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    dims = [np.ndim(_arr(a)) for a in (input1, input2, target)]
    if len(set(dims)) != 1:
        raise RuntimeError("margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {list(np.shape(_arr(input1)))}, input2: {list(np.shape(_arr(input2)))}, "
                           f"target: {list(np.shape(_arr(target)))} ")
    return _loss.MarginRanking.apply(input1, input2, target, margin=margin, reduction=reduction)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, size_average: bool | None = None,  # noqa: A002
                         reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """L = x where y = 1, max(0, margin − x) where y = −1."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return _loss.HingeEmbedding.apply(input, _arr(target), margin=margin, reduction=reduction)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                          size_average: bool | None = None, reduce: bool | None = None,
                          reduction: str = "mean") -> Tensor:
    """L = 1 − cos(x₁, x₂) where y = 1, max(0, cos(x₁, x₂) − margin) where y = −1."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return _loss.CosineEmbedding.apply(input1, input2, _arr(target), margin=margin, reduction=reduction)


def soft_margin_loss(input: Tensor, target: Tensor, size_average: bool | None = None,  # noqa: A002
                     reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """L = log(1 + e^(−yx)), the two-class logistic loss with y = ±1."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _no_grad_arg("soft_margin_loss", "target", target)
    return _loss.SoftMargin.apply(input, _arr(target), reduction=reduction)


def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                                size_average: bool | None = None, reduce: bool | None = None,
                                reduction: str = "mean") -> Tensor:
    """L = −(1/C) Σ_c w_c [y_c log σ(x_c) + (1 − y_c) log σ(−x_c)] per sample."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not valid")
    return _loss.MultiLabelSoftMargin.apply(input, target, weight, reduction=reduction)


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0,  # noqa: A002
                      weight: Tensor | None = None, size_average: bool | None = None, reduce: bool | None = None,
                      reduction: str = "mean") -> Tensor:
    """L = (1/C) Σ_{j≠y} w_y max(0, margin − x_y + x_j)^p, the multi-class hinge loss (p = 1 or 2)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and np.ndim(_arr(weight)) != 1:
        raise ValueError("weight must be one-dimensional")
    _no_grad_arg("multi_margin_loss", "weight", weight)
    return _loss.MultiMargin.apply(input, _arr(target), p=p, margin=margin, weight=_arr(weight), reduction=reduction)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, size_average: bool | None = None,
                        reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """L = max(0, margin + d(a, p) − d(a, n)), d(u, v) = ‖u − v + eps‖_p; ``swap`` uses min(d(a, n), d(p, n))."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    return _loss.TripletMargin.apply(anchor, positive, negative, margin=margin, p=p, eps=eps, swap=swap,
                                     reduction=reduction)


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,  # noqa: A002
                     size_average: bool | None = None, eps: float = 1e-8, reduce: bool | None = None,
                     reduction: str = "mean") -> Tensor:
    """L = eˣ − y·x (``log_input``) or x − y·log(x + eps); ``full`` adds Stirling's y log y − y + ½log(2πy), y > 1."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return _loss.PoissonNLL.apply(input, target, log_input=log_input, full=full, eps=eps, reduction=reduction)


def gaussian_nll_loss(input: Tensor, target: Tensor, var: Tensor | float, full: bool = False,  # noqa: A002
                      eps: float = 1e-6, reduction: str = "mean") -> Tensor:
    """L = ½(log max(var, eps) + (x − y)²/max(var, eps)) (+ ½log 2π with ``full``).

    ``var`` has the input's shape, or one dimension of size 1 (or the last one missing): one variance
    shared along it; a float is one variance for all."""
    x = _arr(input)
    if isinstance(var, int | float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        from ..backend import get_default_dtype

        var = np.full(np.shape(x), var, dtype=x.dtype if x.dtype.kind == "f" else get_default_dtype().np)
    elif np.any(_arr(var) < 0):
        raise ValueError("var has negative entry/entries")
    s_in, s_var = np.shape(x), np.shape(_arr(var))
    if s_var != s_in:
        if s_in[:-1] == s_var:
            var = var.unsqueeze(-1) if isinstance(var, Tensor) else np.expand_dims(var, -1)
        elif not (len(s_in) == len(s_var) and sum(b for a, b in zip(s_in, s_var, strict=True) if a != b) == 1):
            raise ValueError("var is of incorrect size")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not valid")
    return _loss.GaussianNLL.apply(input, target, var, full=full, eps=eps, reduction=reduction)


# ----------------------------------------------------------------- embeddings
def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,  # noqa: A002
              max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
              sparse: bool = False) -> Tensor:
    """out[…] = weight[input[…]]; ``max_norm`` rescales the looked-up rows of ``weight`` IN PLACE to at
    most that ``norm_type``-norm first; ``scale_grad_by_freq`` divides row k's gradient by its count."""
    from .embedding import embedding as _embedding

    if padding_idx is not None:
        if padding_idx > 0:
            assert padding_idx < weight.shape[0], "Padding_idx must be within num_embeddings"
        elif padding_idx < 0:
            assert padding_idx >= -weight.shape[0], "Padding_idx must be within num_embeddings"
    return _embedding(input, weight, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse)


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None,  # noqa: A002
                  max_norm: float | None = None, norm_type: float = 2, scale_grad_by_freq: bool = False,
                  mode: str = "mean", sparse: bool = False, per_sample_weights: Tensor | None = None,
                  include_last_offset: bool = False, padding_idx: int | None = None) -> Tensor:
    """One row per bag: the sum, mean or max of ``weight[input[j]]`` over the bag's entries j (bags cut at
    ``offsets``, or the rows of a 2-D ``input``); see :class:`shenjing.nn.EmbeddingBag`."""
    from .embedding_bag import embedding_bag as _embedding_bag

    return _embedding_bag(input, weight, offsets, max_norm, norm_type, scale_grad_by_freq, mode, sparse,
                          per_sample_weights, include_last_offset, padding_idx)
