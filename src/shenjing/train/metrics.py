"""Classification metrics: accuracy, confusion matrix, per-class accuracy, and a running meter.

The confusion matrix has the true class along the rows and the predicted class along the
columns (``cm[t, p]`` counts samples of class ``t`` predicted as ``p``), as in scikit-learn.
Per-class accuracy is the diagonal divided by the row sums (the recall of each class); a class
with no samples gets ``nan``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..tensor import Tensor

__all__ = ["ClassificationMeter", "accuracy", "confusion_matrix", "per_class_accuracy",
           "predictions"]


def _array(x: Any) -> np.ndarray:
    if isinstance(x, Tensor):
        return x.detach().data
    return np.asarray(x)


def predictions(output: Any) -> np.ndarray:
    """Predicted labels: the argmax of logits/probabilities (N×C), or ``output`` itself if it
    already holds labels (N,)."""
    out = _array(output)
    if out.ndim == 2:
        return out.argmax(axis=1)
    if out.ndim == 1:
        return out.astype(np.int64, copy=False)
    raise ValueError(f"expected N×C scores or N labels, got shape {out.shape}")


def accuracy(output: Any, target: Any) -> float:
    """Fraction of samples whose prediction equals the target (``nan`` for no samples)."""
    pred, tgt = predictions(output), _array(target).reshape(-1)
    if pred.shape != tgt.shape:
        raise ValueError(f"accuracy: {pred.shape[0]} predictions but {tgt.shape[0]} targets")
    return float(np.mean(pred == tgt)) if tgt.size else math.nan


def confusion_matrix(output: Any, target: Any, num_classes: int | None = None) -> np.ndarray:
    """``num_classes``×``num_classes`` int64 counts, rows = true class, columns = predicted."""
    pred, tgt = predictions(output).astype(np.int64), _array(target).reshape(-1).astype(np.int64)
    if pred.shape != tgt.shape:
        raise ValueError(f"confusion_matrix: {pred.shape[0]} predictions but {tgt.shape[0]} "
                         "targets")
    if num_classes is None:
        out = _array(output)
        num_classes = out.shape[1] if out.ndim == 2 else int(max(pred.max(initial=-1),
                                                                 tgt.max(initial=-1)) + 1)
    k = int(num_classes)
    if tgt.size and (tgt.min() < 0 or tgt.max() >= k or pred.min() < 0 or pred.max() >= k):
        raise ValueError(f"confusion_matrix: labels must lie in 0..{k - 1}")
    return np.bincount(tgt * k + pred, minlength=k * k).reshape(k, k).astype(np.int64)


def per_class_accuracy(cm: np.ndarray) -> np.ndarray:
    """Diagonal over row sums of a confusion matrix; ``nan`` where a class has no samples."""
    cm = np.asarray(cm)
    rows = cm.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(rows > 0, np.diag(cm) / np.maximum(rows, 1), np.nan)


class ClassificationMeter:
    """Accumulates loss and predictions over batches; :meth:`compute` gives the epoch's metrics.

    ``update(output, target, loss)`` takes the logits (N×C), the labels and the batch's mean
    loss (a float).  Its state is plain JSON so a checkpoint taken in the middle of an epoch
    carries on with the same sums.
    """

    def __init__(self, num_classes: int | None = None) -> None:
        self.num_classes = num_classes
        self.reset()

    def reset(self) -> None:
        self.loss_sum = 0.0
        self.count = 0
        self.correct = 0
        self.cm: np.ndarray | None = None

    def update(self, output: Any, target: Any, loss: float | None = None) -> None:
        out = _array(output)
        tgt = _array(target).reshape(-1)
        n = int(tgt.shape[0])
        if loss is not None:
            self.loss_sum += float(loss) * n
        pred = predictions(out)
        self.correct += int(np.count_nonzero(pred == tgt))
        self.count += n
        if self.num_classes is None and out.ndim == 2:
            self.num_classes = int(out.shape[1])
        if self.num_classes is not None:
            cm = confusion_matrix(pred, tgt, self.num_classes)
            self.cm = cm if self.cm is None else self.cm + cm

    @property
    def loss(self) -> float:
        return self.loss_sum / self.count if self.count else math.nan

    @property
    def accuracy(self) -> float:
        return self.correct / self.count if self.count else math.nan

    def compute(self, per_class: bool = True) -> dict[str, Any]:
        """``{"loss", "accuracy"}`` plus, with ``per_class``, ``"per_class_accuracy"`` (a list)
        and ``"confusion_matrix"`` (a list of lists)."""
        out: dict[str, Any] = {"loss": self.loss, "accuracy": self.accuracy}
        if per_class and self.cm is not None:
            out["per_class_accuracy"] = [float(v) for v in per_class_accuracy(self.cm)]
            out["confusion_matrix"] = self.cm.tolist()
        return out

    def state_dict(self) -> dict[str, Any]:
        return {"loss_sum": self.loss_sum, "count": self.count, "correct": self.correct,
                "num_classes": self.num_classes,
                "cm": None if self.cm is None else self.cm.tolist()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.loss_sum = float(state["loss_sum"])
        self.count = int(state["count"])
        self.correct = int(state["correct"])
        self.num_classes = state["num_classes"]
        self.cm = None if state["cm"] is None else np.asarray(state["cm"], dtype=np.int64)
