"""Batch normalisation layers.

Training: y = γ (x − μ_B)/√(σ²_B + ε) + β with the batch's per-channel mean and (biased) variance;
running_mean/var ← (1 − m)·running + m·(μ_B, σ²_B·n/(n − 1)).  Eval: the running statistics replace the
batch's.  γ = 1, β = 0, running_mean = 0, running_var = 1 at the start, as in PyTorch.
"""

from __future__ import annotations

import numpy as np

from ..backend import get_default_dtype, to_dtype
from ..tensor import Tensor
from . import functional as F
from .module import Module
from .parameter import Parameter


class _BatchNorm(Module):
    _ranks: tuple[int, ...] = ()
    _expect = ""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device=None, dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        self.use_bias = affine and bias  # PyTorch ≥ 2.13: affine=True, bias=False learns γ only
        npd = (to_dtype(dtype) if dtype is not None else get_default_dtype()).np
        if affine:
            self.weight = Parameter(np.ones(num_features, dtype=npd))
        else:
            self.register_parameter("weight", None)
        if self.use_bias:
            self.bias = Parameter(np.zeros(num_features, dtype=npd))
        else:
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(num_features, dtype=npd)))
            self.register_buffer("running_var", Tensor(np.ones(num_features, dtype=npd)))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, dtype=np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean.data[...] = 0
            self.running_var.data[...] = 1
            self.num_batches_tracked.data[...] = 0

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.affine:
            self.weight.data[...] = 1
        if self.use_bias:
            self.bias.data[...] = 0

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim not in self._ranks:
            raise ValueError(f"{type(self).__name__}({self.num_features}): expected {self._expect} input, got "
                             f"input of shape {tuple(x.shape)} ({x.ndim}-D)")
        if x.shape[1] != self.num_features:
            raise ValueError(f"{type(self).__name__}({self.num_features}): expected input with "
                             f"{self.num_features} channels in dim 1, got input of shape {tuple(x.shape)}")
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.data += 1
            if self.momentum is None:  # cumulative moving average: m = 1/(number of batches so far)
                factor = 1.0 / float(self.num_batches_tracked.data)
        batch_stats = self.training or self.running_mean is None
        keep = not self.training or self.track_running_stats
        return F.batch_norm(x, self.running_mean if keep else None, self.running_var if keep else None,
                            self.weight, self.bias, batch_stats, factor, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.use_bias}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch norm over (N, C) or (N, C, L): statistics per channel C."""

    _ranks = (2, 3)
    _expect = "2-D (N, C) or 3-D (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch norm over (N, C, H, W): statistics per channel C, over N·H·W values."""

    _ranks = (4,)
    _expect = "4-D (N, C, H, W)"


class LayerNorm(Module):
    """Layer norm over the trailing ``normalized_shape`` dims of each sample: y = γ (x − μ)/√(σ² + ε) + β,
    μ and σ² (biased) taken per sample.  γ = 1 and β = 0 at the start, as in PyTorch."""

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True, bias: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, elementwise_affine
        npd = (to_dtype(dtype) if dtype is not None else get_default_dtype()).np
        self.register_parameter("weight", Parameter(np.ones(shape, dtype=npd)) if elementwise_affine else None)
        self.register_parameter("bias", Parameter(np.zeros(shape, dtype=npd)) if elementwise_affine and bias else None)

    def reset_parameters(self) -> None:
        if self.weight is not None:
            self.weight.data[...] = 1
        if self.bias is not None:
            self.bias.data[...] = 0

    def forward(self, x: Tensor) -> Tensor:
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")


class GroupNorm(Module):
    """Group norm: the C channels split into G groups, each normalised per sample over its channels and
    positions; then y = γ x̂ + β per channel (γ = 1, β = 0 at the start)."""

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True,
                 device=None, dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        if num_groups <= 0 or num_channels % num_groups:
            raise ValueError("num_channels must be divisible by num_groups")
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        npd = (to_dtype(dtype) if dtype is not None else get_default_dtype()).np
        self.register_parameter("weight", Parameter(np.ones(num_channels, dtype=npd)) if affine else None)
        self.register_parameter("bias", Parameter(np.zeros(num_channels, dtype=npd)) if affine and bias else None)

    def reset_parameters(self) -> None:
        if self.weight is not None:
            self.weight.data[...] = 1
        if self.bias is not None:
            self.bias.data[...] = 0

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim < 2 or x.shape[1] != self.num_channels:
            raise ValueError(f"GroupNorm({self.num_groups}, {self.num_channels}): expected input with "
                             f"{self.num_channels} channels in dim 1, got shape {tuple(x.shape)}")
        return F.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class _InstanceNorm(_BatchNorm):
    """Instance norm: each (sample, channel) map normalised over its own positions; γ, β per channel when
    ``affine``; running statistics (the batch average of the per-instance ones) only with
    ``track_running_stats``, used in eval mode."""

    _no_batch = 2

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = False,
                 track_running_stats: bool = False, device=None, dtype=None, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim not in self._ranks:
            raise ValueError(f"expected {self._ranks[0]}D or {self._ranks[1]}D input (got {x.ndim}D input)")
        feature_dim = x.ndim - self._no_batch
        if x.shape[feature_dim] != self.num_features:
            if self.affine:
                raise ValueError(f"expected input's size at dim={feature_dim} to match num_features "
                                 f"({self.num_features}), but got: {x.shape[feature_dim]}.")
            import warnings

            warnings.warn(f"input's size at dim={feature_dim} does not match num_features. You can silence this "
                          "warning by not passing in num_features, which is not used because affine=False",
                          stacklevel=2)
        unbatched = x.ndim == self._no_batch
        if unbatched:
            x = x.unsqueeze(0)
        out = F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                              self.training or not self.track_running_stats,
                              self.momentum if self.momentum is not None else 0.0, self.eps)
        return out.squeeze(0) if unbatched else out


class InstanceNorm1d(_InstanceNorm):
    """Instance norm over (N, C, L) or unbatched (C, L): statistics per sample and channel, over L."""

    _ranks = (2, 3)


class InstanceNorm2d(_InstanceNorm):
    """Instance norm over (N, C, H, W) or unbatched (C, H, W): statistics per sample and channel, over H·W."""

    _ranks = (3, 4)
    _no_batch = 3


class RMSNorm(Module):
    """RMS norm over the trailing ``normalized_shape`` dims: y = γ · x / √(mean(x²) + ε), γ = 1 at the start;
    ``eps=None`` takes the machine epsilon of the input's dtype, as in PyTorch."""

    def __init__(self, normalized_shape, eps: float | None = None, elementwise_affine: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, elementwise_affine
        npd = (to_dtype(dtype) if dtype is not None else get_default_dtype()).np
        self.register_parameter("weight", Parameter(np.ones(shape, dtype=npd)) if elementwise_affine else None)

    def reset_parameters(self) -> None:
        if self.weight is not None:
            self.weight.data[...] = 1

    def forward(self, x: Tensor) -> Tensor:
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
