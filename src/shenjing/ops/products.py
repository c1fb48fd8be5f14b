"""Products and distances: bmm, addmm/addmv/baddbmm, mv, dot, inner, einsum, tensordot, kron, cross,
cdist, dist, cosine_similarity and pairwise_distance, with PyTorch's shape and dtype checks.

``einsum`` is the general engine (tensordot and inner are written with it): its backward for each
operand is one more einsum, of the gradient with the other operands.
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any

import numpy as np

from ..autograd.function import Function
from ..backend import from_np
from . import matmul as _mm
from . import reduce as _red

_TORCH_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
                "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"  # PyTorch's label order


def _tname(dt: np.dtype) -> str:
    return _TORCH_NAMES.get(np.dtype(dt).name, np.dtype(dt).name)


def _t(x: Any):
    from ..tensor import Tensor

    return x if isinstance(x, Tensor) else Tensor(x)


def _dim(d: int, ndim: int) -> int:
    """A dimension index in [-ndim, ndim) (a 0-d tensor has one), as a non-negative int."""
    n = max(ndim, 1)
    if not -n <= d < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})")
    return d % n


def _shape_str(shape) -> str:
    return "x".join(str(n) for n in shape)


def _expand_check(shape, target, what: str) -> None:
    """``shape`` must expand to ``target`` (the result of the product), as PyTorch's ``expand``."""
    if len(shape) > len(target):
        raise RuntimeError(f"{what}: input of shape {list(shape)} cannot be broadcast to the result shape "
                           f"{list(target)} (it has more dimensions)")
    for i, (s, t) in enumerate(zip(shape[::-1], target[::-1])):
        if s != t and s != 1:
            raise RuntimeError(
                f"The expanded size of the tensor ({t}) must match the existing size ({s}) at non-singleton "
                f"dimension {len(target) - 1 - i}.  Target sizes: {list(target)}.  Tensor sizes: {list(shape)}"
            )


def _broadcast_shape(a, b) -> tuple:
    """np.broadcast_shapes with PyTorch's message."""
    try:
        return np.broadcast_shapes(a, b)
    except ValueError:
        n = max(len(a), len(b))
        pa, pb = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
        for i in range(n - 1, -1, -1):
            if pa[i] != pb[i] and 1 not in (pa[i], pb[i]):
                raise RuntimeError(f"The size of tensor a ({pa[i]}) must match the size of tensor b ({pb[i]}) "
                                   f"at non-singleton dimension {i}") from None
        raise


# ----------------------------------------------------------------- matrix products
class AddMatMul(Function):
    """y = β·c + α·(a @ b) (addmm, addmv, baddbmm); β = 0 ignores c, NaN included, as PyTorch.

    ∂y/∂c = β, ∂L/∂a = α g bᵀ, ∂L/∂b = α aᵀ g (b a vector: ∂L/∂a = α g ⊗ b)."""

    def forward(self, c, a, b, beta=1, alpha=1):
        need = self.needs_input_grad or (False, False, False)
        self.a = a if need[2] else None
        self.b = b if need[1] else None
        self.beta, self.alpha, self.vec = beta, alpha, b.ndim == 1
        prod = a @ b
        if alpha != 1:
            prod = prod * alpha
        out = prod if beta == 0 else prod + (c if beta == 1 else c * beta)
        return out.astype(a.dtype, copy=False)

    def backward(self, g):
        need_c, need_a, need_b = self.needs_input_grad
        gc = ga = gb = None
        if need_c:
            gc = g if self.beta == 1 else g * self.beta
        ga_g = g if self.alpha == 1 else g * self.alpha
        if need_a:
            ga = np.multiply.outer(ga_g, self.b) if self.vec else ga_g @ np.swapaxes(self.b, -1, -2)
        if need_b:
            gb = np.swapaxes(self.a, -1, -2) @ ga_g
        return gc, ga, gb


def _same_dtype(msg: str, *ts) -> None:
    if len({t.data.dtype for t in ts}) > 1:
        raise RuntimeError(msg)


def _check_scalar(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Number):
        raise TypeError(f"{name}: beta and alpha must be numbers, got {value!r}")


