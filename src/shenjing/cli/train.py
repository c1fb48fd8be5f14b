"""``shenjing train``: train a zoo model on MNIST or Fashion-MNIST, with checkpoints and resume.

The run folder (``--out``) receives ``best.safetensors``/``best.json``,
``last.safetensors``/``last.json``, ``history.json`` and ``history.csv``.  ``--resume``
continues the run from its latest complete checkpoint with the settings stored in it, so the
result is bit for bit that of an uninterrupted run.  This module also holds the helpers the
other training commands (``eval``, ``predict``, ``models``) share: error reporting and the
data pipeline of each data set.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..i18n import t

#: Pixel mean and standard deviation of each data set's training images (scaled to [0, 1]).
NORMALISATION: dict[str, tuple[float, float]] = {
    "mnist": (0.1307, 0.3081),
    "fashion-mnist": (0.2860, 0.3530),
}
DATASETS = tuple(NORMALISATION)
OPTIMIZERS = ("adam", "adamw", "sgd")
SCHEDULES = ("cosine", "step", "onecycle", "none")

#: Settings of a run: stored in every checkpoint, reused by --resume.
DEFAULTS: dict[str, Any] = {
    "dataset": "mnist",
    "model": "mlp",
    "model_args": {},
    "epochs": 10,
    "steps": None,
    "batch_size": 128,
    "lr": None,  # depends on the optimizer
    "optimizer": "adam",
    "momentum": 0.9,
    "weight_decay": 0.0,
    "schedule": "cosine",
    "seed": 0,
    "val_split": None,  # None: 1/12 of the training set, at most 5000 (5000 of MNIST's 60000)
    "augment": False,
    "train_size": None,
    "early_stopping": 0,
}
#: per-model defaults over DEFAULTS: the deeper CNN trains with augmentation unless --no-augment
MODEL_DEFAULTS: dict[str, dict[str, Any]] = {"cnn": {"augment": True}}
DEFAULT_LR = {"adam": 1e-3, "adamw": 1e-3, "sgd": 0.1}
#: settings a resumed run may change (the rest must match the checkpoint)
CHANGEABLE = ("epochs", "steps")


class UsageError(Exception):
    """A bad combination of options: exit status 2."""


# ---------------------------------------------------------------------- shared helpers
def debug_parent() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--debug", action="store_true", help=t("cli.common.debug.help"))
    return parent


def guarded(args: argparse.Namespace, body: Callable[[], int]) -> int:
    """Run ``body``; a usage error gives status 2, any other error a one-paragraph message on
    stderr and status 1 (with ``--debug``: the traceback too)."""
    try:
        return body()
    except UsageError as e:
        print(t("cli.error", msg=str(e)), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        raise
    except Exception as e:  # noqa: BLE001 - the command line reports, it does not crash
        if getattr(args, "debug", False):
            traceback.print_exc()
        text = str(e) or type(e).__name__
        if isinstance(e, KeyError | FileNotFoundError) and e.args:
            text = str(e.args[0])
        print(t("cli.error", msg=text), file=sys.stderr)
        if not getattr(args, "debug", False):
            print(t("cli.common.debug.hint"), file=sys.stderr)
        return 1


def set_threads(n: int) -> bool:
    """Limit the BLAS library NumPy uses to ``n`` threads (best effort, via its C API)."""
    import ctypes

    os.environ["OMP_NUM_THREADS"] = os.environ["OPENBLAS_NUM_THREADS"] = str(n)
    try:
        with open("/proc/self/maps", encoding="utf-8") as f:
            libs = {line.split()[-1] for line in f if "blas" in line.lower() and "/" in line}
    except OSError:
        return False
    for lib in sorted(libs):
        try:
            handle = ctypes.CDLL(lib)
        except OSError:
            continue
        for sym in ("openblas_set_num_threads", "scipy_openblas_set_num_threads64_",
                    "openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
                    "MKL_Set_Num_Threads"):
            fn = getattr(handle, sym, None)
            if fn is not None:
                fn(int(n))
                return True
    return False


def transforms_for(dataset: str, augment: bool = False, seed: int = 0) -> Any:
    """The input pipeline: uint8 → float in [0, 1] with a channel axis → normalised; with
    ``augment`` random shifts and rotations first (seeded)."""
    from ..data import transforms as T

    mean, std = NORMALISATION[dataset]
    steps: list[Any] = []
    if augment:
        steps += [T.RandomShift(2, seed=seed + 101), T.RandomRotation(10.0, seed=seed + 202)]
    steps += [T.ToTensor(), T.Normalize(mean, std)]
    return T.Compose(steps)


def open_dataset(name: str, train: bool, root: str | None, transform: Any = None) -> Any:
    from ..data import MNIST, FashionMNIST

    cls = {"mnist": MNIST, "fashion-mnist": FashionMNIST}[name]
    return cls(root, train=train, transform=transform)


def check_file(path: str) -> None:
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(t("cli.common.no_file", path=path))


# ---------------------------------------------------------------------- the parser
def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    from . import common_parent

    p = subparsers.add_parser("train", help=t("cli.train.help"),
                              description=t("cli.train.description"),
                              parents=[common_parent(), debug_parent()])
    p.add_argument("--dataset", choices=DATASETS, default=None, help=t("cli.train.arg.dataset"))
    p.add_argument("--model", default=None, help=t("cli.train.arg.model"))
    p.add_argument("--model-arg", action="append", default=None, metavar="KEY=VALUE",
                   help=t("cli.train.arg.model_arg"))
    p.add_argument("--epochs", type=int, default=None, help=t("cli.train.arg.epochs"))
    p.add_argument("--steps", type=int, default=None, help=t("cli.train.arg.steps"))
    p.add_argument("--batch-size", type=int, default=None, help=t("cli.train.arg.batch_size"))
    p.add_argument("--lr", type=float, default=None, help=t("cli.train.arg.lr"))
    p.add_argument("--optimizer", choices=OPTIMIZERS, default=None,
                   help=t("cli.train.arg.optimizer"))
    p.add_argument("--momentum", type=float, default=None, help=t("cli.train.arg.momentum"))
    p.add_argument("--weight-decay", type=float, default=None,
                   help=t("cli.train.arg.weight_decay"))
    p.add_argument("--schedule", choices=SCHEDULES, default=None,
                   help=t("cli.train.arg.schedule"))
    p.add_argument("--seed", type=int, default=None, help=t("cli.train.arg.seed"))
    p.add_argument("--val-split", type=int, default=None, metavar="N", help=t("cli.train.arg.val_split"))
    p.add_argument("--augment", action=argparse.BooleanOptionalAction, default=None,
                   help=t("cli.train.arg.augment"))
    p.add_argument("--train-size", type=int, default=None, metavar="N", help=t("cli.train.arg.train_size"))
    p.add_argument("--early-stopping", type=int, default=None, metavar="PATIENCE",
                   help=t("cli.train.arg.early_stopping"))
    p.add_argument("--threads", type=int, default=None, metavar="N", help=t("cli.train.arg.threads"))
    p.add_argument("--data-root", default=None, metavar="DIR", help=t("cli.train.arg.data_root"))
    p.add_argument("--out", default=None, metavar="DIR", help=t("cli.train.arg.out"))
    p.add_argument("--resume", nargs="?", const=True, default=None, metavar="CHECKPOINT",
                   help=t("cli.train.arg.resume"))
    p.add_argument("--overwrite", action="store_true", help=t("cli.train.arg.overwrite"))
    p.add_argument("--save-every", type=int, default=None, metavar="N",
                   help=t("cli.train.arg.save_every"))
    p.add_argument("--max-steps", type=int, default=None, metavar="N",
                   help=t("cli.train.arg.max_steps"))
    p.add_argument("--quiet", action="store_true", help=t("cli.train.arg.quiet"))
    from .poetry import add_task_arguments  # --task poetry: the Tang-poem language model

    add_task_arguments(p)
    return p


# ---------------------------------------------------------------------- settings
def _parse_model_args(items: list[str] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(t("cli.train.error.model_arg", arg=item))
        try:
            out[key.strip()] = json.loads(value)
        except ValueError:
            out[key.strip()] = value
    return out


def fresh_settings(given: dict[str, Any]) -> dict[str, Any]:
    """The settings of a new run: the defaults, the chosen model's own defaults, then what was given."""
    model = given.get("model", DEFAULTS["model"])
    return {**DEFAULTS, **MODEL_DEFAULTS.get(model, {}), **given}


