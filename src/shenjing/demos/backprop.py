"""The lecture's worked back-propagation example, number by number.

A 3-2-3 network, sigmoid units, no biases, squared-error loss L = Σₖ (ŷₖ − yₖ)², wired exactly as
the lecture's table:

    In_h1 = w1·x1 + w3·x2 + w5·x3        Out_h1 = sigmoid(In_h1)
    In_h2 = w2·x1 + w4·x2 + w6·x3        Out_h2 = sigmoid(In_h2)
    In_o1 = w7·Out_h1 + w10·Out_h2       ŷ1 = sigmoid(In_o1)
    In_o2 = w8·Out_h1 + w11·Out_h2       ŷ2 = sigmoid(In_o2)
    In_o3 = w9·Out_h1 + w12·Out_h2       ŷ3 = sigmoid(In_o3)

δᵢ = ∂L/∂wᵢ is written out by the chain rule (δ7 … δ12, then δ1 … δ6 through the hidden units),
then computed again by the tensor engine (the table is two matrix products), by the scalar engine
and by central finite differences; all four agree to 1e-8 in float64. Finally one step
wᵢ ← wᵢ − η·δᵢ and the loss before and after.

The lecture gives the wiring but no numbers, so the defaults are fixed here and documented in
``docs/lecture.md``: x = (1, −1, 0.5), y = (1, 0, 0) (the sample belongs to class 1, as in the
lecture's cross-entropy example), wᵢ = i/10 (w1 = 0.1 … w12 = 1.2), η = 0.5.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..i18n import t
from ..scalar import Value
from ._common import Printer

DESCRIPTION = "demo.backprop.desc"
DEFAULT_X = (1.0, -1.0, 0.5)
DEFAULT_Y = (1.0, 0.0, 0.0)
DEFAULT_W = tuple(i / 10 for i in range(1, 13))
DEFAULT_LR = 0.5

#: hidden unit j → the weight numbers multiplying x1, x2, x3 (lecture's table)
HIDDEN: dict[int, tuple[int, int, int]] = {1: (1, 3, 5), 2: (2, 4, 6)}
#: output unit k → the weight numbers multiplying Out_h1, Out_h2 (lecture's table)
OUTPUT: dict[int, tuple[int, int]] = {1: (7, 10), 2: (8, 11), 3: (9, 12)}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command-line options of this demo."""
    parser.add_argument("--x", type=float, nargs=3, default=list(DEFAULT_X), metavar="X",
                        help=t("demo.backprop.arg.x"))
    parser.add_argument("--y", type=float, nargs=3, default=list(DEFAULT_Y), metavar="Y",
                        help=t("demo.backprop.arg.y"))
    parser.add_argument("--w", type=float, nargs=12, default=list(DEFAULT_W), metavar="W",
                        help=t("demo.backprop.arg.w"))
    parser.add_argument("--lr", type=float, default=DEFAULT_LR, help=t("demo.arg.lr"))


def _sigmoid(v: float) -> float:
    return 1.0 / (1.0 + math.exp(-v)) if v >= 0 else math.exp(v) / (1.0 + math.exp(v))


def wire(x: Sequence[Any], y: Sequence[Any], w: Sequence[Any], sigmoid: Callable[[Any], Any]) -> dict[str, Any]:
    """The lecture's network on any number type: floats, or :class:`~shenjing.scalar.Value`.

    ``w`` is indexed from 0 here (w[0] is the lecture's w1). Returns every intermediate quantity
    by its lecture name: ``In_h1``, ``Out_h1``, …, ``In_o1``, ``yhat1``, …, ``loss``."""
    q: dict[str, Any] = {}
    for j, idx in HIDDEN.items():
        q[f"In_h{j}"] = w[idx[0] - 1] * x[0] + w[idx[1] - 1] * x[1] + w[idx[2] - 1] * x[2]
        q[f"Out_h{j}"] = sigmoid(q[f"In_h{j}"])
    for k, idx in OUTPUT.items():
        q[f"In_o{k}"] = w[idx[0] - 1] * q["Out_h1"] + w[idx[1] - 1] * q["Out_h2"]
        q[f"yhat{k}"] = sigmoid(q[f"In_o{k}"])
    sq = [(q[f"yhat{k}"] - y[k - 1]) ** 2 for k in OUTPUT]
    q["loss"] = sq[0] + sq[1] + sq[2]
    return q


