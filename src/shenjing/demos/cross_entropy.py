"""The lecture's three-class cross-entropy example, and why cross-entropy learns faster than MSE.

ŷ = softmax(z) = (0.34, 0.46, 0.20), y = (1, 0, 0):  L = −log ŷ₁ and ∂L/∂z = ŷ − y
= (0.34 − 1, 0.46, 0.20) = (−0.66, 0.46, 0.20), by the lecture's formula and by autograd.

Then the same badly wrong start trained by gradient descent twice, once with the squared error
Σ(ŷ − y)² and once with cross-entropy: the MSE gradient carries the factor ŷ₁(1 − ŷ₁) of the
softmax, which is tiny when ŷ₁ ≈ 0, so MSE crawls exactly when the prediction is worst.
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

DESCRIPTION = "demo.cross-entropy.desc"
DEFAULT_PROBS = (0.34, 0.46, 0.20)
DEFAULT_START = (-2.0, 4.0, 0.0)  # logits of a confidently wrong prediction: ŷ₁ ≈ 0.0024


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command-line options of this demo."""
    parser.add_argument("--probs", type=float, nargs="+", default=list(DEFAULT_PROBS),
                        metavar="P", help=t("demo.cross-entropy.arg.probs"))
    parser.add_argument("--target", type=int, default=1, metavar="K",
                        help=t("demo.cross-entropy.arg.target"))
    parser.add_argument("--start", type=float, nargs="+", default=list(DEFAULT_START),
                        metavar="Z", help=t("demo.cross-entropy.arg.start"))
    parser.add_argument("--lr", type=float, default=0.5, help=t("demo.arg.lr"))
    parser.add_argument("--steps", type=int, default=200, help=t("demo.arg.steps"))


def _race(z0: Sequence[float], k: int, lr: float, steps: int, loss: str) -> dict[str, Any]:
    """Gradient descent on the logits z themselves, from ``z0``, with ``loss`` "mse" or "ce"."""
    import shenjing as sj
    from shenjing.nn import functional as F

    z = sj.tensor(list(z0), dtype=sj.float64, requires_grad=True)
    y = np.zeros(len(z0))
    y[k] = 1.0
    target = sj.tensor(y, dtype=sj.float64)
    p_true, losses, grad0 = [], [], None
    for _ in range(steps + 1):
        probs = F.softmax(z, dim=-1)
        if loss == "mse":
            value = ((probs - target) ** 2).sum()
        else:
            value = -(target * F.log_softmax(z, dim=-1)).sum()
        value.backward()
        g = z.grad.numpy().copy()
        if grad0 is None:
            grad0 = g
        p_true.append(float(probs.detach().numpy()[k]))
        losses.append(float(value.item()))
        # a fresh leaf for the next step: z ← z − η ∂L/∂z
        z = sj.tensor(z.detach().numpy() - lr * g, dtype=sj.float64, requires_grad=True)
    reach = next((i for i, p in enumerate(p_true) if p >= 0.9), None)
    return {"p_true": p_true, "loss": losses, "grad0": grad0.tolist(), "steps_to_0.9": reach}


