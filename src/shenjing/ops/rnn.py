"""Recurrent kernels: one layer and one direction of an RNN, LSTM or GRU over a whole sequence.

Each class is ONE ``Function`` for all time steps, with backpropagation through time written by
hand, so the tape holds one node per layer and direction instead of a dozen per step.

Layout: inside a kernel everything is *feature-major*: a step's gates form one ``(G·H, B)`` block
(``W @ h`` with ``h`` of shape ``(H, B)``), so each gate is a contiguous ``(H, B)`` slab and the
elementwise calls never walk strided rows.

RNN and LSTM keep, for every step, a *stacked operand* block ``[hₜ₋₁; xₜ; 1]`` of shape
``(H + I + 1, B)`` in one array ``z`` of shape ``(T + 2, H + I + 1, B)``.  A step is then ONE
matrix product ``[W_hh | W_ih | b] @ [hₜ₋₁; xₜ; 1]`` for all its gates (input projection and bias
included), and writes hₜ straight into the next step's block.  Backward accumulates the weight
gradient of all three parts with one product per step, ``∂L/∂[W_hh | W_ih | b] += δzₜ [hₜ₋₁; xₜ; 1]ᵀ``,
while ``δzₜ`` is still in cache.  The GRU, whose candidate gate needs W_in x and W_hn h apart
(n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))), projects the inputs of all steps in one product
before the loop instead.

Conventions shared by the three kernels
---------------------------------------
* weights have PyTorch's layout: ``w_ih`` is ``(G·H, I)``, ``w_hh`` is ``(G·H, H)``, gates stacked
  in PyTorch's order (LSTM i, f, g, o; GRU r, z, n);
* ``x`` is time-major ``(T, B, I)``, or ``(B, T, I)`` with ``batch_first=True``;
* ``h0`` (and ``c0``) are ``(B, H)`` arrays or ``None`` (zeros, no gradient);
* ``reverse=True`` runs from the last step to the first (the backward half of a bidirectional
  layer); outputs are still in input time order;
* the result is one *packed*, time-major array (a view, no copy): the hidden state of every time
  step and, for the LSTM, the final cell state ``c_n`` — :func:`packed_rows` says which row is
  which.  The final hidden state is one of the output rows, so a gradient that reaches it through
  the output and through ``h_n`` lands in the same place and is simply added by the engine.

Sigmoids use the identity σ(u) = ½·tanh(u/2) + ½: the rows of the sigmoid gates are pre-scaled
by ½ once per call, so a step needs a single ``tanh`` over all its gates.
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function

__all__ = ["RNNSeq", "LSTMSeq", "GRUSeq", "packed_rows"]


def packed_rows(steps: int, reverse: bool, lstm: bool) -> tuple[slice, int, int | None]:
    """Where things sit in a kernel's packed result: (the output rows in time order, the row of
    h_n, the row of c_n or ``None``)."""
    if lstm and reverse:
        return slice(1, steps + 1), 1, 0
    if lstm:
        return slice(0, steps), steps - 1, steps
    return slice(0, steps), (0 if reverse else steps - 1), None


def _check(name: str, x: np.ndarray, w_ih: np.ndarray, w_hh: np.ndarray, gates: int,
           batch_first: bool) -> tuple[int, int, int]:
    """Check the shapes and dtypes of the input and the weights; return T, B and H."""
    if x.ndim != 3:
        raise RuntimeError(f"{name}: expected a 3-D input (seq, batch, feature), got shape {list(x.shape)}")
    hidden = w_hh.shape[1]
    if w_ih.shape[0] != gates * hidden or w_hh.shape[0] != gates * hidden:
        raise RuntimeError(f"{name}: weights of shapes {list(w_ih.shape)} and {list(w_hh.shape)} "
                           f"do not hold {gates} gates of hidden size {hidden}")
    if x.shape[2] != w_ih.shape[1]:
        raise RuntimeError(f"{name}: input has {x.shape[2]} features (shape {list(x.shape)}) but "
                           f"weight_ih expects {w_ih.shape[1]}")
    if x.dtype != w_ih.dtype:
        raise RuntimeError(f"{name}: input is {x.dtype} but the weights are {w_ih.dtype}")
    steps, batch = (x.shape[1], x.shape[0]) if batch_first else (x.shape[0], x.shape[1])
    return steps, batch, hidden


def _flat_input(x: np.ndarray, batch_first: bool) -> np.ndarray:
    """x as ``(I, T·B)``: column ``t·B + b`` is x[t, b] (a view when it can be)."""
    xf = x.transpose(2, 1, 0) if batch_first else x.transpose(2, 0, 1)
    return xf.reshape(x.shape[2], -1)


def _input_grad(w: np.ndarray, dz2: np.ndarray, steps: int, batch: int, batch_first: bool) -> np.ndarray:
    """∂L/∂x = Wᵀ δZ for all steps in one product, returned in the caller's layout."""
    dxf = (w.T @ dz2).reshape(w.shape[1], steps, batch)
    return dxf.transpose(2, 1, 0) if batch_first else dxf.transpose(1, 2, 0)


