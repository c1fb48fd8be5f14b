"""Recurrent layers with PyTorch's names, parameter layout and initialisation.

* ``RNN``:  hₜ = tanh(W_ih xₜ + b_ih + W_hh hₜ₋₁ + b_hh)  (or relu)
* ``LSTM``: i, f, o = σ(·), g = tanh(·) of W_ih xₜ + b_ih + W_hh hₜ₋₁ + b_hh (gates stacked i, f, g, o);
  cₜ = f⊙cₜ₋₁ + i⊙g,  hₜ = o⊙tanh(cₜ)
* ``GRU``:  r, z = σ(W_i xₜ + b_i + W_h hₜ₋₁ + b_h) (stacked r, z, n);
  n = tanh(W_in xₜ + b_in + r⊙(W_hn hₜ₋₁ + b_hn)),  hₜ = (1 − z)⊙n + z⊙hₜ₋₁

Parameters are ``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``, ``bias_hh_l{k}`` (plus the
suffix ``_reverse`` for the backward direction of a bidirectional layer), of shapes
``(gates·H, in)``, ``(gates·H, H)``, ``(gates·H,)``; every one is drawn from U(−1/√H, 1/√H).
A ``state_dict`` therefore maps one-to-one onto ``torch.nn.LSTM`` and friends.

Each layer and direction runs as one ``Function`` over the whole sequence (``shenjing.ops.rnn``),
with the gate math of a step in one matrix product and a hand-written backward through time.
"""

from __future__ import annotations

import math

import numpy as np

from ..backend import get_default_dtype, to_dtype
from ..ops import rnn as _rnn
from ..ops import rnn_proj as _rnn_proj
from ..ops import shape as _shape
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter
from .utils import rnn as _rnn_utils
from .utils.rnn import PackedSequence

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _np_dtype(dtype) -> np.dtype:
    return (to_dtype(dtype) if dtype is not None else get_default_dtype()).np


