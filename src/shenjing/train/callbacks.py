"""Callbacks: code the :class:`~shenjing.train.Trainer` calls at fixed points of training.

Hooks, in the order they are called::

    on_train_begin(trainer)
      on_epoch_begin(trainer, epoch)          # epoch counts from 1
        on_loss(trainer, loss)                # after the forward pass, before backward/step
        on_step_end(trainer, loss)            # after optimizer (and per-step scheduler) step
      on_epoch_end(trainer, row)              # after validation and the per-epoch scheduler step
    on_train_end(trainer)

A callback stops training with ``trainer.request_stop(kind, message, **facts)``.  Callbacks with
state (early stopping's patience counter, the best score so far) give it through
``state_dict()``, which the checkpoint stores, so a resumed run decides exactly as an
uninterrupted one would.  Callbacks run in the order of their ``order`` attribute (then as
given); :class:`ModelCheckpoint` runs last, so what it saves includes every other callback's
decision for that epoch.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .trainer import Trainer

__all__ = ["Callback", "EarlyStopping", "HistoryWriter", "ModelCheckpoint", "StopOnNonFinite"]


class Callback:
    """Base class: every hook does nothing."""

    #: callbacks run sorted by this (stable); ModelCheckpoint uses 100 so it runs last
    order: int = 0

    def on_train_begin(self, trainer: Trainer) -> None: ...

    def on_epoch_begin(self, trainer: Trainer, epoch: int) -> None: ...

    def on_loss(self, trainer: Trainer, loss: float) -> None: ...

    def on_step_end(self, trainer: Trainer, loss: float) -> None: ...

    def on_epoch_end(self, trainer: Trainer, row: dict[str, Any]) -> None: ...

    def on_train_end(self, trainer: Trainer) -> None: ...

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None: ...

    @property
    def key(self) -> str:
        """The name under which the checkpoint stores this callback's state."""
        return type(self).__name__


class StopOnNonFinite(Callback):
    """Stop the moment the loss is NaN or ±inf, before that step changes any weight.

    The stop names the epoch and the step (``trainer.stop_reason``); no checkpoint is written
    for it, so the last good checkpoint stays byte for byte what it was.  With
    ``check_weights=True`` the parameters are also checked after every step (a finite loss can
    still give an infinite gradient).
    """

    order = -100

    def __init__(self, check_weights: bool = False) -> None:
        self.check_weights = check_weights

    def on_loss(self, trainer: Trainer, loss: float) -> None:
        if not math.isfinite(loss):
            step = trainer.step + 1
            trainer.request_stop(
                "non_finite",
                f"the loss is {loss} at epoch {trainer.epoch + 1}, step {step}; training stopped "
                "before this step changed any weight",
                epoch=trainer.epoch + 1, step=step, value=str(loss), what="loss",
            )

    def on_step_end(self, trainer: Trainer, loss: float) -> None:
        if not self.check_weights:
            return
        for name, p in trainer.model.named_parameters():
            if not np.all(np.isfinite(p.data)):
                trainer.request_stop(
                    "non_finite",
                    f"parameter {name} holds NaN or inf after epoch {trainer.epoch + 1}, step "
                    f"{trainer.step}; training stopped and no checkpoint was written",
                    epoch=trainer.epoch + 1, step=trainer.step, value="nan/inf",
                    what=f"parameter {name}",
                )
                return


def _mode_for(monitor: str, mode: str) -> str:
    if mode in ("min", "max"):
        return mode
    if mode != "auto":
        raise ValueError(f"mode must be 'min', 'max' or 'auto', got {mode!r}")
    return "max" if "acc" in monitor else "min"


def _better(value: float, best: float | None, mode: str, min_delta: float) -> bool:
    if not math.isfinite(value):
        return False
    if best is None:
        return True
    return value < best - min_delta if mode == "min" else value > best + min_delta


