"""Metrics (accuracy, confusion matrix, per-class accuracy) and the history files."""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest

import shenjing as sj
from shenjing.train import (
    ClassificationMeter,
    History,
    accuracy,
    confusion_matrix,
    per_class_accuracy,
)


def test_accuracy_from_logits_or_labels():
    logits = sj.tensor([[2.0, 1.0], [0.0, 3.0], [1.0, 0.0]])
    assert accuracy(logits, [0, 1, 1]) == pytest.approx(2 / 3)
    assert accuracy(np.array([1, 1]), np.array([1, 0])) == 0.5
    assert math.isnan(accuracy(np.zeros((0, 3)), np.zeros(0)))
    with pytest.raises(ValueError):
        accuracy(np.zeros(3), np.zeros(4))


def test_confusion_matrix_rows_are_true_classes():
    pred = np.array([0, 1, 1, 2, 2, 2])
    true = np.array([0, 1, 2, 2, 2, 0])
    cm = confusion_matrix(pred, true, 3)
    assert cm.tolist() == [[1, 0, 1], [0, 1, 0], [0, 1, 2]]
    assert cm.dtype == np.int64 and cm.sum() == 6
    pca = per_class_accuracy(cm)
    assert pca.tolist() == pytest.approx([0.5, 1.0, 2 / 3])
    assert math.isnan(per_class_accuracy(np.zeros((2, 2)))[0])
    with pytest.raises(ValueError, match="labels"):
        confusion_matrix(np.array([3]), np.array([0]), 3)


def test_meter_accumulates_and_survives_a_json_round_trip():
    rng = np.random.default_rng(0)
    meter = ClassificationMeter(4)
    logits = rng.normal(size=(10, 4)).astype(np.float32)
    target = rng.integers(0, 4, size=10)
    meter.update(logits[:6], target[:6], loss=0.5)
    other = ClassificationMeter()
    other.load_state_dict(json.loads(json.dumps(meter.state_dict())))
    for m in (meter, other):
        m.update(logits[6:], target[6:], loss=1.0)
    a, b = meter.compute(), other.compute()
    assert json.dumps(a) == json.dumps(b)  # (NaN for a class with no samples)
    assert a["loss"] == pytest.approx((0.5 * 6 + 1.0 * 4) / 10)
    assert a["accuracy"] == pytest.approx(accuracy(logits, target))
    assert a["confusion_matrix"] == confusion_matrix(logits, target, 4).tolist()
    assert len(a["per_class_accuracy"]) == 4


def test_history_json_and_csv(tmp_path):
    h = History()
    for s in (0.9, 0.5, float("nan")):
        h.log_step(s)
    h.log_epoch({"epoch": 1, "train_loss": 0.7, "val_accuracy": 0.8,
                 "val_confusion_matrix": [[1, 0], [0, 1]]})
    h.log_epoch({"epoch": 2, "train_loss": 0.1 + 0.2, "val_accuracy": float("inf"), "lr": 1e-3})
    h.info["stop"] = {"kind": "x"}
    jpath, cpath = h.save(tmp_path)
    data = json.loads(jpath.read_text())  # strict JSON: no NaN tokens
    assert data["steps"][:2] == [0.9, 0.5] and data["steps"][2] is None
    back = History.load(jpath)
    assert back.steps[:2] == [0.9, 0.5] and math.isnan(back.steps[2])
    assert back.epochs[1]["train_loss"] == 0.1 + 0.2  # floats round-trip exactly
    assert back["epoch"] == [1, 2] and back.info == {"stop": {"kind": "x"}}
    rows = list(csv.DictReader(cpath.open()))
    assert list(rows[0]) == ["epoch", "train_loss", "val_accuracy", "lr"]  # no matrices
    assert float(rows[1]["train_loss"]) == 0.1 + 0.2 and rows[0]["lr"] == ""
    assert not list(tmp_path.glob(".*.tmp"))  # atomic writes leave nothing behind
    with pytest.raises(ValueError, match="history"):
        History.from_dict({"format": "other"})
