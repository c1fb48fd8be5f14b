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


# ----------------------------------------------------------------- ranking, embedding and likelihood losses
def _ftype(*arrays) -> np.dtype:
    """PyTorch's result dtype for a float loss of these inputs: the promoted float, else the default float."""
    from ..backend import get_default_dtype

    floats = [np.asarray(a).dtype for a in arrays if a is not None and np.asarray(a).dtype.kind == "f"]
    return np.result_type(*floats) if floats else np.dtype(get_default_dtype().np)


def _broadcast(name: str, *arrays: np.ndarray) -> list[np.ndarray]:
    """The arrays broadcast together (read-only views); shapes that cannot broadcast raise PyTorch's RuntimeError."""
    try:
        return np.broadcast_arrays(*arrays)
    except ValueError:
        shapes = ", ".join(str(list(np.shape(a))) for a in arrays)
        raise RuntimeError(f"{name}: the sizes of the tensors must match or broadcast, got {shapes}") from None


def _sample_scale(g, reduction: str, denom, axis: int):
    """The reduction's scale for a loss summed along ``axis`` per sample, broadcastable to the elements."""
    s = _scaled(g, reduction, denom)
    return np.expand_dims(s, axis) if reduction == "none" else s


class MarginRanking(Function):
    """L = max(0, −y(x₁ − x₂) + m);  ∂L/∂x₁ = −y·[z ≥ 0] = −∂L/∂x₂,  ∂L/∂y = −(x₁ − x₂)·[z ≥ 0]."""

    def forward(self, x1, x2, y, margin=0.0, reduction="mean"):
        _check_reduction(reduction)
        dt = _ftype(x1, x2, y)
        x1, x2, y = _broadcast("margin_ranking_loss", *(np.asarray(a).astype(dt, copy=False) for a in (x1, x2, y)))
        self.diff = x1 - x2
        z = -y * self.diff + dt.type(margin)
        self.y, self.mask, self.reduction = y, z >= 0, reduction  # clamp_min passes the gradient at z = 0
        per = np.maximum(z, 0)
        self.shape = per.shape
        return _reduce(per, reduction, per.size)

    def backward(self, g):
        s = self.mask * _scaled(g, self.reduction, self.mask.size)
        gx1 = _full(-self.y * s, self.shape) if any(self.needs_input_grad[:2]) else None
        gy = _full(-self.diff * s, self.shape) if self.needs_input_grad[2] else None
        return gx1, (None if gx1 is None else -gx1), gy


class HingeEmbedding(Function):
    """L = x where y ≠ −1, plus max(0, m − x) where y ≠ 1;  ∂L/∂x = [y ≠ −1] − [y ≠ 1]·[m − x ≥ 0]."""

    def forward(self, x, y, margin=1.0, reduction="mean"):
        _check_reduction(reduction)
        x = np.asarray(x)
        if x.dtype.kind != "f":
            raise RuntimeError(f"hinge_embedding_loss: expected a floating point input, got {x.dtype}")
        x, y = _broadcast("hinge_embedding_loss", x, np.asarray(y))
        m = margin - x
        not_pos, not_neg = y != 1, y != -1
        per = (np.where(not_pos, np.maximum(m, 0), 0) + np.where(not_neg, x, 0)).astype(x.dtype, copy=False)
        self.slope = (not_neg.astype(x.dtype) - not_pos * (m >= 0)).astype(x.dtype, copy=False)
        self.shape, self.reduction = per.shape, reduction
        return _reduce(per, reduction, per.size)

    def backward(self, g):
        return _full(self.slope * _scaled(g, self.reduction, self.slope.size), self.shape), None


