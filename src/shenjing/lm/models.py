"""Sequence models built from the recurrent layers: a classifier that reads an image row by row
(sequential MNIST) and a character language model (Tang poems)."""

from __future__ import annotations

from ..nn import GRU, LSTM, RNN, Dropout, Embedding, Linear, Module
from ..ops import shape as _shape
from ..tensor import Tensor

__all__ = ["SequenceClassifier", "CharLM", "make_rnn", "CELLS"]

CELLS = ("lstm", "gru", "rnn")


def make_rnn(cell: str, input_size: int, hidden: int, layers: int = 1, dropout: float = 0.0,
             bidirectional: bool = False) -> Module:
    """An ``LSTM``, ``GRU`` or tanh ``RNN`` with ``batch_first=True``."""
    cls = {"lstm": LSTM, "gru": GRU, "rnn": RNN}.get(str(cell).lower())
    if cls is None:
        raise ValueError(f"unknown recurrent cell {cell!r}; choose one of {', '.join(CELLS)}")
    return cls(input_size, hidden, num_layers=layers, batch_first=True, dropout=dropout,
               bidirectional=bidirectional)


class SequenceClassifier(Module):
    """Reads each input as a sequence of ``input_size``-vectors — a 28×28 image is 28 rows of 28
    pixels — and classifies it from the final hidden state of the last layer (both directions
    concatenated when bidirectional): logits = W h_T + b."""

    def __init__(self, input_size: int = 28, hidden: int = 128, num_classes: int = 10, layers: int = 1,
                 cell: str = "lstm", bidirectional: bool = False, dropout: float = 0.0) -> None:
        super().__init__()
        self.input_size, self.cell = input_size, str(cell).lower()
        self.rnn = make_rnn(cell, input_size, hidden, layers, dropout, bidirectional)
        self.fc = Linear(hidden * (2 if bidirectional else 1), num_classes)

    def forward(self, x: Tensor) -> Tensor:
        if x.shape[-1] != self.input_size:
            raise RuntimeError(f"SequenceClassifier: the last dimension of the input ({tuple(x.shape)}) "
                               f"must be input_size={self.input_size}")
        x = x.reshape(x.shape[0], -1, self.input_size)  # (B, 1, 28, 28) → (B, 28 steps, 28)
        _, state = self.rnn(x)
        h = state[0] if isinstance(state, tuple) else state  # (layers·dirs, B, H)
        last = h[-1] if not self.rnn.bidirectional else _shape.cat([h[-2], h[-1]], -1)
        return self.fc(last)


class CharLM(Module):
    """Character language model: embedding → dropout → LSTM/GRU → dropout → linear over the
    vocabulary, p(xₜ₊₁ | x≤ₜ) = softmax(W hₜ + b)."""

    def __init__(self, vocab_size: int, embed: int = 128, hidden: int = 256, layers: int = 2,
                 cell: str = "lstm", dropout: float = 0.2) -> None:
        super().__init__()
        if vocab_size < 1:
            raise ValueError(f"CharLM: vocab_size must be positive, got {vocab_size}")
        self.vocab_size, self.cell = vocab_size, str(cell).lower()
        self.embed = Embedding(vocab_size, embed)
        self.rnn = make_rnn(cell, embed, hidden, layers, dropout if layers > 1 else 0.0)
        self.drop = Dropout(dropout)
        self.head = Linear(hidden, vocab_size)

    def forward(self, idx: Tensor, state=None) -> tuple[Tensor, object]:
        """``idx`` (B, T) of token ids → logits (B, T, V) and the recurrent state to carry on."""
        out, state = self.rnn(self.drop(self.embed(idx)), state)
        return self.head(self.drop(out)), state
