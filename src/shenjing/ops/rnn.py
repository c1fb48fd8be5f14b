"""Recurrent kernels: one layer and one direction of an RNN, LSTM or GRU over a whole sequence.

Each class is ONE ``Function`` for all time steps, with backpropagation through time written by
hand.  The input projection of every step is one matrix product before the loop; inside the loop
each step does one product with ``W_hh`` and a handful of in-place NumPy calls on whole
``(batch, gates·hidden)`` blocks.  After the backward loop the weight gradients are again single
products over all steps: ``∂L/∂W_hh = Σₜ δzₜᵀ hₜ₋₁`` is ``δZᵀ H`` with ``T·B`` rows.

Conventions shared by the three kernels
---------------------------------------
* weights have PyTorch's layout: ``w_ih`` is ``(G·H, I)``, ``w_hh`` is ``(G·H, H)``, gates stacked
  in PyTorch's order (LSTM i, f, g, o; GRU r, z, n);
* ``x`` is time-major ``(T, B, I)``, or ``(B, T, I)`` with ``batch_first=True``;
* ``h0`` (and ``c0``) are ``(B, H)`` arrays or ``None`` (zeros, no gradient);
* ``reverse=True`` runs from the last step to the first (the backward half of a bidirectional
  layer); outputs are still returned in input time order;
* the result is one *packed*, time-major array: rows ``0 … T−1`` hold the hidden state at each
  time step, and for the LSTM row ``T`` holds the final cell state ``c_n``.  The final hidden state
  is row ``T−1`` (or row 0 when ``reverse``), so a gradient reaching it through the output or
  through ``h_n`` lands in the same place and is simply added by the engine.

Sigmoids are computed through the identity σ(u) = ½·tanh(u/2) + ½: the rows of the sigmoid
gates are pre-scaled by ½ once per call, so a step needs a single ``tanh`` over all gates.
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function

__all__ = ["RNNSeq", "LSTMSeq", "GRUSeq"]


def _time_major(x: np.ndarray, batch_first: bool) -> np.ndarray:
    """``x`` as a C-contiguous ``(T, B, I)`` array (a copy only when it must be)."""
    if batch_first:
        x = x.transpose(1, 0, 2)
    return np.ascontiguousarray(x)


def _input_grad(dz2: np.ndarray, w: np.ndarray, shape: tuple, batch_first: bool) -> np.ndarray:
    """∂L/∂x = δZ W for all steps in one product, back in the caller's layout."""
    t, b, i = shape
    dx = (dz2 @ w).reshape(t, b, i)
    return dx.transpose(1, 0, 2) if batch_first else dx


def _check(name: str, x: np.ndarray, h0, w_ih: np.ndarray, w_hh: np.ndarray, gates: int) -> tuple:
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
    return hidden


