"""LSTM with a projection (PyTorch's ``proj_size``): one layer and direction over a sequence.

i, f, o = σ(·), g = tanh(·) of W_ih xₜ + b_ih + W_hh hₜ₋₁ + b_hh (gates stacked i, f, g, o);
cₜ = f⊙cₜ₋₁ + i⊙g,  hₜ = W_hr (o⊙tanh(cₜ))  — h has size P = proj_size, c has size H.

Composed step by step from existing differentiable ops (the input projection of all steps is one
product before the loop), so its gradient is exact; the hand-optimised ``LSTMSeq`` kernel is
untouched and still runs every LSTM without a projection.
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from . import shape as _shape

__all__ = ["lstm_proj_seq"]


def lstm_proj_seq(x: Tensor, h0: Tensor | None, c0: Tensor | None, w_ih: Tensor, w_hh: Tensor,
                  b_ih: Tensor | None, b_hh: Tensor | None, w_hr: Tensor, *, reverse: bool = False,
                  batch_first: bool = False) -> tuple[Tensor, Tensor, Tensor]:
    """x (T, B, I) — (B, T, I) with ``batch_first`` —, h0 (B, P), c0 (B, H) or None (zeros).
    Returns (outputs (T, B, P) time-major in input order, h_n (B, P), c_n (B, H))."""
    xt = x.transpose(0, 1) if batch_first else x
    steps, batch = xt.shape[0], xt.shape[1]
    hidden, proj = w_hr.shape[1], w_hr.shape[0]
    dt = x.data.dtype
    pre = xt.matmul(w_ih.transpose(0, 1))  # W_ih xₜ for all steps: (T, B, 4H)
    if b_ih is not None:
        pre = pre + b_ih
    if b_hh is not None:
        pre = pre + b_hh
    h = h0 if h0 is not None else Tensor(np.zeros((batch, proj), dtype=dt))
    c = c0 if c0 is not None else Tensor(np.zeros((batch, hidden), dtype=dt))
    w_hh_t, w_hr_t = w_hh.transpose(0, 1), w_hr.transpose(0, 1)
    outs: list[Tensor] = [None] * steps  # type: ignore[list-item]
    for t in (range(steps - 1, -1, -1) if reverse else range(steps)):
        gates = pre[t] + h.matmul(w_hh_t)
        i = gates[:, :hidden].sigmoid()
        f = gates[:, hidden: 2 * hidden].sigmoid()
        g = gates[:, 2 * hidden: 3 * hidden].tanh()
        o = gates[:, 3 * hidden:].sigmoid()
        c = f * c + i * g
        h = (o * c.tanh()).matmul(w_hr_t)
        outs[t] = h
    return _shape.stack(outs, 0), h, c
