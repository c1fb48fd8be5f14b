"""The training loop, packaged: :class:`Trainer` and :func:`fit`.

What one step does is exactly the explicit loop of ``docs/training.md``::

    out = model(x); loss = loss_fn(out, y)
    optimizer.zero_grad(); loss.backward(); optimizer.step()

around it the Trainer keeps count (epoch, global step), measures (loss, accuracy, per-class
accuracy and confusion matrix on the validation set after every epoch), shows a progress bar,
records a :class:`~shenjing.train.history.History`, calls the callbacks, and writes and reads
checkpoints that hold *everything* needed to continue: weights, optimizer and scheduler state,
counters, random-number states, the data loader's position and augmentation state, the
callbacks' state and the history.  A run stopped after step k and resumed from its checkpoint
in a new process therefore computes the same losses and ends with the same weights, bit for
bit, as a run that was never stopped.

Checkpoint files come in pairs: ``NAME.safetensors`` (the state, via :func:`shenjing.save`,
verified by SHA-256 on load) and ``NAME.json`` (a human-readable summary: model, epoch, step,
metrics, and the SHA-256 of the ``.safetensors`` file, which tells a matching pair from a
half-finished save).  Both are written atomically, the ``.safetensors`` first.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..autograd import no_grad
from ..io.atomic import atomic_write_bytes, atomic_write_text
from ..io.checkpoint import CheckpointError
from ..io.checkpoint import load as load_file
from ..io.checkpoint import save as save_file
from ..random import get_rng_state, set_rng_state
from .callbacks import Callback, ModelCheckpoint, StopOnNonFinite
from .history import History
from .metrics import ClassificationMeter

__all__ = [
    "CHECKPOINT_FORMAT",
    "CHECKPOINT_VERSION",
    "Trainer",
    "evaluate",
    "find_resume_checkpoint",
    "fit",
    "load_model",
    "read_checkpoint",
    "resolve_checkpoint",
]

CHECKPOINT_FORMAT = "shenjing.training"
CHECKPOINT_VERSION = 1

Reporter = Callable[[str, dict[str, Any]], None]


def _unpack(batch: Any) -> tuple[Any, Any]:
    if isinstance(batch, list | tuple) and len(batch) == 2:
        return batch[0], batch[1]
    raise TypeError("the Trainer expects batches of (inputs, targets); got "
                    f"{type(batch).__name__} of length {len(batch) if hasattr(batch, '__len__') else '?'}")


def evaluate(model: Any, loader: Iterable[Any], loss_fn: Callable[[Any, Any], Any] | None = None,
             num_classes: int | None = None, per_class: bool = True) -> dict[str, Any]:
    """Loss (if ``loss_fn``), accuracy, per-class accuracy and confusion matrix of ``model``
    on ``loader``, in eval mode and without gradients; the model's mode is restored."""
    meter = ClassificationMeter(num_classes)
    was_training = bool(getattr(model, "training", False))
    model.eval()
    try:
        with no_grad():
            for batch in loader:
                x, y = _unpack(batch)
                out = model(x)
                loss = float(loss_fn(out, y).item()) if loss_fn is not None else None
                meter.update(out, y, loss)
    finally:
        model.train(was_training)
    result = meter.compute(per_class)
    if loss_fn is None:
        result.pop("loss")
    result["samples"] = meter.count
    return result


def _default_report(event: str, data: dict[str, Any]) -> None:
    if event == "epoch":
        r = data["row"]
        parts = [f"epoch {r['epoch']}/{data['epochs']}",
                 f"train loss {r['train_loss']:.4f} acc {100 * r['train_accuracy']:.2f}%"]
        if "val_loss" in r:
            parts.append(f"val loss {r['val_loss']:.4f} acc {100 * r['val_accuracy']:.2f}%")
        parts.append(f"lr {r['lr']:.3g}")
        parts.append(f"{r['time_s']:.1f} s ({r['samples_per_s']:.0f} samples/s)")
        print("  ".join(parts), flush=True)
    elif event == "stop" and data.get("kind") != "max_steps":
        print(f"stopped: {data['message']}", file=sys.stderr, flush=True)