def bmm(input, mat2):  # noqa: A002 - PyTorch's names
    a, b = _t(input), _t(mat2)
    if a.ndim != 3:
        raise RuntimeError(f"batch1 must be a 3D tensor (bmm got a {a.ndim}-D tensor)")
    if b.ndim != 3:
        raise RuntimeError(f"batch2 must be a 3D tensor (bmm got a {b.ndim}-D tensor)")
    if b.shape[:2] != (a.shape[0], a.shape[2]):
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}].")
    _same_dtype(f"bmm: expected scalar type {_tname(a.data.dtype)} but found {_tname(b.data.dtype)}", a, b)
    return _mm.MatMul.apply(a, b)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):  # noqa: A002
    c, a, b = _t(input), _t(batch1), _t(batch2)
    for v in (beta, alpha):
        _check_scalar("baddbmm", v)
    if a.ndim != 3:
        raise RuntimeError(f"batch1 must be a 3D tensor (baddbmm got a {a.ndim}-D tensor)")
    if b.ndim != 3:
        raise RuntimeError(f"batch2 must be a 3D tensor (baddbmm got a {b.ndim}-D tensor)")
    if b.shape[:2] != (a.shape[0], a.shape[2]):
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}].")
    _same_dtype(f"baddbmm: Input dtypes must be the same, got: input {c.dtype}, batch1: {a.dtype}, "
                f"batch2: {b.dtype}", a, b, c)
    _expand_check(c.shape, (a.shape[0], a.shape[1], b.shape[2]), "baddbmm")
    return AddMatMul.apply(c, a, b, beta=beta, alpha=alpha)


def addmm(input, mat1, mat2, *, beta=1, alpha=1):  # noqa: A002
    c, a, b = _t(input), _t(mat1), _t(mat2)
    for v in (beta, alpha):
        _check_scalar("addmm", v)
    for name, m in (("mat1", a), ("mat2", b)):
        if m.ndim != 2:
            raise RuntimeError(f"addmm: {name} must be a matrix, got {m.ndim}-D tensor")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_shape_str(a.shape)} and "
                           f"{_shape_str(b.shape)})")
    _same_dtype(f"addmm: self, mat1 and mat2 must have the same dtype, but got {_tname(c.data.dtype)}, "
                f"{_tname(a.data.dtype)} and {_tname(b.data.dtype)}", a, b, c)
    _expand_check(c.shape, (a.shape[0], b.shape[1]), "addmm")
    return AddMatMul.apply(c, a, b, beta=beta, alpha=alpha)


def _check_mv(name: str, c, a, b) -> None:
    if a.ndim != 2 or b.ndim != 1 or (c is not None and c.ndim > 1):
        raise RuntimeError(f"{name}: vector + matrix @ vector expected, got {1 if c is None else c.ndim}, "
                           f"{a.ndim}, {b.ndim}")
    if a.shape[1] != b.shape[0] or (c is not None and c.numel() not in (1, a.shape[0])):
        cs = a.shape[0] if c is None else c.shape[0] if c.ndim else 1
        raise RuntimeError(f"{name}: size mismatch, got input ({cs}), mat ({_shape_str(a.shape)}), "
                           f"vec ({b.shape[0]})")
    ts = (a, b) if c is None else (c, a, b)
    _same_dtype(f"{name}: input tensors must have the same dtype, but got "
                + ", ".join(_tname(t.data.dtype) for t in ts), *ts)


def addmv(input, mat, vec, *, beta=1, alpha=1):  # noqa: A002
    c, a, b = _t(input), _t(mat), _t(vec)
    for v in (beta, alpha):
        _check_scalar("addmv", v)
    _check_mv("addmv", c, a, b)
    return AddMatMul.apply(c, a, b, beta=beta, alpha=alpha)


def mv(input, vec):  # noqa: A002
    a, b = _t(input), _t(vec)
    _check_mv("mv", None, a, b)
    return _mm.matmul(a, b)


def dot(input, other, name: str = "dot"):  # noqa: A002
    a, b = _t(input), _t(other)
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"{name}: 1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(f"{name}: inconsistent tensor size, expected tensor [{a.shape[0]}] and src "
                           f"[{b.shape[0]}] to have the same number of elements, but got {a.shape[0]} and "
                           f"{b.shape[0]} elements respectively")
    _same_dtype(f"{name} : expected both vectors to have same dtype, but found {_tname(a.data.dtype)} and "
                f"{_tname(b.data.dtype)}", a, b)
    return _mm.Dot.apply(a, b)