def _bias(b_ih, b_hh, n: int, dt) -> np.ndarray | None:
    if b_ih is None and b_hh is None:
        return None
    b = np.zeros(n, dtype=dt)
    if b_ih is not None:
        b += b_ih
    if b_hh is not None:
        b += b_hh
    return b


def _states(h0, steps: int, hidden: int, batch: int, reverse: bool, dt) -> tuple[np.ndarray, int]:
    """The state array ``s`` (H, T+2, B) with h₀ in its slot: column 0 (forward) or T+1 (reverse).
    hₜ goes to column t+1; the previous state of step t is column t (forward) or t+2 (reverse)."""
    s = np.empty((hidden, steps + 2, batch), dtype=dt)
    slot = steps + 1 if reverse else 0
    s[:, slot] = 0 if h0 is None else h0.T
    return s, slot


def _weights_cat(w_ih: np.ndarray, w_hh: np.ndarray, b: np.ndarray | None) -> np.ndarray:
    """[W_hh | W_ih | b]: the weights of one step acting on the stacked operand [h; x; 1]."""
    parts = [w_hh, w_ih] if b is None else [w_hh, w_ih, b[:, None]]
    return np.concatenate(parts, axis=1)


def _operands(x: np.ndarray, h0, hidden: int, bias: bool, reverse: bool, batch_first: bool) -> np.ndarray:
    """The stacked operand blocks ``z`` of shape (T + 2, H + I [+ 1], B).

    Step t reads block ``prev(t)`` = t (forward) or t + 2 (reverse), which holds [hₜ₋₁; xₜ; 1], so
    W_hh h + W_ih x + b is ONE product per step, and writes hₜ into rows ``:H`` of block t + 1 —
    the block the next step reads.  h₀ sits in block 0 (forward) or T + 1 (reverse)."""
    if batch_first:
        batch, steps, inp = x.shape
        xs = x.transpose(1, 2, 0)
    else:
        steps, batch, inp = x.shape
        xs = x.transpose(0, 2, 1)
    z = np.empty((steps + 2, hidden + inp + (1 if bias else 0), batch), dtype=x.dtype)
    lo = 2 if reverse else 0
    z[lo: lo + steps, hidden: hidden + inp] = xs
    if bias:
        z[:, hidden + inp] = 1
    slot = steps + 1 if reverse else 0
    z[slot, :hidden] = 0 if h0 is None else h0.T
    return z


def _bulk_weight_grad(height: int, batch: int) -> bool:
    """Whether to collect δzₜ of all steps and take ONE product at the end instead of adding
    δzₜ [hₜ₋₁; xₜ; 1]ᵀ step by step.  Adding costs a pass over the (G·H, K) weight gradient per
    step, collecting a strided copy of δzₜ; with a small batch and a tall operand (K ≫ B, as in a
    character model) one big product is much faster, with a large batch (sequential MNIST) the
    per-step sum is."""
    return height > 2 * batch


def _bulk_product(dzs: np.ndarray, z: np.ndarray, steps: int, reverse: bool) -> np.ndarray:
    """Σₜ δzₜ [hₜ₋₁; xₜ; 1]ᵀ as one product: δZ (G·H, T·B) times the operands (K, T·B)ᵀ."""
    lo = 2 if reverse else 0
    ops = z[lo: lo + steps].transpose(1, 0, 2).reshape(z.shape[1], -1)  # (K, T·B), a copy
    return dzs.reshape(dzs.shape[0], -1) @ ops.T


