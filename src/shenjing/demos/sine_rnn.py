"""A first recurrent network: predict the next value of a noisy sine wave.

The RNN reads the wave one value at a time, hₜ = tanh(W_ih xₜ + b_ih + W_hh hₜ₋₁ + b_hh), and a
linear read-out predicts the next value, x̂ₜ₊₁ = w·hₜ + b.  Trained by backpropagation through time
on windows of the wave, it beats the naive guess "the next value equals this one", and, fed its
own predictions, it keeps drawing the wave on its own (free running).
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from ..i18n import t
from ._common import Printer

DESCRIPTION = "demo.sine-rnn.desc"


PERIOD = 25.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command-line options of this demo."""
    parser.add_argument("--cell", choices=("rnn", "lstm", "gru"), default="rnn", help=t("demo.sine-rnn.arg.cell"))
    parser.add_argument("--hidden", type=int, default=24, help=t("demo.sine-rnn.arg.hidden"))
    parser.add_argument("--steps", type=int, default=300, help=t("demo.arg.steps"))
    parser.add_argument("--noise", type=float, default=0.1, help=t("demo.sine-rnn.arg.noise"))
    parser.add_argument("--seed", type=int, default=0, help=t("demo.sine-rnn.arg.seed"))


def wave(n: int, noise: float, rng: np.random.Generator, start: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(noisy, clean) values of the sine wave at t = start … start + n − 1, float32."""
    clean = np.sin(2 * np.pi * np.arange(start, start + n) / PERIOD).astype(np.float32)
    return (clean + noise * rng.standard_normal(n)).astype(np.float32), clean


def run(
    *,
    cell: str = "rnn",
    hidden: int = 24,
    steps: int = 300,
    noise: float = 0.1,
    seed: int = 0,
    lang: str | None = None,
    plot: str | None = None,
    verbose: bool = True,
) -> dict[str, Any]:
    """Train the RNN on the wave, then predict the test part one step ahead and free running."""
    import shenjing as sj
    from shenjing import nn

    from ..lm.models import make_rnn

    out = Printer(lang, verbose)
    out.title("demo.sine-rnn.title")
    rng = np.random.default_rng(seed)
    sj.manual_seed(seed)
    n_train, n_test, window, batch = 400, 150, 40, 16
    train, _ = wave(n_train, noise, rng)
    test, test_clean = wave(n_test, noise, rng, start=n_train)
    out("demo.sine-rnn.setup", period=int(PERIOD), noise=noise, n_train=n_train, n_test=n_test,
        cell=cell.upper() if cell != "rnn" else "RNN", hidden=hidden, window=window)
    out("demo.sine-rnn.rule")

    rnn = make_rnn(cell, 1, hidden)
    head = nn.Linear(hidden, 1)
    params = list(rnn.parameters()) + list(head.parameters())
    opt = sj.optim.Adam(params, lr=0.01)

    def predict(x: np.ndarray, state: Any = None) -> tuple[Any, Any]:
        seq, state = rnn(sj.tensor(x[..., None]), state)
        return head(seq)[..., 0], state

    losses = []
    for step in range(1, steps + 1):
        starts = rng.integers(0, n_train - window - 1, size=batch)
        xb = np.stack([train[s: s + window] for s in starts])
        yb = np.stack([train[s + 1: s + window + 1] for s in starts])
        pred, _ = predict(xb)
        loss = ((pred - sj.tensor(yb)) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        sj.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        losses.append(float(loss.item()))
        if step % max(1, steps // 5) == 0 or step == 1:
            out("demo.sine-rnn.train", step=step, loss=losses[-1])

    with sj.no_grad():
        _, state = predict(train[None, :])  # warm the state up on the training wave
        one_step, _ = predict(test[None, :-1], state)
        one_step = one_step.numpy()[0]
        # free running: from the state after the first half of the test part, feed predictions back
        half = n_test // 2
        y, st = predict(test[None, :half], state)
        value = y.numpy()[0, -1:]
        free = []
        for _ in range(n_test - half):
            free.append(float(value[0]))
            y, st = predict(value[None, :], st)
            value = y.numpy()[0]
    free = np.array(free, dtype=np.float32)
    target = test[1:]
    mse = float(np.mean((one_step - target) ** 2))
    baseline = float(np.mean((test[:-1] - target) ** 2))
    floor = float(noise**2)
    free_mse = float(np.mean((free - test_clean[half:]) ** 2))
    out("demo.sine-rnn.result", mse=mse, baseline=baseline, floor=floor)
    out("demo.sine-rnn.free", n=len(free), mse=free_mse)
    result = {"mse": mse, "baseline_mse": baseline, "noise_mse": floor, "free_run_mse": free_mse,
              "losses": losses, "prediction": one_step, "free_run": free, "test": test, "plot": plot}
    if plot:
        _draw(result, test_clean, n_train, half, plot, out.lang)
        out("demo.saved", path=plot)
    return result


def _draw(r: dict[str, Any], clean: np.ndarray, n_train: int, half: int, path: str, lang: str) -> None:
    from ..viz.lecture import figure_lang, new_figure, save_figure

    fl = figure_lang(lang)
    fig = new_figure(10, 4.2, lang)
    ax = fig.subplots()
    ts = np.arange(n_train, n_train + len(r["test"]))
    ax.plot(ts, r["test"], ".", color="#999999", ms=4, label=t("fig.sine-rnn.noisy", fl))
    ax.plot(ts, clean, "-", color="black", lw=0.8, label=t("fig.sine-rnn.clean", fl))
    ax.plot(ts[1:], r["prediction"], "-", color="#1f77b4", lw=1.4, label=t("fig.sine-rnn.pred", fl))
    ax.plot(ts[half:], r["free_run"], "--", color="#d62728", lw=1.6, label=t("fig.sine-rnn.free", fl))
    ax.axvline(ts[half], color="#d62728", lw=0.6, alpha=0.5)
    ax.set_xlabel(t("fig.sine-rnn.time", fl))
    ax.set_title(t("fig.sine-rnn.title", fl))
    ax.legend(fontsize=8, loc="lower left", ncol=2)
    save_figure(fig, path)
