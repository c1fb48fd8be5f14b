"""Train a character language model on 唐诗三百首 and save it with its vocabulary.

The text of a poem is ``<bos>`` + its lines joined by ``\\n`` + ``<eos>``.  By default only the
regular poems are used (every clause 5, or every clause 7 characters: 279 of the 313), so the
model learns one kind of verse well; ``regular_only=False`` takes them all.  A few poems are held
out for validation (chosen by the seed); the vocabulary is built from the training poems only, so
a validation character the model never saw is ``<unk>``.  Each step trains on ``batch_size``
windows of ``seq_len + 1`` tokens taken at random places of the shuffled training text
(next-character cross-entropy, Adam, gradient norm clipped, cosine learning-rate decay over the
steps or, when a time limit is set and comes first, over the time).
Validation perplexity is exp(mean negative log-likelihood per character) over the held-out poems
read from start to end.

The checkpoint (``shenjing.save``: safetensors + JSON) holds the weights, the model's
configuration, the vocabulary, the settings and the metrics, so ``shenjing generate`` needs
nothing else.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..autograd.function import no_grad
from ..data.poetry import Poem, form_of
from ..data.vocab import CharVocab
from ..nn import functional as F
from ..tensor import Tensor
from .models import CELLS, CharLM

__all__ = ["PoetrySettings", "poem_text", "split_poems", "train_poetry", "evaluate_perplexity",
           "save_poetry_model", "load_poetry_model", "CHECKPOINT_KIND", "form_share"]

CHECKPOINT_KIND = "shenjing.char-lm"


@dataclass
class PoetrySettings:
    """Everything that defines a poetry run (stored in its checkpoint)."""

    cell: str = "lstm"
    embed: int = 128
    hidden: int = 256
    layers: int = 2
    dropout: float = 0.5
    seq_len: int = 64
    batch_size: int = 32
    lr: float = 3e-3
    steps: int = 3000
    time_limit: float | None = None  # seconds; stop early when reached
    val_poems: int = 16
    regular_only: bool = True  # train on the regular 5/7-character poems only (279 of 313)
    eval_every: int = 100
    clip: float = 1.0
    seed: int = 0
    corpus: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def check(self) -> None:
        if self.cell not in CELLS:
            raise ValueError(f"cell must be one of {', '.join(CELLS)}, got {self.cell!r}")
        for name in ("embed", "hidden", "layers", "seq_len", "batch_size", "steps", "eval_every"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        if not 0 <= self.dropout < 1:
            raise ValueError(f"dropout must lie in [0, 1), got {self.dropout}")
        if not self.lr > 0 or self.val_poems < 1:
            raise ValueError(f"lr must be positive and val_poems at least 1, got {self.lr}, {self.val_poems}")


def poem_text(poem: Poem) -> str:
    """The text the model learns for one poem: its lines, joined by newlines."""
    return poem.body


def split_poems(poems: list[Poem], n_val: int, seed: int) -> tuple[list[Poem], list[Poem]]:
    """(training poems, validation poems): ``n_val`` poems chosen by ``seed``."""
    if n_val >= len(poems):
        raise ValueError(f"cannot hold out {n_val} of {len(poems)} poems for validation")
    order = np.random.default_rng(seed).permutation(len(poems))
    val = sorted(order[:n_val].tolist())
    train = sorted(order[n_val:].tolist())
    return [poems[i] for i in train], [poems[i] for i in val]


def _stream(poems: list[Poem], vocab: CharVocab, rng: np.random.Generator | None = None) -> np.ndarray:
    order = rng.permutation(len(poems)) if rng is not None else range(len(poems))
    return np.concatenate([vocab.encode(poem_text(poems[i]), bos=True, eos=True) for i in order])


def evaluate_perplexity(model: CharLM, vocab: CharVocab, poems: list[Poem], chunk: int = 256) -> dict[str, float]:
    """Mean negative log-likelihood per predicted token over ``poems`` (each read from ``<bos>`` on)
    and its exponential, the perplexity."""
    ids = _stream(poems, vocab)
    was_training = model.training
    model.eval()
    nll, count, state = 0.0, 0, None
    try:
        with no_grad():
            for s in range(0, len(ids) - 1, chunk):
                x = ids[s: s + chunk]
                y = ids[s + 1: s + chunk + 1]
                x = x[: len(y)]
                logits, state = model(Tensor(x[None, :]), state)
                loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), Tensor(y), reduction="sum")
                nll += float(loss.item())
                count += len(y)
    finally:
        model.train(was_training)
    mean = nll / max(count, 1)
    return {"nll": mean, "perplexity": math.exp(min(mean, 700.0)), "tokens": count,
            "unknown": int((ids == vocab.unk_id).sum())}


def form_share(model: CharLM, vocab: CharVocab, n: int = 50, temperature: float = 0.8, top_k: int | None = None,
               seed: int = 0, max_len: int = 120) -> dict[str, Any]:
    """Write ``n`` poems from an empty prompt (each until the model ends it, at most ``max_len``
    characters) and count the regular five- and seven-character ones (``data.poetry.form_of``)."""
    from .generate import generate

    forms = {5: 0, 7: 0}
    poems = []
    for i in range(n):
        text = generate(model, vocab, "", max_len, temperature, top_k, seed + i)
        poems.append(text)
        f = form_of(text)
        if f is not None:
            forms[f] += 1
    good = forms[5] + forms[7]
    return {"n": n, "well_formed": good, "share": good / n if n else 0.0, "five": forms[5], "seven": forms[7],
            "poems": poems}


def save_poetry_model(path: str | Path, model: CharLM, vocab: CharVocab, settings: PoetrySettings,
                      metrics: dict[str, Any]) -> None:
    """One checkpoint with the weights, model configuration, vocabulary, settings and metrics."""
    from ..io import save

    save({
        "kind": CHECKPOINT_KIND,
        "version": 1,
        "model": {"name": "char-lm", "config": model_config(model)},
        "state_dict": model.state_dict(),
        "vocab": vocab.to_dict(),
        "settings": asdict(settings),
        "metrics": metrics,
    }, path)


def model_config(model: CharLM) -> dict[str, Any]:
    rnn = model.rnn
    return {"vocab_size": model.vocab_size, "embed": model.embed.embedding_dim, "hidden": rnn.hidden_size,
            "layers": rnn.num_layers, "cell": model.cell, "dropout": model.drop.p}


def load_poetry_model(path: str | Path) -> tuple[CharLM, CharVocab, dict[str, Any]]:
    """(model in eval mode, vocabulary, the whole checkpoint) from a file written by
    :func:`save_poetry_model`; ``CheckpointError`` if it is not one."""
    from ..io import CheckpointError, load

    ck = load(path)
    if not isinstance(ck, dict) or ck.get("kind") != CHECKPOINT_KIND:
        raise CheckpointError(str(path), "not a character language model checkpoint (written by "
                                         "`shenjing train --task poetry`)")
    try:
        vocab = CharVocab.from_dict(ck["vocab"])
        model = CharLM(**ck["model"]["config"])
        model.load_state_dict(ck["state_dict"])
    except (KeyError, TypeError, ValueError, RuntimeError) as e:
        raise CheckpointError(str(path), f"damaged poetry checkpoint: {e}") from None
    if len(vocab) != model.vocab_size:
        raise CheckpointError(str(path), f"the vocabulary has {len(vocab)} tokens but the model "
                                         f"{model.vocab_size}")
    model.eval()
    return model, vocab, ck


def train_poetry(poems: list[Poem], settings: PoetrySettings, out: str | Path | None = None,
                 log: Callable[[str, dict[str, Any]], None] | None = None) -> tuple[CharLM, CharVocab, dict]:
    """Train a :class:`CharLM` on ``poems``; returns (model, vocabulary, metrics).  With ``out``,
    ``best.safetensors`` (lowest validation perplexity) and ``last.safetensors`` are written there.
    ``log(event, data)`` receives ``"start"``, ``"eval"`` and ``"done"`` events."""
    import shenjing as sj

    from ..nn.utils import clip_grad_norm_
    from ..optim import Adam

    settings.check()
    log = log or (lambda event, data: None)
    if settings.regular_only:
        poems = [p for p in poems if form_of(p.body) is not None]
    train, val = split_poems(poems, settings.val_poems, settings.seed)
    vocab = CharVocab.build(poem_text(p) for p in train)
    sj.manual_seed(settings.seed)
    model = CharLM(len(vocab), settings.embed, settings.hidden, settings.layers, settings.cell, settings.dropout)
    opt = Adam(model.parameters(), lr=settings.lr)
    rng = np.random.default_rng(settings.seed)
    out = Path(out) if out is not None else None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    L, B = settings.seq_len, settings.batch_size
    stream = _stream(train, vocab, rng)
    if len(stream) < L + 2:
        raise ValueError(f"the training text has {len(stream)} tokens, fewer than seq_len + 2 = {L + 2}")
    log("start", {"train_poems": len(train), "val_poems": len(val), "vocab": len(vocab),
                  "train_tokens": len(stream), "parameters": sum(p.numel() for p in model.parameters())})
    offsets = np.arange(L + 1)
    started = time.perf_counter()
    best = {"perplexity": math.inf}
    history: list[dict[str, Any]] = []
    running, seen, step = 0.0, 0, 0
    stopped = "steps"
    while step < settings.steps:
        # cosine decay to lr/20 over the run: by steps, or by time when a time limit comes first
        progress = step / settings.steps
        if settings.time_limit:
            progress = max(progress, (time.perf_counter() - started) / settings.time_limit)
        lr = settings.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0))))
        for group in opt.param_groups:
            group["lr"] = lr
        starts = rng.integers(0, len(stream) - L - 1, size=B)
        window = stream[starts[:, None] + offsets]
        logits, _ = model(Tensor(window[:, :-1]))
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), Tensor(window[:, 1:].reshape(-1)))
        opt.zero_grad()
        loss.backward()
        if settings.clip:
            clip_grad_norm_(model.parameters(), settings.clip)
        opt.step()
        step += 1
        value = float(loss.item())
        if not math.isfinite(value):
            raise FloatingPointError(f"the training loss became {value} at step {step}")
        running += value
        seen += 1
        if step % max(1, len(stream) // (B * L)) == 0:  # a new shuffle of the poems each "epoch"
            stream = _stream(train, vocab, rng)
        elapsed = time.perf_counter() - started
        over_time = settings.time_limit is not None and elapsed >= settings.time_limit
        if step % settings.eval_every == 0 or step == settings.steps or over_time:
            ev = evaluate_perplexity(model, vocab, val)
            row = {"step": step, "train_loss": running / seen, "val_nll": ev["nll"],
                   "val_perplexity": ev["perplexity"], "lr": opt.param_groups[0]["lr"], "time_s": elapsed}
            history.append(row)
            running, seen = 0.0, 0
            improved = ev["perplexity"] < best["perplexity"]
            if improved:
                best = {"perplexity": ev["perplexity"], "step": step, "nll": ev["nll"]}
            metrics = {"step": step, "val_perplexity": ev["perplexity"], "best": best, "history": history,
                       "train_poems": len(train), "val_poems": len(val), "val_unknown": ev["unknown"],
                       "time_s": elapsed}
            if out is not None:
                if improved:
                    save_poetry_model(out / "best.safetensors", model, vocab, settings, metrics)
                save_poetry_model(out / "last.safetensors", model, vocab, settings, metrics)
            log("eval", {**row, "best": best, "improved": improved, "model": model, "vocab": vocab})
        if over_time:
            stopped = "time_limit"
            break
    metrics = {"steps": step, "stopped": stopped, "best": best, "history": history,
               "time_s": time.perf_counter() - started, "vocab": len(vocab)}
    log("done", metrics)
    return model, vocab, metrics
