"""softmax(4, 1, −4): scores turned into probabilities, and the most probable class.

The lecture: "对于取值为4、1和-4的 x₁、x₂ 和 x₃，通过softmax变换后，将其映射到(0,1)之间的概率值 …
可将输出概率最大的作为分类目标". Computed three ways that must agree: the formula in NumPy,
the tensor engine's ``functional.softmax`` and the scalar engine.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..i18n import t
from ..scalar import Value
from ._common import Printer, vec

DESCRIPTION = "demo.softmax.desc"
DEFAULT_X = (4.0, 1.0, -4.0)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command-line options of this demo."""
    parser.add_argument("--x", type=float, nargs="+", default=list(DEFAULT_X), metavar="X",
                        help=t("demo.softmax.arg.x"))


def softmax_formula(x: Sequence[float]) -> np.ndarray:
    """yᵢ = e^(xᵢ) / Σⱼ e^(xⱼ), computed as e^(xᵢ − max x) / Σⱼ e^(xⱼ − max x) (same value,
    no overflow)."""
    z = np.asarray(x, dtype=np.float64)
    e = np.exp(z - z.max())
    return e / e.sum()


def run(
    *,
    x: Sequence[float] = DEFAULT_X,
    lang: str | None = None,
    plot: str | None = None,
    verbose: bool = True,
) -> dict[str, Any]:
    """Print and return softmax(x), the exponentials, and the most probable class."""
    import shenjing as sj
    from shenjing.nn import functional as F

    out = Printer(lang, verbose)
    x = [float(v) for v in x]
    if len(x) < 2:
        raise ValueError("softmax demo: give at least two scores")
    out.title("demo.softmax.title")
    out("demo.softmax.formula")

    exps = [math.exp(v) for v in x]
    total = sum(exps)
    probs = softmax_formula(x)
    rows = [
        (f"x{i + 1}", f"{v:g}", f"{e:.4f}", f"{p:.4f}", f"{p:.2f}")
        for i, (v, e, p) in enumerate(zip(x, exps, probs))
    ]
    out.table([out.t("demo.softmax.col.class"), "x", "e^x", "softmax(x)", out.t("demo.softmax.col.rounded")], rows)
    out("demo.softmax.sum", total=total, s=float(probs.sum()))

    t = sj.tensor([x], dtype=sj.float64)
    by_tensor = F.softmax(t, dim=-1).numpy()[0]
    xs = [Value(v) for v in x]
    exps_v = [v.exp() for v in xs]
    denom = Value.sum(exps_v)
    by_scalar = np.array([(e / denom).data for e in exps_v])
    out("demo.softmax.engines", tensor=vec(by_tensor, 6), scalar=vec(by_scalar, 6))

    best = int(np.argmax(probs))
    out("demo.softmax.argmax", k=best + 1, p=float(probs[best]))
    out("demo.softmax.properties")

    if plot:
        _draw(x, probs, plot, out.lang)
        out("demo.saved", path=plot)
    return {
        "x": x,
        "exp": exps,
        "probs": probs.tolist(),
        "probs_tensor": by_tensor.tolist(),
        "probs_scalar": by_scalar.tolist(),
        "argmax": best,
        "plot": plot,
    }


def _draw(x: list[float], probs: np.ndarray, path: str, lang: str) -> None:
    from ..viz.lecture import figure_lang, new_figure, save_figure

    fl = figure_lang(lang)
    fig = new_figure(9, 3.8, lang)
    ax1, ax2 = fig.subplots(1, 2)
    names = [f"x{i + 1}" for i in range(len(x))]
    ax1.bar(names, x, color="#888888")
    ax1.axhline(0, color="black", lw=0.8)
    ax1.set_title(t("fig.softmax.scores", fl))
    colors = ["#d62728" if i == int(np.argmax(probs)) else "#1f77b4" for i in range(len(x))]
    ax2.bar(names, probs, color=colors)
    ax2.set_ylim(0, 1.05)
    for i, p in enumerate(probs):
        ax2.text(i, p + 0.02, f"{p:.4f}", ha="center")
    ax2.set_title(t("fig.softmax.probs", fl))
    save_figure(fig, path)
