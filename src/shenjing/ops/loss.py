"""Loss functions as fused ops.  Cross-entropy fuses log-softmax and the negative log-likelihood,
so its gradient is the lecture's ŷ − y (scaled by the reduction) with no intermediate graph."""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function


def _log_softmax(z: np.ndarray, axis: int) -> np.ndarray:
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _reduce(per_sample: np.ndarray, reduction: str, denom):
    if reduction == "none":
        return per_sample
    if reduction == "sum":
        return np.asarray(per_sample.sum())
    return np.asarray(per_sample.sum() / denom)


def _check_reduction(reduction: str, allowed: tuple[str, ...] = ("mean", "sum", "none")) -> None:
    if reduction not in allowed:
        names = ", ".join(repr(r) for r in allowed[:-1]) + f" or {allowed[-1]!r}"
        raise ValueError(f"reduction must be {names}, got {reduction!r}")


class CrossEntropy(Function):
    """L = −Σ_c α_c log ŷ_c with ŷ = softmax(z);  ∂L/∂z = (Σ_c α_c) ŷ − α  (= ŷ − y for one-hot y)."""

    def forward(self, z, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        _check_reduction(reduction)
        self.reduction = reduction
        probs_target = target.dtype.kind == "f"
        if not probs_target and target.dtype.kind not in "iu":
            raise TypeError("cross_entropy: target must hold class indices (int) or probabilities (float), "
                            f"got {target.dtype}")
        if not probs_target and weight is None and label_smoothing == 0.0 and z.ndim == 2:
            return self._indices(z, target, ignore_index, reduction)
        n_cls = z.shape[1] if z.ndim > 1 else z.shape[0]
        axis = 1 if z.ndim > 1 else 0
        logp = _log_softmax(z, axis)
        self.p = np.exp(logp)
        shape_w = [1] * z.ndim
        shape_w[axis] = n_cls
        w = None if weight is None else weight.reshape(shape_w).astype(z.dtype, copy=False)
        eps = label_smoothing
        if probs_target:
            if target.shape != z.shape:
                raise ValueError(f"cross_entropy: probability target shape {target.shape} "
                                 f"must equal input shape {z.shape}")
            alpha = target * (1 - eps) + eps / n_cls
            if w is not None:
                alpha = alpha * w
            denom = z.size // n_cls
        else:
            t = target if z.ndim > 1 else target.reshape(())
            _check_targets(t, n_cls, ignore_index)
            keep = t != ignore_index
            safe = np.where(keep, t, 0)
            onehot = np.expand_dims(safe, axis) == np.arange(n_cls).reshape(shape_w)
            wy = np.ones(safe.shape, z.dtype) if weight is None else weight[safe].astype(z.dtype)
            wy = wy * keep
            alpha = onehot * np.expand_dims(wy * (1 - eps), axis)
            if eps:
                smooth = np.full(shape_w, eps / n_cls, z.dtype) if w is None else w * (eps / n_cls)
                alpha = alpha + smooth * np.expand_dims(keep, axis)
            denom = wy.sum()
        alpha = alpha.astype(z.dtype, copy=False)
        self.alpha, self.axis, self.denom = alpha, axis, denom
        per = -(alpha * logp).sum(axis=axis)
        return _reduce(per, reduction, denom)

    def _indices(self, z, target, ignore_index, reduction):
        """The common case, (N, C) logits and N class indices: only log ŷ of the target is needed.

        With few classes the work runs on zᵀ, shape (C, N): NumPy reduces along a short row
        (C = 10) about 3× slower than across the rows of the transposed copy.
        """
        n, n_cls = z.shape
        keep = _check_targets(target, n_cls, ignore_index)
        self.alpha = None
        self.transposed = n_cls <= 64
        a = np.ascontiguousarray(z.T) if self.transposed else z
        axis = 0 if self.transposed else 1
        shifted = a - a.max(axis=axis, keepdims=True)
        e = np.exp(shifted)
        total = e.sum(axis=axis, keepdims=True)
        e /= total
        self.p = e  # ŷ, transposed when self.transposed
        safe = target if keep is None else np.where(keep, target, 0)
        rows = np.arange(n)
        at = (safe, rows) if self.transposed else (rows, safe)
        per = np.log(total).reshape(n) - shifted[at]  # −log ŷ_y = log Σ e^z − z_y
        if keep is not None:
            per *= keep
        self.fast = (at, keep)
        self.denom = n if keep is None else keep.sum()
        return _reduce(per, reduction, self.denom)

    def backward(self, g):
        scale = g if self.reduction == "none" else (g / self.denom if self.reduction == "mean" else g)
        if self.alpha is None:  # ŷ − y, one sample per column of the transposed ŷ (or row)
            at, keep = self.fast
            t = self.transposed
            grad = self.p.copy()
            grad[at] -= 1
            if keep is not None:
                grad *= keep if t else keep[:, None]
            grad *= scale if self.reduction != "none" else (scale if t else scale[:, None])
            return (grad.T if t else grad), None
        a = self.alpha
        grad = a.sum(axis=self.axis, keepdims=True) * self.p - a
        if self.reduction == "none":
            return grad * np.expand_dims(scale, self.axis), None
        return grad * scale, None


def _check_targets(t: np.ndarray, n_cls: int, ignore_index: int) -> np.ndarray | None:
    """Raise for a target outside [0, n_cls) that is not ``ignore_index``.

    Returns the mask of targets that count, or None when all of them do (the common case, found
    from the minimum and maximum alone).
    """
    if t.size == 0 or (t.min() >= 0 and t.max() < n_cls):
        return None if not 0 <= ignore_index < n_cls or t.size == 0 else _kept(t, ignore_index)
    bad = (t != ignore_index) & ((t < 0) | (t >= n_cls))
    if bad.any():
        v = t[bad].flat[0]
        raise IndexError(f"cross_entropy/nll_loss: target {v} is out of bounds for {n_cls} classes")
    return _kept(t, ignore_index)


def _kept(t: np.ndarray, ignore_index: int) -> np.ndarray | None:
    keep = t != ignore_index
    return None if keep.all() else keep


class NLL(Function):
    """L = −w_y · log ŷ_y, given log-probabilities."""

    def forward(self, logp, target, weight=None, ignore_index=-100, reduction="mean"):
        _check_reduction(reduction)
        axis = 1 if logp.ndim > 1 else 0
        n_cls = logp.shape[axis]
        t = target if logp.ndim > 1 else target.reshape(())
        _check_targets(t, n_cls, ignore_index)
        keep = t != ignore_index
        safe = np.where(keep, t, 0)
        wy = (np.ones(safe.shape, logp.dtype) if weight is None else weight[safe].astype(logp.dtype)) * keep
        picked = np.take_along_axis(logp, np.expand_dims(safe, axis), axis=axis).squeeze(axis)
        self.shape, self.axis, self.safe, self.wy, self.reduction = logp.shape, axis, safe, wy, reduction
        self.denom = wy.sum()
        return _reduce(-(picked * wy), reduction, self.denom)

    def backward(self, g):
        scale = g if self.reduction == "none" else (g / self.denom if self.reduction == "mean" else g)
        out = np.zeros(self.shape, dtype=self.wy.dtype)
        np.put_along_axis(out, np.expand_dims(self.safe, self.axis),
                          np.expand_dims(-self.wy * scale, self.axis), axis=self.axis)
        return out, None


class MSE(Function):
    """L = mean((ŷ − y)²);  ∂L/∂ŷ = 2(ŷ − y)/n."""

    def forward(self, yhat, y, reduction="mean"):
        _check_reduction(reduction)
        self.diff, self.reduction = np.subtract(yhat, y), reduction
        sq = self.diff * self.diff
        return _reduce(sq, reduction, sq.size)

    def backward(self, g):
        d = self.diff
        scale = 2 * (g / d.size if self.reduction == "mean" else g)
        grad = d * scale
        return grad, (-grad if self.needs_input_grad[1] else None)


class BCE(Function):
    """L = −w [y log p + (1 − y) log(1 − p)], logs clamped at −100 as in PyTorch."""

    def forward(self, p, y, weight=None, reduction="mean"):
        _check_reduction(reduction)
        if np.any((p < 0) | (p > 1)):
            raise ValueError("binary_cross_entropy: all elements of input should be between 0 and 1")
        self.p, self.y, self.w, self.reduction = p, y, weight, reduction
        with np.errstate(divide="ignore"):
            self.logp = np.maximum(np.log(p), -100)
            self.log1mp = np.maximum(np.log1p(-p), -100)
        per = -(y * self.logp + (1 - y) * self.log1mp)
        if weight is not None:
            per = per * weight
        return _reduce(per.astype(p.dtype, copy=False), reduction, per.size)

    def backward(self, g):
        p, y = self.p, self.y
        scale = g / p.size if self.reduction == "mean" else g
        if self.w is not None:
            scale = scale * self.w
        gp = scale * (p - y) / np.maximum((1 - p) * p, 1e-12)
        gy = -scale * (self.logp - self.log1mp) if self.needs_input_grad[1] else None
        return gp, gy, None


class BCEWithLogits(Function):
    """L = (1 − y) z + (1 + (pw − 1) y)·softplus(−z);  ∂L/∂z = σ(z) − y when pw = 1."""

    def forward(self, z, y, weight=None, pos_weight=None, reduction="mean"):
        _check_reduction(reduction)
        self.z, self.y, self.w, self.pw, self.reduction = z, y, weight, pos_weight, reduction
        sp_neg = np.maximum(-z, 0) + np.log1p(np.exp(-np.abs(z)))  # softplus(−z), stable
        self.sp_neg = sp_neg
        lw = 1.0 if pos_weight is None else 1 + (pos_weight - 1) * y
        per = (1 - y) * z + lw * sp_neg
        if weight is not None:
            per = per * weight
        return _reduce(per.astype(z.dtype, copy=False), reduction, per.size)

    def backward(self, g):
        z, y = self.z, self.y
        n = np.broadcast(z, y).size
        scale = g / n if self.reduction == "mean" else g
        if self.w is not None:
            scale = scale * self.w
        e = np.exp(-np.abs(z))
        sig_neg = np.where(z >= 0, e, 1.0) / (1 + e)  # σ(−z)
        lw = 1.0 if self.pw is None else 1 + (self.pw - 1) * y
        gz = scale * ((1 - y) - lw * sig_neg)
        gy = None
        if self.needs_input_grad[1]:
            pwm1 = 0.0 if self.pw is None else self.pw - 1
            gy = scale * (-z + pwm1 * self.sp_neg)
        return gz, gy, None, None


def _scaled(g, reduction: str, denom):
    """The upstream gradient times the reduction's 1/denom (a scalar, or per element for 'none')."""
    return g / denom if reduction in ("mean", "batchmean") else g


def _full(a: np.ndarray, shape: tuple) -> np.ndarray:
    """``a`` as a writable array of the broadcast ``shape`` the engine reduces from."""
    return a if a.shape == shape else np.broadcast_to(a, shape).copy()


class L1(Function):
    """L = mean |ŷ − y|;  ∂L/∂ŷ = sign(ŷ − y)/n = −∂L/∂y."""

    def forward(self, yhat, y, reduction="mean"):
        _check_reduction(reduction)
        d = np.subtract(yhat, y)
        self.sign, self.reduction = np.sign(d), reduction
        per = np.abs(d)
        return _reduce(per, reduction, per.size)

    def backward(self, g):
        grad = self.sign * _scaled(g, self.reduction, self.sign.size)
        return grad, (-grad if self.needs_input_grad[1] else None)


class SmoothL1(Function):
    """L = ½(ŷ − y)²/β where |ŷ − y| < β, else |ŷ − y| − ½β;  ∂L/∂ŷ = clip((ŷ − y)/β, −1, 1) = −∂L/∂y.

    β = 0 is the L1 loss (PyTorch switches to it), with gradient sign(ŷ − y)."""

    def forward(self, yhat, y, reduction="mean", beta=1.0):
        _check_reduction(reduction)
        if beta < 0:
            raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
        d = np.subtract(yhat, y)
        a = np.abs(d)
        if beta == 0:
            per = a
        else:
            with np.errstate(over="ignore"):  # d² of a huge |d| is computed, then not chosen
                per = np.where(a < beta, 0.5 * d * d / beta, a - 0.5 * beta)
        self.d, self.beta, self.reduction = d, beta, reduction
        return _reduce(per, reduction, per.size)

    def backward(self, g):
        d, beta = self.d, self.beta
        slope = np.sign(d) if beta == 0 else np.clip(d / beta, -1, 1)
        grad = slope * _scaled(g, self.reduction, d.size)
        return grad, (-grad if self.needs_input_grad[1] else None)


class Huber(Function):
    """L = ½(ŷ − y)² where |ŷ − y| < δ, else δ(|ŷ − y| − ½δ);  ∂L/∂ŷ = clip(ŷ − y, −δ, δ) = −∂L/∂y."""

    def forward(self, yhat, y, reduction="mean", delta=1.0):
        _check_reduction(reduction)
        if not delta > 0:
            raise ValueError(f"huber_loss: delta must be positive, got {delta}")
        d = np.subtract(yhat, y)
        a = np.abs(d)
        with np.errstate(over="ignore"):
            per = np.where(a < delta, 0.5 * d * d, delta * (a - 0.5 * delta))
        dtype = np.asarray(yhat).dtype
        if dtype.kind == "f":  # PyTorch's huber_loss returns the input's dtype, even for a float64 target
            per = per.astype(dtype, copy=False)
        self.d, self.delta, self.reduction = d, delta, reduction
        return _reduce(per, reduction, per.size)

    def backward(self, g):
        d = self.d
        grad = np.clip(d, -self.delta, self.delta) * _scaled(g, self.reduction, d.size)
        return grad, (-grad if self.needs_input_grad[1] else None)


class KLDiv(Function):
    """L = y (log y − ŷ), ŷ the log-probabilities, 0 where y = 0 (xlogy);  ∂L/∂ŷ = −y.

    With ``log_target`` y is given as log y:  L = eʸ (y − ŷ),  ∂L/∂ŷ = −eʸ.  'batchmean' divides
    the sum by the batch size ŷ.shape[0], 'mean' (as PyTorch) by the number of elements.
    """

    def forward(self, yhat, y, reduction="mean", log_target=False):
        _check_reduction(reduction, ("mean", "batchmean", "sum", "none"))
        yhat, y = np.asarray(yhat), np.asarray(y)
        if log_target:
            self.ey = np.exp(y)
            per = self.ey * (y - yhat)
        else:
            with np.errstate(divide="ignore", invalid="ignore"):  # y < 0 gives NaN, as in PyTorch
                per = y * np.log(np.where(y == 0, 1, y)) - y * yhat
        if reduction == "batchmean":
            denom = yhat.shape[0] if yhat.ndim else 1
            out = np.asarray(per.sum() / denom)
        else:
            denom = per.size
            out = _reduce(per, reduction, denom)
        self.yhat, self.y, self.log_target, self.reduction, self.denom = yhat, y, log_target, reduction, denom
        self.shape = np.shape(per)
        return out

    def backward(self, g):
        y, scale = self.y, _scaled(g, self.reduction, self.denom)
        w = self.ey if self.log_target else y
        gx = _full(-w * scale, self.shape) if self.needs_input_grad[0] else None
        gy = None
        if self.needs_input_grad[1]:
            if self.log_target:  # ∂/∂y eʸ(y − ŷ) = eʸ(y − ŷ + 1)
                dy = self.ey * (y - self.yhat + 1)
            else:  # ∂/∂y [y log y − yŷ] = log y + 1 − ŷ; NaN at y = 0 as PyTorch's xlogy backward (0/0)
                with np.errstate(divide="ignore", invalid="ignore"):
                    dy = np.where(y == 0, np.nan, np.log(y) + 1).astype(y.dtype, copy=False) - self.yhat
            gy = _full(dy * scale, self.shape)
        return gx, gy
