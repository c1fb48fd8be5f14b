"""``summary(model, input_shape)``: a table of each layer's output shape and parameter count —
the lecture's "how many parameters does the digit network have"."""

from __future__ import annotations

import sys
from typing import TextIO

import numpy as np

from ..autograd.function import no_grad
from ..tensor import Tensor
from .module import Module


def summary(model: Module, input_shape: tuple, batch_size: int = 1, dtype=None,
            file: TextIO | None = None) -> dict:
    """Run one forward pass on zeros of shape (batch_size, *input_shape), print a per-layer table
    (name, type, output shape, parameters) and return the totals as a dict."""
    rows: list[tuple[str, str, str, int]] = []
    handles = []
    names = {id(m): n for n, m in model.named_modules()}

    def hook(mod: Module, inputs, output) -> None:
        shape = list(output.shape) if isinstance(output, Tensor) else (
            [list(o.shape) for o in output if isinstance(o, Tensor)] if isinstance(output, tuple | list) else "?")
        n = sum(p.data.size for p in mod.parameters(recurse=False))
        rows.append((names.get(id(mod), "?"), type(mod).__name__, str(shape), n))

    for m in model.modules():
        if m is not model and not list(m.children()):
            handles.append(m.register_forward_hook(hook))
    was_training = model.training
    model.eval()
    try:
        x = Tensor(np.zeros((batch_size, *input_shape), dtype=np.float32 if dtype is None else dtype))
        with no_grad():
            model(x)
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    total = sum(p.data.size for p in model.parameters())
    trainable = sum(p.data.size for p in model.parameters() if p.requires_grad)
    out = file or sys.stdout
    w_name = max([len(r[0]) + len(r[1]) + 3 for r in rows] + [16])
    w_shape = max([len(r[2]) for r in rows] + [12])
    line = "-" * (w_name + w_shape + 16)
    print(line, file=out)
    print(f"{'Layer (type)':<{w_name}}  {'Output Shape':<{w_shape}}  {'Param #':>12}", file=out)
    print("=" * len(line), file=out)
    for name, typ, shape, n in rows:
        print(f"{f'{name} ({typ})':<{w_name}}  {shape:<{w_shape}}  {n:>12,}", file=out)
    print("=" * len(line), file=out)
    print(f"Total params: {total:,}", file=out)
    print(f"Trainable params: {trainable:,}", file=out)
    print(f"Non-trainable params: {total - trainable:,}", file=out)
    print(line, file=out)
    return {"layers": rows, "total_params": total, "trainable_params": trainable}
