"""The lecture's activation-function table, the curves, and the vanishing-gradient experiment.

For logistic, tanh, ReLU, ELU (α = the lecture's γ) and SoftPlus: the function, its derivative as
the lecture writes it, and the range; the derivative formula is checked against autograd (tensor
and scalar engines) on a grid. Then: a 10-layer network of sigmoids and the same of ReLUs, one
backward pass, the gradient norm of every layer's weights. σ'(x) ≤ 1/4, so in the sigmoid network
the gradient shrinks layer after layer on its way back to the input ("梯度消失"); ReLU' = 1 where
the unit is active, so the ReLU network keeps it.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..i18n import t
from ..scalar import Value
from ._common import Printer

DESCRIPTION = "demo.activations.desc"
NAMES = ("logistic", "tanh", "relu", "elu", "softplus")

#: name → (f as printed, f' as printed in the lecture, range)
TABLE: dict[str, tuple[str, str, str]] = {
    "logistic": ("1 / (1 + exp(-x))", "f(x)(1 - f(x))", "(0, 1)"),
    "tanh": ("(exp(x) - exp(-x)) / (exp(x) + exp(-x))", "1 - f(x)²", "(-1, 1)"),
    "relu": ("max(0, x)", "I(x > 0)", "[0, +∞)"),
    "elu": ("max(0, x) + min(0, γ(exp(x) - 1))", "I(x > 0) + I(x ≤ 0)·γ·exp(x)", "(-γ, +∞)"),
    "softplus": ("log(1 + exp(x))", "1 / (1 + exp(-x))", "(0, +∞)"),
}


def formulas(alpha: float) -> dict[str, tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]]:
    """NumPy versions of each function and of its derivative, exactly as the lecture's table."""
    sig = lambda x: 1.0 / (1.0 + np.exp(-x))  # noqa: E731
    return {
        "logistic": (sig, lambda x: sig(x) * (1 - sig(x))),
        "tanh": (np.tanh, lambda x: 1 - np.tanh(x) ** 2),
        "relu": (lambda x: np.maximum(0, x), lambda x: (x > 0).astype(float)),
        "elu": (lambda x: np.maximum(0, x) + np.minimum(0, alpha * (np.exp(x) - 1)),
                lambda x: (x > 0) + (x <= 0) * alpha * np.exp(x)),
        "softplus": (lambda x: np.log1p(np.exp(x)), sig),
    }


def _scalar(name: str, v: Value, alpha: float) -> Value:
    return {"logistic": v.sigmoid, "tanh": v.tanh, "relu": v.relu,
            "elu": lambda: v.elu(alpha), "softplus": v.softplus}[name]()