class _Stacked(Function):
    """What RNN and LSTM share: the stacked operand, and the weight gradients accumulated per step
    as ∂L/∂[W_hh | W_ih | b] += δzₜ [hₜ₋₁; xₜ; 1]ᵀ (cache-hot, no strided copies)."""

    def _split_grads(self, dw: np.ndarray | None, dxs: np.ndarray | None, hidden: int, inp: int, fix):
        need = self.needs_input_grad
        dx = None
        if dxs is not None:  # (T, I, B) → the caller's layout
            dx = dxs.transpose(2, 0, 1) if self.batch_first else dxs.transpose(0, 2, 1)
        i_w = 3 if isinstance(self, LSTMSeq) else 2  # index of w_ih among the inputs
        dw_ih = fix(dw[:, hidden: hidden + inp]) if dw is not None and need[i_w] else None
        dw_hh = fix(dw[:, :hidden]) if dw is not None and need[i_w + 1] else None
        db = fix(dw[:, hidden + inp]) if dw is not None and self.has_bias else None
        return dx, dw_ih, dw_hh, db


class RNNSeq(_Stacked):
    """Elman RNN over a sequence: hₜ = act(W_ih xₜ + b_ih + W_hh hₜ₋₁ + b_hh), act = tanh or relu."""

    def forward(self, x, h0, w_ih, w_hh, b_ih=None, b_hh=None, *, nonlinearity: str = "tanh",
                reverse: bool = False, batch_first: bool = False):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: unknown nonlinearity {nonlinearity!r} (use 'tanh' or 'relu')")
        steps, batch, h = _check("RNN", x, w_ih, w_hh, 1, batch_first)
        b = _bias(b_ih, b_hh, h, x.dtype)
        z = _operands(x, h0, h, b is not None, reverse, batch_first)
        w = _weights_cat(w_ih, w_hh, b)
        tmp = np.empty((h, batch), dtype=x.dtype)
        relu = nonlinearity == "relu"
        for t in (range(steps - 1, -1, -1) if reverse else range(steps)):
            np.matmul(w, z[t + 2 if reverse else t], out=tmp)
            if relu:
                np.maximum(tmp, 0, out=z[t + 1, :h])
            else:
                np.tanh(tmp, out=z[t + 1, :h])
        self.z, self.w, self.inp = z, w, x.shape[2]
        self.relu, self.reverse, self.batch_first = relu, reverse, batch_first
        self.has_bias = b is not None
        self.has_b = (b_ih is not None, b_hh is not None)
        return z[1: steps + 1, :h].transpose(0, 2, 1)

    def backward(self, g):
        need = self.needs_input_grad
        z, w, reverse, inp = self.z, self.w, self.reverse, self.inp
        steps, batch, h = z.shape[0] - 2, z.shape[2], w.shape[0]
        dt = z.dtype
        g = g.astype(dt, copy=False)
        want_w = any(need[2:])
        want_x = need[0]
        wt = w[:, : h + (inp if want_x else 0)].T
        dw = np.empty_like(w) if want_w else None
        wtmp = np.empty_like(w) if want_w else None
        dxs = np.empty((steps, inp, batch), dtype=dt) if want_x else None
        dzt = np.empty((h, batch), dtype=dt)
        recx = np.empty((wt.shape[0], batch), dtype=dt)  # ∂L/∂[h; x] of the step's operand
        rec = recx[:h]
        order = list(range(steps) if reverse else range(steps - 1, -1, -1))
        for k, t in enumerate(order):
            prev = t + 2 if reverse else t
            if k == 0:
                np.copyto(dzt, g[t].T)
            else:
                np.add(g[t].T, rec, out=dzt)
            ht = z[t + 1, :h]
            if self.relu:
                dzt *= ht > 0
            else:  # tanh' = 1 − h²
                d = ht * ht
                np.subtract(1, d, out=d)
                dzt *= d
            if want_w:
                if k == 0:
                    np.matmul(dzt, z[prev].T, out=dw)
                else:
                    np.matmul(dzt, z[prev].T, out=wtmp)
                    dw += wtmp
            if want_x or k < steps - 1 or need[1]:
                np.matmul(wt, dzt, out=recx)
                if want_x:
                    dxs[t] = recx[h:]
        dx, dw_ih, dw_hh, db = self._split_grads(dw, dxs, h, inp, lambda a: a)
        return (dx, rec.T if need[1] else None, dw_ih, dw_hh,
                db if self.has_b[0] else None, db if self.has_b[1] else None)


def _reorder_ifgo(a: np.ndarray, hidden: int) -> np.ndarray:
    """Swap the g and o blocks: PyTorch's i, f, g, o ↔ the kernel's i, f, o, g (its own inverse),
    so the three sigmoid gates are one contiguous block."""
    h = hidden
    return np.concatenate([a[: 2 * h], a[3 * h:], a[2 * h: 3 * h]], axis=0)