class CosineEmbedding(Function):
    """L = 1 − cos(x₁, x₂) where y = 1, max(0, cos − m) where y = −1, cos = x₁·x₂/√((‖x₁‖² + ε)(‖x₂‖² + ε));
    ∂cos/∂x₁ = x₂/D − cos·x₁/(‖x₁‖² + ε), D the denominator (ε = 1e-12 as PyTorch)."""

    EPS = 1e-12

    def forward(self, x1, x2, y, margin=0.0, reduction="mean"):
        _check_reduction(reduction)
        y = np.asarray(y)
        if y.ndim not in (0, 1):
            raise RuntimeError("cosine_embedding_loss: 0D or 1D target tensor expected, multi-target not supported")
        x1, x2 = np.asarray(x1), np.asarray(x2)
        want = y.ndim + 1
        if x1.ndim != want or x2.ndim != want:
            raise RuntimeError(f"cosine_embedding_loss: {y.ndim}D target tensor expects {want}D input tensors, "
                               f"but found inputs with sizes {list(x1.shape)} and {list(x2.shape)}.")
        dt = _ftype(x1, x2)
        x1, x2 = _broadcast("cosine_embedding_loss", x1.astype(dt, copy=False), x2.astype(dt, copy=False))
        ax = y.ndim
        m1 = (x1 * x1).sum(axis=ax) + dt.type(self.EPS)
        m2 = (x2 * x2).sum(axis=ax) + dt.type(self.EPS)
        den = np.sqrt(m1 * m2)
        cos = (x1 * x2).sum(axis=ax) / den
        _broadcast("cosine_embedding_loss", cos, y)
        pos, neg = y == 1, y == -1
        per = np.where(pos, 1 - cos, 0) + np.where(neg, np.maximum(cos - dt.type(margin), 0), 0)
        per = per.astype(dt, copy=False)
        self.dcos = (neg * (cos - margin >= 0)).astype(dt) - pos  # ∂L/∂cos
        self.x1, self.x2, self.m1, self.m2, self.den, self.cos, self.ax = x1, x2, m1, m2, den, cos, ax
        self.reduction, self.n = reduction, per.size
        return _reduce(per, reduction, per.size)

    def backward(self, g):
        ax = self.ax
        s = np.expand_dims(self.dcos * _scaled(g, self.reduction, self.n), ax)
        den, cos = np.expand_dims(self.den, ax), np.expand_dims(self.cos, ax)
        g1 = s * (self.x2 / den - cos * self.x1 / np.expand_dims(self.m1, ax)) if self.needs_input_grad[0] else None
        g2 = s * (self.x1 / den - cos * self.x2 / np.expand_dims(self.m2, ax)) if self.needs_input_grad[1] else None
        return g1, g2, None


class SoftMargin(Function):
    """L = log(1 + e^(−yx)) (computed as a stable softplus);  ∂L/∂x = −y σ(−yx)."""

    def forward(self, x, y, reduction="mean"):
        _check_reduction(reduction)
        x = np.asarray(x)
        if x.dtype.kind != "f":
            raise RuntimeError(f"soft_margin_loss: result type Float can't be cast to the desired output type "
                               f"of the input, {x.dtype}")
        x, y = _broadcast("soft_margin_loss", x, np.asarray(y).astype(x.dtype, copy=False))
        z = -y * x
        e = np.exp(-np.abs(z))
        per = (np.maximum(z, 0) + np.log1p(e)).astype(x.dtype, copy=False)
        self.slope = -y * np.where(z >= 0, 1.0, e) / (1 + e)  # −y σ(z)
        self.shape, self.reduction = per.shape, reduction
        return _reduce(per, reduction, per.size)

    def backward(self, g):
        return _full(self.slope * _scaled(g, self.reduction, self.slope.size), self.shape), None