def forward(x: Sequence[float], y: Sequence[float], w: Sequence[float]) -> dict[str, float]:
    """The forward pass in float64."""
    return wire([float(v) for v in x], y, [float(v) for v in w], _sigmoid)


def chain_rule(x: Sequence[float], y: Sequence[float], w: Sequence[float]) -> dict[str, Any]:
    """δ1 … δ12 by the chain rule, with every factor (the numbers the demo prints)."""
    q = forward(x, y, w)
    d: dict[str, Any] = {"forward": q, "dL_dyhat": {}, "dyhat_dIn": {}, "e_o": {}, "dL_dOut_h": {},
                         "dOut_dIn_h": {}, "e_h": {}, "delta": {}}
    for k in OUTPUT:
        yh = q[f"yhat{k}"]
        d["dL_dyhat"][k] = 2.0 * (yh - y[k - 1])
        d["dyhat_dIn"][k] = yh * (1.0 - yh)
        d["e_o"][k] = d["dL_dyhat"][k] * d["dyhat_dIn"][k]  # ∂L/∂In_ok
    for k, (a, b) in OUTPUT.items():  # ∂In_ok/∂w_a = Out_h1, ∂In_ok/∂w_b = Out_h2
        d["delta"][a] = d["e_o"][k] * q["Out_h1"]
        d["delta"][b] = d["e_o"][k] * q["Out_h2"]
    for j in HIDDEN:
        # Out_hj feeds every output unit k through the weight OUTPUT[k][j-1]
        d["dL_dOut_h"][j] = sum(d["e_o"][k] * w[OUTPUT[k][j - 1] - 1] for k in OUTPUT)
        oh = q[f"Out_h{j}"]
        d["dOut_dIn_h"][j] = oh * (1.0 - oh)
        d["e_h"][j] = d["dL_dOut_h"][j] * d["dOut_dIn_h"][j]  # ∂L/∂In_hj
        for i, widx in enumerate(HIDDEN[j]):  # ∂In_hj/∂w = x_i
            d["delta"][widx] = d["e_h"][j] * x[i]
    return d


def by_tensor(x: Sequence[float], y: Sequence[float], w: Sequence[float]) -> tuple[float, list[float]]:
    """The same network as two matrix products in the tensor engine (float64), and ∂L/∂w."""
    import shenjing as sj
    from shenjing.nn import functional as F

    wh = np.zeros((2, 3))  # PyTorch Linear layout (out, in): row j = hidden unit j
    wo = np.zeros((3, 2))
    for j, idx in HIDDEN.items():
        for i, n in enumerate(idx):
            wh[j - 1, i] = w[n - 1]
    for k, idx in OUTPUT.items():
        for j, n in enumerate(idx):
            wo[k - 1, j] = w[n - 1]
    Wh = sj.tensor(wh, dtype=sj.float64, requires_grad=True)
    Wo = sj.tensor(wo, dtype=sj.float64, requires_grad=True)
    xt = sj.tensor(np.asarray(x, dtype=np.float64).reshape(3, 1), dtype=sj.float64)
    yt = sj.tensor(np.asarray(y, dtype=np.float64).reshape(3, 1), dtype=sj.float64)
    out = F.sigmoid(Wo @ F.sigmoid(Wh @ xt))
    loss = ((out - yt) ** 2).sum()
    loss.backward()
    gh, go = Wh.grad.numpy(), Wo.grad.numpy()
    grads = [0.0] * 12
    for j, idx in HIDDEN.items():
        for i, n in enumerate(idx):
            grads[n - 1] = float(gh[j - 1, i])
    for k, idx in OUTPUT.items():
        for j, n in enumerate(idx):
            grads[n - 1] = float(go[k - 1, j])
    return float(loss.item()), grads


