"""Recurrent kernels: one layer and one direction of an RNN, LSTM or GRU over a whole sequence.

Each class is ONE ``Function`` for all time steps, with backpropagation through time written by
hand.  The input projection of every step is one matrix product before the loop; inside the loop
each step does one product with ``W_hh`` for all its gates and a handful of in-place NumPy calls;
after the backward loop the weight gradients are again single products over all steps, e.g.
``∂L/∂W_hh = Σₜ δzₜ hₜ₋₁ᵀ``, one GEMM with ``T·B`` columns.

Layout: inside a kernel everything is *feature-major* — a step's gates are a ``(G·H, B)`` block
(``W_hh @ h`` with ``h`` of shape ``(H, B)``), so each gate is a contiguous ``(H, B)`` slab and the
elementwise calls never walk strided rows.  Hidden states live in one array ``s`` of shape
``(H, T + 2, B)`` whose columns ``1 … T`` are h at each time step, so ``s[:, 0:T]`` viewed as
``(H, T·B)`` is the matrix of previous states for the weight gradient, without a copy.

Conventions shared by the three kernels
---------------------------------------
* weights have PyTorch's layout: ``w_ih`` is ``(G·H, I)``, ``w_hh`` is ``(G·H, H)``, gates stacked
  in PyTorch's order (LSTM i, f, g, o; GRU r, z, n);
* ``x`` is time-major ``(T, B, I)``, or ``(B, T, I)`` with ``batch_first=True``;
* ``h0`` (and ``c0``) are ``(B, H)`` arrays or ``None`` (zeros, no gradient);
* ``reverse=True`` runs from the last step to the first (the backward half of a bidirectional
  layer); outputs are still in input time order;
* the result is one *packed* time-major array (a view of ``s``): the hidden state of every time
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


def _prepare(name: str, x: np.ndarray, w_ih: np.ndarray, w_hh: np.ndarray, gates: int,
             batch_first: bool) -> tuple[np.ndarray, int, int, int]:
    """Check shapes; return x as ``(I, T·B)`` (column ``t·B + b`` is x[t, b]; a view when it can be),
    T, B and H."""
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
    if batch_first:
        batch, steps = x.shape[0], x.shape[1]
        xf = x.transpose(2, 1, 0)
    else:
        steps, batch = x.shape[0], x.shape[1]
        xf = x.transpose(2, 0, 1)
    return xf.reshape(x.shape[2], steps * batch), steps, batch, hidden


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


class RNNSeq(Function):
    """Elman RNN over a sequence: hₜ = act(W_ih xₜ + b_ih + W_hh hₜ₋₁ + b_hh), act = tanh or relu."""

    def forward(self, x, h0, w_ih, w_hh, b_ih=None, b_hh=None, *, nonlinearity: str = "tanh",
                reverse: bool = False, batch_first: bool = False):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: unknown nonlinearity {nonlinearity!r} (use 'tanh' or 'relu')")
        xf, steps, batch, h = _prepare("RNN", x, w_ih, w_hh, 1, batch_first)
        dt = x.dtype
        xp = w_ih @ xf
        b = _bias(b_ih, b_hh, h, dt)
        if b is not None:
            xp += b[:, None]
        xp = xp.reshape(h, steps, batch)
        s, _ = _states(h0, steps, h, batch, reverse, dt)
        tmp = np.empty((h, batch), dtype=dt)
        relu = nonlinearity == "relu"
        order = range(steps - 1, -1, -1) if reverse else range(steps)
        for k, t in enumerate(order):
            prev = t + 2 if reverse else t
            if k == 0 and h0 is None:
                np.copyto(tmp, xp[:, t])
            else:
                np.matmul(w_hh, s[:, prev], out=tmp)
                tmp += xp[:, t]
            if relu:
                np.maximum(tmp, 0, out=s[:, t + 1])
            else:
                np.tanh(tmp, out=s[:, t + 1])
        self.s, self.xf, self.w_ih, self.w_hh = s, xf, w_ih, w_hh
        self.relu, self.reverse, self.batch_first = relu, reverse, batch_first
        self.has_b = (b_ih is not None, b_hh is not None)
        return s[:, 1: steps + 1].transpose(1, 2, 0)

    def backward(self, g):
        need = self.needs_input_grad
        s, w_hh, reverse = self.s, self.w_hh, self.reverse
        h, steps, batch = s.shape[0], s.shape[1] - 2, s.shape[2]
        dt = s.dtype
        g = g.astype(dt, copy=False)
        dz = np.empty((h, steps, batch), dtype=dt)
        dzt = np.empty((h, batch), dtype=dt)
        der = np.empty((h, batch), dtype=dt)
        rec = np.empty((h, batch), dtype=dt)  # ∂L/∂h coming back from the step after
        order = list(range(steps) if reverse else range(steps - 1, -1, -1))
        for k, t in enumerate(order):
            if k == 0:
                np.copyto(dzt, g[t].T)
            else:
                np.add(g[t].T, rec, out=dzt)
            ht = s[:, t + 1]
            if self.relu:
                np.greater(ht, 0, out=der)
            else:  # tanh' = 1 − h²
                np.multiply(ht, ht, out=der)
                np.subtract(1, der, out=der)
            dzt *= der
            dz[:, t] = dzt
            if k < steps - 1 or need[1]:
                np.matmul(w_hh.T, dzt, out=rec)
        dz2 = dz.reshape(h, steps * batch)
        dx = _input_grad(self.w_ih, dz2, steps, batch, self.batch_first) if need[0] else None
        hprev = s[:, 2: steps + 2] if reverse else s[:, 0: steps]
        dw_ih = dz2 @ self.xf.T if need[2] else None
        dw_hh = dz2 @ hprev.reshape(h, steps * batch).T if need[3] else None
        db = dz2.sum(axis=1) if any(self.has_b) else None
        return (dx, rec.T if need[1] else None, dw_ih, dw_hh,
                db if self.has_b[0] else None, db if self.has_b[1] else None)


def _reorder_ifgo(a: np.ndarray, hidden: int) -> np.ndarray:
    """Swap the g and o blocks: PyTorch's i, f, g, o ↔ the kernel's i, f, o, g (its own inverse),
    so the three sigmoid gates are one contiguous block."""
    h = hidden
    return np.concatenate([a[: 2 * h], a[3 * h:], a[2 * h: 3 * h]], axis=0)


class LSTMSeq(Function):
    """LSTM over a sequence (PyTorch's gate order i, f, g, o):
    i, f, o = σ(W·x + U·h + b), g = tanh(W_g·x + U_g·h + b);  c' = f⊙c + i⊙g,  h' = o⊙tanh(c').

    Returns the packed array ``(T + 1, B, H)``: the hidden states and ``c_n`` (:func:`packed_rows`)."""

    def forward(self, x, h0, c0, w_ih, w_hh, b_ih=None, b_hh=None, *, reverse: bool = False,
                batch_first: bool = False):
        xf, steps, batch, h = _prepare("LSTM", x, w_ih, w_hh, 4, batch_first)
        dt = x.dtype
        # kernel gate order i, f, o, g; the sigmoid rows pre-scaled by ½ (σ(u) = ½ tanh(u/2) + ½)
        scale = np.ones(4 * h, dtype=dt)
        scale[: 3 * h] = 0.5
        wi = _reorder_ifgo(w_ih, h) * scale[:, None]
        wh = _reorder_ifgo(w_hh, h) * scale[:, None]
        xp = wi @ xf
        b = _bias(b_ih, b_hh, 4 * h, dt)
        if b is not None:
            xp += (_reorder_ifgo(b, h) * scale)[:, None]
        xp = xp.reshape(4 * h, steps, batch)
        s, slot = _states(h0, steps, h, batch, reverse, dt)
        c = np.empty((steps + 2, h, batch), dtype=dt)  # cell states, columns as in s
        c[slot] = 0 if c0 is None else c0.T
        a = np.empty((steps, 4 * h, batch), dtype=dt)  # gate activations of each step
        tc = np.empty((steps, h, batch), dtype=dt)  # tanh(cₜ)
        ig = np.empty((h, batch), dtype=dt)
        order = range(steps - 1, -1, -1) if reverse else range(steps)
        for k, t in enumerate(order):
            prev = t + 2 if reverse else t
            at = a[t]
            if k == 0 and h0 is None:
                np.copyto(at, xp[:, t])
            else:
                np.matmul(wh, s[:, prev], out=at)
                at += xp[:, t]
            np.tanh(at, out=at)
            sig = at[: 3 * h]
            sig *= 0.5
            sig += 0.5
            ct = c[t + 1]
            np.multiply(at[h: 2 * h], c[prev], out=ct)  # f ⊙ c
            np.multiply(at[:h], at[3 * h:], out=ig)  # i ⊙ g
            ct += ig
            np.tanh(ct, out=tc[t])
            np.multiply(at[2 * h: 3 * h], tc[t], out=s[:, t + 1])  # o ⊙ tanh(c)
        self.a, self.s, self.c, self.tc, self.xf = a, s, c, tc, xf
        self.w_ih, self.w_hh = w_ih, w_hh
        self.reverse, self.batch_first = reverse, batch_first
        self.has_b = (b_ih is not None, b_hh is not None)
        if reverse:
            s[:, 0] = c[1]
            return s[:, : steps + 1].transpose(1, 2, 0)
        s[:, steps + 1] = c[steps]
        return s[:, 1:].transpose(1, 2, 0)

    def backward(self, g):
        need = self.needs_input_grad
        a, s, c, tc, reverse = self.a, self.s, self.c, self.tc, self.reverse
        steps, h4, batch = a.shape
        h = h4 // 4
        dt = a.dtype
        g = g.astype(dt, copy=False)
        rows, _, crow = packed_rows(steps, reverse, True)
        off = rows.start
        wh_t = _reorder_ifgo(self.w_hh, h).T
        dz = np.empty((h4, steps, batch), dtype=dt)
        dc = np.ascontiguousarray(g[crow].T)
        dh = np.empty((h, batch), dtype=dt)
        tmp = np.empty((h, batch), dtype=dt)
        der = np.empty((h4, batch), dtype=dt)
        dzt = np.empty((h4, batch), dtype=dt)
        rec = np.empty((h, batch), dtype=dt)  # ∂L/∂h coming back from the step after
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
            dz[:, t] = dzt
            if k < steps - 1 or need[1]:
                np.matmul(wh_t, dzt, out=rec)
        dz2 = dz.reshape(h4, steps * batch)
        dx = None
        if need[0]:
            dx = _input_grad(_reorder_ifgo(self.w_ih, h), dz2, steps, batch, self.batch_first)
        hprev = s[:, 2: steps + 2] if reverse else s[:, 0: steps]
        dw_ih = _reorder_ifgo(dz2 @ self.xf.T, h) if need[3] else None
        dw_hh = _reorder_ifgo(dz2 @ hprev.reshape(h, steps * batch).T, h) if need[4] else None
        db = _reorder_ifgo(dz2.sum(axis=1), h) if any(self.has_b) else None
        return (dx, rec.T if need[1] else None, dc.T if need[2] else None, dw_ih, dw_hh,
                db if self.has_b[0] else None, db if self.has_b[1] else None)


class GRUSeq(Function):
    """GRU over a sequence (PyTorch's gate order r, z, n):
    r, z = σ(W x + b_i + U h + b_h), n = tanh(W_n x + b_in + r⊙(U_n h + b_hn));  h' = (1 − z)⊙n + z⊙h."""

    def forward(self, x, h0, w_ih, w_hh, b_ih=None, b_hh=None, *, reverse: bool = False,
                batch_first: bool = False):
        xf, steps, batch, h = _prepare("GRU", x, w_ih, w_hh, 3, batch_first)
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