class RNNSeq(Function):
    """Elman RNN over a sequence: hₜ = act(W_ih xₜ + b_ih + W_hh hₜ₋₁ + b_hh), act = tanh or relu."""

    def forward(self, x, h0, w_ih, w_hh, b_ih=None, b_hh=None, *, nonlinearity: str = "tanh",
                reverse: bool = False, batch_first: bool = False):
        hidden = _check("RNN", x, h0, w_ih, w_hh, 1)
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: unknown nonlinearity {nonlinearity!r} (use 'tanh' or 'relu')")
        x = _time_major(x, batch_first)
        steps, batch, _ = x.shape
        dt = x.dtype
        x2 = x.reshape(steps * batch, -1)
        xp = (x2 @ w_ih.T).reshape(steps, batch, hidden)
        if b_ih is not None:
            xp += b_ih
        if b_hh is not None:
            xp += b_hh
        # s[0] (forward) or s[T] (reverse) is h₀; the hidden state of time t is s[t+1] or s[t]
        s = np.empty((steps + 1, batch, hidden), dtype=dt)
        first = 0 if not reverse else steps
        if h0 is None:
            s[first] = 0
        else:
            s[first] = h0
        whh_t = w_hh.T
        tmp = np.empty((batch, hidden), dtype=dt)
        relu = nonlinearity == "relu"
        order = range(steps - 1, -1, -1) if reverse else range(steps)
        for k, t in enumerate(order):
            prev, cur = (t, t + 1) if not reverse else (t + 1, t)
            out = s[cur]
            if k == 0 and h0 is None:
                out[...] = xp[t]
            else:
                np.matmul(s[prev], whh_t, out=tmp)
                np.add(xp[t], tmp, out=out)
            if relu:
                np.maximum(out, 0, out=out)
            else:
                np.tanh(out, out=out)
        self.s, self.x2, self.w_ih, self.w_hh = s, x2, w_ih, w_hh
        self.relu, self.reverse, self.batch_first = relu, reverse, batch_first
        self.has_b = (b_ih is not None, b_hh is not None)
        return s[1:] if not reverse else s[:steps]

    def backward(self, g):
        need = self.needs_input_grad
        s, w_hh, reverse = self.s, self.w_hh, self.reverse
        steps, batch, hidden = g.shape
        dz = np.empty((steps, batch, hidden), dtype=g.dtype)
        dh = None
        order = range(steps) if reverse else range(steps - 1, -1, -1)
        for t in order:
            h = s[t + 1] if not reverse else s[t]
            dzt = dz[t]
            if dh is None:
                dzt[...] = g[t]
            else:
                np.add(g[t], dh, out=dzt)
            if self.relu:
                dzt *= h > 0
            else:  # tanh' = 1 − h²
                d = h * h
                np.subtract(1, d, out=d)
                dzt *= d
            dh = dzt @ w_hh
        return self._grads(need, dz, dh, s, steps, batch, hidden)

    def _grads(self, need, dz, dh0, s, steps, batch, hidden):
        dz2 = dz.reshape(steps * batch, -1)
        dx = _input_grad(dz2, self.w_ih, (steps, batch, self.x2.shape[1]), self.batch_first) if need[0] else None
        hprev = s[:steps] if not self.reverse else s[1:]
        dw_ih = dz2.T @ self.x2 if need[2] else None
        dw_hh = dz2.T @ hprev.reshape(steps * batch, hidden) if need[3] else None
        db = dz2.sum(axis=0) if any(self.has_b) else None
        grads = [dx, dh0 if need[1] else None, dw_ih, dw_hh]
        grads += [db if self.has_b[0] else None, db if self.has_b[1] else None]
        return tuple(grads)


def _reorder_ifgo(a: np.ndarray, hidden: int) -> np.ndarray:
    """Swap the g and o blocks: PyTorch's i, f, g, o ↔ the kernel's i, f, o, g (its own inverse),
    so the three sigmoid gates are one contiguous block."""
    h = hidden
    return np.concatenate([a[: 2 * h], a[3 * h:], a[2 * h: 3 * h]], axis=0)