def scalar_graph(x: Sequence[float], y: Sequence[float], w: Sequence[float]) -> tuple[Value, dict[str, Value]]:
    """The network built from :class:`~shenjing.scalar.Value` with every node named as in the
    lecture (x1…, w1…, In_h1, Out_h1, …, L); backward() has been called on the loss."""
    xs = [Value(v, label=f"x{i + 1}") for i, v in enumerate(x)]
    ws = [Value(v, label=f"w{i + 1}") for i, v in enumerate(w)]
    ys = [Value(v, label=f"y{i + 1}") for i, v in enumerate(y)]
    q = wire(xs, ys, ws, lambda v: v.sigmoid())
    names = {v.label: v for v in (*xs, *ws, *ys)}
    for name, v in q.items():
        v.label = "L" if name == "loss" else name.replace("yhat", "ŷ")
        names[v.label] = v
    q["loss"].backward()
    return q["loss"], names


def by_scalar(x: Sequence[float], y: Sequence[float], w: Sequence[float]) -> tuple[float, list[float]]:
    """Loss and ∂L/∂w from the scalar engine."""
    loss, names = scalar_graph(x, y, w)
    return loss.data, [names[f"w{i}"].grad for i in range(1, 13)]


def finite_differences(x: Sequence[float], y: Sequence[float], w: Sequence[float],
                       h: float = 1e-6) -> list[float]:
    """Central differences (L(w + h·eᵢ) − L(w − h·eᵢ)) / 2h, error O(h²)."""
    grads = []
    for i in range(12):
        wp, wm = list(w), list(w)
        wp[i] += h
        wm[i] -= h
        grads.append((forward(x, y, wp)["loss"] - forward(x, y, wm)["loss"]) / (2 * h))
    return grads


