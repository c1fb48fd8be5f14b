"""Training: :func:`fit` and :class:`Trainer`, callbacks, metrics and the history.

The explicit PyTorch-style loop works as well (``docs/training.md`` shows it first); this
package wraps the same loop with progress bar, validation, checkpoints and exact resume.
"""

from .callbacks import Callback, EarlyStopping, HistoryWriter, ModelCheckpoint, StopOnNonFinite
from .history import History
from .metrics import ClassificationMeter, accuracy, confusion_matrix, per_class_accuracy
from .trainer import (
    CHECKPOINT_FORMAT,
    CHECKPOINT_VERSION,
    Trainer,
    evaluate,
    find_resume_checkpoint,
    fit,
    load_model,
    read_checkpoint,
    resolve_checkpoint,
)

__all__ = [
    "CHECKPOINT_FORMAT",
    "CHECKPOINT_VERSION",
    "Callback",
    "ClassificationMeter",
    "EarlyStopping",
    "History",
    "HistoryWriter",
    "ModelCheckpoint",
    "StopOnNonFinite",
    "Trainer",
    "accuracy",
    "confusion_matrix",
    "evaluate",
    "find_resume_checkpoint",
    "fit",
    "load_model",
    "per_class_accuracy",
    "read_checkpoint",
    "resolve_checkpoint",
]
