"""The lecture's timeline 1943–1986 as code that runs.

1943 McCulloch–Pitts neuron: AND, OR, NOT from a weighted sum and a threshold.
1949 Hebb: a bell paired with food becomes able to fire the "salivate" unit on its own.
1958 Rosenblatt's perceptron: converges on AND, NAND, OR; on XOR it cannot (Minsky & Papert 1969),
     and the run says so instead of looping.
1986 Back-propagation: a two-layer network learns XOR.
(2006, the deep belief network, comes in a later version.)
"""

from __future__ import annotations

import argparse
from typing import Any

from ..classic import HebbianNeuron, Perceptron, gate_data, mcp_gate, truth_table
from ..i18n import t
from ._common import Printer
from ._xor import XOR_X, train_xor

DESCRIPTION = "demo.history.desc"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command-line options of this demo."""
    parser.add_argument("--max-epochs", dest="max_epochs", type=int, default=100,
                        help=t("demo.perceptron.arg.max-epochs"))
    parser.add_argument("--pairings", type=int, default=4, help=t("demo.history.arg.pairings"))
    parser.add_argument("--hidden", type=int, default=2, help=t("demo.arg.hidden"))
    parser.add_argument("--epochs", type=int, default=2000, help=t("demo.arg.epochs"))
    parser.add_argument("--seed", type=int, default=0, help=t("demo.arg.seed"))


def run(
    *,
    max_epochs: int = 100,
    pairings: int = 4,
    hidden: int = 2,
    epochs: int = 2000,
    seed: int = 0,
    lang: str | None = None,
    plot: str | None = None,
    verbose: bool = True,
) -> dict[str, Any]:
    """Run the four historical models; return truth tables, weights, convergence and the XOR net."""
    out = Printer(lang, verbose)
    out.title("demo.history.title")
    for year in ("1943", "1949", "1958", "1969", "1986", "2006"):
        out.raw(f"  {year}  {out.t('demo.history.year.' + year)}")

    # 1943 ------------------------------------------------------------------------------------
    out.section("demo.history.mcp")
    out("demo.history.mcp.rule")
    mcp = {}
    for gate, n in (("AND", 2), ("OR", 2), ("NOT", 1)):
        unit = mcp_gate(gate, n)
        table = truth_table(unit)
        mcp[gate] = [y for _, y in table]
        cells = ",  ".join(f"{''.join(map(str, x))} → {y}" for x, y in table)
        w = ", ".join(f"{v:g}" for v in unit.weights)
        out.raw(f"  {gate:<4} w = ({w}), θ = {unit.threshold:g}:   {cells}")

    # 1949 ------------------------------------------------------------------------------------
    out.section("demo.history.hebb")
    out("demo.history.hebb.rule")
    dog = HebbianNeuron([1.0, 0.0], threshold=0.5, lr=0.25)  # inputs: (food, bell)
    before = dog([0, 1])
    out("demo.history.hebb.before", y=before, w=_w(dog.w))
    weights = [dog.w.tolist()]
    learned_at = None
    for i in range(1, pairings + 1):
        dog.step([1, 1])
        weights.append(dog.w.tolist())
        alone = dog([0, 1])
        if alone and learned_at is None:
            learned_at = i
        out("demo.history.hebb.trial", i=i, w=_w(dog.w), y=alone)
    after = dog([0, 1])
    out("demo.history.hebb.after", y=after)

    # 1958 / 1969 -----------------------------------------------------------------------------
    out.section("demo.history.perceptron")
    out("demo.history.perceptron.rule")
    perceptron = {}
    for gate in ("AND", "NAND", "OR", "XOR"):
        X, y = gate_data(gate)
        p = Perceptron(2)
        fit = p.fit(X, y, max_epochs=max_epochs)
        perceptron[gate] = {"converged": fit.converged, "epochs": fit.epochs, "reason": fit.reason,
                            "w": p.w.tolist(), "b": p.b, "mistakes": fit.mistakes}
        if fit.converged:
            out("demo.history.perceptron.ok", gate=gate, n=fit.epochs, w=_w(p.w), b=p.b)
        elif fit.reason == "cycle":
            out("demo.history.perceptron.cycle", gate=gate, n=fit.epochs, m=fit.cycle_from)
        else:
            out("demo.history.perceptron.bound", gate=gate, n=fit.epochs)
    out("demo.history.perceptron.minsky")

    # 1986 ------------------------------------------------------------------------------------
    out.section("demo.history.backprop")
    xor = train_xor(hidden=hidden, epochs=epochs, seed=seed)
    out("demo.history.backprop.setup", hidden=hidden, epochs=epochs, lr=xor["lr"])
    for x, v in zip(XOR_X, xor["outputs"]):
        out.raw(f"  XOR({x[0]:g}, {x[1]:g}) = {int(x[0]) ^ int(x[1])}   ŷ = {v:.4f}")
    out("demo.history.backprop.result", loss=xor["losses"][-1],
        ok=out.t("demo.yes" if xor["solved"] else "demo.no"))
    out("demo.history.dbn")

    if plot:
        _draw(perceptron, weights, xor, plot, out.lang)
        out("demo.saved", path=plot)
    return {
        "mcp": mcp,
        "hebb": {"before": before, "after": after, "weights": weights, "learned_after": learned_at},
        "perceptron": perceptron,
        "xor_net": {k: v for k, v in xor.items() if k != "model"},
        "plot": plot,
    }


def _w(w: Any) -> str:
    return "(" + ", ".join(f"{v:g}" for v in w) + ")"


def _draw(perceptron: dict[str, Any], weights: list[list[float]], xor: dict[str, Any], path: str, lang: str) -> None:
    from ..viz.lecture import figure_lang, new_figure, save_figure

    fl = figure_lang(lang)
    fig = new_figure(14, 4.2, lang)
    ax1, ax2, ax3 = fig.subplots(1, 3)
    ax1.plot(range(len(weights)), [w[0] for w in weights], "o-", label=t("fig.history.food", fl))
    ax1.plot(range(len(weights)), [w[1] for w in weights], "s-", label=t("fig.history.bell", fl))
    ax1.axhline(0.5, color="gray", ls="--", label="θ")
    ax1.set_xlabel(t("fig.history.pairings", fl))
    ax1.set_title(t("fig.history.hebb", fl))
    ax1.legend()
    styles = {"AND": "o-", "NAND": "s--", "OR": "^-", "XOR": "x-"}
    for gate, r in perceptron.items():
        m = r["mistakes"]
        if not r["converged"]:  # show a few epochs of the endless run
            X, y = gate_data(gate)
            m = Perceptron(2).fit(X, y, max_epochs=10, detect_cycles=False).mistakes
        ax2.plot(range(1, len(m) + 1), m, styles.get(gate, "o-"), label=gate + ("" if r["converged"] else " ×"))
    ax2.set_xlabel(t("fig.epoch", fl))
    ax2.set_ylabel(t("fig.history.mistakes", fl))
    ax2.set_title(t("fig.history.perceptron", fl))
    ax2.legend()
    ax3.semilogy(xor["losses"])
    ax3.set_xlabel(t("fig.epoch", fl))
    ax3.set_ylabel("MSE")
    ax3.set_title(t("fig.history.xor", fl))
    save_figure(fig, path)