class LSTMSeq(Function):
    """LSTM over a sequence (PyTorch's gate order i, f, g, o):
    i, f, o = σ(W_i·x + U_i·h + b), g = tanh(W_g·x + U_g·h + b);  c' = f⊙c + i⊙g,  h' = o⊙tanh(c').

    Returns the packed array ``(T + 1, B, H)``: hidden states, then ``c_n`` (see the module doc)."""

    def forward(self, x, h0, c0, w_ih, w_hh, b_ih=None, b_hh=None, *, reverse: bool = False,
                batch_first: bool = False):
        hidden = _check("LSTM", x, h0, w_ih, w_hh, 4)
        x = _time_major(x, batch_first)
        steps, batch, _ = x.shape
        dt = x.dtype
        h = hidden
        # kernel order i, f, o, g; the sigmoid rows pre-scaled by ½ (σ(u) = ½ tanh(u/2) + ½)
        scale = np.ones(4 * h, dtype=dt)
        scale[: 3 * h] = 0.5
        wi = _reorder_ifgo(w_ih, h) * scale[:, None]
        wh_t = (_reorder_ifgo(w_hh, h) * scale[:, None]).T
        x2 = x.reshape(steps * batch, -1)
        a = (x2 @ wi.T).reshape(steps, batch, 4 * h)  # pre-activations, then activations in place
        if b_ih is not None or b_hh is not None:
            b = np.zeros(4 * h, dtype=dt)
            if b_ih is not None:
                b += b_ih
            if b_hh is not None:
                b += b_hh
            a += _reorder_ifgo(b, h) * scale
        # hidden states: s[0] = h₀, s[t+1] = hₜ (forward) or s[t] = hₜ, s[T] = h₀ (reverse);
        # the forward direction keeps one extra row for c_n, so its result is a view of s
        s = np.empty((steps + 2, batch, h), dtype=dt)
        c = np.empty((steps + 1, batch, h), dtype=dt)  # cell states, indexed like s
        tc = np.empty((steps, batch, h), dtype=dt)  # tanh(cₜ), by time
        first = 0 if not reverse else steps
        s[first] = 0 if h0 is None else h0
        c[first] = 0 if c0 is None else c0
        tmp = np.empty((batch, 4 * h), dtype=dt)
        ig = np.empty((batch, h), dtype=dt)
        order = range(steps - 1, -1, -1) if reverse else range(steps)
        for k, t in enumerate(order):
            prev, cur = (t, t + 1) if not reverse else (t + 1, t)
            at = a[t]
            if k > 0 or h0 is not None:
                np.matmul(s[prev], wh_t, out=tmp)
                at += tmp
            np.tanh(at, out=at)
            sig = at[:, : 3 * h]
            sig *= 0.5
            sig += 0.5
            gi, gf, go, gg = at[:, :h], at[:, h: 2 * h], at[:, 2 * h: 3 * h], at[:, 3 * h:]
            cc = c[cur]
            np.multiply(gf, c[prev], out=cc)
            np.multiply(gi, gg, out=ig)
            cc += ig
            np.tanh(cc, out=tc[t])
            np.multiply(go, tc[t], out=s[cur])
        self.a, self.s, self.c, self.tc, self.x2 = a, s, c, tc, x2
        self.w_ih, self.w_hh = w_ih, w_hh
        self.reverse, self.batch_first = reverse, batch_first
        self.has_b = (b_ih is not None, b_hh is not None)
        if not reverse:
            s[steps + 1] = c[steps]
            return s[1:]
        out = np.empty((steps + 1, batch, h), dtype=dt)
        out[:steps] = s[:steps]
        out[steps] = c[0]
        return out

    def backward(self, g):
        need = self.needs_input_grad
        a, s, c, tc, reverse = self.a, self.s, self.c, self.tc, self.reverse
        steps, batch, h = tc.shape
        dt = a.dtype
        g = g.astype(dt, copy=False)
        w_hh = _reorder_ifgo(self.w_hh, h)
        dz = np.empty((steps, batch, 4 * h), dtype=dt)
        dc = g[steps].copy()
        dh = np.empty((batch, h), dtype=dt)
        tmp = np.empty((batch, h), dtype=dt)
        der = np.empty((batch, 4 * h), dtype=dt)
        rec = None  # ∂L/∂h coming back from the step after
        order = range(steps) if reverse else range(steps - 1, -1, -1)
        for t in order:
            prev = t if not reverse else t + 1
            if rec is None:
                dh[...] = g[t]
            else:
                np.add(g[t], rec, out=dh)
            at, dzt, tct = a[t], dz[t], tc[t]
            gi, gf, go, gg = at[:, :h], at[:, h: 2 * h], at[:, 2 * h: 3 * h], at[:, 3 * h:]
            np.multiply(dh, tct, out=dzt[:, 2 * h: 3 * h])  # ∂L/∂o
            np.multiply(tct, tct, out=tmp)  # ∂L/∂c += ∂L/∂h · o · (1 − tanh²c)
            np.subtract(1, tmp, out=tmp)
            tmp *= go
            tmp *= dh
            dc += tmp
            np.multiply(dc, gg, out=dzt[:, :h])  # ∂L/∂i
            np.multiply(dc, c[prev], out=dzt[:, h: 2 * h])  # ∂L/∂f
            np.multiply(dc, gi, out=dzt[:, 3 * h:])  # ∂L/∂g
            dc *= gf  # ∂L/∂c of the step before
            np.multiply(at, at, out=der)  # σ' = a − a², tanh' = 1 − a²
            np.subtract(at[:, : 3 * h], der[:, : 3 * h], out=der[:, : 3 * h])
            np.subtract(1, der[:, 3 * h:], out=der[:, 3 * h:])
            dzt *= der
            rec = dzt @ w_hh
        dz2 = dz.reshape(steps * batch, 4 * h)
        dx = None
        if need[0]:
            dx = _input_grad(dz2, _reorder_ifgo(self.w_ih, h), (steps, batch, self.x2.shape[1]), self.batch_first)
        hprev = s[:steps] if not reverse else s[1: steps + 1]
        dw_ih = _reorder_ifgo(dz2.T @ self.x2, h) if need[3] else None
        dw_hh = _reorder_ifgo(dz2.T @ hprev.reshape(steps * batch, h), h) if need[4] else None
        db = _reorder_ifgo(dz2.sum(axis=0), h) if any(self.has_b) else None
        return (dx, rec if need[1] else None, dc if need[2] else None, dw_ih, dw_hh,
                db if self.has_b[0] else None, db if self.has_b[1] else None)