class RNNBase(Module):
    """The shared machinery of ``RNN``, ``LSTM`` and ``GRU``: parameters, checks and the layer loop."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, device=None, dtype=None) -> None:
        super().__init__()
        name = type(self).__name__
        if not isinstance(hidden_size, int) or hidden_size <= 0:
            raise ValueError(f"{name}: hidden_size must be a positive int, got {hidden_size!r}")
        if not isinstance(input_size, int) or input_size <= 0:
            raise ValueError(f"{name}: input_size must be a positive int, got {input_size!r}")
        if not isinstance(num_layers, int) or num_layers <= 0:
            raise ValueError(f"{name}: num_layers must be a positive int, got {num_layers!r}")
        if not isinstance(dropout, int | float) or isinstance(dropout, bool) or not 0 <= dropout <= 1:
            raise ValueError(f"{name}: dropout should be a number in [0, 1], got {dropout!r}")
        if not isinstance(proj_size, int) or isinstance(proj_size, bool) or proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        self.mode = mode
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, proj_size
        npd = _np_dtype(dtype)
        gate = _GATES[mode] * hidden_size
        dirs = 2 if bidirectional else 1
        real = proj_size or hidden_size  # the size of h (of the layer's output)
        self._flat_weights_names: list[str] = []
        for layer in range(num_layers):
            width = input_size if layer == 0 else real * dirs
            for d in range(dirs):
                sfx = f"_l{layer}" + ("_reverse" if d else "")
                names = [f"weight_ih{sfx}", f"weight_hh{sfx}"]
                setattr(self, names[0], Parameter(np.empty((gate, width), dtype=npd)))
                setattr(self, names[1], Parameter(np.empty((gate, real), dtype=npd)))
                if bias:
                    names += [f"bias_ih{sfx}", f"bias_hh{sfx}"]
                    setattr(self, names[2], Parameter(np.empty(gate, dtype=npd)))
                    setattr(self, names[3], Parameter(np.empty(gate, dtype=npd)))
                if proj_size:  # h = W_hr (o ⊙ tanh c), as torch.nn.LSTM(proj_size=P)
                    names.append(f"weight_hr{sfx}")
                    setattr(self, names[-1], Parameter(np.empty((proj_size, hidden_size), dtype=npd)))
                self._flat_weights_names += names
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias ~ U(−1/√hidden_size, 1/√hidden_size), as in PyTorch."""
        stdv = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -stdv, stdv)

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """The parameters grouped per layer and direction: ``[[w_ih, w_hh, b_ih, b_hh(, w_hr)], …]``."""
        per = (4 if self.bias else 2) + (1 if self.proj_size else 0)
        flat = [getattr(self, n) for n in self._flat_weights_names]
        return [flat[i: i + per] for i in range(0, len(flat), per)]

    def flatten_parameters(self) -> None:
        """Nothing to do: kept so PyTorch code that calls it runs unchanged."""

    # ----------------------------------------------------------------- checks
    def _check_input(self, x: Tensor) -> bool:
        name = type(self).__name__
        if not isinstance(x, Tensor):
            raise TypeError(f"{name}: input must be a Tensor, got {type(x).__name__}")
        if x.ndim not in (2, 3):
            raise ValueError(f"{name}: expected a 2-D (unbatched) or 3-D (batched) input, got shape {tuple(x.shape)}")
        if x.shape[-1] != self.input_size:
            raise RuntimeError(f"{name}: input.size(-1) must be equal to input_size. "
                               f"Expected {self.input_size}, got {x.shape[-1]} (input shape {tuple(x.shape)})")
        steps = x.shape[1] if (x.ndim == 3 and self.batch_first) else x.shape[0]
        if steps == 0:
            raise ValueError(f"{name}: the input sequence is empty (shape {tuple(x.shape)})")
        w = self.weight_ih_l0
        if x.data.dtype != w.data.dtype:
            raise RuntimeError(f"{name}: input is {x.data.dtype} but the parameters are {w.data.dtype}; "
                               "convert one of them (model.double() or x.float())")
        return x.ndim == 3

    def _check_hidden(self, h: Tensor, batch: int, batched: bool, what: str) -> None:
        dirs = 2 if self.bidirectional else 1
        size = self.proj_size if self.proj_size and what != "c_0" else self.hidden_size
        want = (self.num_layers * dirs, batch, size) if batched else (self.num_layers * dirs, size)
        if tuple(h.shape) != want:
            raise RuntimeError(f"{type(self).__name__}: expected {what} of size {want}, got {tuple(h.shape)}")
        if h.data.dtype != self.weight_ih_l0.data.dtype:
            raise RuntimeError(f"{type(self).__name__}: {what} is {h.data.dtype} but the parameters are "
                               f"{self.weight_ih_l0.data.dtype}")

    # ----------------------------------------------------------------- the layer loop
    def _direction(self, inp: Tensor, hk, ck, layer: int, d: int, batch_first: bool):
        """One layer and direction over ``inp``: (outputs, h at the end, c at the end or None)."""
        sfx = f"_l{layer}" + ("_reverse" if d else "")
        w = [getattr(self, f"weight_ih{sfx}"), getattr(self, f"weight_hh{sfx}")]
        b = [getattr(self, f"bias_ih{sfx}"), getattr(self, f"bias_hh{sfx}")] if self.bias else [None, None]
        steps = inp.shape[1] if batch_first else inp.shape[0]
        opts = {"reverse": bool(d), "batch_first": batch_first}
        lstm = self.mode == "LSTM"
        if self.proj_size:
            return _rnn_proj.lstm_proj_seq(inp, hk, ck, *w, *b, getattr(self, f"weight_hr{sfx}"), **opts)
        if lstm:
            packed = _rnn.LSTMSeq.apply(inp, hk, ck, *w, *b, **opts)
        elif self.mode == "GRU":
            packed = _rnn.GRUSeq.apply(inp, hk, *w, *b, **opts)
        else:
            nl = "tanh" if self.mode == "RNN_TANH" else "relu"
            packed = _rnn.RNNSeq.apply(inp, hk, *w, *b, nonlinearity=nl, **opts)
        rows, hrow, crow = _rnn.packed_rows(steps, bool(d), lstm)
        return (packed[rows] if lstm else packed), packed[hrow], (packed[crow] if lstm else None)

    def _between_layers(self, outs: list[Tensor], layer: int) -> Tensor:
        inp = outs[0] if len(outs) == 1 else _shape.cat(outs, -1)
        if self.dropout and self.training and layer < self.num_layers - 1:
            inp = F.dropout(inp, self.dropout, True)
        return inp

    def _run(self, x: Tensor, h0: Tensor | None, c0: Tensor | None, batched: bool):
        """Run every layer and direction; returns output and the lists of final h (and c)."""
        if not batched:  # (T, I) → (T, 1, I), time-major whatever batch_first says
            x = x.unsqueeze(1)
            h0 = h0.unsqueeze(1) if h0 is not None else None
            c0 = c0.unsqueeze(1) if c0 is not None else None
        batch_first = self.batch_first and batched
        dirs = 2 if self.bidirectional else 1
        hs: list[Tensor] = []
        cs: list[Tensor] = []
        inp, bf = x, batch_first
        for layer in range(self.num_layers):
            outs = []
            for d in range(dirs):
                k = layer * dirs + d
                out, h, c = self._direction(inp, h0[k] if h0 is not None else None,
                                            c0[k] if c0 is not None else None, layer, d, bf)
                outs.append(out)
                hs.append(h)
                if c is not None:
                    cs.append(c)
            inp = self._between_layers(outs, layer)
            bf = False
        out = inp.transpose(0, 1) if batch_first else inp
        if not batched:
            out = out.squeeze(1)
            hs = [h.squeeze(0) for h in hs]
            cs = [c.squeeze(0) for c in cs]
        return out, hs, cs

    def _run_packed(self, seq: PackedSequence, h0: Tensor | None, c0: Tensor | None):
        """Every layer and direction over a PackedSequence: each sequence stops at its own length.

        The batch is sorted longest first, so the running sequences are always the first rows;
        the kernels run once per stretch of steps with the same number of running sequences, and a
        sequence's last state is its h_n.  Returns (PackedSequence, [h_n per layer·direction], [c_n])."""
        bs = np.asarray(seq.batch_sizes.data)
        segs = _rnn_utils.segments(bs)
        batch, steps = int(bs[0]), len(bs)
        order = None if seq.sorted_indices is None else np.asarray(seq.sorted_indices.data)
        if order is not None:  # the states come in the caller's order; the kernels need the sorted one
            h0 = h0[:, order] if h0 is not None else None
            c0 = c0[:, order] if c0 is not None else None
        dirs = 2 if self.bidirectional else 1
        lstm = self.mode == "LSTM"
        dt = self.weight_ih_l0.data.dtype
        zeros = lambda *shape: Tensor(np.zeros(shape, dtype=dt))  # noqa: E731
        inp = _rnn_utils._padded_sorted(seq)
        hs: list[Tensor] = []
        cs: list[Tensor] = []
        for layer in range(self.num_layers):
            outs = []
            for d in range(dirs):
                k = layer * dirs + d
                init_h = h0[k] if h0 is not None else zeros(batch, self.hidden_size)
                init_c = (c0[k] if c0 is not None else zeros(batch, self.hidden_size)) if lstm else None
                pieces: dict[int, Tensor] = {}
                ends: list[tuple[int, Tensor, Tensor | None]] = []
                h, c = init_h, init_c
                for t0, t1, n in (segs if d == 0 else segs[::-1]):
                    if d == 1 and h.shape[0] < n:  # sequences whose last step is t1 − 1 start here
                        h = _shape.cat([h, init_h[h.shape[0]:n]], 0)
                        c = _shape.cat([c, init_c[c.shape[0]:n]], 0) if lstm else None
                    out, h_last, c_last = self._direction(inp[t0:t1, :n], h[:n], c[:n] if lstm else None,
                                                          layer, d, False)
                    pieces[t0] = out if n == batch else _shape.cat([out, zeros(t1 - t0, batch - n,
                                                                               self.hidden_size)], 1)
                    if d == 0:  # forward: the sequences that stop after this stretch keep their state
                        nxt = int(bs[t1]) if t1 < steps else 0
                        ends.append((nxt, h_last[nxt:n], c_last[nxt:n] if lstm else None))
                        h, c = h_last[:nxt], (c_last[:nxt] if lstm else None)
                    else:
                        h, c = h_last, c_last
                outs.append(_shape.cat([pieces[t0] for t0, _, _ in segs], 0) if len(segs) > 1 else pieces[0])
                if d == 0:  # rows finish from the last one up
                    ends.sort(key=lambda e: e[0])
                    h = _shape.cat([e[1] for e in ends], 0) if len(ends) > 1 else ends[0][1]
                    c = (_shape.cat([e[2] for e in ends], 0) if len(ends) > 1 else ends[0][2]) if lstm else None
                hs.append(h)
                if lstm:
                    cs.append(c)
            inp = self._between_layers(outs, layer)
        width = inp.shape[-1]
        data = [inp[t0:t1, :n].reshape((t1 - t0) * n, width) for t0, t1, n in segs]
        packed = _rnn_utils.PackedSequence(data[0] if len(data) == 1 else _shape.cat(data, 0), seq.batch_sizes,
                                           seq.sorted_indices, seq.unsorted_indices)
        if seq.unsorted_indices is not None:
            back = np.asarray(seq.unsorted_indices.data)
            hs = [h[back] for h in hs]
            cs = [c[back] for c in cs]
        return packed, hs, cs

    def _check_packed(self, seq: PackedSequence) -> None:
        name = type(self).__name__
        if seq.data.ndim != 2 or seq.data.shape[-1] != self.input_size:
            raise RuntimeError(f"{name}: the packed data must be (steps, input_size={self.input_size}), "
                               f"got shape {tuple(seq.data.shape)}")
        if seq.data.data.dtype != self.weight_ih_l0.data.dtype:
            raise RuntimeError(f"{name}: input is {seq.data.data.dtype} but the parameters are "
                               f"{self.weight_ih_l0.data.dtype}")

    def _forward_h(self, input: Tensor, hx: Tensor | None) -> tuple[Tensor, Tensor]:  # noqa: A002
        if isinstance(input, PackedSequence):
            self._check_packed(input)
            if hx is not None:
                self._check_hidden(hx, int(input.batch_sizes.data[0]), True, "hx")
            out, hs, _ = self._run_packed(input, hx, None)
            return out, _shape.stack(hs, 0)
        batched = self._check_input(input)
        if hx is not None:
            self._check_hidden(hx, input.shape[0 if self.batch_first else 1] if batched else 1, batched, "hx")
        out, hs, _ = self._run(input, hx, None, batched)
        return out, _shape.stack(hs, 0)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.mode == "RNN_RELU":
            s += ", nonlinearity='relu'"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s