class MultiLabelSoftMargin(Function):
    """L = (1/C) Σ_c w_c [softplus(−x_c) + (1 − y_c) x_c]  (= −w[y log σ(x) + (1 − y) log σ(−x)]);
    ∂L/∂x = w(σ(x) − y)/C,  ∂L/∂y = −w x/C,  ∂L/∂w = ℓ/C."""

    def forward(self, x, y, weight=None, reduction="mean"):
        _check_reduction(reduction)
        x = np.asarray(x)
        if x.ndim == 0:
            raise IndexError("multilabel_soft_margin_loss: Dimension specified as -1 but tensor has no dimensions")
        if x.dtype.kind != "f":
            raise NotImplementedError(f"multilabel_soft_margin_loss: not implemented for integer input ({x.dtype})")
        dt = _ftype(x, y, weight)
        _broadcast("multilabel_soft_margin_loss", x, np.asarray(y), *([] if weight is None else [np.asarray(weight)]))
        x, y = x.astype(dt, copy=False), np.asarray(y).astype(dt, copy=False)
        e = np.exp(-np.abs(x))
        sp_neg = np.maximum(-x, 0) + np.log1p(e)  # softplus(−x)
        elem = sp_neg + (1 - y) * x
        w = None if weight is None else np.asarray(weight).astype(dt, copy=False)
        full = elem if w is None else elem * w
        self.ax, self.c = x.ndim - 1, x.shape[-1]
        per = (full.sum(axis=self.ax) / self.c).astype(dt, copy=False)
        self.x, self.y, self.w, self.elem, self.e = x, y, w, elem, e
        self.shape, self.reduction, self.n = full.shape, reduction, per.size
        return _reduce(per, reduction, per.size)

    def backward(self, g):
        s = _sample_scale(g, self.reduction, self.n, self.ax) / self.c
        sw = s if self.w is None else s * self.w
        x, need = self.x, self.needs_input_grad
        gx = gy = gw = None
        if need[0]:
            sig = np.where(x >= 0, 1.0, self.e) / (1 + self.e)
            gx = _full(sw * (sig - self.y), self.shape)
        if need[1]:
            gy = _full(-sw * x, self.shape)
        if need[2]:
            gw = _full(s * self.elem, self.shape)
        return gx, gy, gw


class MultiMargin(Function):
    """L = (1/C) Σ_{j≠y} w_y max(0, m − x_y + x_j)^p (p = 1 or 2);
    ∂L/∂x_j = w_y p z_j^(p−1)[z_j > 0]/C for j ≠ y, ∂L/∂x_y = −Σ_{j≠y} of those."""

    def forward(self, x, target, p=1, margin=1.0, weight=None, reduction="mean"):
        _check_reduction(reduction)
        x, t = np.asarray(x), np.asarray(target)
        if x.ndim > 2 or x.size == 0 and x.ndim < 2:
            raise RuntimeError("multi_margin_loss: Expected non-empty vector or matrix with optional 0-dim batch "
                               f"size, but got: {list(x.shape)}")
        if x.dtype.kind != "f":
            raise NotImplementedError(f'"multi_margin_loss" not implemented for {x.dtype}')
        if t.dtype != np.int64:
            raise RuntimeError(f"multi_margin_loss: expected scalar type Long but found {t.dtype} for the target")
        vec = x.ndim < 2
        xs = x.reshape(1, -1) if vec else x
        n, c = xs.shape
        if (vec and t.size != 1) or (not vec and (t.ndim != 1 or t.shape[0] != n)):
            raise RuntimeError("multi_margin_loss: target tensor should be 1-D with size equal to the number of "
                               f"input samples (batch size). Expected target size [{n}], but got {list(t.shape)}. "
                               f"Input has shape {list(x.shape)}.")
        t_shape, t = t.shape, t.reshape(n)
        if t.size and (t.min() < 0 or t.max() >= c):
            raise RuntimeError(f"multi_margin_loss: target out of range, got {t[(t < 0) | (t >= c)][0]} "
                               f"for {c} classes")
        if weight is not None:
            weight = np.asarray(weight)
            if weight.size != c:
                raise RuntimeError(f"multi_margin_loss: inconsistent weight size, expected {c} "
                                   f"but got {list(weight.shape)}")
            if weight.dtype != x.dtype:
                raise RuntimeError(f"multi_margin_loss: expected scalar type {x.dtype} but found {weight.dtype} "
                                   "for the weight")
        rows = np.arange(n)
        z = xs - xs[rows, t][:, None] + x.dtype.type(margin)
        active = z > 0
        active[rows, t] = False
        zp = np.where(active, z, 0)
        wy = np.ones(n, x.dtype) if weight is None else weight.reshape(c)[t]
        per = ((zp if p == 1 else zp * zp).sum(axis=1) * wy / c).astype(x.dtype, copy=False)
        self.dz = (active * wy[:, None] if p == 1 else 2 * zp * wy[:, None]) / c  # ∂ per / ∂x_j, j ≠ y
        self.t, self.rows, self.xshape, self.reduction, self.n = t, rows, x.shape, reduction, n
        return _reduce(per if not vec else per.reshape(t_shape), reduction, n)

    def backward(self, g):
        s = _scaled(g, self.reduction, self.n)
        s = np.reshape(s, (-1, 1)) if self.reduction == "none" else s
        gz = self.dz * s
        gz[self.rows, self.t] = -gz.sum(axis=1)
        return gz.reshape(self.xshape), None, None


