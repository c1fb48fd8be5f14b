"""The lecture's GPT table: parameter counts computed from the published hyperparameters.

A GPT is a stack of L identical Transformer decoder blocks of width d, between a token embedding
(vocabulary V × d) and a learned position embedding (context n_ctx × d). One block holds

    attention   Q, K, V and output projections    4·d² weights + 4·d biases
    MLP         d → 4d → d                        8·d² weights + 5·d biases
    2 LayerNorm scale and shift                   4·d
                                                  ─────────────────────────
                                                  12·d² + 13·d

so  N = V·d + n_ctx·d + L·(12·d² + 13·d) + 2·d   (the last 2·d: the final LayerNorm of GPT-2/3;
the output layer shares the token embedding's weights and adds nothing).

Sources of the hyperparameters: Radford et al. 2018 (GPT-1), Radford et al. 2019 (GPT-2, the
1.5B "XL" model), Brown et al. 2020 table 2.1 (GPT-3 175B). GPT-4's architecture is not published,
so its 1.8万亿 in the lecture cannot be recomputed and is only quoted.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

from ..i18n import t
from ._common import Printer

DESCRIPTION = "demo.gpt.desc"


@dataclass(frozen=True)
class GPTConfig:
    """Published hyperparameters of one GPT model, and the lecture's figure for it."""

    name: str
    layers: int
    width: int
    heads: int
    vocab: int
    context: int
    final_norm: bool
    lecture: float  # the lecture's parameter count
    lecture_text: str  # as printed in the lecture
    released: str


MODELS: tuple[GPTConfig, ...] = (
    GPTConfig("GPT-1", 12, 768, 12, 40478, 512, False, 1.17e8, "1.17亿", "2018-06"),
    GPTConfig("GPT-2", 48, 1600, 25, 50257, 1024, True, 1.5e9, "15亿", "2019-02"),
    GPTConfig("GPT-3", 96, 12288, 96, 50257, 2048, True, 1.75e11, "1750亿", "2020-05"),
)


def block_params(d: int) -> int:
    """Parameters of one decoder block of width ``d``: 12·d² + 13·d."""
    return 12 * d * d + 13 * d


def count_params(cfg: GPTConfig) -> dict[str, int]:
    """The parameter count of ``cfg``, term by term."""
    parts = {
        "token_embedding": cfg.vocab * cfg.width,
        "position_embedding": cfg.context * cfg.width,
        "blocks": cfg.layers * block_params(cfg.width),
        "final_norm": 2 * cfg.width if cfg.final_norm else 0,
    }
    parts["total"] = sum(parts.values())
    return parts


def format_count(n: float, lang: str) -> str:
    """117,000,000 → ``117.0M`` / ``1.17亿``; 1.75e11 → ``175.0B`` / ``1750亿``."""
    if lang == "zh":
        if n >= 1e12:
            return f"{n / 1e12:.3g}万亿"
        if n >= 1e8:
            return f"{n / 1e8:.4g}亿"
        return f"{n / 1e4:.4g}万"
    if n >= 1e12:
        return f"{n / 1e12:.2f}T"
    if n >= 1e9:
        return f"{n / 1e9:.2f}B"
    return f"{n / 1e6:.1f}M"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command-line options of this demo (none besides the common ones)."""


def run(*, lang: str | None = None, plot: str | None = None, verbose: bool = True) -> dict[str, Any]:
    """Print the formula, the hyperparameters and the counts next to the lecture's."""
    out = Printer(lang, verbose)
    out.title("demo.gpt.title")
    out("demo.gpt.formula")
    rows, results = [], {}
    for cfg in MODELS:
        parts = count_params(cfg)
        total = parts["total"]
        rel = (total - cfg.lecture) / cfg.lecture
        results[cfg.name] = {**parts, "lecture": cfg.lecture, "relative_error": rel}
        rows.append((cfg.name, cfg.released, cfg.layers, cfg.width, cfg.heads, cfg.vocab, cfg.context,
                     f"{total:,}", format_count(total, out.lang), cfg.lecture_text, f"{100 * rel:+.1f}%"))
    headers = [out.t("demo.gpt.col.model"), out.t("demo.gpt.col.released"), "L", "d", out.t("demo.gpt.col.heads"),
               "V", "n_ctx", "N", out.t("demo.gpt.col.approx"), out.t("demo.gpt.col.lecture"), out.t("demo.gpt.col.diff")]
    out.table(headers, rows)
    out.section("demo.gpt.worked")
    g1 = MODELS[0]
    p1 = count_params(g1)
    out("demo.gpt.worked.gpt1", V=g1.vocab, d=g1.width, n=g1.context, L=g1.layers,
        tok=p1["token_embedding"], pos=p1["position_embedding"], blk=block_params(g1.width),
        blocks=p1["blocks"], total=p1["total"])
    out("demo.gpt.gpt4")
    out("demo.gpt.scale")
    if plot:
        _draw(results, plot, out.lang)
        out("demo.saved", path=plot)
    return {"models": results, "plot": plot}


def _draw(results: dict[str, dict[str, Any]], path: str, lang: str) -> None:
    import numpy as np

    from ..viz.lecture import figure_lang, new_figure, save_figure

    fl = figure_lang(lang)
    fig = new_figure(7, 4.2, lang)
    ax = fig.subplots()
    names = list(results)
    pos = np.arange(len(names))
    ax.bar(pos - 0.2, [results[n]["total"] for n in names], 0.4, label=t("fig.gpt.computed", fl), color="#1f77b4")
    ax.bar(pos + 0.2, [results[n]["lecture"] for n in names], 0.4, label=t("fig.gpt.lecture", fl), color="#ff7f0e")
    ax.set_xticks(pos, names)
    ax.set_yscale("log")
    ax.set_ylabel(t("fig.gpt.params", fl))
    ax.legend()
    ax.set_title(t("fig.gpt.title", fl))
    save_figure(fig, path)