def inner(input, other):  # noqa: A002
    """Σ over the last dims: tensordot(a, b, ([-1], [-1])); a 0-d operand just multiplies."""
    a, b = _t(input), _t(other)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    _same_dtype("inner: both inputs should have same dtype", a, b)
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(a.shape)} and {list(b.shape)}")
    return tensordot(a, b, ([-1], [-1]))


# ----------------------------------------------------------------- einsum
class Einsum(Function):
    """y = einsum(eq, x₁ … xₙ) with explicit output (labels in [a-zA-Z], one per axis).

    ∂L/∂xᵢ = einsum(g, xⱼ (j ≠ i) → labels of xᵢ): labels only xᵢ has are broadcast back, and a
    label repeated in xᵢ (a diagonal) puts the gradient on that diagonal, zero elsewhere."""

    def forward(self, *arrays, subs=(), out=""):
        self.arrays, self.subs, self.out = arrays, subs, out
        eq = ",".join(subs) + "->" + out
        res = np.einsum(eq, *arrays, optimize=len(arrays) > 1)
        if any(np.may_share_memory(res, a) for a in arrays):  # a view ('ij->ji', 'ii->i'): own the data
            res = res.copy()
        return np.asarray(res)

    def backward(self, g):
        arrays, subs = self.arrays, self.subs
        grads = []
        for i, need in enumerate(self.needs_input_grad):
            if not need:
                grads.append(None)
                continue
            s = subs[i]
            others = [j for j in range(len(arrays)) if j != i]
            seen = self.out + "".join(subs[j] for j in others)
            unique = "".join(dict.fromkeys(s))
            keep = "".join(c for c in unique if c in seen)
            eq = ",".join([self.out] + [subs[j] for j in others]) + "->" + keep
            gi = np.einsum(eq, g, *[arrays[j] for j in others], optimize=len(others) > 0)
            sizes = {c: n for c, n in zip(s, arrays[i].shape)}
            missing = [k for k, c in enumerate(unique) if c not in seen]
            if missing:  # labels summed in xᵢ alone: the gradient is the same along them
                gi = np.broadcast_to(np.expand_dims(gi, tuple(missing)), tuple(sizes[c] for c in unique))
            if len(unique) != len(s):  # repeated labels: onto the diagonal
                full = np.zeros(arrays[i].shape, dtype=gi.dtype)
                idx = tuple(np.arange(sizes[c]).reshape([-1 if q == unique.index(c) else 1
                                                         for q in range(len(unique))]) for c in s)
                full[idx] = gi
                gi = full
            grads.append(gi)
        return tuple(grads)


def _parse_einsum(equation: str, n_ops: int):
    """Operand terms (lists of labels, '...' for an ellipsis) and the output term (None: implicit)."""
    arrow = equation.find("->")
    terms: list[list[str]] = [[]]
    out: list[str] | None = None
    cur = terms[0]
    i, n = 0, len(equation)
    while i < n:
        ch = equation[i]
        if i == arrow:
            out = cur = []
            i += 2
            continue
        if ch == " ":
            pass
        elif ch == "," and out is None:
            cur = []
            terms.append(cur)
        elif ch == ".":
            which = "the output" if out is not None else f"operand {len(terms) - 1}"
            if equation[i:i + 3] != "...":
                raise RuntimeError(f"einsum(): found '.' for {which} that is not part of any ellipsis")
            if "..." in cur:
                raise RuntimeError(f"einsum(): found more than one ellipsis for {which}")
            cur.append("...")
            i += 3
            continue
        elif ch in _LETTERS:
            cur.append(ch)
        else:
            raise RuntimeError(f"einsum(): invalid subscript given at index {i} in the equation string, "
                               "subscripts must be in [a-zA-Z]")
        i += 1
    if n_ops < len(terms):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if n_ops > len(terms):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    return terms, out


