"""The computation graph of the backprop example, with the value and the gradient at every node.

The network of the ``backprop`` demo is built from :class:`shenjing.scalar.Value`; every node
shows its name (x1, w7, In_h1, Out_h1, ŷ1, L …) or operation, its value (forward pass) and its
gradient ∂L/∂node (backward pass). Drawn with Graphviz's ``dot`` when it is on PATH (Debian
package ``graphviz``), otherwise with matplotlib; the DOT text can always be written out.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..i18n import t
from ..scalar import Value
from . import backprop
from ._common import Printer

DESCRIPTION = "demo.graph.desc"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command-line options of this demo."""
    parser.add_argument("--x", type=float, nargs=3, default=list(backprop.DEFAULT_X), metavar="X",
                        help=t("demo.backprop.arg.x"))
    parser.add_argument("--y", type=float, nargs=3, default=list(backprop.DEFAULT_Y), metavar="Y",
                        help=t("demo.backprop.arg.y"))
    parser.add_argument("--w", type=float, nargs=12, default=list(backprop.DEFAULT_W), metavar="W",
                        help=t("demo.backprop.arg.w"))
    parser.add_argument("--dot", metavar="FILE.dot", help=t("demo.graph.arg.dot"))
    parser.add_argument("--engine", choices=("auto", "graphviz", "matplotlib"), default="auto",
                        help=t("demo.graph.arg.engine"))


def _name(v: Value) -> str:
    return v.label or v.op or "const"