class EarlyStopping(Callback):
    """Stop when ``monitor`` (a key of the epoch row, e.g. ``val_loss``) has not improved by
    more than ``min_delta`` for ``patience`` epochs."""

    def __init__(self, monitor: str = "val_loss", patience: int = 3, min_delta: float = 0.0,
                 mode: str = "auto") -> None:
        if patience < 0:
            raise ValueError(f"EarlyStopping: patience must be >= 0, got {patience}")
        self.monitor, self.patience, self.min_delta = monitor, int(patience), float(min_delta)
        self.mode = _mode_for(monitor, mode)
        self.best: float | None = None
        self.best_epoch = 0
        self.wait = 0

    def on_epoch_end(self, trainer: Trainer, row: dict[str, Any]) -> None:
        value = row.get(self.monitor)
        if value is None:
            raise KeyError(f"EarlyStopping: the epoch row has no {self.monitor!r} (it has "
                           f"{', '.join(row)}); pass a validation loader or another monitor")
        if _better(float(value), self.best, self.mode, self.min_delta):
            self.best, self.best_epoch, self.wait = float(value), int(row["epoch"]), 0
            return
        self.wait += 1
        if self.wait >= self.patience:
            trainer.request_stop(
                "early_stopping",
                f"{self.monitor} has not improved for {self.wait} epoch(s) (best "
                f"{self.best:.6g} at epoch {self.best_epoch})",
                epoch=int(row["epoch"]), step=trainer.step, best=self.best,
                best_epoch=self.best_epoch,
            )

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best, "best_epoch": self.best_epoch, "wait": self.wait}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best, self.best_epoch, self.wait = state["best"], state["best_epoch"], state["wait"]


class ModelCheckpoint(Callback):
    """Save the full training state to ``folder``: ``last.safetensors`` (+ ``last.json``) at
    the end of every epoch, every ``every_n_steps`` steps and when training stops for a reason
    other than a non-finite value; ``best.safetensors`` (+ ``best.json``) whenever ``monitor``
    improves.  See :meth:`Trainer.save_checkpoint` for the files."""

    order = 100

    def __init__(self, folder: str | os.PathLike[str], monitor: str = "val_accuracy",
                 mode: str = "auto", save_best: bool = True, save_last: bool = True,
                 every_n_steps: int | None = None) -> None:
        self.folder = Path(folder)
        self.monitor = monitor
        self.mode = _mode_for(monitor, mode)
        self.save_best, self.save_last = save_best, save_last
        if every_n_steps is not None and every_n_steps < 1:
            raise ValueError(f"ModelCheckpoint: every_n_steps must be >= 1, got {every_n_steps}")
        self.every_n_steps = every_n_steps
        self.best: float | None = None
        self.best_epoch = 0
        self.saved_step: int | None = None  # step of the latest 'last' save in this process

    @property
    def last_path(self) -> Path:
        return self.folder / "last.safetensors"

    @property
    def best_path(self) -> Path:
        return self.folder / "best.safetensors"

    def _save_last(self, trainer: Trainer) -> None:
        if self.save_last and trainer.save_checkpoint(self.folder / "last", kind="last"):
            self.saved_step = trainer.step

    def on_step_end(self, trainer: Trainer, loss: float) -> None:
        if self.every_n_steps and trainer.step % self.every_n_steps == 0 \
                and not trainer.stop_training:
            self._save_last(trainer)

    def on_epoch_end(self, trainer: Trainer, row: dict[str, Any]) -> None:
        if trainer.stop_kind == "non_finite":
            return
        value = row.get(self.monitor)
        if self.save_best and value is not None and _better(float(value), self.best, self.mode,
                                                            0.0):
            self.best, self.best_epoch = float(value), int(row["epoch"])
            trainer.save_checkpoint(self.folder / "best", kind="best")
        self._save_last(trainer)

    def on_train_end(self, trainer: Trainer) -> None:
        if trainer.stop_kind == "non_finite" or trainer.step == 0:
            return
        if self.saved_step != trainer.step:
            self._save_last(trainer)

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best, "best_epoch": self.best_epoch}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best, self.best_epoch = state["best"], state["best_epoch"]


class HistoryWriter(Callback):
    """Write ``history.json`` and ``history.csv`` to ``folder`` after every epoch and at the
    end (atomically, so a reader never sees half a file)."""

    order = 90

    def __init__(self, folder: str | os.PathLike[str], stem: str = "history") -> None:
        self.folder, self.stem = Path(folder), stem

    def on_epoch_end(self, trainer: Trainer, row: dict[str, Any]) -> None:
        trainer.history.save(self.folder, self.stem)

    def on_train_end(self, trainer: Trainer) -> None:
        if trainer.stop_reason is not None:
            trainer.history.info["stop"] = dict(trainer.stop_reason)
        trainer.history.save(self.folder, self.stem)