def _sublist_equation(args) -> tuple[str, list]:
    """einsum(op₀, sublist₀, op₁, sublist₁, …, [out]): the equation string (labels 0-51)."""

    def term(sub) -> str:
        parts = []
        for v in sub:
            if v is Ellipsis:
                parts.append("...")
            elif isinstance(v, numbers.Integral) and 0 <= v < 52:
                parts.append(_LETTERS[26:][v] if v < 26 else _LETTERS[v - 26])
            else:
                raise ValueError(f"einsum(): subscript in subscript list is not within the valid range [0, 52), "
                                 f"got {v!r}")
        return "".join(parts)

    pairs, out = (args, None) if len(args) % 2 == 0 else (args[:-1], args[-1])
    lhs = ",".join(term(s) for s in pairs[1::2])
    return (lhs if out is None else lhs + "->" + term(out)), list(pairs[0::2])


def einsum(*args):
    """Einstein summation, as ``torch.einsum``: ``einsum('ij,jk->ik', a, b)``, the operands also as one
    list, or the sublist form ``einsum(a, [0, 1], b, [1, 2])``.  Without '->' the output is the labels
    seen once, in alphabetical order (upper case first), after the ellipsis dims."""
    if not args:
        raise TypeError("einsum(): must specify the equation string and at least one operand")
    if isinstance(args[0], str):
        equation, ops = args[0], list(args[1:])
        if len(ops) == 1 and isinstance(ops[0], list | tuple):
            ops = list(ops[0])
    else:
        equation, ops = _sublist_equation(args)
    ops = [_t(o) for o in ops]
    terms, out_term = _parse_einsum(equation, len(ops))
    dtypes = {o.data.dtype for o in ops}
    if len(dtypes) > 1:
        raise RuntimeError(f"einsum(): expected all operands to have the same dtype, got "
                           f"{', '.join(_tname(o.data.dtype) for o in ops)}")
    used = {c for t in terms for c in t} | set(out_term or [])
    free = [c for c in _LETTERS if c not in used]

    def fresh() -> str:
        if not free:
            raise RuntimeError("einsum(): too many dimensions: at most 52 labels can be used")
        return free.pop(0)

    n_ell = 0
    for k, (t, o) in enumerate(zip(terms, ops)):
        labels = len(t) - ("..." in t)
        if "..." not in t and labels != o.ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({labels}) does not match the "
                               f"number of dimensions ({o.ndim}) for operand {k} and no ellipsis was given")
        if labels > o.ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({labels}) is more than the "
                               f"number of dimensions ({o.ndim}) for operand {k}")
        if "..." in t:
            n_ell = max(n_ell, o.ndim - labels)
    ell = [fresh() for _ in range(n_ell)]
    subs: list[list[str]] = []
    for t, o in zip(terms, ops):
        s: list[str] = []
        for c in t:
            s.extend(ell[n_ell - (o.ndim - len(t) + 1):] if c == "..." else [c])
        subs.append(s)
    # sizes, with size-1 broadcasting between operands (not within one)
    size: dict[str, int] = {}
    for k, (s, o) in enumerate(zip(subs, ops)):
        local: dict[str, int] = {}
        for c, n in zip(s, o.shape):
            if c in local and local[c] != n:
                raise RuntimeError(f"einsum(): subscript {c} is repeated for operand {k} but the sizes don't "
                                   f"match, {n} != {local[c]}")
            local[c] = n
        for c, n in local.items():
            prev = size.get(c)
            if prev is None or prev == 1:
                size[c] = n
            elif n != 1 and n != prev:
                what = f"subscript {c}" if c not in ell else "an ellipsis dimension"
                raise RuntimeError(f"einsum(): {what} has size {n} for operand {k} which does not broadcast with "
                                   f"previously seen size {prev}")
    if out_term is None:
        counts: dict[str, int] = {}
        for t in terms:
            for c in t:
                counts[c] = counts.get(c, 0) + 1
        out = ell + [c for c in _LETTERS if counts.get(c) == 1]
    else:
        out = []
        for c in out_term:
            if c == "...":
                out.extend(ell)
                continue
            if c in out:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once in the output")
            if c not in size:
                raise RuntimeError(f"einsum(): output subscript {c} does not appear in the equation for any input "
                                   "operand")
            out.append(c)
    # a size-1 axis against a larger size broadcasts: give it a label of its own (summed over one entry)
    for s, o in zip(subs, ops):
        renamed: dict[str, str] = {}
        for k, (c, n) in enumerate(zip(s, o.shape)):
            if n == 1 and size[c] != 1:
                s[k] = renamed.setdefault(c, fresh())
    return Einsum.apply(*ops, subs=tuple("".join(s) for s in subs), out="".join(out))