class LSTMSeq(_Stacked):
    """LSTM over a sequence (PyTorch's gate order i, f, g, o):
    i, f, o = σ(W·x + U·h + b), g = tanh(W_g·x + U_g·h + b);  c' = f⊙c + i⊙g,  h' = o⊙tanh(c').

    Returns the packed array ``(T + 1, B, H)``: the hidden states and ``c_n`` (:func:`packed_rows`)."""

    def forward(self, x, h0, c0, w_ih, w_hh, b_ih=None, b_hh=None, *, reverse: bool = False,
                batch_first: bool = False):
        steps, batch, h = _check("LSTM", x, w_ih, w_hh, 4, batch_first)
        dt = x.dtype
        b = _bias(b_ih, b_hh, 4 * h, dt)
        z = _operands(x, h0, h, b is not None, reverse, batch_first)
        # kernel gate order i, f, o, g; the sigmoid rows pre-scaled by ½ (σ(u) = ½ tanh(u/2) + ½)
        w = _reorder_ifgo(_weights_cat(w_ih, w_hh, b), h)
        wf = w.copy()
        wf[: 3 * h] *= 0.5
        c = np.empty((steps + 2, h, batch), dtype=dt)  # cell states, blocks numbered as in z
        slot = steps + 1 if reverse else 0
        c[slot] = 0 if c0 is None else c0.T
        a = np.empty((steps, 4 * h, batch), dtype=dt)  # gate activations of each step
        tc = np.empty((steps, h, batch), dtype=dt)  # tanh(cₜ)
        ig = np.empty((h, batch), dtype=dt)
        for t in (range(steps - 1, -1, -1) if reverse else range(steps)):
            prev = t + 2 if reverse else t
            at = a[t]
            np.matmul(wf, z[prev], out=at)
            np.tanh(at, out=at)
            sig = at[: 3 * h]
            sig *= 0.5
            sig += 0.5
            ct = c[t + 1]
            np.multiply(at[h: 2 * h], c[prev], out=ct)  # f ⊙ c
            np.multiply(at[:h], at[3 * h:], out=ig)  # i ⊙ g
            ct += ig
            np.tanh(ct, out=tc[t])
            np.multiply(at[2 * h: 3 * h], tc[t], out=z[t + 1, :h])  # o ⊙ tanh(c)
        self.a, self.z, self.c, self.tc, self.w, self.inp = a, z, c, tc, w, x.shape[2]
        self.reverse, self.batch_first = reverse, batch_first
        self.has_bias = b is not None
        self.has_b = (b_ih is not None, b_hh is not None)
        if reverse:
            z[0, :h] = c[1]
            return z[: steps + 1, :h].transpose(0, 2, 1)
        z[steps + 1, :h] = c[steps]
        return z[1:, :h].transpose(0, 2, 1)

    def backward(self, g):
        need = self.needs_input_grad
        a, z, c, tc, w, reverse, inp = self.a, self.z, self.c, self.tc, self.w, self.reverse, self.inp
        steps, h4, batch = a.shape
        h = h4 // 4
        dt = a.dtype
        g = g.astype(dt, copy=False)
        rows, _, crow = packed_rows(steps, reverse, True)
        off = rows.start
        want_w = any(need[3:])
        want_x = need[0]
        wt = w[:, : h + (inp if want_x else 0)].T
        bulk = want_w and _bulk_weight_grad(z.shape[1], batch)
        dw = np.empty_like(w) if want_w and not bulk else None
        wtmp = np.empty_like(w) if want_w and not bulk else None
        dzs = np.empty((h4, steps, batch), dtype=dt) if bulk else None
        dxs = np.empty((steps, inp, batch), dtype=dt) if want_x else None
        dc = np.ascontiguousarray(g[crow].T)
        dh = np.empty((h, batch), dtype=dt)
        tmp = np.empty((h, batch), dtype=dt)
        der = np.empty((h4, batch), dtype=dt)
        dzt = np.empty((h4, batch), dtype=dt)
        recx = np.empty((wt.shape[0], batch), dtype=dt)  # ∂L/∂[h; x] of the step's operand
        rec = recx[:h]
        order = list(range(steps) if reverse else range(steps - 1, -1, -1))
        for k, t in enumerate(order):
            prev = t + 2 if reverse else t
            if k == 0:
                np.copyto(dh, g[t + off].T)
            else:
                np.add(g[t + off].T, rec, out=dh)
            at, tct = a[t], tc[t]
            np.multiply(dh, tct, out=dzt[2 * h: 3 * h])  # ∂L/∂o = ∂L/∂h ⊙ tanh(c)
            np.multiply(tct, tct, out=tmp)  # ∂L/∂c += ∂L/∂h ⊙ o ⊙ (1 − tanh²c)
            np.subtract(1, tmp, out=tmp)
            tmp *= at[2 * h: 3 * h]
            tmp *= dh
            dc += tmp
            np.multiply(dc, at[3 * h:], out=dzt[:h])  # ∂L/∂i = ∂L/∂c ⊙ g
            np.multiply(dc, c[prev], out=dzt[h: 2 * h])  # ∂L/∂f = ∂L/∂c ⊙ c₋₁
            np.multiply(dc, at[:h], out=dzt[3 * h:])  # ∂L/∂g = ∂L/∂c ⊙ i
            dc *= at[h: 2 * h]  # ∂L/∂c₋₁ = ∂L/∂c ⊙ f
            np.multiply(at, at, out=der)  # σ' = a − a², tanh' = 1 − a²
            np.subtract(at[: 3 * h], der[: 3 * h], out=der[: 3 * h])
            np.subtract(1, der[3 * h:], out=der[3 * h:])
            dzt *= der
            if bulk:
                dzs[:, t] = dzt
            elif want_w:
                if k == 0:
                    np.matmul(dzt, z[prev].T, out=dw)
                else:
                    np.matmul(dzt, z[prev].T, out=wtmp)
                    dw += wtmp
            if want_x or k < steps - 1 or need[1]:
                np.matmul(wt, dzt, out=recx)
                if want_x:
                    dxs[t] = recx[h:]
        if bulk:
            dw = _bulk_product(dzs, z, steps, reverse)
        dx, dw_ih, dw_hh, db = self._split_grads(dw, dxs, h, inp, lambda m: _reorder_ifgo(m, h))
        return (dx, rec.T if need[1] else None, dc.T if need[2] else None, dw_ih, dw_hh,
                db if self.has_b[0] else None, db if self.has_b[1] else None)