def _pnorm(u: np.ndarray, p: float):
    """‖u‖_p along the last axis, and ∂‖u‖_p/∂u (PyTorch's norm: p = 0 counts, ±inf the max/min |u|)."""
    a = np.abs(u)
    if p == 0:
        return (a != 0).sum(axis=-1).astype(u.dtype), np.zeros_like(u)
    if np.isinf(p):
        d = a.max(axis=-1) if p > 0 else a.min(axis=-1)
        hit = a == d[..., None]
        return d, np.sign(u) * hit / hit.sum(axis=-1, keepdims=True)
    if p == 1:
        return a.sum(axis=-1), np.sign(u)
    if p == 2:
        d = np.sqrt((u * u).sum(axis=-1))
        with np.errstate(divide="ignore", invalid="ignore"):
            return d, np.where(d[..., None] == 0, 0, u / d[..., None])
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        d = (a ** p).sum(axis=-1) ** (1 / p)
        grad = np.sign(u) * a ** (p - 1) / d[..., None] ** (p - 1)
        return d, np.where(d[..., None] == 0, 0, grad)


class TripletMargin(Function):
    """L = max(0, m + d(a, p) − d(a, n)), d(u, v) = ‖u − v + ε‖_p over the last dim; with ``swap``
    d(a, n) becomes min(d(a, n), d(p, n)).  ∂L/∂a = [z ≥ 0](∂d(a,p)/∂a − ∂d(a,n)/∂a), and so on."""

    def forward(self, a, pos, neg, margin=1.0, p=2.0, eps=1e-6, swap=False, reduction="mean"):
        _check_reduction(reduction)
        dims = [np.ndim(v) for v in (a, pos, neg)]
        if len(set(dims)) != 1:
            raise RuntimeError("triplet_margin_loss: The anchor, positive, and negative tensors are expected to have "
                               f"the same number of dimensions, but got: anchor {dims[0]}D, positive {dims[1]}D, "
                               f"and negative {dims[2]}D inputs")
        dt = _ftype(a, pos, neg)
        a, pos, neg = _broadcast("triplet_margin_loss", *(np.asarray(v).astype(dt, copy=False) for v in (a, pos, neg)))
        self.scalar = a.ndim == 0
        if self.scalar:
            a, pos, neg = a.reshape(1), pos.reshape(1), neg.reshape(1)
        e = dt.type(eps)
        d_ap, self.g_ap = _pnorm(a - pos + e, p)
        d_an, self.g_an = _pnorm(a - neg + e, p)
        self.wa = None
        if swap:
            d_pn, self.g_pn = _pnorm(pos - neg + e, p)
            self.wa = (d_an < d_pn) + 0.5 * (d_an == d_pn)  # minimum's gradient, halved at ties
            d_an = np.minimum(d_an, d_pn)
        z = dt.type(margin) + d_ap - d_an
        self.mask, self.shape, self.reduction = z >= 0, a.shape, reduction
        per = np.maximum(z, 0).astype(dt, copy=False)
        return _reduce(per.reshape(()) if self.scalar else per, reduction, per.size)

    def backward(self, g):
        s = _scaled(g, self.reduction, self.mask.size)
        s = np.expand_dims(self.mask * np.reshape(s, self.mask.shape if self.reduction == "none" else ()), -1)
        g_ap, g_an = self.g_ap * s, self.g_an * s
        if self.wa is None:
            ga, gp, gn = g_ap - g_an, -g_ap, g_an
        else:
            wa = self.wa[..., None]
            wp = 1 - wa
            g_pn = self.g_pn * s
            ga, gp, gn = g_ap - wa * g_an, -g_ap - wp * g_pn, wa * g_an + wp * g_pn
        if self.scalar:
            ga, gp, gn = ga.reshape(()), gp.reshape(()), gn.reshape(())
        return ga, gp, gn


