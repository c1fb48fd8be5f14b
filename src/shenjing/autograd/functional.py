"""Higher-level autograd, like ``torch.autograd.functional``: ``vjp``, ``jvp``, ``jacobian``.

For f: (x₁, …, xₙ) ↦ (y₁, …, yₘ) with Jacobian blocks J_ki = ∂y_k/∂x_i:
  vjp:       (vᵀJ)_i = Σ_k v_kᵀ J_ki   — one backward pass per output;
  jacobian:  row r of J_k·  = the vjp of the one-hot v = e_r  — one backward pass per output entry;
  jvp:       (Jv)_k  = Σ_i J_ki v_i    — exact, from the full Jacobian (shenjing's backward works on
             arrays and builds no graph of its own, so the double-vjp trick is not available).
``hessian`` needs gradients of gradients (``create_graph=True``), which shenjing does not support.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..tensor import Tensor
from . import grad as _grad
from .function import enable_grad


def _as_tuple(x, what: str, fn_name: str) -> tuple[bool, tuple]:
    is_tuple = isinstance(x, tuple | list)
    items = tuple(x) if is_tuple else (x,)
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            where = f"the value at index {i}" if is_tuple else f"the given {what}"
            raise TypeError(f"The {what} given to {fn_name} must be either a Tensor or a tuple of Tensors but "
                            f"{where} has type {type(t)}.")
    return is_tuple, items


def _no_create_graph(create_graph: bool, fn_name: str) -> None:
    if create_graph:
        raise NotImplementedError(f"{fn_name}(create_graph=True) needs gradients of gradients, which shenjing's "
                                  "backward does not build (it works on arrays); use create_graph=False")


def _call(func: Callable, inputs: tuple, fn_name: str) -> tuple[tuple, bool, tuple]:
    """Run ``func`` on fresh leaves that require grad; (leaves, outputs-is-tuple, outputs)."""
    leaves = tuple(x.detach().requires_grad_(True) for x in inputs)
    with enable_grad():
        out = func(*leaves)
    out_tuple, outs = _as_tuple(out, "outputs of the user-provided function", fn_name)
    return leaves, out_tuple, outs


def _check_v(v, refs: tuple, is_tuple: bool, none_msg: str) -> tuple:
    """``v`` as a tuple of arrays, one per tensor of ``refs`` and of the same shapes."""
    if v is None:
        if len(refs) != 1 or refs[0].numel() != 1:
            raise RuntimeError(f"The vector v can only be None if {none_msg} is a single Tensor with a single "
                               "element." if "input" in none_msg else
                               f"The vector v can only be None if {none_msg} returns a single Tensor with a "
                               "single element.")
        return (np.ones_like(refs[0].data),)
    vs = tuple(v) if isinstance(v, tuple | list) else (v,)
    if len(vs) != len(refs):
        raise RuntimeError(f"v is a tuple of invalid length: should be {len(refs)} but got {len(vs)}.")
    out = []
    for a, r in zip(vs, refs):
        arr = np.asarray(a.data if isinstance(a, Tensor) else a)
        if arr.shape != r.data.shape:
            raise RuntimeError(f"v has invalid size: should be {r.shape} but got {tuple(arr.shape)}.")
        out.append(arr)
    return tuple(out)


def _vjp_arrays(leaves: tuple, outs: tuple, vs: tuple, strict: bool) -> list:
    """Σ_k v_kᵀ ∂y_k/∂x_i for each input i, as arrays (zeros where y does not depend on x_i)."""
    total = [np.zeros_like(x.data) for x in leaves]
    used = [False] * len(leaves)
    for k, (y, v) in enumerate(zip(outs, vs)):
        if not y.requires_grad:
            if strict:
                raise RuntimeError(f"Output {k} of the user-provided function does not require gradients. The "
                                   "outputs must be computed in a differentiable manner from the input when "
                                   "running in strict mode.")
            continue
        grads = _grad(y, leaves, grad_outputs=v, retain_graph=True, allow_unused=True)
        for i, g in enumerate(grads):
            if g is not None:
                total[i] = total[i] + g.data
                used[i] = True
    if strict:
        for i, u in enumerate(used):
            if not u:
                raise RuntimeError(f"The output of the user-provided function is independent of input {i}. This "
                                   "is not allowed in strict mode.")
    return total


def _wrap(arrays, is_tuple: bool):
    ts = tuple(a if isinstance(a, Tensor) else Tensor._from_op(np.asarray(a), None) for a in arrays)
    return ts if is_tuple else ts[0]


def _detached(outs: tuple, is_tuple: bool):
    return _wrap([y.detach() for y in outs], is_tuple)


def vjp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(*inputs), vᵀ·J): the vector–Jacobian product, one entry per input."""
    _no_create_graph(create_graph, "vjp")
    in_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
    leaves, out_tuple, outs = _call(func, inputs, "vjp")
    vs = _check_v(v, outs, out_tuple, "the user-provided function")
    res = _vjp_arrays(leaves, outs, vs, strict)
    return _detached(outs, out_tuple), _wrap(res, in_tuple)