def to_dot(root: Value) -> str:
    """The graph under ``root`` in Graphviz's DOT language, left to right."""
    order = root.topo()
    ids = {id(v): f"n{i}" for i, v in enumerate(order)}
    lines = ["digraph G {", '  rankdir=LR; node [shape=record, fontsize=10, fontname="DejaVu Sans"];']
    for v in order:
        op = f" | {v.op}" if v.op and v.label else ""
        label = f"{{ {_name(v)}{op} | value {v.data:.4f} | grad {v.grad:+.4f} }}"
        colour = "#c6dbef" if not v.parents else ("#fdd0a2" if v.label else "#eeeeee")
        lines.append(f'  {ids[id(v)]} [label="{label}", style=filled, fillcolor="{colour}"];')
    for v in order:
        for p in v.parents:
            lines.append(f"  {ids[id(p)]} -> {ids[id(v)]};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def layout(root: Value) -> dict[int, tuple[float, float]]:
    """Column = longest path from the inputs (leaves placed just before their first use), row =
    order within the column, refined by averaging the parents' rows to untangle the edges."""
    order = root.topo()
    depth: dict[int, int] = {}
    for v in order:
        depth[id(v)] = 1 + max((depth[id(p)] for p in v.parents), default=-1)
    children: dict[int, list[Value]] = {id(v): [] for v in order}
    for v in order:
        for p in v.parents:
            children[id(p)].append(v)
    for v in order:
        if not v.parents and children[id(v)]:
            depth[id(v)] = min(depth[id(c)] for c in children[id(v)]) - 1
    columns: dict[int, list[Value]] = {}
    for v in order:
        columns.setdefault(depth[id(v)], []).append(v)
    row = {id(v): float(i) for col in columns.values() for i, v in enumerate(col)}
    for _ in range(4):  # barycentre sweeps, forwards then backwards
        for d in sorted(columns):
            col = columns[d]
            key = {id(v): (sum(row[id(p)] for p in v.parents) / len(v.parents) if v.parents
                           else sum(row[id(c)] for c in children[id(v)]) / max(len(children[id(v)]), 1))
                   for v in col}
            col.sort(key=lambda v: key[id(v)])
            for i, v in enumerate(col):
                row[id(v)] = float(i)
    tallest = max(len(c) for c in columns.values())
    pos = {}
    for d, col in columns.items():
        offset = (tallest - len(col)) / 2
        for i, v in enumerate(col):
            pos[id(v)] = (float(d), -(offset + i))
    return pos


def draw_matplotlib(root: Value, path: str, lang: str) -> None:
    """Draw the graph under ``root`` with matplotlib (boxes: name, value, gradient)."""
    from ..viz.lecture import figure_lang, new_figure, save_figure

    fl = figure_lang(lang)
    pos = layout(root)
    order = root.topo()
    width = max(x for x, _ in pos.values()) + 1
    height = -min(y for _, y in pos.values()) + 1
    fig = new_figure(max(10.0, 1.25 * width), max(6.0, 0.8 * height), lang)
    ax = fig.subplots()
    for v in order:
        x1, y1 = pos[id(v)]
        for p in v.parents:
            x0, y0 = pos[id(p)]
            ax.annotate("", xy=(x1 - 0.3, y1), xytext=(x0 + 0.3, y0),
                        arrowprops={"arrowstyle": "-|>", "color": "#888888", "lw": 0.6, "shrinkA": 0, "shrinkB": 0})
    for v in order:
        x, y = pos[id(v)]
        colour = "#c6dbef" if not v.parents else ("#fdd0a2" if v.label else "#f2f2f2")
        head = _name(v) + (f"  [{v.op}]" if v.op and v.label else "")
        ax.text(x, y, f"{head}\n{v.data:.4f}\n∇ {v.grad:+.4f}", ha="center", va="center", fontsize=7.5,
                bbox={"boxstyle": "round,pad=0.25", "fc": colour, "ec": "#555555", "lw": 0.6})
    ax.set_xlim(-0.6, width - 0.4)
    ax.set_ylim(-height + 0.4, 0.6)
    ax.axis("off")
    ax.set_title(t("fig.graph.title", fl))
    save_figure(fig, path)


def draw_graphviz(dot_text: str, path: str) -> None:
    """Render DOT text to ``path`` with Graphviz's ``dot`` (which must be on PATH)."""
    exe = shutil.which("dot")
    if exe is None:
        raise FileNotFoundError("Graphviz 'dot' is not on PATH (Debian: apt install graphviz)")
    fmt = Path(path).suffix.lstrip(".") or "png"
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([exe, f"-T{fmt}", "-o", str(path)], input=dot_text.encode(), check=True, timeout=60)


def run(
    *,
    x: Sequence[float] = backprop.DEFAULT_X,
    y: Sequence[float] = backprop.DEFAULT_Y,
    w: Sequence[float] = backprop.DEFAULT_W,
    dot: str | None = None,
    engine: str = "auto",
    lang: str | None = None,
    plot: str | None = None,
    verbose: bool = True,
) -> dict[str, Any]:
    """Build the backprop example on the scalar engine, print its nodes, draw the graph."""
    out = Printer(lang, verbose)
    out.title("demo.graph.title")
    loss, names = backprop.scalar_graph(x, y, w)
    order = loss.topo()
    n_edges = sum(len(v.parents) for v in order)
    out("demo.graph.size", nodes=len(order), edges=n_edges,
        leaves=sum(1 for v in order if not v.parents))
    out("demo.graph.rule")
    rows = [(name, f"{names[name].data:+.6f}", f"{names[name].grad:+.6f}")
            for name in ["x1", "x2", "x3", *(f"w{i}" for i in range(1, 13)), "In_h1", "Out_h1", "In_h2", "Out_h2",
                         "In_o1", "ŷ1", "In_o2", "ŷ2", "In_o3", "ŷ3", "L"]]
    out.table([out.t("demo.graph.col.node"), out.t("demo.graph.col.value"), "∂L/∂node"], rows)
    chain = backprop.chain_rule(x, y, w)["delta"]
    err = max(abs(names[f"w{i}"].grad - chain[i]) for i in range(1, 13))
    out("demo.graph.matches", err=err)

    dot_text = to_dot(loss)
    if dot:
        Path(dot).parent.mkdir(parents=True, exist_ok=True)
        Path(dot).write_text(dot_text, encoding="utf-8")
        out("demo.graph.dot-written", path=dot)
    used = None
    if plot:
        use_gv = engine == "graphviz" or (engine == "auto" and shutil.which("dot"))
        if use_gv:
            draw_graphviz(dot_text, plot)
            used = "graphviz"
        else:
            draw_matplotlib(loss, plot, out.lang)
            used = "matplotlib"
        out("demo.graph.drawn", path=plot, engine=used)
    return {
        "nodes": len(order),
        "edges": n_edges,
        "grads": {k: v.grad for k, v in names.items()},
        "values": {k: v.data for k, v in names.items()},
        "max_diff_vs_chain_rule": err,
        "dot": dot_text,
        "engine": used,
        "plot": plot,
    }