class GRUSeq(Function):
    """GRU over a sequence (PyTorch's gate order r, z, n):
    r, z = σ(W x + b_i + U h + b_h), n = tanh(W_n x + b_in + r⊙(U_n h + b_hn));  h' = (1 − z)⊙n + z⊙h."""

    def forward(self, x, h0, w_ih, w_hh, b_ih=None, b_hh=None, *, reverse: bool = False,
                batch_first: bool = False):
        hidden = _check("GRU", x, h0, w_ih, w_hh, 3)
        x = _time_major(x, batch_first)
        steps, batch, _ = x.shape
        dt = x.dtype
        h = hidden
        scale = np.ones(3 * h, dtype=dt)
        scale[: 2 * h] = 0.5  # r and z through ½ tanh(u/2) + ½
        wi = w_ih * scale[:, None]
        wh_t = (w_hh * scale[:, None]).T
        x2 = x.reshape(steps * batch, -1)
        a = (x2 @ wi.T).reshape(steps, batch, 3 * h)
        b = np.zeros(3 * h, dtype=dt)
        if b_ih is not None:
            b += b_ih
        if b_hh is not None:
            b[: 2 * h] += b_hh[: 2 * h]  # b_hn stays inside r ⊙ (…)
        a += b * scale
        b_hn = b_hh[2 * h:] if b_hh is not None else None
        s = np.empty((steps + 1, batch, h), dtype=dt)
        hn = np.empty((steps, batch, h), dtype=dt)  # U_n h + b_hn, by time
        first = 0 if not reverse else steps
        s[first] = 0 if h0 is None else h0
        m = np.empty((batch, 3 * h), dtype=dt)
        tmp = np.empty((batch, h), dtype=dt)
        order = range(steps - 1, -1, -1) if reverse else range(steps)
        for k, t in enumerate(order):
            prev, cur = (t, t + 1) if not reverse else (t + 1, t)
            at = a[t]
            rz, n, hnt = at[:, : 2 * h], at[:, 2 * h:], hn[t]
            if k > 0 or h0 is not None:
                np.matmul(s[prev], wh_t, out=m)
                rz += m[:, : 2 * h]
                if b_hn is not None:
                    np.add(m[:, 2 * h:], b_hn, out=hnt)
                else:
                    hnt[...] = m[:, 2 * h:]
            elif b_hn is not None:
                hnt[...] = b_hn
            else:
                hnt[...] = 0
            np.tanh(rz, out=rz)
            rz *= 0.5
            rz += 0.5
            r, z = at[:, :h], at[:, h: 2 * h]
            np.multiply(r, hnt, out=tmp)
            n += tmp
            np.tanh(n, out=n)
            np.subtract(s[prev], n, out=tmp)  # h' = n + z ⊙ (h − n)
            tmp *= z
            np.add(n, tmp, out=s[cur])
        self.a, self.s, self.hn, self.x2 = a, s, hn, x2
        self.w_ih, self.w_hh = w_ih, w_hh
        self.reverse, self.batch_first = reverse, batch_first
        self.has_b = (b_ih is not None, b_hh is not None)
        return s[1:] if not reverse else s[:steps]

    def backward(self, g):
        need = self.needs_input_grad
        a, s, hn, reverse = self.a, self.s, self.hn, self.reverse
        steps, batch, h = hn.shape
        dt = a.dtype
        g = g.astype(dt, copy=False)
        w_hh = self.w_hh
        dzh = np.empty((steps, batch, 3 * h), dtype=dt)  # gradients of the hidden-side pre-activations
        dnx = np.empty((steps, batch, h), dtype=dt)  # … and of the input-side n pre-activation
        dh = np.empty((batch, h), dtype=dt)
        dhz = np.empty((batch, h), dtype=dt)
        tmp = np.empty((batch, h), dtype=dt)
        der = np.empty((batch, 2 * h), dtype=dt)
        rec = None
        order = range(steps) if reverse else range(steps - 1, -1, -1)
        for t in order:
            hp = s[t] if not reverse else s[t + 1]
            if rec is None:
                dh[...] = g[t]
            else:
                np.add(g[t], rec, out=dh)
            at, dzt, dnt = a[t], dzh[t], dnx[t]
            r, z, n = at[:, :h], at[:, h: 2 * h], at[:, 2 * h:]
            np.multiply(dh, z, out=dhz)  # ∂h'/∂h through z ⊙ h
            np.subtract(hp, n, out=tmp)  # ∂L/∂z = dh ⊙ (h − n)
            np.multiply(dh, tmp, out=dzt[:, h: 2 * h])
            np.subtract(dh, dhz, out=dnt)  # ∂L/∂n = dh ⊙ (1 − z), then through tanh: ⊙ (1 − n²)
            np.multiply(n, n, out=tmp)
            np.subtract(1, tmp, out=tmp)
            dnt *= tmp
            np.multiply(dnt, hn[t], out=dzt[:, :h])  # ∂L/∂r
            np.multiply(dnt, r, out=dzt[:, 2 * h:])  # ∂L/∂(U_n h + b_hn)
            rz = at[:, : 2 * h]
            np.multiply(rz, rz, out=der)
            np.subtract(rz, der, out=der)
            dzt[:, : 2 * h] *= der
            rec = dzt @ w_hh
            rec += dhz
        dzh2 = dzh.reshape(steps * batch, 3 * h)
        dzx2 = np.concatenate([dzh2[:, : 2 * h], dnx.reshape(steps * batch, h)], axis=1)
        dx = None
        if need[0]:
            dx = _input_grad(dzx2, self.w_ih, (steps, batch, self.x2.shape[1]), self.batch_first)
        hprev = s[:steps] if not reverse else s[1:]
        dw_ih = dzx2.T @ self.x2 if need[2] else None
        dw_hh = dzh2.T @ hprev.reshape(steps * batch, h) if need[3] else None
        db_ih = dzx2.sum(axis=0) if self.has_b[0] and need[4] else None
        db_hh = dzh2.sum(axis=0) if self.has_b[1] and need[5] else None
        return dx, rec if need[1] else None, dw_ih, dw_hh, db_ih, db_hh
