"""Gradient descent x ← x − η∇f(x) with a too-small, a good and a too-large step η.

1-D: f(x) = x², from x₀ = 4.  2-D: f(x, y) = x² + 4y², from (−4, 2), an elongated bowl whose
steep direction y limits the step: η > 2/8 = 0.25 makes y overshoot further each step.
Gradients come from the scalar autograd engine; the lecture's definition
df/dx = lim (f(x+h) − f(x))/h is shown converging first.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from typing import Any

from ..i18n import t
from ..scalar import Value
from ._common import Printer

DESCRIPTION = "demo.gradient-descent.desc"
DEFAULT_ETAS_1D = (0.02, 0.3, 1.05)
DEFAULT_ETAS_2D = (0.01, 0.1, 0.26)
KINDS = ("small", "good", "large")


def f1(x: Value | float) -> Value | float:
    """The 1-D function x²."""
    return x * x


def f2(x: Value | float, y: Value | float) -> Value | float:
    """The 2-D function x² + 4y²."""
    return x * x + 4 * (y * y)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command-line options of this demo."""
    parser.add_argument("--etas", type=float, nargs=3, default=list(DEFAULT_ETAS_1D),
                        metavar="ETA", help=t("demo.gradient-descent.arg.etas"))
    parser.add_argument("--etas2d", type=float, nargs=3, default=list(DEFAULT_ETAS_2D),
                        metavar="ETA", help=t("demo.gradient-descent.arg.etas2d"))
    parser.add_argument("--steps", type=int, default=20, help=t("demo.arg.steps"))
    parser.add_argument("--x0", type=float, default=4.0, help=t("demo.gradient-descent.arg.x0"))
    parser.add_argument("--start2d", type=float, nargs=2, default=[-4.0, 2.0], metavar="V",
                        help=t("demo.gradient-descent.arg.start2d"))


def descend_1d(x0: float, eta: float, steps: int) -> list[float]:
    """The path x₀, x₁, … of gradient descent on f1 (stops early if it overflows)."""
    path = [x0]
    for _ in range(steps):
        x = Value(path[-1])
        f1(x).backward()
        nxt = x.data - eta * x.grad
        if not math.isfinite(nxt) or abs(nxt) > 1e100:
            break
        path.append(nxt)
    return path


def descend_2d(start: Sequence[float], eta: float, steps: int) -> list[tuple[float, float]]:
    """The path of gradient descent on f2."""
    path = [(float(start[0]), float(start[1]))]
    for _ in range(steps):
        x, y = Value(path[-1][0]), Value(path[-1][1])
        f2(x, y).backward()
        nxt = (x.data - eta * x.grad, y.data - eta * y.grad)
        if not all(math.isfinite(v) and abs(v) < 1e100 for v in nxt):
            break
        path.append(nxt)
    return path


def _verdict(f_first: float, f_last: float) -> str:
    if not math.isfinite(f_last) or f_last > f_first:
        return "diverged"
    return "converged" if f_last <= 1e-3 * f_first else "slow"


