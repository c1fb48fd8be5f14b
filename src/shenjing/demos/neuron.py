"""One artificial neuron: y = w₁x₁ + … + wₙxₙ + b, then each activation function applied to y.

The inputs, weights and bias come from the command line; the derivative of each activation at y is
computed by the scalar autograd engine and checked against the tensor engine.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..i18n import t
from ..scalar import Value
from ._common import Printer

DESCRIPTION = "demo.neuron.desc"
DEFAULT_X = (0.5, -1.0, 2.0)
DEFAULT_W = (0.4, 0.3, -0.2)
DEFAULT_B = 0.1

#: name → (scalar-engine function, range as printed)
ACTIVATIONS: dict[str, tuple[Callable[[Value, float], Value], str]] = {
    "logistic": (lambda v, a: v.sigmoid(), "(0, 1)"),
    "tanh": (lambda v, a: v.tanh(), "(-1, 1)"),
    "relu": (lambda v, a: v.relu(), "[0, +inf)"),
    "elu": (lambda v, a: v.elu(a), "(-gamma, +inf)"),
    "softplus": (lambda v, a: v.softplus(), "(0, +inf)"),
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command-line options of this demo."""
    parser.add_argument("--x", type=float, nargs="+", default=list(DEFAULT_X), metavar="X",
                        help=t("demo.neuron.arg.x"))
    parser.add_argument("--w", type=float, nargs="+", default=list(DEFAULT_W), metavar="W",
                        help=t("demo.neuron.arg.w"))
    parser.add_argument("--b", type=float, default=DEFAULT_B, help=t("demo.neuron.arg.b"))
    parser.add_argument("--alpha", type=float, default=1.0, help=t("demo.arg.alpha"))


def _tensor_values(y: float, alpha: float) -> dict[str, tuple[float, float]]:
    """Each activation and its derivative at ``y`` from the tensor engine (float64)."""
    import shenjing as sj
    from shenjing.nn import functional as F

    fns = {
        "logistic": F.sigmoid,
        "tanh": F.tanh,
        "relu": F.relu,
        "elu": lambda z: F.elu(z, alpha=alpha),
        "softplus": F.softplus,
    }
    res = {}
    for name, fn in fns.items():
        z = sj.tensor(y, dtype=sj.float64, requires_grad=True)
        f = fn(z)
        f.backward()
        res[name] = (float(f.item()), float(z.grad.item()))
    return res


def run(
    *,
    x: Sequence[float] = DEFAULT_X,
    w: Sequence[float] = DEFAULT_W,
    b: float = DEFAULT_B,
    alpha: float = 1.0,
    lang: str | None = None,
    plot: str | None = None,
    verbose: bool = True,
) -> dict[str, Any]:
    """Compute the neuron's weighted sum and every activation of it (value and derivative)."""
    out = Printer(lang, verbose)
    x = [float(v) for v in x]
    w = [float(v) for v in w]
    if len(x) != len(w):
        raise ValueError(f"neuron demo: {len(x)} inputs but {len(w)} weights")
    out.title("demo.neuron.title")
    out("demo.neuron.formula")
    terms = " + ".join(f"({wi:g})·({xi:g})" for wi, xi in zip(w, x))
    y = float(np.dot(w, x) + b)
    out.raw(f"  y = {terms} + ({b:g}) = {y:.6g}")

    out.section("demo.neuron.activations")
    rows, values = [], {}
    tensor = _tensor_values(y, alpha)
    for name, (fn, rng) in ACTIVATIONS.items():
        v = Value(y)
        f = fn(v, alpha)
        f.backward()
        values[name] = {"f": f.data, "df": v.grad, "range": rng,
                        "f_tensor": tensor[name][0], "df_tensor": tensor[name][1]}
        rows.append((out.t(f"demo.act.{name}"), f"{f.data:.6f}", f"{v.grad:.6f}",
                     rng.replace("gamma", f"{alpha:g}")))
    step = 1 if y >= 0 else 0
    rows.append((out.t("demo.act.step"), f"{step}", "0", "{0, 1}"))
    out.table([out.t("demo.col.function"), "f(y)", "f'(y)", out.t("demo.col.range")], rows)
    diff = max(max(abs(v["f"] - v["f_tensor"]), abs(v["df"] - v["df_tensor"])) for v in values.values())
    out("demo.neuron.engines", err=diff)
    out("demo.neuron.note")
    if plot:
        _draw(x, w, b, y, values, plot, out.lang)
        out("demo.saved", path=plot)
    return {"y": y, "activations": values, "step": step, "engine_diff": diff, "plot": plot}


def _draw(x: list[float], w: list[float], b: float, y: float, values: dict[str, Any], path: str,
          lang: str) -> None:
    from ..viz.lecture import figure_lang, new_figure, save_figure

    fl = figure_lang(lang)
    fig = new_figure(10, 4, lang)
    ax1, ax2 = fig.subplots(1, 2)
    labels = [f"w{i + 1}·x{i + 1}" for i in range(len(x))] + ["b", "y"]
    contrib = [wi * xi for wi, xi in zip(w, x)] + [b, y]
    colors = ["#1f77b4"] * len(x) + ["#7f7f7f", "#d62728"]
    ax1.bar(labels, contrib, color=colors)
    ax1.axhline(0, color="black", lw=0.8)
    ax1.set_title(t("fig.neuron.sum", fl))
    names = list(values)
    ax2.bar(names, [values[n]["f"] for n in names], color="#2ca02c")
    ax2.axhline(0, color="black", lw=0.8)
    ax2.set_title(t("fig.neuron.act", fl, y=y))
    save_figure(fig, path)
