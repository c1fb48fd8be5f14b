"""Training history: one row of numbers per epoch and the loss of every step, saved as JSON
(everything) and CSV (the per-epoch numbers, for a spreadsheet), both written atomically.

Non-finite numbers are written to JSON as ``null`` (JSON has no NaN) and to CSV as ``nan``.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from pathlib import Path
from typing import Any

from ..io.atomic import atomic_write_text

__all__ = ["History"]

FORMAT = "shenjing.history"
VERSION = 1


def _clean(value: Any) -> Any:
    """Floats that JSON cannot hold become None; containers are cleaned recursively."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def _scalar(value: Any) -> bool:
    return isinstance(value, int | float | str | bool) or value is None


class History:
    """``epochs``: a list of dicts (``epoch``, ``train_loss``, ``val_accuracy`` ...);
    ``steps``: the training loss of step 1, 2, ...; ``info``: anything else about the run
    (e.g. why it stopped)."""

    def __init__(self) -> None:
        self.epochs: list[dict[str, Any]] = []
        self.steps: list[float] = []
        self.info: dict[str, Any] = {}

    def log_step(self, loss: float) -> None:
        self.steps.append(float(loss))

    def log_epoch(self, row: dict[str, Any]) -> None:
        self.epochs.append(dict(row))

    def __len__(self) -> int:
        return len(self.epochs)

    def __getitem__(self, key: str) -> list[Any]:
        """The column ``key`` over all epochs (``history["val_accuracy"]``)."""
        return [row.get(key) for row in self.epochs]

    @property
    def last(self) -> dict[str, Any]:
        return self.epochs[-1] if self.epochs else {}

    # ------------------------------------------------------------------ (de)serialise
    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, "version": VERSION, "epochs": _clean(self.epochs),
                "steps": _clean(self.steps), "info": _clean(self.info)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> History:
        if data.get("format") != FORMAT or data.get("version") != VERSION:
            raise ValueError(f"not a shenjing history (format {data.get('format')!r}, version "
                             f"{data.get('version')!r})")
        h = cls()
        h.epochs = [dict(r) for r in data.get("epochs", [])]
        h.steps = [math.nan if v is None else float(v) for v in data.get("steps", [])]
        h.info = dict(data.get("info", {}))
        return h

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1, ensure_ascii=False, allow_nan=False) + "\n"

    def to_csv(self) -> str:
        """One line per epoch; the columns are every scalar key in order of first appearance."""
        columns: list[str] = []
        for row in self.epochs:
            for k, v in row.items():
                if k not in columns and _scalar(v):
                    columns.append(k)
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(columns)
        for row in self.epochs:
            writer.writerow(["" if row.get(c) is None else
                             (repr(row[c]) if isinstance(row[c], float) else row[c])
                             for c in columns])
        return buf.getvalue()

    def save(self, folder: str | os.PathLike[str], stem: str = "history") -> tuple[Path, Path]:
        """Write ``folder/stem.json`` and ``folder/stem.csv`` atomically; returns both paths."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        jpath, cpath = folder / f"{stem}.json", folder / f"{stem}.csv"
        atomic_write_text(jpath, self.to_json())
        atomic_write_text(cpath, self.to_csv())
        return jpath, cpath

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> History:
        with open(path, encoding="utf-8") as f:
            return cls.from_dict(json.load(f))