def _tensor_fn(name: str, alpha: float) -> Callable[[Any], Any]:
    from shenjing.nn import functional as F

    return {"logistic": F.sigmoid, "tanh": F.tanh, "relu": F.relu,
            "elu": lambda z: F.elu(z, alpha=alpha), "softplus": F.softplus}[name]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command-line options of this demo."""
    parser.add_argument("--alpha", type=float, default=1.0, help=t("demo.arg.alpha"))
    parser.add_argument("--depth", type=int, default=10, help=t("demo.activations.arg.depth"))
    parser.add_argument("--width", type=int, default=32, help=t("demo.activations.arg.width"))
    parser.add_argument("--seed", type=int, default=0, help=t("demo.arg.seed"))


def gradient_norms(act: str, depth: int = 10, width: int = 32, batch: int = 64, seed: int = 0) -> list[float]:
    """‖∂L/∂W_l‖ for l = 1 … depth of a ``depth``-layer network with ``act`` ("sigmoid" or "relu")
    after every hidden layer; weights drawn with the usual init for that activation (Glorot for
    sigmoid, He for ReLU), same seed for both, loss = MSE to random targets."""
    import shenjing as sj
    from shenjing.nn import functional as F

    rng = np.random.default_rng(seed)
    gain = 2.0 if act == "relu" else 1.0
    weights = [sj.tensor(rng.normal(0.0, math.sqrt(gain / width), (width, width)), requires_grad=True)
               for _ in range(depth)]
    x = sj.tensor(rng.normal(size=(batch, width)))
    target = sj.tensor(rng.normal(size=(batch, width)))
    f = F.relu if act == "relu" else F.sigmoid
    h = x
    for i, W in enumerate(weights):
        h = h @ W
        if i < depth - 1:
            h = f(h)
    loss = ((h - target) ** 2).mean()
    loss.backward()
    return [float(np.linalg.norm(W.grad.numpy())) for W in weights]


def run(
    *,
    alpha: float = 1.0,
    depth: int = 10,
    width: int = 32,
    seed: int = 0,
    lang: str | None = None,
    plot: str | None = None,
    verbose: bool = True,
) -> dict[str, Any]:
    """Print the table and the checks, run the vanishing-gradient experiment, draw."""
    import shenjing as sj

    out = Printer(lang, verbose)
    out.title("demo.activations.title")
    out("demo.activations.intro")
    rows = [(out.t(f"demo.act.{n}"), f, d, r.replace("γ", f"{alpha:g}") if n == "elu" else r)
            for n, (f, d, r) in TABLE.items()]
    out.table([out.t("demo.col.name"), out.t("demo.col.function"), out.t("demo.col.derivative"),
               out.t("demo.col.range")], rows)

    out.section("demo.activations.values")
    pts = [-5.0, -2.0, -1.0, 0.0, 1.0, 2.0, 5.0]
    fs = formulas(alpha)
    rows = []
    for n in NAMES:
        f, d = fs[n]
        a = np.array(pts)
        rows.append((out.t(f"demo.act.{n}"), *(f"{v:.4f}/{g:.4f}" for v, g in zip(f(a), d(a)))))
    out.table([out.t("demo.activations.col.fdf")] + [f"x={p:g}" for p in pts], rows)

    grid = np.round(np.linspace(-5, 5, 41), 10)
    grid = grid[grid != 0.0]  # ReLU and ELU have a kink at 0
    check = {}
    for n in NAMES:
        fn = _tensor_fn(n, alpha)
        z = sj.tensor(grid, dtype=sj.float64, requires_grad=True)
        fn(z).sum().backward()
        d_tensor = z.grad.numpy()
        d_scalar = []
        for g in grid:
            v = Value(float(g))
            _scalar(n, v, alpha).backward()
            d_scalar.append(v.grad)
        d_formula = fs[n][1](grid)
        check[n] = float(max(np.abs(d_tensor - d_formula).max(), np.abs(np.array(d_scalar) - d_formula).max()))
    out("demo.activations.check", err=max(check.values()))
    s5 = fs["logistic"][1](np.array(5.0))
    out("demo.activations.saturate", d5=float(s5))

    out.section("demo.activations.vanishing", depth=depth, width=width)
    sig = gradient_norms("sigmoid", depth, width, seed=seed)
    rel = gradient_norms("relu", depth, width, seed=seed)
    rows = [(i + 1, f"{a:.3e}", f"{b:.3e}") for i, (a, b) in enumerate(zip(sig, rel))]
    out.table([out.t("demo.col.layer"), "sigmoid ‖∂L/∂W‖", "ReLU ‖∂L/∂W‖"], rows)
    out("demo.activations.ratio", s=sig[0] / sig[-1], r=rel[0] / rel[-1])
    out("demo.activations.why")

    if plot:
        _draw(fs, sig, rel, alpha, plot, out.lang)
        out("demo.saved", path=plot)
    return {
        "table": TABLE,
        "derivative_check": check,
        "sigmoid_grad_at_5": float(s5),
        "grad_norms": {"sigmoid": sig, "relu": rel},
        "plot": plot,
    }


def _draw(fs: dict[str, Any], sig: list[float], rel: list[float], alpha: float, path: str, lang: str) -> None:
    from ..viz.lecture import figure_lang, new_figure, save_figure

    fl = figure_lang(lang)
    fig = new_figure(15, 4.4, lang)
    ax1, ax2, ax3 = fig.subplots(1, 3)
    xs = np.linspace(-5, 5, 401)
    for n in NAMES:
        f, d = fs[n]
        label = t(f"demo.act.{n}", fl) + (f" (γ={alpha:g})" if n == "elu" else "")
        ax1.plot(xs, f(xs), label=label)
        ax2.plot(xs, d(xs), label=label)
    ax1.set_title(t("fig.activations.f", fl))
    ax1.set_ylim(-1.5, 3)
    ax2.set_title(t("fig.activations.df", fl))
    ax2.set_ylim(-0.1, 1.2)
    for ax in (ax1, ax2):
        ax.axhline(0, color="black", lw=0.6)
        ax.axvline(0, color="black", lw=0.6)
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    layers = np.arange(1, len(sig) + 1)
    ax3.semilogy(layers, sig, "o-", label="sigmoid")
    ax3.semilogy(layers, rel, "s-", label="ReLU")
    ax3.set_xlabel(t("fig.layer", fl))
    ax3.set_ylabel("‖∂L/∂W‖")
    ax3.set_title(t("fig.activations.vanish", fl))
    ax3.legend()
    ax3.grid(alpha=0.3, which="both")
    save_figure(fig, path)
