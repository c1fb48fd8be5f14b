"""``shenjing generate``: write poems with a model trained by ``shenjing train --task poetry``.

    shenjing generate --checkpoint runs/poetry-lstm/best.safetensors --prompt 春 --length 48 \\
        --temperature 0.8 --top-k 20 --seed 1
    shenjing generate --checkpoint … --prompt 春夏秋冬 --acrostic        # 藏头诗
    shenjing generate --checkpoint … --num 100 --stats                   # share of regular verse
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..i18n import t

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    from . import common_parent
    from .train import debug_parent

    p = subparsers.add_parser("generate", help=t("cli.generate.help"), description=t("cli.generate.description"),
                              parents=[common_parent(), debug_parent()])
    p.add_argument("--checkpoint", required=True, metavar="FILE", help=t("cli.generate.arg.checkpoint"))
    p.add_argument("--prompt", default="", help=t("cli.generate.arg.prompt"))
    p.add_argument("--length", type=int, default=48, metavar="N", help=t("cli.generate.arg.length"))
    p.add_argument("--temperature", type=float, default=0.8, metavar="T", help=t("cli.generate.arg.temperature"))
    p.add_argument("--top-k", type=int, default=None, metavar="K", help=t("cli.generate.arg.top_k"))
    p.add_argument("--seed", type=int, default=None, help=t("cli.generate.arg.seed"))
    p.add_argument("--acrostic", action="store_true", help=t("cli.generate.arg.acrostic"))
    p.add_argument("--form", type=int, choices=(5, 7), default=None, help=t("cli.generate.arg.form"))
    p.add_argument("--num", type=int, default=1, metavar="N", help=t("cli.generate.arg.num"))
    p.add_argument("--stats", action="store_true", help=t("cli.generate.arg.stats"))
    p.add_argument("--json", action="store_true", help=t("cli.generate.arg.json"))
    return p


def run(args: argparse.Namespace) -> int:
    from .train import guarded

    return guarded(args, lambda: _run(args))


def _run(args: argparse.Namespace) -> int:
    import numpy as np

    from ..data.poetry import form_of
    from ..lm.generate import acrostic, generate
    from ..lm.poetry import load_poetry_model
    from .train import UsageError, check_file

    for option, value in (("--length", args.length), ("--num", args.num), ("--temperature", args.temperature),
                          ("--top-k", args.top_k if args.top_k is not None else 1)):
        if not value > 0:
            raise UsageError(t("cli.generate.error.positive", option=option, value=value))
    if args.acrostic and not args.prompt.strip():
        raise UsageError(t("cli.generate.error.prompt"))
    check_file(args.checkpoint)
    model, vocab, _ = load_poetry_model(args.checkpoint)
    seed = args.seed
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % 2**31)
        if not args.json:
            print(t("cli.generate.seed", seed=seed), file=sys.stderr)
    poems = []
    for i in range(args.num):
        if args.acrostic:
            text = acrostic(model, vocab, args.prompt, args.temperature, args.top_k, seed + i, args.form)
        else:
            text = generate(model, vocab, args.prompt, args.length, args.temperature, args.top_k, seed + i)
        poems.append({"seed": seed + i, "text": text, "form": form_of(text)})
    forms = [p["form"] for p in poems]
    stats = {"n": len(poems), "good": sum(f is not None for f in forms), "five": forms.count(5),
             "seven": forms.count(7)}
    stats["share"] = stats["good"] / stats["n"]
    if args.json:
        print(json.dumps({"poems": poems, "stats": stats}, ensure_ascii=False, indent=1))
        return 0
    for k, p in enumerate(poems):
        if k:
            print()
        print(p["text"])
    if args.stats:
        print()
        print(t("cli.generate.stats", **stats))
    return 0
