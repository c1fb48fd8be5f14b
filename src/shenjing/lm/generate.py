"""Writing with a character language model: free continuation of a prompt and acrostic poems.

Sampling: the model's logits are divided by the temperature τ (τ < 1 sharpens, τ > 1 flattens),
optionally cut to the ``top_k`` most likely characters, and one character is drawn from
softmax(logits / τ) with a seeded NumPy generator, so the same seed writes the same poem.

Acrostic (藏头诗): one clause per prompt character, each beginning with it.  The decoder forces
the head character, lets the model write the clause, and keeps the form regular: the first
clause may end after 5 or 7 characters (the model's own probability of punctuation decides),
every later clause has that same length, and clauses end alternately with ``，`` and ``。``, one
couplet per line.
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import no_grad
from ..data.poetry import COUPLET_END, PUNCTUATION
from ..data.vocab import CharVocab
from ..nn import Module
from ..tensor import Tensor

__all__ = ["Writer", "generate", "acrostic"]


class Writer:
    """Feeds a model one token at a time and samples from it; holds the recurrent state."""

    def __init__(self, model: Module, vocab: CharVocab, temperature: float = 0.8, top_k: int | None = None,
                 seed: int | None = None) -> None:
        if not temperature > 0:
            raise ValueError(f"temperature must be positive, got {temperature}")
        if top_k is not None and top_k < 1:
            raise ValueError(f"top_k must be at least 1, got {top_k}")
        self.model, self.vocab = model, vocab
        self.temperature, self.top_k = float(temperature), top_k
        self.rng = np.random.default_rng(seed)
        self.state = None
        self.logits: np.ndarray | None = None
        v = len(vocab)
        self.never = np.zeros(v, dtype=bool)  # tokens never sampled
        self.never[[vocab.pad_id, vocab.unk_id, vocab.bos_id]] = True
        self.punct = np.zeros(v, dtype=bool)
        for ch in PUNCTUATION + "\n":
            if ch in vocab:
                self.punct[vocab[ch]] = True

    def feed(self, ids: list[int] | np.ndarray) -> None:
        """Run the model over ``ids``; the logits of the next token are kept."""
        ids = np.asarray(ids, dtype=np.int64).reshape(1, -1)
        if ids.size == 0:
            return
        was_training = self.model.training
        self.model.eval()
        try:
            with no_grad():
                logits, self.state = self.model(Tensor(ids), self.state)
        finally:
            self.model.train(was_training)
        self.logits = logits.data[0, -1].astype(np.float64)

    def probs(self, banned: np.ndarray | None = None) -> np.ndarray:
        """p(next token) after temperature, top-k and the banned tokens."""
        if self.logits is None:
            raise RuntimeError("Writer: feed at least one token first")
        z = self.logits / self.temperature
        mask = self.never if banned is None else (self.never | banned)
        z = np.where(mask, -np.inf, z)
        if self.top_k is not None and self.top_k < np.isfinite(z).sum():
            cut = np.partition(z, -self.top_k)[-self.top_k]
            z = np.where(z >= cut, z, -np.inf)
        z = z - z.max()
        p = np.exp(z)
        return p / p.sum()

    def sample(self, banned: np.ndarray | None = None) -> int:
        p = self.probs(banned)
        return int(self.rng.choice(len(p), p=p))


def _check_known(vocab: CharVocab, text: str, what: str) -> None:
    missing = vocab.unknown(text)
    if missing:
        raise ValueError(f"{what} has characters the model never saw: {''.join(missing)} "
                         "(choose others, or train on a corpus that has them)")


def generate(model: Module, vocab: CharVocab, prompt: str = "", length: int = 48, temperature: float = 0.8,
             top_k: int | None = None, seed: int | None = None) -> str:
    """``prompt`` followed by up to ``length`` sampled characters (fewer if the model ends the poem)."""
    _check_known(vocab, prompt, "the prompt")
    w = Writer(model, vocab, temperature, top_k, seed)
    w.feed(vocab.encode(prompt, bos=True))
    out = []
    for _ in range(length):
        i = w.sample()
        if i == vocab.eos_id:
            break
        out.append(vocab.itos[i])
        w.feed([i])
    return prompt + "".join(out)


def acrostic(model: Module, vocab: CharVocab, heads: str, temperature: float = 0.8, top_k: int | None = None,
             seed: int | None = None, form: int | None = None) -> str:
    """A poem with one clause per character of ``heads``, each clause starting with it (see the
    module docstring).  ``form`` fixes the clause length (5 or 7); by default the model chooses."""
    heads = "".join(heads.split())
    if not heads:
        raise ValueError("acrostic: give at least one head character")
    if form not in (None, 5, 7):
        raise ValueError(f"acrostic: form must be 5 or 7, got {form}")
    _check_known(vocab, heads, "the acrostic")
    w = Writer(model, vocab, temperature, top_k, seed)
    w.feed([vocab.bos_id])
    end_ids = np.flatnonzero(w.punct)
    inside = w.punct.copy()  # inside a clause: no punctuation, no end of poem
    inside[vocab.eos_id] = True
    out: list[str] = []
    n = form
    for k, head in enumerate(heads):
        mark = "，" if k % 2 == 0 and k < len(heads) - 1 else "。"
        clause = [head]
        w.feed([vocab[head]])
        while True:
            length = len(clause)
            if n is not None and length == n:
                break
            may_end = n is None and length == 5
            if n is None and length >= 7:
                break
            if may_end and w.rng.random() < float(w.probs()[end_ids].sum()):
                break  # the model's own chance of ending the clause here
            i = w.sample(inside)
            clause.append(vocab.itos[i])
            w.feed([i])
        n = n or len(clause)
        if mark in vocab:
            w.feed([vocab[mark]])
        out.append("".join(clause) + mark)
        if mark in COUPLET_END and k < len(heads) - 1:
            out.append("\n")
            if "\n" in vocab:
                w.feed([vocab["\n"]])
    return "".join(out)