def run(
    *,
    x: Sequence[float] = DEFAULT_X,
    y: Sequence[float] = DEFAULT_Y,
    w: Sequence[float] = DEFAULT_W,
    lr: float = DEFAULT_LR,
    lang: str | None = None,
    plot: str | None = None,
    verbose: bool = True,
) -> dict[str, Any]:
    """Forward table, δs by the chain rule, three independent checks, one update."""
    x, y, w = [float(v) for v in x], [float(v) for v in y], [float(v) for v in w]
    if (len(x), len(y), len(w)) != (3, 3, 12):
        raise ValueError(f"backprop demo: needs 3 inputs, 3 targets, 12 weights; got {len(x)}, {len(y)}, {len(w)}")
    out = Printer(lang, verbose)
    out.title("demo.backprop.title")
    out("demo.backprop.setup", x=_v(x), y=_v(y), lr=lr)
    out.raw("  " + ", ".join(f"w{i + 1}={v:g}" for i, v in enumerate(w)))

    d = chain_rule(x, y, w)
    q = d["forward"]
    out.section("demo.backprop.forward")
    rows = []
    for j, idx in HIDDEN.items():
        rows.append((f"h{j}", f"In_h{j} = w{idx[0]}·x1 + w{idx[1]}·x2 + w{idx[2]}·x3", f"{q[f'In_h{j}']:.6f}",
                     f"Out_h{j} = {q[f'Out_h{j}']:.6f}"))
    for k, idx in OUTPUT.items():
        rows.append((f"o{k}", f"In_o{k} = w{idx[0]}·Out_h1 + w{idx[1]}·Out_h2", f"{q[f'In_o{k}']:.6f}",
                     f"ŷ{k} = {q[f'yhat{k}']:.6f}"))
    out.table([out.t("demo.backprop.col.unit"), out.t("demo.backprop.col.sum"), "In",
               out.t("demo.backprop.col.out")], rows)
    out("demo.backprop.loss", terms=" + ".join(f"({q[f'yhat{k}']:.6f} - {y[k - 1]:g})²" for k in OUTPUT),
        loss=q["loss"])

    out.section("demo.backprop.output-layer")
    for k in OUTPUT:
        out.raw(f"  ∂L/∂ŷ{k} = 2(ŷ{k} - y{k}) = {d['dL_dyhat'][k]:+.10f}")
        out.raw(f"  ∂ŷ{k}/∂In_o{k} = ŷ{k}(1 - ŷ{k}) = {d['dyhat_dIn'][k]:+.10f}")
        out.raw(f"  ∂L/∂In_o{k} = {d['dL_dyhat'][k]:+.10f} × {d['dyhat_dIn'][k]:.10f} = {d['e_o'][k]:+.10f}")
    out("demo.backprop.output-delta")
    for n in range(7, 13):
        k = next(k for k, idx in OUTPUT.items() if n in idx)
        j = OUTPUT[k].index(n) + 1
        out.raw(f"  δ{n} = ∂L/∂ŷ{k} · ∂ŷ{k}/∂In_o{k} · ∂In_o{k}/∂w{n} = {d['e_o'][k]:+.10f} × Out_h{j}"
                f"({q[f'Out_h{j}']:.10f}) = {d['delta'][n]:+.10f}")

    out.section("demo.backprop.hidden-layer")
    for j in HIDDEN:
        ws_ = [OUTPUT[k][j - 1] for k in OUTPUT]
        terms = " + ".join(f"∂L/∂In_o{k}·w{n}" for k, n in zip(OUTPUT, ws_))
        nums = " + ".join(f"({d['e_o'][k]:+.6f})({w[n - 1]:g})" for k, n in zip(OUTPUT, ws_))
        out.raw(f"  ∂L/∂Out_h{j} = {terms}")
        out.raw(f"             = {nums} = {d['dL_dOut_h'][j]:+.10f}")
        out.raw(f"  ∂Out_h{j}/∂In_h{j} = Out_h{j}(1 - Out_h{j}) = {d['dOut_dIn_h'][j]:.10f}")
        out.raw(f"  ∂L/∂In_h{j} = {d['dL_dOut_h'][j]:+.10f} × {d['dOut_dIn_h'][j]:.10f} = {d['e_h'][j]:+.10f}")
    out("demo.backprop.hidden-delta")
    for n in range(1, 7):
        j = next(j for j, idx in HIDDEN.items() if n in idx)
        i = HIDDEN[j].index(n) + 1
        out.raw(f"  δ{n} = ∂L/∂In_h{j} · ∂In_h{j}/∂w{n} = {d['e_h'][j]:+.10f} × x{i}({x[i - 1]:g}) = {d['delta'][n]:+.10f}")
    literal = (d["delta"][7] + d["delta"][8] + d["delta"][9]) * d["dOut_dIn_h"][1] * x[0]
    out("demo.backprop.lecture-shorthand", true=d["delta"][1], literal=literal)

    out.section("demo.backprop.check")
    chain = [d["delta"][n] for n in range(1, 13)]
    loss_t, g_tensor = by_tensor(x, y, w)
    loss_s, g_scalar = by_scalar(x, y, w)
    g_fd = finite_differences(x, y, w)
    rows, worst = [], 0.0
    for n in range(12):
        diff = max(abs(chain[n] - g_tensor[n]), abs(chain[n] - g_scalar[n]), abs(chain[n] - g_fd[n]))
        worst = max(worst, diff)
        rows.append((f"δ{n + 1}", f"{chain[n]:+.12f}", f"{g_tensor[n]:+.12f}", f"{g_scalar[n]:+.12f}",
                     f"{g_fd[n]:+.12f}", f"{diff:.1e}"))
    out.table(["", out.t("demo.backprop.col.chain"), out.t("demo.backprop.col.tensor"),
               out.t("demo.backprop.col.scalar"), out.t("demo.backprop.col.fd"), "max |Δ|"], rows)
    out("demo.backprop.agree", err=worst, ok=out.t("demo.yes" if worst < 1e-8 else "demo.no"))

    out.section("demo.backprop.update", lr=lr)
    w_new = [wi - lr * di for wi, di in zip(w, chain)]
    rows = [(f"w{n + 1}", f"{w[n]:+.6f}", f"{chain[n]:+.6f}", f"{w_new[n]:+.6f}") for n in range(12)]
    out.table(["", out.t("demo.backprop.col.old"), "δ", out.t("demo.backprop.col.new")], rows)
    after = forward(x, y, w_new)
    out("demo.backprop.loss-change", before=q["loss"], after=after["loss"],
        yb=_v([q[f"yhat{k}"] for k in OUTPUT]), ya=_v([after[f"yhat{k}"] for k in OUTPUT]))

    if plot:
        _draw(w, chain, q["loss"], after["loss"], plot, out.lang)
        out("demo.saved", path=plot)
    return {
        "x": x, "y": y, "w": w, "lr": lr,
        "forward": q,
        "delta_chain": chain,
        "delta_tensor": g_tensor,
        "delta_scalar": g_scalar,
        "delta_fd": g_fd,
        "loss_tensor": loss_t,
        "loss_scalar": loss_s,
        "max_diff": worst,
        "w_new": w_new,
        "loss_before": q["loss"],
        "loss_after": after["loss"],
        "lecture_shorthand_literal": literal,
        "plot": plot,
    }