def run(
    *,
    probs: Sequence[float] = DEFAULT_PROBS,
    target: int = 1,
    start: Sequence[float] = DEFAULT_START,
    lr: float = 0.5,
    steps: int = 200,
    lang: str | None = None,
    plot: str | None = None,
    verbose: bool = True,
) -> dict[str, Any]:
    """Reproduce ∂L/∂z = ŷ − y for the lecture's example and race MSE against cross-entropy.

    ``target`` is the true class counted from 1, as in the lecture."""
    import shenjing as sj
    from shenjing.nn import functional as F

    out = Printer(lang, verbose)
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim != 1 or len(p) < 2 or np.any(p <= 0) or abs(p.sum() - 1.0) > 1e-6:
        raise ValueError(f"cross-entropy demo: probs must be positive and sum to 1, got {list(p)}")
    k = int(target) - 1
    if not 0 <= k < len(p):
        raise ValueError(f"cross-entropy demo: target must be 1..{len(p)}, got {target}")
    y = np.zeros_like(p)
    y[k] = 1.0

    out.title("demo.cross-entropy.title")
    out("demo.cross-entropy.setup", yhat=vec(p, 2), y=vec(y, 0), k=k + 1)
    loss = -math.log(p[k])
    out("demo.cross-entropy.loss", k=k + 1, p=p[k], loss=loss)

    out.section("demo.cross-entropy.by-formula")
    out("demo.cross-entropy.chain.own", k=k + 1, a=p[k] * (1 - p[k]), b=-1 / p[k], g=p[k] - 1)
    for j in range(len(p)):
        if j != k:
            out("demo.cross-entropy.chain.other", k=k + 1, j=j + 1, a=-p[k] * p[j], b=-1 / p[k], g=p[j])
    formula = p - y
    out("demo.cross-entropy.result", g=vec(formula, 2))

    out.section("demo.cross-entropy.by-autograd")
    # z = log ŷ gives softmax(z) = ŷ exactly (softmax ignores a constant shift)
    z = sj.tensor(np.log(p)[None, :], dtype=sj.float64, requires_grad=True)
    ce = F.cross_entropy(z, sj.tensor([k], dtype=sj.int64))
    ce.backward()
    by_tensor = z.grad.numpy()[0]
    zs = [Value(math.log(v)) for v in p]
    exps = [v.exp() for v in zs]
    den = Value.sum(exps)
    (-(exps[k] / den).log()).backward()
    by_scalar = np.array([v.grad for v in zs])
    out("demo.cross-entropy.autograd", loss=float(ce.item()), tensor=vec(by_tensor, 6), scalar=vec(by_scalar, 6))
    err = float(max(np.abs(by_tensor - formula).max(), np.abs(by_scalar - formula).max()))
    out("demo.cross-entropy.agree", err=err)

    out.section("demo.cross-entropy.race")
    z0 = [float(v) for v in start]
    if len(z0) != len(p):
        raise ValueError(f"cross-entropy demo: --start needs {len(p)} logits, got {len(z0)}")
    mse = _race(z0, k, lr, steps, "mse")
    cer = _race(z0, k, lr, steps, "ce")
    out("demo.cross-entropy.race.setup", z=vec(z0, 1), p=mse["p_true"][0], k=k + 1, lr=lr, steps=steps)
    out("demo.cross-entropy.race.grad", mse=abs(mse["grad0"][k]), ce=abs(cer["grad0"][k]),
        ratio=abs(cer["grad0"][k]) / max(abs(mse["grad0"][k]), 1e-300))
    marks = sorted({0, 1, 5, 10, 20, 50, 100, steps} & set(range(steps + 1)))
    rows = [(s, f"{mse['p_true'][s]:.4f}", f"{cer['p_true'][s]:.4f}") for s in marks]
    out.table([out.t("demo.col.step"), f"MSE: ŷ{k + 1}", f"CE: ŷ{k + 1}"], rows)

    def when(r: dict[str, Any]) -> str:
        n = r["steps_to_0.9"]
        return out.t("demo.cross-entropy.never", steps=steps) if n is None else str(n)

    out("demo.cross-entropy.race.result", mse=when(mse), ce=when(cer), k=k + 1)
    out("demo.cross-entropy.why")

    if plot:
        _draw(mse, cer, k, plot, out.lang)
        out("demo.saved", path=plot)
    return {
        "loss": loss,
        "grad_formula": formula.tolist(),
        "grad_tensor": by_tensor.tolist(),
        "grad_scalar": by_scalar.tolist(),
        "mse": mse,
        "ce": cer,
        "plot": plot,
    }


def _draw(mse: dict[str, Any], ce: dict[str, Any], k: int, path: str, lang: str) -> None:
    from ..viz.lecture import figure_lang, new_figure, save_figure

    fl = figure_lang(lang)
    fig = new_figure(10, 4, lang)
    ax1, ax2 = fig.subplots(1, 2)
    ax1.plot(mse["p_true"], label="MSE", color="#1f77b4")
    ax1.plot(ce["p_true"], label="cross-entropy", color="#d62728")
    ax1.set_xlabel(t("fig.step", fl))
    ax1.set_ylabel(f"ŷ{k + 1}")
    ax1.set_ylim(0, 1.02)
    ax1.set_title(t("fig.cross-entropy.prob", fl, k=k + 1))
    ax1.legend()
    ax2.bar(["MSE", "cross-entropy"], [abs(mse["grad0"][k]), abs(ce["grad0"][k])],
            color=["#1f77b4", "#d62728"])
    ax2.set_yscale("log")
    ax2.set_title(t("fig.cross-entropy.grad", fl, k=k + 1))
    save_figure(fig, path)
