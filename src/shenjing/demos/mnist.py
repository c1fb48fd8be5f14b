"""The lecture's digit network: parameters layer by layer, and a real test "2" going through it.

The network is the classic 784-16-16-10 one (28×28 pixels in, two hidden layers of 16, ten digit
scores out, softmax). With ``checkpoint`` it loads trained weights (a state dict saved by
``shenjing.save``); otherwise it trains the network for a few seconds on the MNIST sample that
ships with shenjing (6000 training images) — enough for roughly nine correct answers out of ten.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np

from ..i18n import t
from ._common import Printer

DESCRIPTION = "demo.mnist.desc"
SIZES = (784, 16, 16, 10)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command-line options of this demo."""
    parser.add_argument("--checkpoint", metavar="FILE", default=None, help=t("demo.mnist.arg.checkpoint"))
    parser.add_argument("--seconds", type=float, default=3.0, help=t("demo.mnist.arg.seconds"))
    parser.add_argument("--digit", type=int, default=2, choices=range(10), metavar="D", help=t("demo.mnist.arg.digit"))
    parser.add_argument("--seed", type=int, default=0, help=t("demo.arg.seed"))


def build_model() -> Any:
    """784 → 16 → 16 → 10 with ReLU hidden units (the scores; softmax is applied after)."""
    from shenjing import nn

    return nn.Sequential(nn.Linear(784, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 10))


def layer_table(model: Any) -> list[tuple[str, tuple[int, ...], int, int]]:
    """(name, weight shape, weight count, bias count) for every Linear layer of ``model``."""
    rows = []
    for name, module in model.named_modules():
        w = getattr(module, "weight", None)
        if w is None:
            continue
        b = getattr(module, "bias", None)
        rows.append((name, tuple(w.shape), int(w.numel()), int(b.numel()) if b is not None else 0))
    return rows


def _images(ds: Any) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(ds.data, dtype=np.float32).reshape(len(ds.data), -1) / 255.0
    return x, np.asarray(ds.targets, dtype=np.int64)


def train_quickly(model: Any, x: np.ndarray, y: np.ndarray, seconds: float, seed: int,
                  batch: int = 64) -> int:
    """Mini-batch SGD with momentum on cross-entropy until ``seconds`` have passed (at least one
    epoch); returns the number of epochs."""
    import shenjing as sj
    from shenjing import optim
    from shenjing.nn import functional as F

    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    rng = np.random.default_rng(seed)
    start, epochs = time.perf_counter(), 0
    while True:
        order = rng.permutation(len(x))
        for i in range(0, len(x), batch):
            idx = order[i:i + batch]
            opt.zero_grad()
            loss = F.cross_entropy(model(sj.tensor(x[idx])), sj.tensor(y[idx]))
            loss.backward()
            opt.step()
        epochs += 1
        if time.perf_counter() - start >= seconds:
            return epochs


def _probabilities(model: Any, x: np.ndarray) -> np.ndarray:
    import shenjing as sj
    from shenjing.nn import functional as F

    with sj.no_grad():
        return F.softmax(model(sj.tensor(x)), dim=-1).numpy()


def ascii_digit(img: np.ndarray) -> list[str]:
    """The 28×28 image as 28 lines of text, two characters per pixel (dark = ink)."""
    shades = " .:-=+*#%@"
    return ["".join(shades[min(int(v * 10), 9)] * 2 for v in row) for row in img.reshape(28, 28)]


def run(
    *,
    checkpoint: str | None = None,
    seconds: float = 3.0,
    digit: int = 2,
    seed: int = 0,
    lang: str | None = None,
    plot: str | None = None,
    verbose: bool = True,
) -> dict[str, Any]:
    """Count the parameters, get a trained network, and push one test image of ``digit`` through."""
    import shenjing as sj
    from shenjing.data import MNIST

    out = Printer(lang, verbose)
    out.title("demo.mnist.title")
    out("demo.mnist.data")

    sj.manual_seed(seed)
    model = build_model()
    out.section("demo.mnist.params")
    rows, total = [], 0
    for i, (_, shape, nw, nb) in enumerate(layer_table(model), 1):
        total += nw + nb
        rows.append((f"{i}: {shape[1]} -> {shape[0]}", f"{shape[0]}×{shape[1]}", f"{nw:,}", f"{nb:,}", f"{nw + nb:,}"))
    out.table([out.t("demo.mnist.col.layer"), out.t("demo.mnist.col.shape"), out.t("demo.mnist.col.weights"),
               out.t("demo.mnist.col.biases"), out.t("demo.mnist.col.total")], rows)
    out("demo.mnist.params.total", total=total)

    test = MNIST(train=False, sample=checkpoint is None)
    x_test, y_test = _images(test)
    epochs = 0
    if checkpoint:
        state = sj.load(checkpoint)
        if isinstance(state, dict) and "model" in state and isinstance(state["model"], dict):
            state = state["model"]
        model.load_state_dict(state)
        out("demo.mnist.loaded", path=checkpoint)
    else:
        train = MNIST(train=True, sample=True)
        x_train, y_train = _images(train)
        out("demo.mnist.training", seconds=seconds, n=len(x_train), batch=64)
        t0 = time.perf_counter()
        epochs = train_quickly(model, x_train, y_train, seconds, seed)
        elapsed = time.perf_counter() - t0
    probs_all = _probabilities(model, x_test)
    accuracy = float(np.mean(probs_all.argmax(axis=1) == y_test))
    if not checkpoint:
        out("demo.mnist.trained", epochs=epochs, s=elapsed, n=len(x_test), acc=accuracy)

    index = int(np.flatnonzero(y_test == digit)[0])
    img = x_test[index]
    out.section("demo.mnist.image", index=index, label=digit)
    lines = ascii_digit(img)
    inked = [i for i, line in enumerate(lines) if line.strip()]
    for line in lines[inked[0]:inked[-1] + 1] if inked else lines:
        out.raw("    " + line.rstrip())
    out.section("demo.mnist.forward")
    probs = probs_all[index]
    out.table([out.t("demo.mnist.col.digit"), out.t("demo.mnist.col.prob"), ""],
              [(d, f"{p:.4f}", "█" * int(round(40 * p))) for d, p in enumerate(probs)])
    pred = int(np.argmax(probs))
    out("demo.mnist.prediction", pred=pred, p=float(probs[pred]), label=digit)

    if plot:
        _draw(img, probs, digit, plot, out.lang)
        out("demo.saved", path=plot)
    return {
        "layers": layer_table(model),
        "total_params": total,
        "test_accuracy": accuracy,
        "epochs": epochs,
        "index": index,
        "label": digit,
        "probs": probs.tolist(),
        "prediction": pred,
        "sample": bool(getattr(test, "is_sample", False)),
        "plot": plot,
    }


def _draw(img: np.ndarray, probs: np.ndarray, label: int, path: str, lang: str) -> None:
    from ..viz.lecture import figure_lang, new_figure, save_figure

    fl = figure_lang(lang)
    fig = new_figure(10, 4, lang)
    ax1, ax2 = fig.subplots(1, 2, width_ratios=[1, 1.6])
    ax1.imshow(img.reshape(28, 28), cmap="gray_r")
    ax1.set_title(t("fig.mnist.image", fl, label=label))
    ax1.axis("off")
    colors = ["#d62728" if d == int(np.argmax(probs)) else "#1f77b4" for d in range(10)]
    ax2.bar(range(10), probs, color=colors)
    ax2.set_xticks(range(10))
    ax2.set_ylim(0, 1.05)
    ax2.set_title(t("fig.mnist.probs", fl))
    save_figure(fig, path)