def _given(args: argparse.Namespace) -> dict[str, Any]:
    """The settings named on the command line (``None`` means not given)."""
    given = {k: getattr(args, k, None) for k in DEFAULTS if k != "model_args"}
    given["model_args"] = _parse_model_args(args.model_arg) if args.model_arg else None
    return {k: v for k, v in given.items() if v is not None}


def _check_settings(s: dict[str, Any]) -> None:
    from .. import zoo

    positive = {"epochs": s["epochs"], "batch_size": s["batch_size"]}
    if s["steps"] is not None:
        positive["steps"] = s["steps"]
    if s["train_size"] is not None:
        positive["train_size"] = s["train_size"]
    for k, v in positive.items():
        if v < 1:
            raise UsageError(t("cli.train.error.positive", option="--" + k.replace("_", "-"),
                               value=v))
    if (s["val_split"] or 0) < 0 or s["early_stopping"] < 0:
        raise UsageError(t("cli.train.error.positive", option="--val-split/--early-stopping",
                           value=min(s["val_split"] or 0, s["early_stopping"])))
    if not s["lr"] > 0:
        raise UsageError(t("cli.train.error.positive", option="--lr", value=s["lr"]))
    if s["model"] not in zoo.list_models():
        raise UsageError(t("cli.train.error.model", name=s["model"],
                           known=", ".join(zoo.list_models())))
    try:
        zoo.model_config(s["model"], **s["model_args"])
    except ValueError as e:
        raise UsageError(str(e)) from None


