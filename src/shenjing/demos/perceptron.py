"""Decision boundaries: a single-layer perceptron on AND, NAND and OR, a two-layer network on XOR.

The perceptron learns a line w₁x₁ + w₂x₂ + b = 0 by Rosenblatt's rule; for XOR no line exists
(the rule cycles, see :mod:`shenjing.classic.perceptron`). Two layers fix it, as in the lecture's
"用两层前馈神经网络解决异或问题": the hidden units draw two lines and the output unit combines them.
Shown twice: built by hand from perceptrons (XOR = AND(OR, NAND)) and learned by back-propagation.
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from ..classic import Perceptron, gate_data
from ..i18n import t
from ._common import Printer
from ._xor import XOR_X, predict_grid, train_xor

DESCRIPTION = "demo.perceptron.desc"
GATES = ("AND", "NAND", "OR")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command-line options of this demo."""
    parser.add_argument("--max-epochs", dest="max_epochs", type=int, default=100,
                        help=t("demo.perceptron.arg.max-epochs"))
    parser.add_argument("--hidden", type=int, default=2, help=t("demo.arg.hidden"))
    parser.add_argument("--epochs", type=int, default=2000, help=t("demo.arg.epochs"))
    parser.add_argument("--seed", type=int, default=0, help=t("demo.arg.seed"))


def boundary_text(w1: float, w2: float, b: float) -> str:
    """``3·x1 + 2·x2 − 4 = 0``."""
    def term(c: float, name: str, first: bool) -> str:
        sign = ("-" if c < 0 else "") if first else (" - " if c < 0 else " + ")
        return f"{sign}{abs(c):g}{name}"

    return term(w1, "·x1", True) + term(w2, "·x2", False) + term(b, "", False) + " = 0"


def train_gates(max_epochs: int = 100) -> dict[str, dict[str, Any]]:
    """A perceptron per gate (AND, NAND, OR, XOR): weights, bias, the fit result."""
    res = {}
    for g in (*GATES, "XOR"):
        X, y = gate_data(g)
        p = Perceptron(2)
        fit = p.fit(X, y, max_epochs=max_epochs)
        res[g] = {"w": p.w.tolist(), "b": p.b, "converged": fit.converged, "epochs": fit.epochs,
                  "reason": fit.reason, "mistakes": fit.mistakes,
                  "accuracy": float(np.mean(p.predict(X) == y)), "model": p}
    return res


def run(
    *,
    max_epochs: int = 100,
    hidden: int = 2,
    epochs: int = 2000,
    seed: int = 0,
    lang: str | None = None,
    plot: str | None = None,
    verbose: bool = True,
) -> dict[str, Any]:
    """Train the perceptrons and the XOR network; print the boundaries; draw them."""
    out = Printer(lang, verbose)
    out.title("demo.perceptron.title")
    out("demo.perceptron.rule")
    gates = train_gates(max_epochs)
    rows = []
    for g, r in gates.items():
        (w1, w2), b = r["w"], r["b"]
        line = boundary_text(w1, w2, b) if r["converged"] else "—"
        status = (out.t("demo.perceptron.converged", n=r["epochs"]) if r["converged"]
                  else out.t(f"demo.perceptron.failed.{r['reason']}", n=r["epochs"]))
        rows.append((g, line, f"{100 * r['accuracy']:.0f}%", status))
    out.table([out.t("demo.perceptron.col.gate"), out.t("demo.perceptron.col.boundary"),
               out.t("demo.perceptron.col.accuracy"), out.t("demo.perceptron.col.status")], rows)

    out.section("demo.perceptron.by-hand")
    h1, h2, o = gates["OR"]["model"], gates["NAND"]["model"], gates["AND"]["model"]
    by_hand = []
    for x in XOR_X:
        a, c = h1.predict(x[None])[0], h2.predict(x[None])[0]
        z = o.predict(np.array([[a > 0, c > 0]], dtype=float))[0]
        by_hand.append(int(z > 0))
        out.raw(f"  x = ({x[0]:g}, {x[1]:g}):  OR → {int(a > 0)},  NAND → {int(c > 0)},  AND(OR, NAND) → {int(z > 0)}")
    out("demo.perceptron.by-hand.result", ok=out.t("demo.yes" if by_hand == [0, 1, 1, 0] else "demo.no"))

    out.section("demo.perceptron.learned")
    xor = train_xor(hidden=hidden, epochs=epochs, seed=seed)
    for x, v in zip(XOR_X, xor["outputs"]):
        out.raw(f"  x = ({x[0]:g}, {x[1]:g}):  ŷ = {v:.4f}  → {int(v > 0.5)}")
    out("demo.perceptron.learned.result", loss=xor["losses"][-1], hidden=hidden, epochs=epochs,
        ok=out.t("demo.yes" if xor["solved"] else "demo.no"))

    if plot:
        _draw(gates, xor, plot, out.lang)
        out("demo.saved", path=plot)
    return {
        "gates": {g: {k: v for k, v in r.items() if k != "model"} for g, r in gates.items()},
        "xor_by_hand": by_hand,
        "xor_net": {k: v for k, v in xor.items() if k != "model"},
        "plot": plot,
    }


def _draw(gates: dict[str, Any], xor: dict[str, Any], path: str, lang: str) -> None:
    from ..viz.lecture import figure_lang, new_figure, save_figure

    fl = figure_lang(lang)
    fig = new_figure(16, 4.3, lang)
    axes = fig.subplots(1, 4)
    xs = np.linspace(-0.5, 1.5, 201)
    for ax, g in zip(axes, (*GATES, "XOR")):
        X, y = gate_data(g, signed=False)
        if g == "XOR":
            z = predict_grid(xor["model"], xs, xs)
            ax.contourf(xs, xs, z, levels=[0, 0.5, 1], colors=["#dbe9f6", "#fde0dd"], alpha=0.9)
            ax.contour(xs, xs, z, levels=[0.5], colors="black", linewidths=1.5)
            ax.set_title(t("fig.perceptron.xor", fl))
        else:
            (w1, w2), b = gates[g]["w"], gates[g]["b"]
            gx, gy = np.meshgrid(xs, xs)
            ax.contourf(xs, xs, w1 * gx + w2 * gy + b, levels=[-1e9, 0, 1e9], colors=["#dbe9f6", "#fde0dd"], alpha=0.9)
            ax.contour(xs, xs, w1 * gx + w2 * gy + b, levels=[0], colors="black", linewidths=1.5)
            ax.set_title(t("fig.perceptron.gate", fl, gate=g))
        for (a, c), v in zip(X, y):
            ax.scatter([a], [c], s=120, marker="o" if v else "x", color="#d62728" if v else "#1f77b4",
                       edgecolor="black" if v else None, zorder=3)
        ax.set_xlim(-0.5, 1.5)
        ax.set_ylim(-0.5, 1.5)
        ax.set_aspect("equal")
        ax.set_xlabel("x1")
        ax.set_ylabel("x2")
    save_figure(fig, path)