class RNN(RNNBase):
    """Elman RNN, hₜ = tanh(W_ih xₜ + b_ih + W_hh hₜ₋₁ + b_hh) (``nonlinearity='relu'`` for ReLU).

    ``forward(input, hx=None)`` → ``(output, h_n)``; input ``(T, B, I)`` (``(B, T, I)`` with
    ``batch_first``) or ``(T, I)``; ``hx`` and ``h_n`` are ``(num_layers·dirs, B, H)``."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, device=None, dtype=None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: unknown nonlinearity {nonlinearity!r} (use 'tanh' or 'relu')")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size,
                         num_layers, bias, batch_first, dropout, bidirectional, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:  # noqa: A002
        return self._forward_h(input, hx)


class GRU(RNNBase):
    """Gated recurrent unit, gates stacked r, z, n:
    r, z = σ(W_i x + b_i + W_h h + b_h),  n = tanh(W_in x + b_in + r⊙(W_hn h + b_hn)),  h' = (1 − z)⊙n + z⊙h."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device=None, dtype=None) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, dtype=dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:  # noqa: A002
        """``(output, h_n)``, shapes as for :class:`RNN`."""
        return self._forward_h(input, hx)


class LSTM(RNNBase):
    """Long short-term memory, gates stacked i, f, g, o:
    i, f, o = σ(·), g = tanh(·) of W_ih x + b_ih + W_hh h + b_hh;  c' = f⊙c + i⊙g,  h' = o⊙tanh(c').

    ``forward(input, (h_0, c_0)=None)`` → ``(output, (h_n, c_n))``, shapes as for :class:`RNN`.

    ``proj_size=P`` (0 < P < H): h' = W_hr (o⊙tanh(c')) with ``weight_hr_l{k}`` of shape (P, H), so h,
    h_0, h_n and the output have size P (c stays H); run step by step (``shenjing.ops.rnn_proj``)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, device=None, dtype=None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, proj_size, dtype=dtype)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None  # noqa: A002
                ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        packed = isinstance(input, PackedSequence)
        if packed:
            self._check_packed(input)
            batched, batch = True, int(input.batch_sizes.data[0])
        else:
            batched = self._check_input(input)
            batch = input.shape[0 if self.batch_first else 1] if batched else 1
        h0 = c0 = None
        if hx is not None:
            if not isinstance(hx, tuple | list) or len(hx) != 2:
                raise TypeError("LSTM: hx must be a tuple (h_0, c_0)")
            h0, c0 = hx
            self._check_hidden(h0, batch, batched, "h_0")
            self._check_hidden(c0, batch, batched, "c_0")
        if packed and self.proj_size:
            raise NotImplementedError("LSTM: proj_size with a PackedSequence input is not supported by shenjing; "
                                      "pad the batch (nn.utils.rnn.pad_packed_sequence) instead")
        out, hs, cs = self._run_packed(input, h0, c0) if packed else self._run(input, h0, c0, batched)
        return out, (_shape.stack(hs, 0), _shape.stack(cs, 0))


# --------------------------------------------------------------------------------------------
# cells: one time step, for hand-written loops
# --------------------------------------------------------------------------------------------
class RNNCellBase(Module):
    """Shared parameters of the cells: ``weight_ih`` (gates·H, I), ``weight_hh`` (gates·H, H), biases."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, gates: int, device=None, dtype=None) -> None:
        super().__init__()
        if not isinstance(hidden_size, int) or hidden_size <= 0 or not isinstance(input_size, int) or input_size <= 0:
            raise ValueError(f"{type(self).__name__}: sizes must be positive ints, got "
                             f"input_size={input_size!r}, hidden_size={hidden_size!r}")
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        npd = _np_dtype(dtype)
        self.weight_ih = Parameter(np.empty((gates * hidden_size, input_size), dtype=npd))
        self.weight_hh = Parameter(np.empty((gates * hidden_size, hidden_size), dtype=npd))
        if bias:
            self.bias_ih = Parameter(np.empty(gates * hidden_size, dtype=npd))
            self.bias_hh = Parameter(np.empty(gates * hidden_size, dtype=npd))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias ~ U(−1/√hidden_size, 1/√hidden_size), as in PyTorch."""
        stdv = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -stdv, stdv)

    def _prepare(self, x: Tensor, states: list) -> tuple[Tensor, list, bool]:
        name = type(self).__name__
        if not isinstance(x, Tensor):
            raise TypeError(f"{name}: input must be a Tensor, got {type(x).__name__}")
        if x.ndim not in (1, 2):
            raise ValueError(f"{name}: expected input to be 1-D or 2-D, got {x.ndim}-D (shape {tuple(x.shape)})")
        if x.shape[-1] != self.input_size:
            raise RuntimeError(f"{name}: input has {x.shape[-1]} features (shape {tuple(x.shape)}), "
                               f"expected input_size={self.input_size}")
        if x.data.dtype != self.weight_ih.data.dtype:
            raise RuntimeError(f"{name}: input is {x.data.dtype} but the parameters are {self.weight_ih.data.dtype}")
        batched = x.ndim == 2
        want = (x.shape[0], self.hidden_size) if batched else (self.hidden_size,)
        out = []
        for s in states:
            if s is not None:
                if tuple(s.shape) != want:
                    raise RuntimeError(f"{name}: expected a hidden state of shape {want}, got {tuple(s.shape)}")
                if not batched:
                    s = s.unsqueeze(0)
            out.append(s)
        x = x.unsqueeze(0) if batched else x.reshape(1, 1, -1)  # one time step: (1, B, I)
        return x, out, batched

    def _weights(self) -> list:
        return [self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh]

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        nl = getattr(self, "nonlinearity", "tanh")
        if nl != "tanh":
            s += f", nonlinearity={nl!r}"
        return s


class RNNCell(RNNCellBase):
    """One step of an Elman RNN: h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (or relu)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device=None, dtype=None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: unknown nonlinearity {nonlinearity!r} (use 'tanh' or 'relu')")
        super().__init__(input_size, hidden_size, bias, 1, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        x, (h,), batched = self._prepare(input, [hx])
        out = _rnn.RNNSeq.apply(x, h, *self._weights(), nonlinearity=self.nonlinearity)[0]
        return out if batched else out[0]


class LSTMCell(RNNCellBase):
    """One LSTM step (gates i, f, g, o): c' = f⊙c + i⊙g, h' = o⊙tanh(c'); returns ``(h', c')``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, dtype=dtype)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None  # noqa: A002
                ) -> tuple[Tensor, Tensor]:
        if hx is not None and (not isinstance(hx, tuple | list) or len(hx) != 2):
            raise TypeError("LSTMCell: hx must be a tuple (h, c)")
        x, (h, c), batched = self._prepare(input, list(hx) if hx is not None else [None, None])
        packed = _rnn.LSTMSeq.apply(x, h, c, *self._weights())
        h1, c1 = packed[0], packed[1]  # forward direction: row 0 is h', row 1 is c' (packed_rows)
        return (h1, c1) if batched else (h1[0], c1[0])


class GRUCell(RNNCellBase):
    """One GRU step (gates r, z, n): n = tanh(W_in x + b_in + r⊙(W_hn h + b_hn)), h' = (1 − z)⊙n + z⊙h."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, dtype=dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        x, (h,), batched = self._prepare(input, [hx])
        out = _rnn.GRUSeq.apply(x, h, *self._weights())[0]
        return out if batched else out[0]