def tensordot(a, b, dims=2):
    """Σ over dims_a of a and dims_b of b (paired); the free dims of a, then of b.  ``dims`` an int n
    contracts the last n dims of a with the first n of b."""
    from ..tensor import Tensor

    a, b = _t(a), _t(b)
    if isinstance(dims, Tensor):
        dims = dims.data.tolist()
    if isinstance(dims, numbers.Integral) and not isinstance(dims, bool):
        d = int(dims)
        if d < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={d}")
        if d > min(a.ndim, b.ndim):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={d}")
        da, db = list(range(-d, 0)), list(range(d))
    elif isinstance(dims, list | tuple) and len(dims) == 2 and all(isinstance(x, list | tuple) for x in dims):
        da, db = list(dims[0]), list(dims[1])
    else:
        raise TypeError(f"tensordot(): dims must be an int or a pair of lists of ints, got {dims!r}")
    if len(da) != len(db):
        raise RuntimeError(f"tensordot: both dimension lists should have same length, got {da} and {db}")
    _same_dtype("tensordot: both inputs should have same dtype", a, b)
    la = list(_LETTERS[:a.ndim])
    lb = [""] * b.ndim
    pa, pb = [_dim(x, a.ndim) for x in da], [_dim(x, b.ndim) for x in db]
    if len(set(pa)) != len(pa) or len(set(pb)) != len(pb):
        raise RuntimeError(f"tensordot: a dim appears more than once in dims ({da}, {db})")
    for x, y, i, j in zip(da, db, pa, pb):
        if a.shape[i] != b.shape[j]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {a.shape[i]} in dim {x} "
                               f"and second has size {b.shape[j]} in dim {y}")
        lb[j] = la[i]
    rest = iter(_LETTERS[a.ndim:])
    lb = [c or next(rest) for c in lb]
    out = [c for k, c in enumerate(la) if k not in pa] + [c for k, c in enumerate(lb) if k not in pb]
    return Einsum.apply(a, b, subs=("".join(la), "".join(lb)), out="".join(out))


def kron(input, other):  # noqa: A002
    """(a ⊗ b)[i·m + k, …] = a[i, …]·b[k, …]: a broadcast product of interleaved axes, reshaped."""
    a, b = _t(input), _t(other)
    nd = max(a.ndim, b.ndim)
    sa, sb = (1,) * (nd - a.ndim) + tuple(a.shape), (1,) * (nd - b.ndim) + tuple(b.shape)
    ar = a.reshape(tuple(x for n in sa for x in (n, 1)))
    br = b.reshape(tuple(x for n in sb for x in (1, n)))
    return (ar * br).reshape(tuple(x * y for x, y in zip(sa, sb)))


class Cross(Function):
    """y = a × b along ``axis``; ∂L/∂a = b × g, ∂L/∂b = g × a (from g·(a × b) = a·(b × g) = b·(g × a))."""

    def forward(self, a, b, axis=-1):
        self.a, self.b, self.axis = a, b, axis
        return np.cross(a, b, axis=axis)

    def backward(self, g):
        need_a, need_b = self.needs_input_grad
        ga = np.cross(self.b, g, axis=self.axis) if need_a else None
        gb = np.cross(g, self.a, axis=self.axis) if need_b else None
        return ga, gb


def cross(input, other, dim: int | None = None):  # noqa: A002
    a, b = _t(input), _t(other)
    if dim is None:
        warnings.warn("Using shenjing.cross without specifying the dim arg is deprecated; shenjing.cross uses the "
                      "first dimension of size 3, as PyTorch does. Pass dim, or use linalg.cross.",
                      UserWarning, stacklevel=3)
        dim = next((k for k, n in enumerate(a.shape) if n == 3), None)
        if dim is None:
            raise RuntimeError(f"cross: no dimension of size 3 in input (shape {list(a.shape)})")
    if a.ndim != b.ndim:
        raise RuntimeError(f"linalg.cross: inputs must have the same number of dimensions (got {a.ndim} and "
                           f"{b.ndim}).")
    axis = _dim(dim, a.ndim)
    if a.shape[axis] != 3 or b.shape[axis] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {a.shape[axis]} and "
                           f"{b.shape[axis]}")
    _same_dtype(f"cross: expected scalar type {_tname(a.data.dtype)} but found {_tname(b.data.dtype)}", a, b)
    _broadcast_shape(a.shape, b.shape)
    return Cross.apply(a, b, axis=axis)