# ---------------------------------------------------------------------- the run
def run(args: argparse.Namespace) -> int:
    if getattr(args, "task", "classify") == "poetry":
        from .poetry import run_train

        return guarded(args, lambda: run_train(args))
    return guarded(args, lambda: _run(args))


def _prepare_data(s: dict[str, Any], root: str | None) -> dict[str, Any]:
    import numpy as np

    from ..data.dataset import Subset
    from ..random import Generator

    name = s["dataset"]
    eval_tf = transforms_for(name)
    train_tf = transforms_for(name, s["augment"], s["seed"]) if s["augment"] else eval_tf
    full = open_dataset(name, True, root, train_tf)
    test = open_dataset(name, False, root, eval_tf)
    n = len(full)
    n_val = min(5000, n // 12) if s["val_split"] is None else s["val_split"]
    if n_val >= n:
        raise UsageError(t("cli.train.error.val_split", n=n_val, total=n))
    perm = Generator().manual_seed(s["seed"]).rng.permutation(n)
    val_idx, train_idx = perm[:n_val], perm[n_val:]
    if s["train_size"] is not None:
        train_idx = train_idx[:s["train_size"]]
    train_idx = np.sort(train_idx)
    train = Subset(full, train_idx) if len(train_idx) != n else full
    if n_val:
        view = copy.copy(full)  # same arrays, evaluation transform
        view.transform = eval_tf
        val, val_name = Subset(view, np.sort(val_idx)), "val"
    else:
        val, val_name = test, "test"
    return {"train": train, "val": val, "test": test, "val_name": val_name, "full": full}


def _build(s: dict[str, Any], n_batches: int) -> tuple[Any, Any, Any, int]:
    import shenjing as sj

    from .. import optim, zoo

    sj.manual_seed(s["seed"])
    model = zoo.get_model(s["model"], **s["model_args"])
    params = model.parameters()
    if s["optimizer"] == "sgd":
        opt = optim.SGD(params, lr=s["lr"], momentum=s["momentum"],
                        weight_decay=s["weight_decay"])
    elif s["optimizer"] == "adamw":
        opt = optim.AdamW(params, lr=s["lr"], weight_decay=s["weight_decay"])
    else:
        opt = optim.Adam(params, lr=s["lr"], weight_decay=s["weight_decay"])
    total = s["steps"] if s["steps"] is not None else s["epochs"] * n_batches
    sched: Any = None
    lrs = optim.lr_scheduler
    if s["schedule"] == "cosine":
        sched = lrs.CosineAnnealingLR(opt, T_max=total)
    elif s["schedule"] == "step":
        sched = lrs.MultiStepLR(opt, milestones=[max(1, total // 2), max(2, total * 3 // 4)],
                                gamma=0.1)
    elif s["schedule"] == "onecycle":
        sched = lrs.OneCycleLR(opt, max_lr=s["lr"], total_steps=total)
    return model, opt, sched, total


def _reporter(quiet: bool, val_name: str) -> Callable[[str, dict[str, Any]], None]:
    def report(event: str, data: dict[str, Any]) -> None:
        if quiet or event != "epoch":
            return
        r = data["row"]
        key = "cli.train.epoch.val" if "val_loss" in r else "cli.train.epoch"
        print(t(key, epoch=r["epoch"], epochs=data["epochs"], loss=r["train_loss"],
                acc=100 * r["train_accuracy"], val=t(f"cli.train.split.{val_name}"),
                val_loss=r.get("val_loss", float("nan")),
                val_acc=100 * r.get("val_accuracy", float("nan")),
                lr=r["lr"], time=r["time_s"], rate=r["samples_per_s"]), flush=True)

    return report


def _run(args: argparse.Namespace) -> int:
    from .. import zoo
    from ..data.loader import DataLoader
    from ..io import CheckpointError
    from ..train import (
        EarlyStopping,
        HistoryWriter,
        ModelCheckpoint,
        StopOnNonFinite,
        Trainer,
        find_resume_checkpoint,
        read_checkpoint,
        resolve_checkpoint,
    )

    started = time.perf_counter()
    given = _given(args)
    for opt_name, v in (("--threads", args.threads), ("--save-every", args.save_every),
                        ("--max-steps", args.max_steps)):
        if v is not None and v < 1:
            raise UsageError(t("cli.train.error.positive", option=opt_name, value=v))
    if args.threads:
        set_threads(args.threads)

    ckpt = None
    skipped: list[tuple[Path, str]] = []
    if args.resume is not None:
        if args.resume is True:
            if args.out is None:
                raise UsageError(t("cli.train.error.no_out"))
            try:
                ckpt, skipped = find_resume_checkpoint(args.out)
            except FileNotFoundError as e:
                raise CheckpointError(args.out, t("cli.train.error.nothing_to_resume",
                                                  msg=str(e))) from None
        else:
            ckpt = read_checkpoint(resolve_checkpoint(args.resume))
        saved = dict(ckpt.get("run", {}).get("settings") or {})
        if not saved:
            raise CheckpointError(ckpt["_path"], t("cli.train.error.not_cli_run"))
        for k, v in given.items():
            if k not in CHANGEABLE and saved.get(k) != v:
                raise UsageError(t("cli.train.error.resume_conflict",
                                   option="--" + k.replace("_", "-"), saved=saved.get(k),
                                   given=v))
        settings = {**DEFAULTS, **saved, **{k: given[k] for k in CHANGEABLE if k in given}}
        if "epochs" in given and "steps" not in given:
            settings["steps"] = None
        out = Path(args.out) if args.out else Path(ckpt["_path"]).parent
    else:
        settings = fresh_settings(given)
        if settings["lr"] is None:
            settings["lr"] = DEFAULT_LR[settings["optimizer"]]
        out = Path(args.out or f"runs/{settings['dataset']}-{settings['model']}")
        existing = [p.name for p in (out / "last.safetensors", out / "best.safetensors")
                    if p.exists()]
        if existing and not args.overwrite:
            raise UsageError(t("cli.train.error.exists", out=out, files=", ".join(existing)))
    _check_settings(settings)

    data = _prepare_data(settings, args.data_root)
    loader = DataLoader(data["train"], settings["batch_size"], shuffle=True,
                        seed=settings["seed"])
    val_loader = DataLoader(data["val"], 1000)
    model, opt, sched, total = _build(settings, len(loader))
    callbacks: list[Any] = [StopOnNonFinite(check_weights=True),
                            ModelCheckpoint(out, monitor="val_accuracy",
                                            every_n_steps=args.save_every),
                            HistoryWriter(out)]
    if settings["early_stopping"]:
        callbacks.append(EarlyStopping("val_loss", patience=settings["early_stopping"]))
    run_info = {"command": "shenjing train", "settings": settings,
                "data_source": data["full"].source, "sample": bool(data["full"].is_sample)}
    trainer = Trainer(model, opt, scheduler=sched, scheduler_interval="step",
                      callbacks=callbacks, quiet=args.quiet,
                      report=_reporter(args.quiet, data["val_name"]),
                      model_name=settings["model"],
                      model_config=zoo.model_config(settings["model"], **settings["model_args"]),
                      run_info=run_info)

    if ckpt is not None:
        for path, why in skipped:
            print(t("cli.train.skipped", path=path, reason=why), file=sys.stderr)
        trainer.load_checkpoint(ckpt)
        if not args.quiet:
            print(t("cli.train.resumed", path=ckpt["_path"], epoch=ckpt["epoch"],
                    step=ckpt["step"]))
        if trainer.stop_kind in ("early_stopping", "non_finite") or (
                (settings["steps"] is not None and trainer.step >= settings["steps"])
                or (settings["steps"] is None and trainer.epoch >= settings["epochs"])):
            print(t("cli.train.nothing", out=out, epoch=trainer.epoch, step=trainer.step))
            return 0
    elif not args.quiet:
        length = (t("cli.train.len.steps", n=settings["steps"]) if settings["steps"]
                  else t("cli.train.len.epochs", n=settings["epochs"]))
        print(t("cli.train.start", model=settings["model"], dataset=settings["dataset"],
                n_train=len(data["train"]), n_val=len(data["val"]),
                val=t(f"cli.train.split.{data['val_name']}"), length=length,
                optimizer=settings["optimizer"], lr=settings["lr"],
                batch=settings["batch_size"], schedule=settings["schedule"],
                seed=settings["seed"], out=out), flush=True)

    interrupted = {"n": 0}

    def on_signal(signum: int, frame: Any) -> None:
        interrupted["n"] += 1
        if interrupted["n"] > 1:
            raise KeyboardInterrupt
        trainer.request_stop("interrupted", f"signal {signum}", step=trainer.step)

    old = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        trainer.fit(loader, epochs=None if settings["steps"] else settings["epochs"],
                    val_loader=val_loader, steps=settings["steps"], max_steps=args.max_steps)
    finally:
        for s, h in old.items():
            signal.signal(s, h)

    kind = trainer.stop_kind
    last = out / "last.safetensors"
    if kind == "non_finite":
        r = trainer.stop_reason or {}
        print(t("cli.train.nonfinite", what=r.get("what", "loss"), value=r.get("value", "nan"),
                epoch=r.get("epoch"), step=r.get("step"),
                last=last if last.exists() else t("cli.train.nonfinite.none")), file=sys.stderr)
        return 1
    if kind == "interrupted":
        print(t("cli.train.interrupted", step=trainer.step, path=last, out=out),
              file=sys.stderr)
        return 130
    if kind == "max_steps":
        print(t("cli.train.max_steps", step=trainer.step, out=out))
        return 0
    if kind == "early_stopping" and not args.quiet:
        print(t("cli.train.early", epoch=trainer.epoch))

    test = trainer.evaluate(DataLoader(data["test"], 1000))
    trainer.history.info["test"] = {k: test[k] for k in ("loss", "accuracy", "samples",
                                                         "per_class_accuracy")}
    trainer.history.save(out)
    print(t("cli.train.done", time=time.perf_counter() - started, acc=100 * test["accuracy"],
            loss=test["loss"], n=test["samples"], best=out / "best.safetensors", last=last,
            history=out / "history.json"))
    return 0