def run(
    *,
    etas: Sequence[float] = DEFAULT_ETAS_1D,
    etas2d: Sequence[float] = DEFAULT_ETAS_2D,
    steps: int = 20,
    x0: float = 4.0,
    start2d: Sequence[float] = (-4.0, 2.0),
    lang: str | None = None,
    plot: str | None = None,
    verbose: bool = True,
) -> dict[str, Any]:
    """Run gradient descent for each η on both functions; return the paths and verdicts."""
    out = Printer(lang, verbose)
    out.title("demo.gradient-descent.title")

    out.section("demo.gradient-descent.derivative")
    xd = 3.0
    rows = []
    for e in range(0, 7):
        h = 10.0 ** (-e)
        rows.append((f"{h:g}", f"{(f1(xd + h) - f1(xd)) / h:.7f}"))
    xv = Value(xd)
    f1(xv).backward()
    out.table(["h", "(f(3+h) - f(3)) / h"], rows)
    out("demo.gradient-descent.derivative.autograd", g=xv.grad)

    out.section("demo.gradient-descent.rule")
    out("demo.gradient-descent.taylor")

    out.section("demo.gradient-descent.oned", x0=x0, steps=steps)
    res1 = {}
    rows = []
    for kind, eta in zip(KINDS, etas):
        path = descend_1d(x0, eta, steps)
        verdict = _verdict(f1(path[0]), f1(path[-1]) if len(path) == steps + 1 else math.inf)
        res1[kind] = {"eta": eta, "path": path, "final_x": path[-1], "final_f": f1(path[-1]), "verdict": verdict}
        shown = ", ".join(f"{v:.3g}" for v in path[:4])
        rows.append((out.t(f"demo.gradient-descent.{kind}"), f"{eta:g}", shown + ", …",
                     f"{path[-1]:.4g}", f"{f1(path[-1]):.4g}", out.t(f"demo.gradient-descent.verdict.{verdict}")))
    out.table(["", "η", "x0, x1, x2, x3", "x_end", "f(x_end)", ""], rows)
    out("demo.gradient-descent.oned.why")

    out.section("demo.gradient-descent.twod", x=start2d[0], y=start2d[1], steps=steps)
    res2 = {}
    rows = []
    for kind, eta in zip(KINDS, etas2d):
        path = descend_2d(start2d, eta, steps)
        last = path[-1]
        fend = f2(*last) if len(path) == steps + 1 else math.inf
        verdict = _verdict(f2(*path[0]), fend)
        res2[kind] = {"eta": eta, "path": path, "final": last, "final_f": f2(*last), "verdict": verdict}
        rows.append((out.t(f"demo.gradient-descent.{kind}"), f"{eta:g}",
                     f"({last[0]:.3g}, {last[1]:.3g})", f"{f2(*last):.4g}",
                     out.t(f"demo.gradient-descent.verdict.{verdict}")))
    out.table(["", "η", "(x, y)_end", "f_end", ""], rows)
    out("demo.gradient-descent.twod.why")

    if plot:
        _draw(res1, res2, plot, out.lang)
        out("demo.saved", path=plot)
    return {"oned": res1, "twod": res2, "plot": plot}


def _inside(path: Any, bound: Any) -> Any:
    """The path up to (and including) the first point that leaves the plotted box."""
    import numpy as np

    out = np.flatnonzero(np.any(np.abs(path) > bound, axis=1))
    return path if len(out) == 0 else path[: out[0] + 1]


def _draw(res1: dict[str, Any], res2: dict[str, Any], path: str, lang: str) -> None:
    import numpy as np

    from ..viz.lecture import figure_lang, new_figure, save_figure

    fl = figure_lang(lang)
    colors = {"small": "#1f77b4", "good": "#2ca02c", "large": "#d62728"}
    fig = new_figure(12, 4.6, lang)
    ax1, ax2 = fig.subplots(1, 2)
    xs = np.linspace(-6, 6, 200)
    ax1.plot(xs, xs**2, color="black", lw=1)
    for kind, r in res1.items():
        p = _inside(np.array(r["path"])[:, None], 6.0)[:, 0]
        ax1.plot(p, p**2, "o-", ms=3, lw=1, color=colors[kind],
                 label=f"{t('fig.gd.' + kind, fl)} η={r['eta']:g}")
    ax1.set_xlim(-6.5, 6.5)
    ax1.set_ylim(-1, 37)
    ax1.set_title("f(x) = x²")
    ax1.legend(fontsize=8)
    gx, gy = np.meshgrid(np.linspace(-5, 5, 200), np.linspace(-3, 3, 160))
    ax2.contour(gx, gy, gx**2 + 4 * gy**2, levels=np.geomspace(0.05, 60, 14), colors="#bbbbbb", linewidths=0.8)
    for kind, r in res2.items():
        p = _inside(np.array(r["path"]), np.array([5.0, 3.0]))
        ax2.plot(p[:, 0], p[:, 1], "o-", ms=3, lw=1, color=colors[kind],
                 label=f"{t('fig.gd.' + kind, fl)} η={r['eta']:g}")
    ax2.plot([0], [0], "k*", ms=10)
    ax2.set_xlim(-5, 5)
    ax2.set_ylim(-3, 3)
    ax2.set_title("f(x, y) = x² + 4y²")
    ax2.set_aspect("equal")
    ax2.legend(fontsize=8, loc="lower right")
    save_figure(fig, path)