def _jacobian_blocks(leaves: tuple, outs: tuple, strict: bool) -> list[list[np.ndarray]]:
    """J[k][i] of shape y_k.shape + x_i.shape, by one backward pass per entry of each output."""
    blocks = []
    for k, y in enumerate(outs):
        rows = [np.zeros((y.numel(),) + x.data.shape, dtype=x.data.dtype) for x in leaves]
        used = [False] * len(leaves)
        if not y.requires_grad:
            if strict:
                raise RuntimeError(f"Output {k} of the user-provided function does not require gradients. The "
                                   "outputs must be computed in a differentiable manner from the input when "
                                   "running in strict mode.")
        else:
            eye = np.zeros(y.numel(), dtype=y.data.dtype)
            for r in range(y.numel()):
                eye[r] = 1
                grads = _grad(y, leaves, grad_outputs=eye.reshape(y.data.shape), retain_graph=True,
                              allow_unused=True)
                eye[r] = 0
                for i, g in enumerate(grads):
                    if g is not None:
                        rows[i][r] = g.data
                        used[i] = True
        if strict:
            for i, u in enumerate(used):
                if not u:
                    raise RuntimeError(f"Output {k} of the user-provided function is independent of input {i}. "
                                       "This is not allowed in strict mode.")
        blocks.append([rows[i].reshape(y.data.shape + x.data.shape) for i, x in enumerate(leaves)])
    return blocks


def jvp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(*inputs), J·v): the Jacobian–vector product, one entry per output (exact)."""
    _no_create_graph(create_graph, "jvp")
    in_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
    vs = _check_v(v, inputs, in_tuple, "the input to the user-provided function")
    leaves, out_tuple, outs = _call(func, inputs, "jvp")
    blocks = _jacobian_blocks(leaves, outs, strict)
    res = []
    for y, row in zip(outs, blocks):
        acc = np.zeros(y.numel(), dtype=y.data.dtype)
        for x, jb, vi in zip(leaves, row, vs):
            acc = acc + jb.reshape(y.numel(), x.numel()) @ np.asarray(vi, dtype=jb.dtype).reshape(-1)
        res.append(acc.reshape(y.data.shape).astype(y.data.dtype, copy=False))
    return _detached(outs, out_tuple), _wrap(res, out_tuple)


def jacobian(func: Callable, inputs, create_graph: bool = False, strict: bool = False, vectorize: bool = False,
             strategy: str = "reverse-mode"):
    """∂func(*inputs)/∂inputs: for output k and input i a tensor of shape y_k.shape + x_i.shape, nested as
    PyTorch nests it (a Tensor, a tuple over inputs or over outputs, or a tuple of tuples [output][input])."""
    _no_create_graph(create_graph, "jacobian")
    if strategy not in ("forward-mode", "reverse-mode"):
        raise ValueError('Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
                         'function has more outputs than inputs, "forward-mode" tends to be more performant. '
                         'Otherwise, prefer to use "reverse-mode".')
    in_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
    leaves, out_tuple, outs = _call(func, inputs, "jacobian")
    blocks = _jacobian_blocks(leaves, outs, strict)
    per_output = [_wrap(row, in_tuple) for row in blocks]
    return tuple(per_output) if out_tuple else per_output[0]


def hessian(func: Callable, inputs, create_graph: bool = False, strict: bool = False, vectorize: bool = False,
            outer_jacobian_strategy: str = "reverse-mode"):
    """Not available: the Hessian is the Jacobian of the gradient, which needs ``create_graph=True``."""
    raise NotImplementedError("hessian needs gradients of gradients (backward with create_graph=True), which "
                              "shenjing's autograd does not support; an exact Hessian is therefore not available")


def vhp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """Not available, for the same reason as ``hessian``."""
    raise NotImplementedError("vhp needs gradients of gradients (backward with create_graph=True), which "
                              "shenjing's autograd does not support")


def hvp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """Not available, for the same reason as ``hessian``."""
    raise NotImplementedError("hvp needs gradients of gradients (backward with create_graph=True), which "
                              "shenjing's autograd does not support")

__all__ = ["vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"]
