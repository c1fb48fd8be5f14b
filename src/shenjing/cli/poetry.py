"""``shenjing train --task poetry``: a character language model of 唐诗三百首.

``shenjing train`` owns the command; this module adds the poetry options to its parser
(:func:`add_task_arguments`) and runs the task (:func:`run_train`).  It also registers the
English and Chinese messages of the poetry commands (``train --task poetry`` and ``generate``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from .. import i18n
from ..i18n import t

__all__ = ["add_task_arguments", "run_train", "MESSAGES_EN", "MESSAGES_ZH"]

MESSAGES_EN: dict[str, str] = {
    "cli.poetry.arg.task": "what to train: 'classify' (images, the default) or 'poetry' (a character "
                           "language model of 300 Tang poems)",
    "cli.poetry.arg.corpus": "poetry: the corpus file (default: $SHENJING_DATA, ~/.cache/shenjing, then "
                             "/usr/share/games/fortunes/tang300 from the fortunes-zh package)",
    "cli.poetry.arg.cell": "poetry: recurrent cell (default lstm)",
    "cli.poetry.arg.hidden": "poetry: hidden units per layer (default {default})",
    "cli.poetry.arg.embed": "poetry: character embedding size (default {default})",
    "cli.poetry.arg.layers": "poetry: recurrent layers (default {default})",
    "cli.poetry.arg.dropout": "poetry: dropout between layers and before the output (default {default})",
    "cli.poetry.arg.seq_len": "poetry: characters per training window (default {default})",
    "cli.poetry.arg.val_poems": "poetry: poems held out for validation (default {default})",
    "cli.poetry.arg.all_poems": "poetry: train on all poems, not only the regular 5- and 7-character ones",
    "cli.poetry.arg.time_limit": "poetry: stop after this many minutes (the best model so far is kept)",
    "cli.poetry.start": "Training a character {cell} on {train} poems ({tokens} characters, vocabulary "
                        "{vocab}; {val} poems held out), {params} parameters, {steps} steps of {batch}×{seq} "
                        "characters, Adam lr {lr}, seed {seed}. Output: {out}",
    "cli.poetry.eval": "step {step}/{steps}  train loss {loss:.3f}  val perplexity {ppl:.1f}{best}  {time:.0f} s",
    "cli.poetry.eval.best": " (best)",
    "cli.poetry.sample": "    sample: {text}",
    "cli.poetry.done": "Done in {time:.0f} s ({why}): best validation perplexity {ppl:.1f} at step {step}; "
                       "{good} of {n} sampled poems are regular 5- or 7-character verse.\n"
                       "Model: {best}\nWrite with: shenjing generate --checkpoint {best} --prompt 春",
    "cli.poetry.why.steps": "all steps",
    "cli.poetry.why.time_limit": "time limit",
    "cli.poetry.error.epochs": "--task poetry counts training steps: use --steps N and/or --time-limit MINUTES",
    "cli.poetry.error.exists": "{out} already holds a poetry model ({files}); use --overwrite or another --out",
    "cli.generate.help": "write poems with a trained character model",
    "cli.generate.description": "Write Tang-style poems with a model from `shenjing train --task poetry`: "
                                "continue a prompt, or an acrostic (藏头诗) with one clause per prompt "
                                "character.",
    "cli.generate.arg.checkpoint": "the model file (best.safetensors of a poetry run)",
    "cli.generate.arg.prompt": "the beginning of the poem (acrostic: the head characters)",
    "cli.generate.arg.length": "characters to write after the prompt, at most (default 48)",
    "cli.generate.arg.temperature": "sampling temperature: lower is safer, higher is wilder (default 0.8)",
    "cli.generate.arg.top_k": "sample only among the K most likely characters",
    "cli.generate.arg.seed": "random seed (the same seed writes the same poem)",
    "cli.generate.arg.acrostic": "acrostic poem: each clause starts with the next prompt character",
    "cli.generate.arg.form": "acrostic: characters per clause, 5 or 7 (default: the model chooses)",
    "cli.generate.arg.num": "how many poems to write (seeds seed, seed+1, …)",
    "cli.generate.arg.stats": "also report how many poems are regular 5- or 7-character verse",
    "cli.generate.arg.json": "print JSON instead of text",
    "cli.generate.seed": "(seed {seed})",
    "cli.generate.stats": "regular verse: {good} of {n} ({share:.0%}): {five} five-character, {seven} "
                          "seven-character",
    "cli.generate.error.prompt": "--acrostic needs the head characters in --prompt",
    "cli.generate.error.positive": "{option} must be positive, got {value}",
}

MESSAGES_ZH: dict[str, str] = {
    "cli.poetry.arg.task": "训练任务：'classify'（图像分类，默认）或 'poetry'（唐诗三百首的字符级语言模型）",
    "cli.poetry.arg.corpus": "写诗：语料文件（默认依次查找 $SHENJING_DATA、~/.cache/shenjing 和 fortunes-zh 软件包的 "
                             "/usr/share/games/fortunes/tang300）",
    "cli.poetry.arg.cell": "写诗：循环单元（默认 lstm）",
    "cli.poetry.arg.hidden": "写诗：每层隐藏单元数（默认 {default}）",
    "cli.poetry.arg.embed": "写诗：字向量维数（默认 {default}）",
    "cli.poetry.arg.layers": "写诗：循环层数（默认 {default}）",
    "cli.poetry.arg.dropout": "写诗：层间及输出前的 dropout 比例（默认 {default}）",
    "cli.poetry.arg.seq_len": "写诗：每个训练窗口的字数（默认 {default}）",
    "cli.poetry.arg.val_poems": "写诗：留作验证的诗数（默认 {default}）",
    "cli.poetry.arg.all_poems": "写诗：用全部诗训练，而不只是整齐的五言和七言",
    "cli.poetry.arg.time_limit": "写诗：训练这么多分钟后停止（保留目前最好的模型）",
    "cli.poetry.start": "训练字符级 {cell}：{train} 首诗（{tokens} 字，字表 {vocab}；留出 {val} 首验证），"
                        "参数 {params} 个，{steps} 步，每步 {batch}×{seq} 字，Adam 学习率 {lr}，随机种子 {seed}。"
                        "输出：{out}",
    "cli.poetry.eval": "第 {step}/{steps} 步  训练损失 {loss:.3f}  验证困惑度 {ppl:.1f}{best}  {time:.0f} 秒",
    "cli.poetry.eval.best": "（最好）",
    "cli.poetry.sample": "    试写：{text}",
    "cli.poetry.done": "用时 {time:.0f} 秒（{why}）：最好的验证困惑度 {ppl:.1f}（第 {step} 步）；"
                       "试写的 {n} 首中有 {good} 首是整齐的五言或七言。\n"
                       "模型：{best}\n写诗：shenjing generate --checkpoint {best} --prompt 春",
    "cli.poetry.why.steps": "完成全部步数",
    "cli.poetry.why.time_limit": "到达时间上限",
    "cli.poetry.error.epochs": "--task poetry 按步数训练：请用 --steps N 和/或 --time-limit 分钟数",
    "cli.poetry.error.exists": "{out} 里已有写诗模型（{files}）；请加 --overwrite 或换一个 --out",
    "cli.generate.help": "用训练好的字符模型写诗",
    "cli.generate.description": "用 `shenjing train --task poetry` 训练的模型写唐诗风格的诗：续写开头，"
                                "或写藏头诗（每句以开头的一个字起首）。",
    "cli.generate.arg.checkpoint": "模型文件（写诗训练输出的 best.safetensors）",
    "cli.generate.arg.prompt": "诗的开头（藏头诗：各句的首字）",
    "cli.generate.arg.length": "开头之后最多写多少字（默认 48）",
    "cli.generate.arg.temperature": "采样温度：越低越稳妥，越高越奔放（默认 0.8）",
    "cli.generate.arg.top_k": "只在最可能的 K 个字中采样",
    "cli.generate.arg.seed": "随机种子（同一种子写出同一首诗）",
    "cli.generate.arg.acrostic": "藏头诗：每一句以开头的下一个字起首",
    "cli.generate.arg.form": "藏头诗：每句字数，5 或 7（默认由模型决定）",
    "cli.generate.arg.num": "写几首（种子依次为 seed, seed+1, …）",
    "cli.generate.arg.stats": "同时统计整齐的五言或七言诗有几首",
    "cli.generate.arg.json": "输出 JSON 而不是文本",
    "cli.generate.seed": "（种子 {seed}）",
    "cli.generate.stats": "整齐的诗：{n} 首中 {good} 首（{share:.0%}）：五言 {five} 首，七言 {seven} 首",
    "cli.generate.error.prompt": "--acrostic 需要在 --prompt 中给出各句的首字",
    "cli.generate.error.positive": "{option} 必须为正数，收到 {value}",
}

i18n.register("en", MESSAGES_EN)
i18n.register("zh", MESSAGES_ZH)

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

    from ..lm.poetry import load_poetry_model

    model, vocab, metrics = train_poetry(poems, settings, out, log)
    best_path = out / "best.safetensors"
    best_model, best_vocab, _ = load_poetry_model(best_path)
    share = form_share(best_model, best_vocab, n=20, seed=settings.seed)
    print(t("cli.poetry.done", time=metrics["time_s"], why=t(f"cli.poetry.why.{metrics['stopped']}"),
            ppl=metrics["best"]["perplexity"], step=metrics["best"]["step"], good=share["well_formed"],
            n=share["n"], best=best_path))
    sys.stdout.flush()
    return 0