class Trainer:
    """Trains ``model`` with ``optimizer`` on batches ``(x, y)``; see the module docstring.

    ``loss_fn`` defaults to cross-entropy.  ``scheduler`` is stepped once per epoch or, with
    ``scheduler_interval="step"``, once per step.  ``callbacks`` get the hooks of
    :mod:`shenjing.train.callbacks`; a :class:`StopOnNonFinite` is added unless one is given.
    ``progress``: show a tqdm bar (``None``: only when stderr is a terminal and not ``quiet``).
    ``report(event, data)`` receives ``"epoch"`` and ``"stop"`` events (default: one English
    line per epoch on stdout; ``quiet=True`` silences it).  ``model_name`` / ``model_config``
    (the :mod:`shenjing.zoo` name and configuration) and ``run_info`` (any JSON) are stored in
    every checkpoint.
    """

    def __init__(
        self,
        model: Any,
        optimizer: Any,
        loss_fn: Callable[[Any, Any], Any] | None = None,
        *,
        scheduler: Any = None,
        scheduler_interval: str = "epoch",
        callbacks: Sequence[Callback] = (),
        num_classes: int | None = None,
        progress: bool | None = None,
        quiet: bool = False,
        report: Reporter | None = None,
        model_name: str | None = None,
        model_config: dict[str, Any] | None = None,
        run_info: dict[str, Any] | None = None,
    ) -> None:
        if scheduler_interval not in ("epoch", "step"):
            raise ValueError(f"scheduler_interval must be 'epoch' or 'step', got "
                             f"{scheduler_interval!r}")
        if loss_fn is None:
            from ..nn import CrossEntropyLoss

            loss_fn = CrossEntropyLoss()
        self.model, self.optimizer, self.loss_fn = model, optimizer, loss_fn
        self.scheduler, self.scheduler_interval = scheduler, scheduler_interval
        cbs = list(callbacks)
        if not any(isinstance(c, StopOnNonFinite) for c in cbs):
            cbs.append(StopOnNonFinite())
        keys = [c.key for c in cbs]
        if len(set(keys)) != len(keys):
            raise ValueError(f"Trainer: two callbacks share a key ({keys}); give each a distinct "
                             "'key' property so their states can be saved apart")
        self.callbacks = sorted(cbs, key=lambda c: c.order)
        self.num_classes = num_classes
        self.quiet = quiet
        self.progress = (not quiet and sys.stderr.isatty()) if progress is None else progress
        self.report: Reporter = report or ((lambda e, d: None) if quiet else _default_report)
        self.model_name, self.model_config = model_name, dict(model_config or {})
        self.run_info = dict(run_info or {})
        self.epoch = 0  # epochs completed
        self.step = 0  # optimizer steps completed
        self.epoch_step = 0  # steps completed in the epoch under way
        self.epochs: int | None = None
        self.total_steps: int | None = None
        self.history = History()
        self.meter = ClassificationMeter(num_classes)
        self.stop_training = False
        self.stop_reason: dict[str, Any] | None = None
        self.train_loader: Any = None
        self.val_loader: Any = None
        self._pending: dict[str, Any] | None = None
        self._samples_since = 0
        self._time_since = 0.0

    # ------------------------------------------------------------------ control
    @property
    def stop_kind(self) -> str | None:
        return None if self.stop_reason is None else self.stop_reason.get("kind")

    def request_stop(self, kind: str, message: str, **facts: Any) -> None:
        """Stop after the current step; the first reason given wins."""
        self.stop_training = True
        if self.stop_reason is None:
            self.stop_reason = {"kind": kind, "message": message, **facts}

    def _lr(self) -> float:
        return float(self.optimizer.param_groups[0]["lr"])

    def _call(self, hook: str, *args: Any) -> None:
        for cb in self.callbacks:
            getattr(cb, hook)(self, *args)

    # ------------------------------------------------------------------ evaluation
    def evaluate(self, loader: Iterable[Any], per_class: bool = True) -> dict[str, Any]:
        """Metrics of the model on ``loader`` (see :func:`evaluate`)."""
        return evaluate(self.model, loader, self.loss_fn, self.num_classes, per_class)

    # ------------------------------------------------------------------ training
    def fit(self, train_loader: Any, epochs: int | None = None, val_loader: Any = None, *,
            steps: int | None = None, max_steps: int | None = None) -> History:
        """Train for ``epochs`` epochs (or ``steps`` steps in all), validating on
        ``val_loader`` after each epoch; ``max_steps`` stops this call once the global step
        reaches it (a later ``fit`` after :meth:`load_checkpoint` carries on).  Returns the
        history; ``trainer.stop_reason`` says why training ended early, if it did."""
        nb = len(train_loader)
        if nb == 0:
            raise ValueError("fit: the training loader yields no batches")
        if steps is not None:
            if steps < 1:
                raise ValueError(f"fit: steps must be >= 1, got {steps}")
            epochs = -(-int(steps) // nb)
        if epochs is None or epochs < 1:
            raise ValueError(f"fit: epochs must be >= 1, got {epochs}")
        self.epochs, self.total_steps = int(epochs), None if steps is None else int(steps)
        self.train_loader, self.val_loader = train_loader, val_loader
        self._apply_pending()
        if self.epoch_step > nb:
            raise ValueError(f"fit: the checkpoint stopped at step {self.epoch_step} of an epoch "
                             f"but the loader has only {nb} batches per epoch")
        if self.stop_kind in ("early_stopping", "non_finite") or self._done():
            return self.history
        self.stop_training, self.stop_reason = False, None
        self._call("on_train_begin")
        # on an exception nothing more is saved: the state may be half-way through a step,
        # so the last checkpoint written at a step boundary is the one to resume from
        while not self._done() and not self.stop_training:
            self._run_epoch(nb, max_steps)
        self._call("on_train_end")
        if self.stop_reason is not None:
            self.history.info["stop"] = dict(self.stop_reason)
            self.report("stop", dict(self.stop_reason))
        return self.history

    def _done(self) -> bool:
        if self.total_steps is not None:
            return self.step >= self.total_steps
        return self.epochs is not None and self.epoch >= self.epochs

    def _run_epoch(self, nb: int, max_steps: int | None) -> None:
        if self.epoch_step == 0:
            self.meter.reset()
            self._call("on_epoch_begin", self.epoch + 1)
        self._samples_since, self._time_since = 0, time.perf_counter()
        bar = self._bar(nb)
        try:
            if self.epoch_step < nb:
                self.model.train()
                for batch in self.train_loader:
                    self._train_step(batch, bar)
                    if max_steps is not None and self.step >= max_steps:
                        self.request_stop("max_steps", f"reached --max-steps {max_steps}",
                                          epoch=self.epoch + 1, step=self.step)
                    if self.total_steps is not None and self.step >= self.total_steps:
                        break
                    if self.stop_training:
                        break
        finally:
            if bar is not None:
                if self.meter.count:
                    self._postfix(bar, refresh=True)
                bar.close()
        finished_epoch = self.epoch_step == nb
        steps_done = self.total_steps is not None and self.step >= self.total_steps
        if self.stop_kind != "non_finite" and (finished_epoch or steps_done):
            self._end_epoch(partial=not finished_epoch)

    def _train_step(self, batch: Any, bar: Any) -> None:
        x, y = _unpack(batch)
        out = self.model(x)
        loss = self.loss_fn(out, y)
        value = float(loss.item())
        self._call("on_loss", value)
        if self.stop_training and self.stop_kind == "non_finite":
            return
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        if self.scheduler is not None and self.scheduler_interval == "step":
            self.scheduler.step()
        self.step += 1
        self.epoch_step += 1
        self.meter.update(out.detach(), y, value)
        self.history.log_step(value)
        n = int(y.shape[0])
        self._samples_since += n
        if bar is not None:
            bar.update(1)
            if self.epoch_step % 10 == 0 or self.epoch_step == 1:
                self._postfix(bar, refresh=False)
        self._call("on_step_end", value)

    def _postfix(self, bar: Any, refresh: bool) -> None:
        rate = self._samples_since / max(time.perf_counter() - self._time_since, 1e-9)
        bar.set_postfix({"loss": f"{self.meter.loss:.4f}",
                         "acc": f"{100 * self.meter.accuracy:.2f}%",
                         "samples/s": f"{rate:.0f}"}, refresh=refresh)

    def _end_epoch(self, partial: bool) -> None:
        elapsed = max(time.perf_counter() - self._time_since, 1e-9)
        train = self.meter.compute(per_class=False)
        row: dict[str, Any] = {"epoch": self.epoch + 1, "step": self.step,
                               "train_loss": train["loss"], "train_accuracy": train["accuracy"]}
        if self.val_loader is not None:
            val = self.evaluate(self.val_loader)
            row["val_loss"], row["val_accuracy"] = val["loss"], val["accuracy"]
            row["val_per_class_accuracy"] = val.get("per_class_accuracy")
            row["val_confusion_matrix"] = val.get("confusion_matrix")
        row["lr"] = self._lr()
        row["time_s"] = round(elapsed, 3)
        row["samples_per_s"] = round(self._samples_since / elapsed, 1)
        if partial:
            row["partial"] = True
        self.history.log_epoch(row)
        if not partial:
            self.epoch += 1
            self.epoch_step = 0
            if self.scheduler is not None and self.scheduler_interval == "epoch":
                if type(self.scheduler).__name__ == "ReduceLROnPlateau":
                    self.scheduler.step(row.get("val_loss", row["train_loss"]))
                else:
                    self.scheduler.step()
        self.report("epoch", {"row": row, "epochs": self.epochs})
        self._call("on_epoch_end", row)

    def _bar(self, nb: int) -> Any:
        if not self.progress:
            return None
        try:
            from tqdm.auto import tqdm
        except ImportError:  # pragma: no cover - tqdm is a declared dependency of [train]
            return None
        return tqdm(total=nb, initial=self.epoch_step, desc=f"{self.epoch + 1}/{self.epochs}",
                    unit="batch", file=sys.stderr, leave=False, dynamic_ncols=True)

    # ------------------------------------------------------------------ checkpoints
    def training_state(self) -> dict[str, Any]:
        """Everything a checkpoint holds, as a structure :func:`shenjing.save` can write."""
        sched = None
        if self.scheduler is not None:
            sched = {"class": type(self.scheduler).__name__, "interval": self.scheduler_interval,
                     "state": self.scheduler.state_dict()}
        return {
            "format": CHECKPOINT_FORMAT,
            "format_version": CHECKPOINT_VERSION,
            "model": {"name": self.model_name, "config": self.model_config,
                      "state": dict(self.model.state_dict())},
            "optimizer": {"class": type(self.optimizer).__name__,
                          "state": self.optimizer.state_dict()},
            "scheduler": sched,
            "epoch": self.epoch,
            "step": self.step,
            "epoch_step": self.epoch_step,
            "epochs": self.epochs,
            "total_steps": self.total_steps,
            "rng": {"shenjing": get_rng_state()},
            "data_order": None if self.train_loader is None or not hasattr(
                self.train_loader, "state_dict") else self.train_loader.state_dict(),
            "train_meter": self.meter.state_dict(),
            "metrics": dict(self.history.last),
            "history": self.history.to_dict(),
            "callbacks": {cb.key: cb.state_dict() for cb in self.callbacks},
            "stop": self.stop_reason,
            "run": self.run_info,
        }

    def save_checkpoint(self, stem: str | os.PathLike[str], kind: str = "last") -> bool:
        """Write ``stem.safetensors`` and ``stem.json`` (see the module docstring).

        Refuses -- writing nothing, stopping training with a ``non_finite`` reason and
        returning ``False`` -- if any floating-point value in the weights or optimizer state is
        NaN or infinite.  Returns ``True`` when both files were written."""
        stem = Path(stem)
        stem.parent.mkdir(parents=True, exist_ok=True)
        state = self.training_state()
        state["kind"] = kind
        buf = io.BytesIO()
        try:
            save_file(state, buf, require_finite=True)
        except CheckpointError as e:
            if "finite" not in str(e) and "NaN" not in str(e) and "nan" not in str(e):
                raise
            self.request_stop("non_finite", f"refusing to save a non-finite model at epoch "
                                            f"{self.epoch + 1}, step {self.step} ({e})",
                              epoch=self.epoch + 1, step=self.step, what="weights",
                              value="nan/inf")
            return False
        blob = buf.getvalue()
        target = stem.with_name(stem.name + ".safetensors")
        atomic_write_bytes(target, blob)
        summary = {
            "format": CHECKPOINT_FORMAT,
            "format_version": CHECKPOINT_VERSION,
            "kind": kind,
            "file": target.name,
            "sha256": hashlib.sha256(blob).hexdigest(),
            "bytes": len(blob),
            "model": {"name": self.model_name, "config": self.model_config},
            "optimizer": type(self.optimizer).__name__,
            "epoch": self.epoch,
            "step": self.step,
            "epoch_step": self.epoch_step,
            "metrics": _json_safe({k: v for k, v in self.history.last.items()
                                   if not isinstance(v, list)}),
            "stop": _json_safe(self.stop_reason),
            "run": _json_safe(self.run_info),
            "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        atomic_write_text(stem.with_name(stem.name + ".json"),
                          json.dumps(summary, indent=1, ensure_ascii=False, allow_nan=False)
                          + "\n")
        return True

    def load_checkpoint(self, path: str | os.PathLike[str] | dict[str, Any]) -> dict[str, Any]:
        """Restore a checkpoint (a path, or what :func:`read_checkpoint` returned) into this
        trainer.  Model, optimizer and scheduler change only if all three accept their state;
        the data order, random-number states and history are applied by the next :meth:`fit`.
        Returns the checkpoint."""
        ckpt = read_checkpoint(path) if not isinstance(path, dict) else path
        where = ckpt.get("_path", "checkpoint")
        name = ckpt["model"].get("name")
        if self.model_name is not None and name is not None and name != self.model_name:
            raise CheckpointError(where, f"holds a {name!r} model, not {self.model_name!r}")
        if type(self.optimizer).__name__ != ckpt["optimizer"]["class"]:
            raise CheckpointError(where, f"was trained with {ckpt['optimizer']['class']}, not "
                                         f"{type(self.optimizer).__name__}")
        saved_sched = ckpt.get("scheduler")
        if (saved_sched is None) != (self.scheduler is None) or (
                saved_sched is not None
                and saved_sched["class"] != type(self.scheduler).__name__):
            have = "none" if self.scheduler is None else type(self.scheduler).__name__
            want = "none" if saved_sched is None else saved_sched["class"]
            raise CheckpointError(where, f"was trained with scheduler {want}, not {have}")
        backup = (
            {k: v.data.copy() for k, v in self.model.state_dict().items()},
            self.optimizer.state_dict(),
            None if self.scheduler is None else self.scheduler.state_dict(),
        )
        try:
            self.model.load_state_dict(ckpt["model"]["state"])
            self.optimizer.load_state_dict(ckpt["optimizer"]["state"])
            if self.scheduler is not None:
                self.scheduler.load_state_dict(saved_sched["state"])
                self.scheduler_interval = saved_sched["interval"]
        except Exception as e:
            self.model.load_state_dict(backup[0])
            self.optimizer.load_state_dict(backup[1])
            if self.scheduler is not None:
                self.scheduler.load_state_dict(backup[2])
            raise CheckpointError(where, f"does not fit this model/optimizer: {e}") from e
        self.epoch, self.step = int(ckpt["epoch"]), int(ckpt["step"])
        self.epoch_step = int(ckpt["epoch_step"])
        self.history = History.from_dict(ckpt["history"])
        self.meter.load_state_dict(ckpt["train_meter"])
        self.stop_reason = ckpt.get("stop")
        self.stop_training = False
        for cb in self.callbacks:
            if cb.key in ckpt["callbacks"]:
                cb.load_state_dict(ckpt["callbacks"][cb.key])
        self._pending = {"rng": ckpt["rng"], "data_order": ckpt["data_order"]}
        return ckpt

    def _apply_pending(self) -> None:
        if self._pending is None:
            return
        pending, self._pending = self._pending, None
        set_rng_state(pending["rng"]["shenjing"])
        order = pending.get("data_order")
        if order is not None:
            if not hasattr(self.train_loader, "load_state_dict"):
                raise ValueError("fit: the checkpoint holds a data order but the training "
                                 "loader cannot restore one (use shenjing.data.DataLoader)")
            self.train_loader.load_state_dict(order)


def _json_safe(value: Any) -> Any:
    from .history import _clean

    return _clean(value)


# ---------------------------------------------------------------------- files
def resolve_checkpoint(path: str | os.PathLike[str]) -> Path:
    """The ``.safetensors`` file meant by ``path``: that file, the ``.safetensors`` of a
    ``.json`` summary, a common stem (``out/best``), or a run folder (its ``best``, else its
    ``last``).  ``FileNotFoundError`` naming what was tried if none exists."""
    p = Path(path)
    tried = []
    if p.is_dir():
        for name in ("best.safetensors", "last.safetensors"):
            tried.append(p / name)
            if (p / name).is_file():
                return p / name
        raise FileNotFoundError(f"no checkpoint in folder {p} (looked for best.safetensors and "
                                "last.safetensors)")
    if p.suffix == ".safetensors":
        if p.is_file():
            return p
        raise FileNotFoundError(f"checkpoint {p} does not exist")
    if p.suffix == ".json":
        q = p.with_suffix(".safetensors")
        if q.is_file():
            return q
        raise FileNotFoundError(f"{p} names checkpoint {q}, which does not exist")
    q = p.with_name(p.name + ".safetensors")
    tried.append(q)
    if q.is_file():
        return q
    if p.is_file():
        return p
    raise FileNotFoundError(f"checkpoint {path} not found (tried {p} and {q})")


def read_checkpoint(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Load and check a training checkpoint; ``CheckpointError`` naming the file if it is not
    one.  Arrays come back as NumPy arrays.  The key ``"_path"`` holds where it was read."""
    where = str(path)
    ckpt = load_file(path, numpy=True)
    if not isinstance(ckpt, dict) or ckpt.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(where, "is a shenjing file but not a training checkpoint "
                                     "(no 'shenjing.training' format tag)")
    if ckpt.get("format_version") != CHECKPOINT_VERSION:
        raise CheckpointError(where, f"training-checkpoint version {ckpt.get('format_version')!r}"
                                     f" is not the one this shenjing reads ({CHECKPOINT_VERSION})")
    missing = [k for k in ("model", "optimizer", "epoch", "step", "epoch_step", "rng",
                           "history", "train_meter", "callbacks") if k not in ckpt]
    if missing:
        raise CheckpointError(where, f"training checkpoint lacks {', '.join(missing)}")
    ckpt["_path"] = where
    return ckpt


def load_model(path: str | os.PathLike[str]) -> tuple[Any, dict[str, Any]]:
    """Rebuild the zoo model a training checkpoint holds and load its weights (eval mode).

    ``path`` is anything :func:`resolve_checkpoint` accepts.  Returns ``(model, checkpoint)``.
    """
    from .. import zoo

    file = resolve_checkpoint(path)
    ckpt = read_checkpoint(file)
    name, config = ckpt["model"].get("name"), ckpt["model"].get("config") or {}
    if name is None:
        raise CheckpointError(str(file), "does not say which zoo model it holds (it was saved "
                                         "by a Trainer without model_name)")
    try:
        model = zoo.get_model(name, **config)
        model.load_state_dict(ckpt["model"]["state"])
    except (KeyError, ValueError, TypeError, RuntimeError) as e:
        raise CheckpointError(str(file), f"cannot rebuild model {name!r}: {e}") from e
    model.eval()
    return model, ckpt


def _sidecar_step(stem_json: Path, blob_path: Path) -> tuple[int | None, str | None]:
    """(step, problem) from ``NAME.json``; problem says why the pair does not match."""
    try:
        info = json.loads(stem_json.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, f"{stem_json.name} is missing"
    except (OSError, ValueError) as e:
        return None, f"{stem_json.name} is unreadable ({e})"
    try:
        digest = hashlib.sha256(blob_path.read_bytes()).hexdigest()
    except OSError as e:
        return None, str(e)
    if info.get("sha256") != digest:
        return info.get("step"), f"{stem_json.name} describes another file (a save was cut short)"
    return info.get("step"), None


def find_resume_checkpoint(folder: str | os.PathLike[str]) -> tuple[dict[str, Any],
                                                                      list[tuple[Path, str]]]:
    """The checkpoint in ``folder`` to resume from: of all ``*.safetensors`` there that load
    and verify, the one with the highest step (``last`` before ``best`` on a tie).  Returns it
    (as :func:`read_checkpoint` gives it) and ``[(file, why it was skipped), ...]`` for every
    file that could not be used.  ``FileNotFoundError`` if no usable checkpoint exists."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"run folder {folder} does not exist")
    candidates = sorted(p for p in folder.glob("*.safetensors") if not p.name.startswith("."))
    good: list[tuple[int, int, Path, dict[str, Any]]] = []
    skipped: list[tuple[Path, str]] = []
    for p in candidates:
        try:
            ckpt = read_checkpoint(p)
        except (CheckpointError, OSError) as e:
            step, _ = _sidecar_step(p.with_suffix(".json"), p)
            label = f" (step {step} by its .json)" if step is not None else ""
            skipped.append((p, f"unusable{label}: {e}"))
            continue
        good.append((int(ckpt["step"]), 1 if p.stem == "last" else 0, p, ckpt))
    if not good:
        why = "; ".join(f"{p.name}: {r}" for p, r in skipped) or "no *.safetensors files"
        raise FileNotFoundError(f"no usable checkpoint to resume from in {folder} ({why})")
    good.sort(key=lambda g: (g[0], g[1]), reverse=True)
    return good[0][3], skipped


# ---------------------------------------------------------------------- fit()
def fit(
    model: Any,
    train_loader: Any,
    *,
    epochs: int | None = 1,
    steps: int | None = None,
    optimizer: Any = None,
    lr: float = 1e-3,
    loss_fn: Callable[[Any, Any], Any] | None = None,
    val_loader: Any = None,
    scheduler: Any = None,
    scheduler_interval: str = "epoch",
    callbacks: Sequence[Callback] = (),
    checkpoint_dir: str | os.PathLike[str] | None = None,
    monitor: str = "val_accuracy",
    progress: bool | None = None,
    quiet: bool = False,
    max_steps: int | None = None,
    resume: str | os.PathLike[str] | None = None,
    model_name: str | None = None,
    model_config: dict[str, Any] | None = None,
) -> History:
    """Train ``model`` in one call and return its :class:`History`.

    ``optimizer`` defaults to ``Adam(model.parameters(), lr)``.  With ``checkpoint_dir`` a
    :class:`ModelCheckpoint` writes ``best`` and ``last`` there (judged by ``monitor``) and the
    history is saved as ``history.json`` / ``history.csv``.  ``resume`` (a checkpoint file or a
    run folder) continues an earlier run exactly.  ``model_name``/``model_config`` (a
    :mod:`shenjing.zoo` name and options) go into the checkpoints, so that
    :func:`load_model` can rebuild the model from them.  A NaN or infinite loss stops training; the
    history's ``info["stop"]`` then names the epoch and step.
    """
    if optimizer is None:
        from ..optim import Adam

        optimizer = Adam(model.parameters(), lr=lr)
    cbs = list(callbacks)
    if checkpoint_dir is not None:
        from .callbacks import HistoryWriter

        if not any(isinstance(c, ModelCheckpoint) for c in cbs):
            cbs.append(ModelCheckpoint(checkpoint_dir, monitor=monitor if val_loader is not None
                                       else "train_accuracy"))
        cbs.append(HistoryWriter(checkpoint_dir))
    trainer = Trainer(model, optimizer, loss_fn, scheduler=scheduler,
                      scheduler_interval=scheduler_interval, callbacks=cbs, progress=progress,
                      quiet=quiet, model_name=model_name, model_config=model_config)
    if resume is not None:
        ckpt = (find_resume_checkpoint(resume)[0] if Path(resume).is_dir()
                else read_checkpoint(resolve_checkpoint(resume)))
        trainer.load_checkpoint(ckpt)
    return trainer.fit(train_loader, epochs=None if steps is not None else epochs,
                       val_loader=val_loader, steps=steps, max_steps=max_steps)