class PoissonNLL(Function):
    """L = eˣ − yx (log_input) or x − y log(x + ε), plus Stirling's y log y − y + ½log(2πy) where y > 1 (full);
    ∂L/∂x = eˣ − y or 1 − y/(x + ε),  ∂L/∂y = −x or −log(x + ε) (+ log y + 1/(2y) where y > 1)."""

    def forward(self, x, y, log_input=True, full=False, eps=1e-8, reduction="mean"):
        _check_reduction(reduction)
        dt = _ftype(x, y)
        st_dt = _ftype(y)  # PyTorch computes the Stirling term of an integer target in the default float
        x, y = _broadcast("poisson_nll_loss", *(np.asarray(a).astype(dt, copy=False) for a in (x, y)))
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if log_input:
                ex = np.exp(x)
                per = ex - y * x
                self.gx, self.gy = ex - y, -x
            else:
                xe = x + dt.type(eps)
                lx = np.log(xe)
                per = x - y * lx
                self.gx, self.gy = 1 - y / xe, -lx
            if full:
                big = y > 1
                ly = np.log(y)
                ys = y.astype(st_dt, copy=False)
                st = ys * np.log(ys) - ys + st_dt.type(0.5) * np.log(st_dt.type(2 * np.pi) * ys)
                per = per + np.where(big, st, 0).astype(dt, copy=False)
                # the masked Stirling term still sends 0·(log y + 1/(2y)): NaN where y ≤ 0, as in PyTorch
                self.gy = self.gy + np.where(big, ly + dt.type(0.5) / y, np.where(y > 0, 0, np.nan)).astype(dt)
        self.reduction = reduction
        per = per.astype(dt, copy=False)
        return _reduce(per, reduction, per.size)

    def backward(self, g):
        s = _scaled(g, self.reduction, self.gx.size)
        return (self.gx * s if self.needs_input_grad[0] else None), (self.gy * s if self.needs_input_grad[1] else None)


class GaussianNLL(Function):
    """L = ½(log v + (x − y)²/v) (+ ½log 2π), v = max(var, ε) (the clamp is not differentiated, as PyTorch);
    ∂L/∂x = (x − y)/v = −∂L/∂y,  ∂L/∂var = ½(1/v − (x − y)²/v²)."""

    def forward(self, x, y, var, full=False, eps=1e-6, reduction="mean"):
        _check_reduction(reduction)
        dt = _ftype(x, y, var)
        x, y, var = (np.asarray(a).astype(dt, copy=False) for a in (x, y, var))
        _broadcast("gaussian_nll_loss", x, y, var)
        v = np.maximum(var, dt.type(eps))
        d = x - y
        q = d * d / v
        per = dt.type(0.5) * (np.log(v) + q)
        if full:
            per = per + dt.type(0.5 * np.log(2 * np.pi))
        self.r, self.v, self.q = d / v, v, q
        self.shape, self.reduction = per.shape, reduction
        return _reduce(per.astype(dt, copy=False), reduction, per.size)

    def backward(self, g):
        s = _scaled(g, self.reduction, int(np.prod(self.shape)))
        need = self.needs_input_grad
        gx = _full(self.r * s, self.shape) if need[0] or need[1] else None
        gv = _full(0.5 * (1 - self.q) / self.v * s, self.shape) if need[2] else None
        return (gx if need[0] else None), (-gx if need[1] else None), gv
