"""神经 shenjing — a deep-learning framework and lab on NumPy, built up from the lecture.

``import shenjing as sj`` gives PyTorch's names: ``sj.tensor``, ``sj.nn.Linear``,
``sj.optim.Adam``, ``loss.backward()``, ``model.state_dict()``.
"""

from __future__ import annotations

from . import backend
from .autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .backend import (
    bool_,
    dtype,
    float16,
    float32,
    float64,
    get_default_dtype,
    int8,
    int16,
    int32,
    int64,
    set_default_dtype,
    uint8,
)
from .creation import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from .functions import *  # noqa: F403
from .random import Generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from .tensor import Size, Tensor

__version__ = "0.1.0"

bool = bool_  # noqa: A001 - PyTorch's name shenjing.bool
half, double, long, short = float16, float64, int64, int16
float = float32  # noqa: A001
int = int32  # noqa: A001

_LAZY = {"nn", "optim", "autograd", "data", "train", "io", "classic", "demos", "viz", "zoo", "linalg",
         "utils", "scalar", "i18n", "functional", "cli"}


def __getattr__(name: str):
    # Heavy or rarely needed parts load on first use, so `import shenjing` stays fast.
    if name in _LAZY:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    if name in ("save", "load"):
        from .io import checkpoint

        return getattr(checkpoint, name)
    if name == "summary":
        from .nn.summary import summary

        return summary
    raise AttributeError(f"module 'shenjing' has no attribute {name!r}")
