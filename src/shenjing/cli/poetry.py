"""``shenjing train --task poetry``: a character language model of 唐诗三百首.

``shenjing train`` owns the command; this module adds the poetry options to its parser
(:func:`add_task_arguments`) and runs the task (:func:`run_train`); its messages are the
``cli.poetry.*`` keys of the catalogue (English and Chinese).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..i18n import t

__all__ = ["add_task_arguments", "run_train"]


TASKS = ("classify", "poetry")


def _defaults():
    from ..lm.poetry import PoetrySettings

    return PoetrySettings()


def add_task_arguments(p: argparse.ArgumentParser) -> None:
    """The ``--task`` switch and the poetry options, added to ``shenjing train``'s parser."""
    from ..lm.models import CELLS

    d = _defaults()
    p.add_argument("--task", choices=TASKS, default="classify", help=t("cli.poetry.arg.task"))
    p.add_argument("--corpus", default=None, metavar="FILE", help=t("cli.poetry.arg.corpus"))
    p.add_argument("--cell", choices=CELLS, default=None, help=t("cli.poetry.arg.cell"))
    p.add_argument("--hidden", type=int, default=None, metavar="N", help=t("cli.poetry.arg.hidden", default=d.hidden))
    p.add_argument("--embed", type=int, default=None, metavar="N", help=t("cli.poetry.arg.embed", default=d.embed))
    p.add_argument("--layers", type=int, default=None, metavar="N", help=t("cli.poetry.arg.layers", default=d.layers))
    p.add_argument("--dropout", type=float, default=None, metavar="P",
                   help=t("cli.poetry.arg.dropout", default=d.dropout))
    p.add_argument("--seq-len", type=int, default=None, metavar="N",
                   help=t("cli.poetry.arg.seq_len", default=d.seq_len))
    p.add_argument("--val-poems", type=int, default=None, metavar="N",
                   help=t("cli.poetry.arg.val_poems", default=d.val_poems))
    p.add_argument("--all-poems", action="store_true", help=t("cli.poetry.arg.all_poems"))
    p.add_argument("--time-limit", type=float, default=None, metavar="MINUTES", help=t("cli.poetry.arg.time_limit"))


def _settings(args: argparse.Namespace):
    d = _defaults()
    for arg, field in (("cell", "cell"), ("hidden", "hidden"), ("embed", "embed"), ("layers", "layers"),
                       ("dropout", "dropout"), ("seq_len", "seq_len"), ("val_poems", "val_poems"),
                       ("steps", "steps"), ("batch_size", "batch_size"), ("lr", "lr"), ("seed", "seed"),
                       ("corpus", "corpus")):
        value = getattr(args, arg, None)
        if value is not None:
            setattr(d, field, value)
    if getattr(args, "all_poems", False):
        d.regular_only = False
    if getattr(args, "time_limit", None) is not None:
        d.time_limit = 60.0 * args.time_limit
    return d


def run_train(args: argparse.Namespace) -> int:
    """``shenjing train --task poetry``: train, checkpoint the best model, report perplexity."""
    from ..data.poetry import load_tang300
    from ..lm.generate import generate
    from ..lm.poetry import form_share, train_poetry
    from .train import UsageError, set_threads

    if getattr(args, "epochs", None) is not None:
        raise UsageError(t("cli.poetry.error.epochs"))
    settings = _settings(args)
    try:
        settings.check()
    except ValueError as e:
        raise UsageError(str(e)) from None
    if args.threads:
        set_threads(args.threads)
    out = Path(args.out or f"runs/poetry-{settings.cell}")
    existing = [p.name for p in (out / "best.safetensors", out / "last.safetensors") if p.exists()]
    if existing and not args.overwrite:
        raise UsageError(t("cli.poetry.error.exists", out=out, files=", ".join(existing)))
    poems = load_tang300(settings.corpus)
    quiet = bool(args.quiet)

    def log(event: str, data: dict[str, Any]) -> None:
        if quiet:
            return
        if event == "start":
            print(t("cli.poetry.start", cell=settings.cell.upper(), train=data["train_poems"],
                    tokens=data["train_tokens"], vocab=data["vocab"], val=data["val_poems"],
                    params=data["parameters"], steps=settings.steps, batch=settings.batch_size,
                    seq=settings.seq_len, lr=settings.lr, seed=settings.seed, out=out), flush=True)
        elif event == "eval":
            print(t("cli.poetry.eval", step=data["step"], steps=settings.steps, loss=data["train_loss"],
                    ppl=data["val_perplexity"], best=t("cli.poetry.eval.best") if data["improved"] else "",
                    time=data["time_s"]), flush=True)
            text = generate(data["model"], data["vocab"], "", 48, 0.8, None, settings.seed + data["step"])
            print(t("cli.poetry.sample", text=text.replace("\n", " / ")), flush=True)

    model, vocab, metrics = train_poetry(poems, settings, out, log)
    share = form_share(model, vocab, n=20, seed=settings.seed)
    last_ppl = metrics["history"][-1]["val_perplexity"] if metrics["history"] else float("nan")
    print(t("cli.poetry.done", time=metrics["time_s"], why=t(f"cli.poetry.why.{metrics['stopped']}"),
            ppl=metrics["best"]["perplexity"], step=metrics["best"]["step"], last_ppl=last_ppl,
            good=share["well_formed"], n=share["n"], best=out / "best.safetensors", last=out / "last.safetensors"))
    sys.stdout.flush()
    return 0