# ----------------------------------------------------------------- distances
class CDist(Function):
    """y[…, i, j] = ‖x₁[…, i] − x₂[…, j]‖_p.

    ∂y/∂x₁ᵢ = sign(d)|d|ᵖ⁻¹/yᵖ⁻¹ with d = x₁ᵢ − x₂ⱼ (d/y for p = 2, sign(d) for p = 1, sign(d) where
    |d| = y for p = ∞, 0 for p = 0), taken as 0 where y = 0, as PyTorch; ∂/∂x₂ⱼ is its negative.
    p = 2 with ``mm`` uses y² = |x₁|² + |x₂|² − 2 x₁·x₂ (PyTorch's fast path for more than 25 rows)."""

    def forward(self, x1, x2, p=2.0, mm=False):
        self.x1, self.x2, self.p, self.mm = x1, x2, p, mm
        if p == 2 and mm:
            sq = (np.sum(x1 * x1, -1)[..., :, None] + np.sum(x2 * x2, -1)[..., None, :]
                  - 2 * (x1 @ np.swapaxes(x2, -1, -2)))
            out = np.sqrt(np.maximum(sq, 0))
        else:
            d = np.abs(x1[..., :, None, :] - x2[..., None, :, :])
            if p == 2:
                out = np.sqrt(np.sum(d * d, -1))
            elif p == 1:
                out = np.sum(d, -1)
            elif p == np.inf:
                out = np.max(d, -1, initial=0)
            elif p == 0:
                out = np.sum(d != 0, -1).astype(x1.dtype)
            else:
                out = np.sum(d**p, -1) ** (1.0 / p)
        self.out = out
        return out

    def backward(self, g):
        x1, x2, p, y = self.x1, self.x2, self.p, self.out
        need1, need2 = self.needs_input_grad
        if p == 0:
            return (np.zeros_like(x1) if need1 else None), (np.zeros_like(x2) if need2 else None)
        if p == 2:  # g/y with 0 where y = 0: then x₁ Σⱼ r − r x₂ and x₂ Σᵢ r − rᵀ x₁
            with np.errstate(divide="ignore", invalid="ignore"):
                r = np.where(y == 0, 0, g / y)
            g1 = x1 * r.sum(-1)[..., None] - r @ x2 if need1 else None
            g2 = x2 * r.sum(-2)[..., None] - np.swapaxes(r, -1, -2) @ x1 if need2 else None
            return g1, g2
        d = x1[..., :, None, :] - x2[..., None, :, :]
        yy = y[..., None]
        if p == 1:
            c = np.sign(d)
        elif p == np.inf:
            c = np.sign(d) * (np.abs(d) == yy)
        else:
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                c = np.sign(d) * np.abs(d) ** (p - 1) / yy ** (p - 1)
            zero = (yy == 0) | (d == 0) if p < 1 else (yy == 0)
            c = np.where(zero, 0, c)
        c = c * g[..., None]
        return (c.sum(-2) if need1 else None), (-c.sum(-3) if need2 else None)


_CDIST_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist")


def cdist(x1, x2, p: float = 2.0, compute_mode: str = "use_mm_for_euclid_dist_if_necessary"):
    """The p-norm distance between every row of x1 (…, P, M) and of x2 (…, R, M): (…, P, R)."""
    a, b = _t(x1), _t(x2)
    if compute_mode not in _CDIST_MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    for name, t in (("X1", a), ("X2", b)):
        if t.data.dtype.kind != "f":
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: {_tname(t.data.dtype)}")
    for name, t in (("X1", a), ("X2", b)):
        if t.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {t.ndim}D")
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {a.shape[-1]} X2: {b.shape[-1]}")
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or np.isnan(p):
        raise TypeError(f"cdist: p must be a real number, got {p!r}")
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got {p}")
    _same_dtype(f"cdist: expected scalar type {_tname(a.data.dtype)} but found {_tname(b.data.dtype)}", a, b)
    _broadcast_shape(a.shape[:-2], b.shape[:-2])
    big = a.shape[-2] > 25 or b.shape[-2] > 25
    mm = compute_mode == "use_mm_for_euclid_dist" or (compute_mode == _CDIST_MODES[0] and big)
    return CDist.apply(a, b, p=float(p), mm=mm)


