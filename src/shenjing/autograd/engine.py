"""The life of one ``backward()`` call.

1. Walk the graph from the output, iteratively (no recursion, so a chain of 10,000 ops works),
   and list the nodes so that every node comes after all the nodes that use its result.
2. Walk that list from the output down.  Each node's ``backward`` turns the gradient of its
   result, ∂L/∂y, into one gradient per input, ∂L/∂x — after checking that nothing it saved was
   changed in place since (tensors count their in-place changes in ``_version``).
3. ``reduce_to_shape`` sums a gradient over the axes its input was broadcast along — the one
   place where broadcasting is undone.
4. Gradients meeting at a node used several times are added; at a leaf they are added to
   ``.grad``.
5. Unless ``retain_graph=True``, each node drops its saved arrays once used.
"""

from __future__ import annotations

import numpy as np

from .function import _Inplace


def reduce_to_shape(g: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum ``g`` down to ``shape``, undoing NumPy broadcasting (leading and size-1 axes)."""
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, n in enumerate(shape) if n == 1 and g.shape[i + lead] != 1
    )
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    if lead:
        g = g.reshape(g.shape[lead:])
    return g.reshape(shape)


def _topological_order(root) -> list:
    """Non-leaf tensors reachable from ``root``, each after every tensor that uses it."""
    order: list = []
    seen: set[int] = set()
    stack = [(root, False)]
    histories = _Inplace.recorded > 0
    while stack:
        t, expanded = stack.pop()
        if expanded:
            order.append(t)
            continue
        if id(t) in seen:
            continue
        seen.add(id(t))
        stack.append((t, True))
        fn = t._ctx
        parents = [_as_used(p, v) for p, v in zip(fn.parents, fn.versions)] if histories else fn.parents
        for p in parents:
            if getattr(p, "_ctx", None) is not None and id(p) not in seen:
                stack.append((p, False))
    order.reverse()
    return order


def _as_used(p, version: int):
    """The tensor as an op used it: after a recorded in-place change (``y[0] = v``, ``y += x``
    inside a graph) ``p`` holds the new value, and its value at ``version`` is in ``p._history``."""
    history = getattr(p, "_history", None)
    if history is None or p._version == version:
        return p
    later = [k for k in history if k >= version]
    return history[min(later)] if later else p


def _check_versions(fn, out) -> None:
    """Refuse to differentiate with values that changed in place after ``fn`` saved them.

    Every tensor counts its in-place changes in ``_version``; ``apply`` noted the inputs' counts.
    An input (or the output) whose array ``fn`` kept and whose count moved since is stale.
    """
    used = (_as_used(x, v) for x, v in zip(fn.parents, fn.versions))
    stale = [(x, v) for x, v in zip(used, fn.versions) if getattr(x, "_version", v) != v]
    out_version = fn.__dict__.get("out_version", 0)
    if out._version != out_version:
        stale.append((out, out_version))
    if not stale:
        return
    kept = {id(a) for a in fn.__dict__.values()}
    for x, v in stale:
        if id(x.data) in kept:
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an inplace "
                f"operation: [{x.dtype} of shape {list(x.shape)}], used by {fn.name}, is at version "
                f"{x._version}; expected version {v} instead.  Change it out of place (x = x + 1, not "
                "x += 1 or x.add_(1)), or after backward()"
            )


def run_backward(root, grad: np.ndarray, retain_graph: bool, inputs: list | None = None) -> dict | None:
    """Propagate ``grad`` = ∂L/∂root through the graph into the leaves' ``.grad``.

    With ``inputs``, nothing is written to any ``.grad``: the gradients of those tensors are
    returned as a dict keyed by ``id`` instead (this is ``shenjing.autograd.grad``).
    """
    from ..tensor import Tensor

    grads: dict[int, np.ndarray] = {id(root): grad}
    wanted = None if inputs is None else {id(x) for x in inputs}
    captured: dict[int, np.ndarray] = {}
    histories = _Inplace.recorded > 0  # some tensor took a new value inside a graph: see _as_used
    if wanted is not None and id(root) in wanted:
        captured[id(root)] = grad
    for t in _topological_order(root):
        g = grads.pop(id(t), None)
        if g is None:
            continue
        if wanted is not None:
            if id(t) in wanted:
                captured[id(t)] = g
        elif t._retain:
            t._accumulate(g.copy())
        fn = t._ctx
        if "_released" in fn.__dict__:
            raise RuntimeError(
                "Trying to backward through the graph a second time: the saved values of "
                f"{fn.name} were freed after the first backward(). "
                "Call backward(retain_graph=True) the first time if you need to go through twice."
            )
        if fn.stamp != _Inplace.count:  # something changed in place since the forward pass
            _check_versions(fn, t)
        in_grads = fn.backward(g)
        if type(in_grads) is not tuple:
            in_grads = (in_grads,)
        handed: list = []
        parents = [_as_used(p, v) for p, v in zip(fn.parents, fn.versions)] if histories else fn.parents
        for p, need, pg in zip(parents, fn.needs_input_grad, in_grads):
            if not need or pg is None:
                continue
            pshape = p.data.shape
            if pg.shape != pshape:
                pg = reduce_to_shape(pg, pshape)
            if pg.dtype != p.data.dtype:
                pg = pg.astype(p.data.dtype)
            for h in handed:  # the same array handed to two inputs must not be shared
                if pg is h:
                    pg = pg.copy()
                    break
            handed.append(pg)
            if p._ctx is None:
                if wanted is not None:
                    if id(p) in wanted:
                        prev = captured.get(id(p))
                        captured[id(p)] = pg if prev is None else prev + pg
                    continue
                p._accumulate(pg)
                hooks = p._hooks
                if hooks:
                    for hook in hooks:
                        out = hook(p.grad)
                        if out is not None:
                            p.grad = out if isinstance(out, Tensor) else Tensor(out)
            else:
                k = id(p)
                prev = grads.get(k)
                grads[k] = pg if prev is None else prev + pg
        if not retain_graph:
            fn.release()
    return captured if wanted is not None else None