class GRUSeq(Function):
    """GRU over a sequence (PyTorch's gate order r, z, n):
    r, z = σ(W x + b_i + U h + b_h), n = tanh(W_n x + b_in + r⊙(U_n h + b_hn));  h' = (1 − z)⊙n + z⊙h."""

    def forward(self, x, h0, w_ih, w_hh, b_ih=None, b_hh=None, *, reverse: bool = False,
                batch_first: bool = False):
        steps, batch, h = _check("GRU", x, w_ih, w_hh, 3, batch_first)
        xf = _flat_input(x, batch_first)
        dt = x.dtype
        scale = np.ones(3 * h, dtype=dt)
        scale[: 2 * h] = 0.5  # r and z through ½ tanh(u/2) + ½
        wi = w_ih * scale[:, None]
        wh = w_hh * scale[:, None]
        xp = wi @ xf
        b = np.zeros(3 * h, dtype=dt)
        if b_ih is not None:
            b += b_ih
        if b_hh is not None:
            b[: 2 * h] += b_hh[: 2 * h]  # b_hn stays inside r ⊙ (…)
        xp += (b * scale)[:, None]
        xp = xp.reshape(3 * h, steps, batch)
        b_hn = b_hh[2 * h:, None] if b_hh is not None else None
        s, _ = _states(h0, steps, h, batch, reverse, dt)
        a = np.empty((steps, 3 * h, batch), dtype=dt)  # r, z, n of each step
        hn = np.empty((steps, h, batch), dtype=dt)  # U_n h + b_hn of each step
        m = np.empty((3 * h, batch), dtype=dt)
        tmp = np.empty((h, batch), dtype=dt)
        order = range(steps - 1, -1, -1) if reverse else range(steps)
        for k, t in enumerate(order):
            prev = t + 2 if reverse else t
            at, hnt = a[t], hn[t]
            rz, n = at[: 2 * h], at[2 * h:]
            if k == 0 and h0 is None:
                np.copyto(rz, xp[: 2 * h, t])
                hnt[...] = 0 if b_hn is None else b_hn
            else:
                np.matmul(wh, s[:, prev], out=m)
                np.add(xp[: 2 * h, t], m[: 2 * h], out=rz)
                if b_hn is None:
                    np.copyto(hnt, m[2 * h:])
                else:
                    np.add(m[2 * h:], b_hn, out=hnt)
            np.tanh(rz, out=rz)
            rz *= 0.5
            rz += 0.5
            np.multiply(at[:h], hnt, out=n)  # n = tanh(W_n x + b_in + r ⊙ (U_n h + b_hn))
            n += xp[2 * h:, t]
            np.tanh(n, out=n)
            np.subtract(s[:, prev], n, out=tmp)  # h' = n + z ⊙ (h − n)
            tmp *= at[h: 2 * h]
            np.add(n, tmp, out=s[:, t + 1])
        self.a, self.s, self.hn, self.xf = a, s, hn, xf
        self.w_ih, self.w_hh = w_ih, w_hh
        self.reverse, self.batch_first = reverse, batch_first
        self.has_b = (b_ih is not None, b_hh is not None)
        return s[:, 1: steps + 1].transpose(1, 2, 0)

    def backward(self, g):
        need = self.needs_input_grad
        a, s, hn, reverse = self.a, self.s, self.hn, self.reverse
        steps, h3, batch = a.shape
        h = h3 // 3
        dt = a.dtype
        g = g.astype(dt, copy=False)
        w_hh_t = self.w_hh.T
        dzx = np.empty((h3, steps, batch), dtype=dt)  # ∂L/∂ of the input-side pre-activations r, z, n
        dhn = np.empty((h, steps, batch), dtype=dt)  # ∂L/∂(U_n h + b_hn)
        dh = np.empty((h, batch), dtype=dt)
        dhz = np.empty((h, batch), dtype=dt)
        dnp = np.empty((h, batch), dtype=dt)
        tmp = np.empty((h, batch), dtype=dt)
        der = np.empty((2 * h, batch), dtype=dt)
        dzt = np.empty((h3, batch), dtype=dt)  # hidden side: r, z, U_n h
        rec = np.empty((h, batch), dtype=dt)
        order = list(range(steps) if reverse else range(steps - 1, -1, -1))
        for k, t in enumerate(order):
            hp = s[:, t + 2] if reverse else s[:, t]
            if k == 0:
                np.copyto(dh, g[t].T)
            else:
                np.add(g[t].T, rec, out=dh)
            at = a[t]
            r, z, n = at[:h], at[h: 2 * h], at[2 * h:]
            np.multiply(dh, z, out=dhz)  # straight through z ⊙ h
            np.subtract(hp, n, out=tmp)  # ∂L/∂z = ∂L/∂h ⊙ (h₋₁ − n)
            np.multiply(dh, tmp, out=dzt[h: 2 * h])
            np.subtract(dh, dhz, out=dnp)  # ∂L/∂n = ∂L/∂h ⊙ (1 − z), then ⊙ (1 − n²)
            np.multiply(n, n, out=tmp)
            np.subtract(1, tmp, out=tmp)
            dnp *= tmp
            np.multiply(dnp, hn[t], out=dzt[:h])  # ∂L/∂r
            np.multiply(dnp, r, out=dzt[2 * h:])  # ∂L/∂(U_n h + b_hn)
            rz = at[: 2 * h]
            np.multiply(rz, rz, out=der)  # σ' = a − a²
            np.subtract(rz, der, out=der)
            dzt[: 2 * h] *= der
            dzx[: 2 * h, t] = dzt[: 2 * h]
            dzx[2 * h:, t] = dnp
            dhn[:, t] = dzt[2 * h:]
            if k < steps - 1 or need[1]:
                np.matmul(w_hh_t, dzt, out=rec)
                rec += dhz
        n_cols = steps * batch
        dzx2 = dzx.reshape(h3, n_cols)
        dhn2 = dhn.reshape(h, n_cols)
        dx = _input_grad(self.w_ih, dzx2, steps, batch, self.batch_first) if need[0] else None
        hprev = (s[:, 2: steps + 2] if reverse else s[:, 0: steps]).reshape(h, n_cols)
        dw_ih = dzx2 @ self.xf.T if need[2] else None
        dw_hh = None
        if need[3]:
            dw_hh = np.concatenate([dzx2[: 2 * h] @ hprev.T, dhn2 @ hprev.T], axis=0)
        db_ih = dzx2.sum(axis=1) if self.has_b[0] and need[4] else None
        db_hh = None
        if self.has_b[1] and need[5]:
            db_hh = np.concatenate([db_ih[: 2 * h] if db_ih is not None else dzx2[: 2 * h].sum(axis=1),
                                    dhn2.sum(axis=1)])
        return dx, rec.T if need[1] else None, dw_ih, dw_hh, db_ih, db_hh