def _norm_p(p, name: str) -> float:
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or np.isnan(p):
        raise TypeError(f"{name}: argument 'p' must be a real number, not {type(p).__name__} ({p!r})")
    return float(p)


def dist(input, other, p: float = 2):  # noqa: A002
    """‖input − other‖_p over all entries (broadcast first)."""
    a, b = _t(input), _t(other)
    p = _norm_p(p, "dist")
    if a.data.dtype.kind != "f" and b.data.dtype.kind != "f":
        raise RuntimeError(f"dist(): input dtype should be floating point, got {_tname(a.data.dtype)} and "
                           f"{_tname(b.data.dtype)}")
    _broadcast_shape(a.shape, b.shape)
    diff = a - b
    if diff.ndim == 0:
        diff = diff.reshape(1)
    return _red.VectorNorm.apply(diff, p=p, axis=None, keepdims=False)


def pairwise_distance(x1, x2, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False):
    """‖x₁ − x₂ + ε‖_p over the last dim (of the broadcast shape), as PyTorch."""
    a, b = _t(x1), _t(x2)
    p = _norm_p(p, "pairwise_distance")
    _broadcast_shape(a.shape, b.shape)
    diff = a - b + eps
    if diff.ndim == 0:
        return _red.VectorNorm.apply(diff.reshape(1), p=p, axis=0, keepdims=False)
    return _red.VectorNorm.apply(diff, p=p, axis=-1, keepdims=keepdim)


class CosineSimilarity(Function):
    """y = Σ (a/n₁)(b/n₂) over ``axis``, nᵢ = max(‖·‖, ε) (PyTorch's definition: the clamp is not
    differentiated): ∂y/∂a = b/(n₁n₂) − y·(a/‖a‖)/n₁ (a/‖a‖ taken as 0 where a = 0), likewise for b."""

    def forward(self, a, b, axis=1, eps=1e-8):
        a, b = np.broadcast_arrays(a, b)
        self.shape = a.shape
        if a.ndim == 0:
            a, b = a.reshape(1), b.reshape(1)
        na = np.sqrt(np.sum(a * a, axis, keepdims=True))
        nb = np.sqrt(np.sum(b * b, axis, keepdims=True))
        n1, n2 = np.maximum(na, eps).astype(a.dtype), np.maximum(nb, eps).astype(b.dtype)
        y = np.sum((a / n1) * (b / n2), axis, keepdims=True)
        self.a, self.b, self.na, self.nb, self.n1, self.n2, self.y, self.axis = a, b, na, nb, n1, n2, y, axis
        return np.squeeze(y, axis)

    def backward(self, g):
        a, b, na, nb, n1, n2, y = self.a, self.b, self.na, self.nb, self.n1, self.n2, self.y
        g = np.expand_dims(g, self.axis)
        need_a, need_b = self.needs_input_grad
        with np.errstate(divide="ignore", invalid="ignore"):
            ua = np.where(na == 0, 0, a / na) if need_a else None
            ub = np.where(nb == 0, 0, b / nb) if need_b else None
        ga = (g * (b / (n1 * n2) - y * ua / n1)).reshape(self.shape) if need_a else None
        gb = (g * (a / (n1 * n2) - y * ub / n2)).reshape(self.shape) if need_b else None
        return ga, gb


def cosine_similarity(x1, x2, dim: int = 1, eps: float = 1e-8):
    """Cosine of the angle between x₁ and x₂ along ``dim`` (broadcast first); see ``CosineSimilarity``."""
    a, b = _t(x1), _t(x2)
    fa, fb = a.data.dtype.kind == "f", b.data.dtype.kind == "f"
    if not (fa or fb):
        raise RuntimeError(f"cosine_similarity: expected common dtype to be floating point, yet common dtype is "
                           f"{_tname(np.result_type(a.data.dtype, b.data.dtype))}")
    dt = np.result_type(a.data.dtype, b.data.dtype) if fa and fb else (a.data.dtype if fa else b.data.dtype)
    shape = _broadcast_shape(a.shape, b.shape)
    axis = _dim(dim, len(shape))
    a, b = a.type(from_np(dt)), b.type(from_np(dt))
    return CosineSimilarity.apply(a, b, axis=axis, eps=eps)