def _v(values: Sequence[float]) -> str:
    return "(" + ", ".join(f"{v:.6g}" for v in values) + ")"


def _draw(w: list[float], delta: list[float], before: float, after: float, path: str, lang: str) -> None:
    from ..viz.lecture import figure_lang, new_figure, save_figure

    fl = figure_lang(lang)
    fig = new_figure(12, 6, lang)
    ax, axl = fig.subplots(1, 2, width_ratios=[4, 1])
    pos = {f"x{i}": (0.0, 3 - i) for i in (1, 2, 3)}
    pos.update({f"h{j}": (1.0, 2.5 - j) for j in (1, 2)})
    pos.update({f"o{k}": (2.0, 3 - k) for k in (1, 2, 3)})
    edges = []
    for j, idx in HIDDEN.items():
        edges += [(f"x{i + 1}", f"h{j}", n) for i, n in enumerate(idx)]
    for k, idx in OUTPUT.items():
        edges += [(f"h{j + 1}", f"o{k}", n) for j, n in enumerate(idx)]
    for a, b, n in edges:
        (x0, y0), (x1, y1) = pos[a], pos[b]
        ax.plot([x0, x1], [y0, y1], color="#999999", lw=1, zorder=1)
        f = 0.28 if n % 2 else 0.62
        tx, ty = x0 + f * (x1 - x0), y0 + f * (y1 - y0)
        ax.text(tx, ty, f"w{n}={w[n - 1]:g}\nδ{n}={delta[n - 1]:+.4f}", fontsize=7, ha="center", va="center",
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "#cccccc"}, zorder=3)
    for name, (px, py) in pos.items():
        color = {"x": "#c6dbef", "h": "#fdd0a2", "o": "#c7e9c0"}[name[0]]
        ax.scatter([px], [py], s=900, color=color, edgecolor="black", zorder=2)
        ax.text(px, py, name, ha="center", va="center", fontsize=11, zorder=4)
    ax.set_xlim(-0.25, 2.25)
    ax.set_ylim(-0.4, 2.4)
    ax.axis("off")
    ax.set_title(t("fig.backprop.net", fl))
    axl.bar([t("fig.before", fl), t("fig.after", fl)], [before, after], color=["#d62728", "#2ca02c"])
    axl.set_title(t("fig.backprop.loss", fl))
    save_figure(fig, path)
