"""``shenjing eval``: accuracy, per-class accuracy and confusion matrix of a checkpoint."""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

from ..i18n import t
from .train import DATASETS, UsageError, debug_parent, guarded, open_dataset, transforms_for


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    from . import common_parent

    p = subparsers.add_parser("eval", aliases=["evaluate"], help=t("cli.eval.help"),
                              description=t("cli.eval.description"),
                              parents=[common_parent(), debug_parent()])
    p.add_argument("--checkpoint", required=True, help=t("cli.common.checkpoint.help"))
    p.add_argument("--dataset", choices=DATASETS, default=None, help=t("cli.eval.arg.dataset"))
    p.add_argument("--split", choices=("test", "train"), default="test",
                   help=t("cli.eval.arg.split"))
    p.add_argument("--batch-size", type=int, default=1000, help=t("cli.eval.arg.batch_size"))
    p.add_argument("--data-root", default=None, metavar="DIR",
                   help=t("cli.common.data_root.help"))
    p.add_argument("--json", action="store_true", help=t("cli.eval.arg.json"))
    p.add_argument("--png", default=None, metavar="FILE.png", help=t("cli.eval.arg.png"))
    return p


def run(args: argparse.Namespace) -> int:
    return guarded(args, lambda: _run(args))


def class_label(i: int, name: str) -> str:
    """``0 - zero`` stays as it is; ``Trouser`` becomes ``1 Trouser``."""
    return name if name.split(" ")[0] == str(i) else f"{i} {name}"


def _table(cm: list[list[int]], names: list[str]) -> str:
    width = max(5, *(len(str(v)) for row in cm for v in row)) + 1
    head = " " * 6 + "".join(f"{i:>{width}}" for i in range(len(cm)))
    lines = [head]
    for i, row in enumerate(cm):
        lines.append(f"{i:>5} " + "".join(f"{v:>{width}}" for v in row)
                     + f"   {class_label(i, names[i])}")
    return "\n".join(lines)


def save_confusion_png(cm: list[list[int]], path: str, accuracy: float,
                       names: list[str]) -> None:
    """Draw the confusion matrix (counts in the cells) into a PNG file, in the current
    language when a font for it is installed."""
    import numpy as np

    from .. import i18n
    from ..viz.lecture import figure_lang, new_figure, save_figure

    lang = figure_lang(i18n.get_lang())
    m = np.asarray(cm)
    fig = new_figure(6.4, 5.6, lang=lang)
    ax = fig.add_subplot()
    im = ax.imshow(m, cmap="Blues")
    k = len(m)
    for i in range(k):
        for j in range(k):
            ax.text(j, i, str(m[i, j]), ha="center", va="center", fontsize=7,
                    color="white" if m[i, j] > m.max() / 2 else "black")
    ax.set_xticks(range(k))
    ax.set_yticks(range(k))
    ax.set_yticklabels([class_label(i, names[i]) for i in range(k)], fontsize=7)
    ax.set_xlabel(t("cli.eval.plot.pred", lang=lang))
    ax.set_ylabel(t("cli.eval.plot.true", lang=lang))
    ax.set_title(t("cli.eval.plot.title", lang=lang, acc=100 * accuracy))
    fig.colorbar(im, ax=ax)
    save_figure(fig, path, dpi=120)


def _run(args: argparse.Namespace) -> int:
    from ..data.loader import DataLoader
    from ..nn import CrossEntropyLoss
    from ..train import evaluate, load_model, resolve_checkpoint

    if args.batch_size < 1:
        raise UsageError(t("cli.train.error.positive", option="--batch-size",
                           value=args.batch_size))
    path = resolve_checkpoint(args.checkpoint)
    model, ckpt = load_model(path)
    settings = (ckpt.get("run") or {}).get("settings") or {}
    dataset = args.dataset or settings.get("dataset") or "mnist"
    ds = open_dataset(dataset, args.split == "train", args.data_root, transforms_for(dataset))
    metrics = evaluate(model, DataLoader(ds, args.batch_size), CrossEntropyLoss(),
                       num_classes=len(ds.classes))
    names = [str(c) for c in ds.classes]
    if args.png:
        save_confusion_png(metrics["confusion_matrix"], args.png, metrics["accuracy"], names)
    if args.json:
        out = {"checkpoint": str(path), "model": ckpt["model"]["name"], "dataset": dataset,
               "split": args.split, "samples": metrics["samples"],
               "accuracy": metrics["accuracy"], "loss": metrics["loss"],
               "per_class_accuracy": [None if math.isnan(v) else v
                                      for v in metrics["per_class_accuracy"]],
               "confusion_matrix": metrics["confusion_matrix"], "classes": names}
        if args.png:
            out["png"] = args.png
        print(json.dumps(out, ensure_ascii=False))
        return 0
    print(t("cli.eval.result", model=ckpt["model"]["name"], path=path, dataset=dataset,
            split=args.split, n=metrics["samples"], acc=100 * metrics["accuracy"],
            loss=metrics["loss"]))
    print()
    print(t("cli.eval.per_class"))
    for i, acc in enumerate(metrics["per_class_accuracy"]):
        print(f"  {class_label(i, names[i]):<16} {100 * acc:6.2f}%")
    print()
    print(t("cli.eval.confusion"))
    print(_table(metrics["confusion_matrix"], names))
    if args.png:
        print()
        print(t("cli.eval.saved", path=args.png))
    sys.stdout.flush()
    return 0
