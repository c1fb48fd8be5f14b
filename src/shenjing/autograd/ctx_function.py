"""PyTorch-style custom functions: ``forward(ctx, …)`` and ``backward(ctx, …)`` as static methods.

    class Cube(sj.autograd.Function):
        @staticmethod
        def forward(ctx, x):              # y = x³, on tensors
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):             # ∂L/∂x = g · 3x²
            (x,) = ctx.saved_tensors
            return g * 3 * x ** 2

    y = Cube.apply(x)

Both methods see tensors (shenjing's own ops take arrays); ``forward`` runs without recording, and
the node it leaves in the graph is a :class:`CtxNode`, which is also the ``ctx`` both methods get.
Several outputs are allowed: they are stored end to end in one hidden array, and each output is a
slice of it, so the engine still sees one gradient per node.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .function import Function, _GradMode, _Inplace, no_grad


class CtxNode(Function):
    """The graph node of a PyTorch-style function, and the ``ctx`` its methods receive."""

    def __init__(self, fn_cls: type) -> None:
        self.fn_cls = fn_cls
        self.to_save: tuple = ()
        self.saved_at: tuple = ()
        self.non_differentiable: set[int] = set()
        self.materialize_grads = True
        self.outputs: list[tuple[int, tuple, np.dtype] | None] = []

    # ---------------------------------------------------------------- the ctx API
    def save_for_backward(self, *tensors: Any) -> None:
        """Keep tensors (or None) for backward; changing one in place afterwards is an error there."""
        self.to_save = tensors
        self.saved_at = tuple(getattr(t, "_version", 0) for t in tensors)

    @property
    def saved_tensors(self) -> tuple:
        for t, v in zip(self.to_save, self.saved_at):
            if t is not None and t._version != v:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by an inplace "
                    f"operation: [{t.dtype} of shape {list(t.shape)}], saved by {self.name}, is at version "
                    f"{t._version}; expected version {v} instead"
                )
        return self.to_save

    def mark_non_differentiable(self, *tensors: Any) -> None:
        self.non_differentiable |= {id(t) for t in tensors}

    def set_materialize_grads(self, value: bool) -> None:
        """With False, backward gets None instead of zeros for outputs that received no gradient."""
        self.materialize_grads = bool(value)

    def mark_dirty(self, *tensors: Any) -> None:
        raise NotImplementedError(f"{self.fn_cls.__name__}: in-place custom functions (ctx.mark_dirty) are not "
                                  "supported; return a new tensor instead")

    @property
    def name(self) -> str:
        return self.fn_cls.__name__ + "Backward"

    # ---------------------------------------------------------------- the engine's side
    def backward(self, g):
        from ..tensor import Tensor

        grads = []
        for meta in self.outputs:
            if meta is None:  # an output that carries no gradient
                grads.append(None)
                continue
            offset, shape, dtype = meta
            n = int(np.prod(shape))
            part = g[offset:offset + n].reshape(shape).astype(dtype, copy=False) if len(self.outputs) > 1 else g
            grads.append(part)
        if self.materialize_grads:
            grads = [np.zeros(m[1], m[2]) if p is None and m is not None else p for p, m in zip(grads, self.outputs)]
        with no_grad():
            result = self.fn_cls.backward(self, *(None if p is None else Tensor(p) for p in grads))
        result = result if isinstance(result, tuple) else (result,)
        if len(result) != len(self.parents):
            raise RuntimeError(f"function {self.name} returned an incorrect number of gradients "
                               f"(expected {len(self.parents)}, got {len(result)})")
        out = []
        for r, x, need in zip(result, self.parents, self.needs_input_grad):
            if r is None or not need:
                out.append(None)
                continue
            arr = np.asarray(r.data if isinstance(r, Tensor) else r)
            if arr.shape != tuple(x.shape):
                try:
                    np.broadcast_shapes(arr.shape, tuple(x.shape))
                except ValueError:
                    raise RuntimeError(f"function {self.name} returned an invalid gradient: got shape "
                                       f"{list(arr.shape)}, expected {list(x.shape)}") from None
            out.append(arr)
        return tuple(out)


class Piece(Function):
    """One output of a several-output custom function: a slice of the hidden array, reshaped."""

    def forward(self, flat, offset, shape, dtype):
        self.size, self.offset = flat.shape[0], offset
        n = int(np.prod(shape))
        return flat[offset:offset + n].reshape(shape).astype(dtype)

    def backward(self, g):
        full = np.zeros(self.size, dtype=g.dtype)
        full[self.offset:self.offset + g.size] = g.ravel()
        return full


def apply(fn_cls: type, inputs: tuple, kwargs: dict):
    """Run ``fn_cls.forward(ctx, *inputs)`` and link its outputs to a :class:`CtxNode`."""
    from ..tensor import Tensor

    ctx = CtxNode(fn_cls)
    needs = tuple(isinstance(x, Tensor) and x.requires_grad for x in inputs)
    ctx.needs_input_grad = needs
    with no_grad():
        if "setup_context" in dir(fn_cls):  # PyTorch 2's split: forward(*inputs), then setup_context(ctx, …)
            result = fn_cls.forward(*inputs, **kwargs)
            fn_cls.setup_context(ctx, inputs, result)
        else:
            result = fn_cls.forward(ctx, *inputs, **kwargs)
    single = not isinstance(result, tuple)
    outs = (result,) if single else result
    for o in outs:
        if not isinstance(o, Tensor):
            raise TypeError(f"{fn_cls.__name__}.forward must return tensors, got {type(o).__name__}")
    if not (any(needs) and _GradMode.enabled):
        return result
    ctx.parents = inputs
    ctx.versions = [getattr(x, "_version", 0) for x in inputs]
    ctx.stamp = _Inplace.count
    diff = [o.data.dtype.kind in "fc" and id(o) not in ctx.non_differentiable for o in outs]
    if single:
        ctx.outputs = [(0, tuple(o.shape), o.data.dtype) if d else None for o, d in zip(outs, diff)]
        return Tensor._from_op(outs[0].data, ctx) if diff[0] else Tensor._from_op(outs[0].data, None)
    common = np.result_type(*[o.data.dtype for o, d in zip(outs, diff) if d]) if any(diff) else None
    pieces, offset = [], 0
    for o, d in zip(outs, diff):
        if d:
            ctx.outputs.append((offset, tuple(o.shape), o.data.dtype))
            pieces.append(o.data.astype(common, copy=False).ravel())
            offset += o.data.size
        else:
            ctx.outputs.append(None)
    hidden = Tensor._from_op(np.concatenate(pieces) if pieces else np.zeros(0), ctx)
    linked = []
    for o, meta in zip(outs, ctx.outputs):
        if meta is None:
            linked.append(Tensor._from_op(o.data, None))
        else:
            linked.append(Piece.apply(hidden, meta[0], meta[1], meta[2]))
    return tuple(linked)
