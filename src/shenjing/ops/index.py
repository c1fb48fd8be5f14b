"""Indexing ops: pick, scatter, fill, flip, roll and cut tensors by indices, masks and diagonals.

Each ``Function`` moves numbers without changing them (or adds them up), so backward routes the
gradient back along the same indices: where forward reads an entry twice, backward adds twice.
The plain functions below check arguments as PyTorch does and build on the Functions (or on
``ops.shape``), so the Tensor methods and the top-level functions are one line each.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..autograd.function import Function
from ..backend import to_dtype
from .shape import Expand, GetItem, Permute, Tile, Transpose


# ----------------------------------------------------------------- argument checks
def _tensor_cls():
    from ..tensor import Tensor

    return Tensor


def _dim(op: str, d: int, ndim: int) -> int:
    """``d`` as a non-negative dim of a tensor with ``ndim`` dims (a 0-d tensor counts as 1-d)."""
    n = max(ndim, 1)
    if not isinstance(d, int | np.integer) or isinstance(d, bool):
        raise TypeError(f"{op}: dim must be an int, got {type(d).__name__}")
    if not -n <= d < n:
        raise IndexError(f"{op}: Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})")
    return int(d) % n


def _dims(op: str, dims, ndim: int) -> tuple:
    dims = (dims,) if isinstance(dims, int | np.integer) else tuple(dims)
    out = tuple(_dim(op, d, ndim) for d in dims)
    for i, d in enumerate(out):
        if d in out[:i]:
            raise RuntimeError(f"{op}: dim {d} appears multiple times in the list of dims")
    return out


def _index(op: str, index) -> np.ndarray:
    """The array of an index tensor, which must be an integer tensor (int32 or int64)."""
    if not isinstance(index, _tensor_cls()):
        raise TypeError(f"{op}: argument 'index' must be Tensor, not {type(index).__name__}")
    a = index.data
    if a.dtype not in (np.int64, np.int32):
        raise RuntimeError(f"{op}: Expected dtype int32/int64 for index, got {index.dtype}")
    return a


def _check_bounds(op: str, index: np.ndarray, size: int, dim: int, error=RuntimeError) -> None:
    if index.size and (index.min() < 0 or index.max() >= size):
        bad = index.min() if index.min() < 0 else index.max()
        raise error(f"{op}: index {bad} is out of bounds for dimension {dim} with size {size}")


def _broadcast_shape(op: str, *shapes) -> tuple:
    """NumPy's broadcast shape, with PyTorch's error for shapes that don't broadcast."""
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        pass
    nd = max(len(s) for s in shapes)
    full = [(1,) * (nd - len(s)) + tuple(s) for s in shapes]
    for d in range(nd - 1, -1, -1):
        sizes = [s[d] for s in full if s[d] != 1]
        if any(n != sizes[0] for n in sizes):
            a = next(i for i, s in enumerate(full) if s[d] != 1)
            b = next(i for i, s in enumerate(full) if s[d] != 1 and s[d] != full[a][d])
            raise RuntimeError(f"{op}: The size of tensor a ({full[a][d]}) must match the size of tensor b "
                               f"({full[b][d]}) at non-singleton dimension {d}")
    raise RuntimeError(f"{op}: shapes {[list(s) for s in shapes]} cannot be broadcast")  # pragma: no cover


def _along(index: np.ndarray, axis: int) -> tuple:
    """The full index tuple for scatter/gather: position ``i`` goes to ``[…, index[i], …]``."""
    idx = [np.arange(n).reshape([-1 if i == d else 1 for i in range(index.ndim)])
           for d, n in enumerate(index.shape)]
    idx[axis] = index
    return tuple(idx)


# ----------------------------------------------------------------- Functions
class IndexSelect(Function):
    """y = x[…, index, …] along ``axis``;  ∂L/∂x adds g back at ``index`` (repeats accumulate)."""

    def forward(self, x, index, axis):
        self.shape, self.index, self.axis = x.shape, index, axis
        return np.take(x.reshape(x.shape or (1,)), index, axis=axis).reshape(
            x.shape[:axis] + (index.size,) + x.shape[axis + 1:] if x.ndim else ())

    def backward(self, g):
        out = np.zeros(self.shape or (1,), dtype=g.dtype)
        np.add.at(np.moveaxis(out, self.axis, 0), self.index,
                  np.moveaxis(g.reshape(g.shape or (1,)), self.axis, 0))
        return out.reshape(self.shape)


class MaskedFill(Function):
    """y = value where mask else x (value cast to x's dtype);  ∂L/∂x = g where ¬mask, ∂L/∂value = Σ g[mask]."""

    def forward(self, x, value, mask):
        self.mask = mask
        return np.where(mask, np.asarray(value).astype(x.dtype), x)

    def backward(self, g):
        _, need_v = self.needs_input_grad
        zero = np.zeros((), dtype=g.dtype)
        gx = np.where(self.mask, zero, g) if self.needs_input_grad[0] else None
        gv = np.where(self.mask, g, zero).sum() if need_v else None
        return gx, gv


class MaskedSelect(Function):
    """y = the entries of x (broadcast with mask) where mask holds, as 1-D;  ∂L/∂x puts g back there."""

    def forward(self, x, mask, shape):
        self.mask = np.broadcast_to(mask, shape)
        return np.broadcast_to(x, shape)[self.mask]

    def backward(self, g):
        out = np.zeros(self.mask.shape, dtype=g.dtype)
        out[self.mask] = g
        return out  # the engine sums it back to x's shape


class Scatter(Function):
    """y = x with y[…, index[i], …] = src[i] along ``axis`` (``src`` may be a scalar value).

    As in PyTorch: ∂L/∂x = g with the written entries zeroed, ∂L/∂src = g gathered at ``index``.
    With ``reduce`` ('add' or 'multiply') the entries are combined instead and, as in PyTorch,
    there is no derivative.
    """

    def forward(self, x, src, index, axis, reduce=None):
        self.shape, self.reduce = x.shape, reduce
        x1 = x.reshape(x.shape or (1,))
        self.idx = _along(index.reshape(index.shape or (1,)), axis)
        self.src_shape = np.shape(src)
        if isinstance(src, np.ndarray) and src.ndim:
            self.region = tuple(slice(0, n) for n in index.shape)
            vals = src[self.region]
        else:
            self.region = None
            vals = np.broadcast_to(np.asarray(src).astype(x.dtype), index.shape or (1,))
        out = x1.copy()
        if reduce is None:
            out[self.idx] = vals
        elif reduce == "add":
            np.add.at(out, self.idx, vals)
        else:
            np.multiply.at(out, self.idx, vals)
        return out.reshape(self.shape)

    def backward(self, g):
        if self.reduce is not None:
            raise RuntimeError(f"scatter: the derivative for scatter with reduce={self.reduce!r} is not implemented")
        need_x, need_src = self.needs_input_grad
        g1 = g.reshape(g.shape or (1,))
        gx = gsrc = None
        if need_x:
            gx = g1.copy()
            gx[self.idx] = 0
            gx = gx.reshape(self.shape)
        if need_src:
            gsrc = np.zeros(self.src_shape, dtype=g.dtype)
            if self.region is None:
                gsrc = g1[self.idx].reshape(self.src_shape)
            else:
                gsrc[self.region] = g1[self.idx]
        return gx, gsrc


class ScatterAdd(Function):
    """y = x with src[i] added at y[…, index[i], …] (repeats add up);  ∂L/∂x = g, ∂L/∂src = g gathered at index."""

    def forward(self, x, src, index, axis):
        self.shape, self.src_shape = x.shape, src.shape
        self.idx = _along(index.reshape(index.shape or (1,)), axis)
        self.region = tuple(slice(0, n) for n in index.shape)
        out = x.reshape(x.shape or (1,)).copy()
        np.add.at(out, self.idx, src.reshape(src.shape or (1,))[self.region or (slice(None),)])
        return out.reshape(self.shape)

    def backward(self, g):
        gsrc = None
        if self.needs_input_grad[1]:
            gsrc = np.zeros(self.src_shape or (1,), dtype=g.dtype)
            gsrc[self.region or (slice(None),)] = g.reshape(g.shape or (1,))[self.idx]
            gsrc = gsrc.reshape(self.src_shape)
        return g, gsrc


class IndexAdd(Function):
    """y = x with alpha·source[…, i, …] added at y[…, index[i], …];  ∂L/∂x = g, ∂L/∂source = alpha·g[…, index, …]."""

    def forward(self, x, source, index, axis, alpha=1):
        self.shape, self.src_shape, self.index, self.axis = x.shape, source.shape, index, axis
        self.alpha = alpha
        out = x.reshape(x.shape or (1,)).copy()
        src = source.reshape(source.shape or (1,))
        add = src * np.asarray(alpha).astype(x.dtype) if alpha != 1 else src
        np.add.at(np.moveaxis(out, axis, 0), index, np.moveaxis(add.astype(x.dtype, copy=False), axis, 0))
        return out.reshape(self.shape)

    def backward(self, g):
        gs = None
        if self.needs_input_grad[1]:
            gs = np.take(g.reshape(g.shape or (1,)), self.index, axis=self.axis)
            gs = (gs * self.alpha if self.alpha != 1 else gs).reshape(self.src_shape)
        return g, gs


class Roll(Function):
    """y = x shifted cyclically by ``shifts`` along ``axis`` (flattened when None);  ∂L/∂x = g rolled back."""

    def forward(self, x, shifts, axis):
        self.shifts, self.axis = shifts, axis
        return np.roll(x, shifts, axis=axis)

    def backward(self, g):
        back = tuple(-s for s in self.shifts) if isinstance(self.shifts, tuple) else -self.shifts
        return np.roll(g, back, axis=self.axis)


class Flip(Function):
    """y = x reversed along ``axis``;  ∂L/∂x = g reversed the same way."""

    def forward(self, x, axis):
        self.axis = axis
        return np.flip(x, axis=axis).copy()

    def backward(self, g):
        return np.flip(g, axis=self.axis)


class Tri(Function):
    """tril/triu: y = x on and below (``upper``: above) the ``k``-th diagonal of the last two dims, else 0;
    ∂L/∂x = g masked the same way."""

    def forward(self, x, k, upper):
        self.f, self.k = (np.triu if upper else np.tril), k
        return self.f(x, k)

    def backward(self, g):
        return self.f(g, self.k)


def _diag_rows_cols(n: int, k: int):
    return np.arange(n) + max(-k, 0), np.arange(n) + max(k, 0)


class Diagonal(Function):
    """y = the ``offset``-th diagonal of the (dim1, dim2) planes, as a last dim;  ∂L/∂x = g put back on it."""

    def forward(self, x, offset, dim1, dim2):
        self.shape, self.args = x.shape, (offset, dim1, dim2)
        return np.diagonal(x, offset, dim1, dim2).copy()

    def backward(self, g):
        offset, d1, d2 = self.args
        out = np.zeros(self.shape, dtype=g.dtype)
        rows, cols = _diag_rows_cols(g.shape[-1], offset)
        np.moveaxis(out, (d1, d2), (-2, -1))[..., rows, cols] = g
        return out


class DiagEmbed1D(Function):
    """diag of a vector: y = the square matrix with x on its ``k``-th diagonal;  ∂L/∂x = that diagonal of g."""

    def forward(self, x, k):
        self.k = k
        return np.diag(x, k)

    def backward(self, g):
        return np.diagonal(g, self.k).copy()


# ----------------------------------------------------------------- functions behind the methods
def index_select(t, dim: int, index):
    a = _index("index_select()", index)
    if a.ndim > 1:
        raise IndexError(f"index_select(): Index is supposed to be a vector, got {a.ndim} dims")
    d = _dim("index_select()", dim, t.ndim)
    if t.ndim == 0 and a.size != 1:
        raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got {a.size} value(s)")
    size = t.shape[d] if t.ndim else 1
    if a.size and (a.min() < 0 or a.max() >= size):
        bad = a.min() if a.min() < 0 else a.max()
        raise IndexError(f"index_select(): index {bad} out of range in self (dimension {d} has size {size})")
    return IndexSelect.apply(t, index=a.reshape(-1), axis=d)


def masked_fill(t, mask, value):
    T = _tensor_cls()
    if not isinstance(mask, T):
        raise TypeError(f"masked_fill(): argument 'mask' must be Tensor, not {type(mask).__name__}")
    if mask.data.dtype != np.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {mask.dtype}")
    if isinstance(value, T) and value.ndim:
        raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, "
                           f"but got tensor with {value.ndim} dimension(s).")
    _broadcast_shape("masked_fill", t.shape, mask.shape)
    return MaskedFill.apply(t, value, mask=mask.data)


def masked_select(t, mask):
    T = _tensor_cls()
    if not isinstance(mask, T) or mask.data.dtype != np.bool_:
        what = mask.dtype if isinstance(mask, T) else type(mask).__name__
        raise RuntimeError(f"masked_select: expected BoolTensor for mask, got {what}")
    shape = _broadcast_shape("masked_select", t.shape, mask.shape)
    return MaskedSelect.apply(t, mask=mask.data, shape=shape)


def nonzero(t, as_tuple: bool = False):
    T = _tensor_cls()
    if as_tuple:
        return tuple(T._from_op(i.astype(np.int64), None) for i in np.nonzero(np.atleast_1d(t.data)))
    return T._from_op(np.argwhere(t.data).astype(np.int64), None)


def _scatter_args(op: str, t, dim: int, index, src):
    a = _index(op, index)
    T = _tensor_cls()
    d = _dim(op, dim, t.ndim)
    if max(a.ndim, 1) != max(t.ndim, 1):
        raise RuntimeError(f"{op}: Index tensor must have the same number of dimensions as self tensor "
                           f"(index has {a.ndim}, self has {t.ndim})")
    if isinstance(src, T):
        if max(src.ndim, 1) != max(a.ndim, 1):
            raise RuntimeError(f"{op}: Index tensor must have the same number of dimensions as src tensor "
                               f"(index has {a.ndim}, src has {src.ndim})")
        if src.dtype != t.dtype:
            raise RuntimeError(f"{op}: Expected self.dtype to be equal to src.dtype (self is {t.dtype}, "
                               f"src is {src.dtype})")
    ishape, sshape = a.shape or (1,), t.shape or (1,)
    srcshape = (src.shape or (1,)) if isinstance(src, T) else ishape
    if any(i > s for i, s in zip(ishape, srcshape)) or any(
            i > n for j, (i, n) in enumerate(zip(ishape, sshape)) if j != d):
        raise RuntimeError(f"{op}: Expected index {list(a.shape)} to be no larger than self {list(t.shape)} apart "
                           f"from dimension {d} and to be no larger size than src {list(srcshape)}")
    _check_bounds(op, a, sshape[d], d)
    return a, d


def scatter(t, dim: int, index, src=None, value=None, reduce: str | None = None):
    if src is None and value is None:
        raise TypeError("scatter(): missing argument 'src' or 'value'")
    src = value if src is None else src
    if reduce is not None and reduce not in ("add", "multiply"):
        raise RuntimeError(f"scatter(): reduce argument must be either add or multiply, got {reduce!r}")
    a, d = _scatter_args("scatter()", t, dim, index, src)
    return Scatter.apply(t, src, index=a, axis=d, reduce=reduce)


def scatter_add(t, dim: int, index, src):
    if not isinstance(src, _tensor_cls()):
        raise TypeError(f"scatter_add(): argument 'src' must be Tensor, not {type(src).__name__}")
    a, d = _scatter_args("scatter_add()", t, dim, index, src)
    return ScatterAdd.apply(t, src, index=a, axis=d)


def index_add(t, dim: int, index, source, alpha: float = 1):
    op = "index_add_()"
    a = _index(op, index)
    if a.ndim > 1:
        raise IndexError(f"{op}: Index is supposed to be a vector, got {a.ndim} dims")
    if not isinstance(source, _tensor_cls()):
        raise TypeError(f"index_add(): argument 'source' must be Tensor, not {type(source).__name__}")
    d = _dim(op, dim, t.ndim)
    n_src = source.shape[d] if source.ndim else 1
    if a.size != n_src:
        raise RuntimeError(f"{op}: Number of indices ({a.size}) should be equal to source.size(dim): ({n_src}), "
                           f"for dim: {d}")
    if source.ndim and t.ndim and (source.ndim != t.ndim or any(
            s != n for j, (s, n) in enumerate(zip(source.shape, t.shape)) if j != d)):
        raise RuntimeError("index_add(): source tensor shape must match self tensor shape, excluding the specified "
                           f"dimension. Got self.shape = {list(t.shape)} source.shape = {list(source.shape)}")
    if source.dtype != t.dtype:
        raise RuntimeError(f"{op}: self ({t.dtype}) and source ({source.dtype}) must have the same scalar type")
    _check_bounds(op, a, t.shape[d] if t.ndim else 1, d)
    if t.data.dtype.kind != "f":
        alpha = int(alpha)
    return IndexAdd.apply(t, source, index=a.reshape(-1), axis=d, alpha=alpha)


def repeat(t, sizes: Sequence[int]):
    sizes = tuple(int(s) for s in sizes)
    if len(sizes) < t.ndim:
        raise RuntimeError(f"repeat: Number of dimensions of repeat dims ({len(sizes)}) can not be smaller than "
                           f"number of dimensions of tensor ({t.ndim})")
    if any(s < 0 for s in sizes):
        shape = [n * s for n, s in zip((1,) * (len(sizes) - t.ndim) + tuple(t.shape), sizes)]
        raise RuntimeError(f"repeat: Trying to create tensor with negative dimension {min(shape)}: {shape}")
    return Tile.apply(t, reps=sizes)


def tile(t, dims: Sequence[int]):
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    return repeat(t, (1,) * (t.ndim - len(dims)) + dims)


def roll(t, shifts, dims=None):
    shifts = (shifts,) if isinstance(shifts, int | np.integer) else tuple(shifts)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"roll: shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
        return Roll.apply(t, shifts=int(shifts[0]), axis=None)
    dims = (dims,) if isinstance(dims, int | np.integer) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"roll: shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    axes = tuple(_dim("roll", d, t.ndim) for d in dims)
    if t.ndim == 0:
        return t.clone()
    return Roll.apply(t, shifts=tuple(int(s) for s in shifts), axis=axes)


def flip(t, dims):
    axes = _dims("flip", dims, t.ndim)
    if t.ndim == 0:
        return t.clone()
    return Flip.apply(t, axis=axes)


def fliplr(t):
    if t.ndim < 2:
        raise RuntimeError(f"fliplr: Input must be >= 2-d, got {t.ndim}-d.")
    return Flip.apply(t, axis=(1,))


def flipud(t):
    if t.ndim < 1:
        raise RuntimeError("flipud: Input must be >= 1-d, got 0-d.")
    return Flip.apply(t, axis=(0,))


def _tri(t, diagonal: int, upper: bool):
    if t.ndim < 2:
        name = "triu" if upper else "tril"
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions, got {t.ndim}")
    return Tri.apply(t, k=int(diagonal), upper=upper)


def tril(t, diagonal: int = 0):
    return _tri(t, diagonal, False)


def triu(t, diagonal: int = 0):
    return _tri(t, diagonal, True)


def diag(t, diagonal: int = 0):
    if t.ndim == 1:
        return DiagEmbed1D.apply(t, k=int(diagonal))
    if t.ndim == 2:
        return Diagonal.apply(t, offset=int(diagonal), dim1=0, dim2=1)
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {t.ndim}D")


def diagonal(t, offset: int = 0, dim1: int = 0, dim2: int = 1):
    if t.ndim < 2:
        n = max(t.ndim, 1)
        bad = dim1 if not -n <= dim1 < n else dim2
        raise IndexError(f"diagonal: Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {bad})")
    d1, d2 = _dim("diagonal", dim1, t.ndim), _dim("diagonal", dim2, t.ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal: diagonal dimensions cannot be identical {dim1}, {dim2}")
    return Diagonal.apply(t, offset=int(offset), dim1=d1, dim2=d2)


def trace(t):
    if t.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {t.ndim}")
    if t.data.dtype == np.bool_:
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    return Diagonal.apply(t, offset=0, dim1=0, dim2=1).sum()


def narrow(t, dim: int, start, length: int):
    d = _dim("narrow", dim, t.ndim)
    if t.ndim == 0:
        raise IndexError("narrow: Dimension specified as 0 but tensor has no dimensions")
    start, length, n = int(start), int(length), t.shape[d]
    if not -n <= start <= n:
        raise IndexError(f"narrow: start out of range (expected to be in range of [{-n}, {n}], but got {start})")
    if length < 0:
        raise RuntimeError(f"narrow(): length must be non-negative, got {length}.")
    start %= n if n else 1
    if start + length > n:
        raise RuntimeError(f"narrow: start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return GetItem.apply(t, index=(slice(None),) * d + (slice(start, start + length),))


def unbind(t, dim: int = 0):
    if t.ndim == 0:
        raise IndexError("unbind: Dimension specified as 0 but tensor has no dimensions")
    d = _dim("unbind", dim, t.ndim)
    lead = (slice(None),) * d
    return tuple(GetItem.apply(t, index=lead + (i,)) for i in range(t.shape[d]))


def movedim(t, source, destination):
    src = (source,) if isinstance(source, int | np.integer) else tuple(source)
    dst = (destination,) if isinstance(destination, int | np.integer) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} dims) should contain "
                           f"the same number of dims as destination ({list(dst)} dims)")
    s = tuple(_dim("movedim", d, t.ndim) for d in src)
    e = tuple(_dim("movedim", d, t.ndim) for d in dst)
    for name, given, ds in (("source", src, s), ("destination", dst, e)):
        if len(set(ds)) != len(ds):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({list(given)})")
    if t.ndim == 0:
        return t
    order = [None] * t.ndim
    for a, b in zip(s, e):
        order[b] = a
    rest = iter(i for i in range(t.ndim) if i not in s)
    order = tuple(next(rest) if o is None else o for o in order)
    return Permute.apply(t, dims=order)


def swapdims(t, dim0: int, dim1: int):
    d0, d1 = _dim("swapdims", dim0, t.ndim), _dim("swapdims", dim1, t.ndim)
    if t.ndim == 0:
        return t
    return Transpose.apply(t, dim0=d0, dim1=d1)


def unflatten(t, dim: int, sizes):
    d = _dim("unflatten", dim, t.ndim)
    sizes = tuple(int(s) for s in sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    n = t.shape[d] if t.ndim else 1
    known = int(np.prod([s for s in sizes if s != -1]))
    infer = sizes.count(-1)
    if infer > 1 or (infer == 0 and known != n) or (infer == 1 and (known == 0 or n % known)):
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {dim} "
                           f"({n}) in the input tensor")
    sizes = tuple(n // known if s == -1 else s for s in sizes)
    return t.reshape(tuple(t.shape[:d]) + sizes + tuple(t.shape[d + 1:]))


def tensor_split(t, indices_or_sections=None, dim: int = 0, *, sections=None, indices=None):
    T = _tensor_cls()
    arg = next((a for a in (indices_or_sections, sections, indices) if a is not None), None)
    if arg is None:
        raise TypeError("tensor_split(): missing argument 'indices_or_sections'")
    if t.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    d = _dim("tensor_split", dim, t.ndim)
    if isinstance(arg, T):
        if arg.data.dtype != np.int64:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to have dtype of long, "
                               f"but got {arg.dtype}")
        if arg.ndim > 1:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to be a zero-dimensional or "
                               f"one-dimensional tensor, but got a tensor with {arg.ndim} dims")
        arg = int(arg.data) if arg.ndim == 0 else arg.data.tolist()
    lead = (slice(None),) * d
    n = t.shape[d]
    if isinstance(arg, int | np.integer):
        if arg <= 0:
            raise RuntimeError(f"tensor_split: number of sections must be larger than 0, got {arg}")
        q, r = divmod(n, int(arg))
        bounds = np.cumsum([0] + [q + 1] * r + [q] * (int(arg) - r)).tolist()
        cuts = list(zip(bounds[:-1], bounds[1:]))
    else:
        points = [int(i) for i in arg]
        cuts = list(zip([0] + points, points + [None]))
    return tuple(GetItem.apply(t, index=lead + (slice(a, b),)) for a, b in cuts)


def meshgrid(*tensors, indexing: str | None = None):
    if len(tensors) == 1 and isinstance(tensors[0], list | tuple):
        tensors = tuple(tensors[0])
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    if indexing is None:
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError(f"meshgrid: Expected 0D or 1D tensor in the tensor list but got a {t.ndim}-D tensor")
        if t.dtype != tensors[0].dtype:
            raise RuntimeError(f"meshgrid expects all tensors to have the same dtype ({tensors[0].dtype} and "
                               f"{t.dtype})")
    pos = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) >= 2:
        pos[0], pos[1] = 1, 0
    shape = [0] * len(tensors)
    for p, t in zip(pos, tensors):
        shape[p] = t.numel()
    out = []
    for p, t in zip(pos, tensors):
        view = [1] * len(tensors)
        view[p] = -1
        out.append(Expand.apply(t.reshape(tuple(view)), shape=tuple(shape)))
    return tuple(out)


def broadcast_to(t, shape: Sequence[int]):
    shape = tuple(int(s) for s in shape)
    lead = len(shape) - t.ndim
    if lead < 0:
        raise RuntimeError(f"broadcast_to: the number of sizes provided ({len(shape)}) must be greater or equal to "
                           f"the number of dimensions in the tensor ({t.ndim})")
    out = []
    for i, n in enumerate(shape):
        if i < lead:
            if n < 0:
                raise RuntimeError(f"broadcast_to: The expanded size of the tensor ({n}) isn't allowed in a leading, "
                                   f"non-existing dimension {i}")
            out.append(n)
            continue
        have = t.shape[i - lead]
        if n == -1:
            n = have
        if have != n and have != 1:
            raise RuntimeError(f"broadcast_to: The expanded size of the tensor ({n}) must match the existing size "
                               f"({have}) at non-singleton dimension {i}.  Target sizes: {list(shape)}.  "
                               f"Tensor sizes: {list(t.shape)}")
        out.append(n)
    return Expand.apply(t, shape=tuple(out))


def broadcast_tensors(*tensors):
    if len(tensors) == 1 and isinstance(tensors[0], list | tuple):
        tensors = tuple(tensors[0])
    if not tensors:
        return ()
    shape = _broadcast_shape("broadcast_tensors", *(t.shape for t in tensors))
    return tuple(Expand.apply(t, shape=shape) for t in tensors)


# ----------------------------------------------------------------- new tensors like this one
def _new(t, array: np.ndarray, requires_grad: bool):
    out = _tensor_cls()._from_op(array, None)
    if requires_grad:
        out.requires_grad = True
    return out


def _np_dtype(t, dtype: Any) -> np.dtype:
    return t.data.dtype if dtype is None else to_dtype(dtype).np


def _size(size: tuple) -> tuple:
    if len(size) == 1 and isinstance(size[0], tuple | list):
        size = tuple(size[0])
    return tuple(int(s) for s in size)


def new_full(t, size, fill_value, dtype: Any = None, requires_grad: bool = False):
    if isinstance(size, int):
        raise TypeError("new_full(): argument 'size' must be tuple of ints, not int")
    return _new(t, np.full(_size((size,)), fill_value, dtype=_np_dtype(t, dtype)), requires_grad)


def new_zeros(t, size: tuple, dtype: Any = None, requires_grad: bool = False):
    return _new(t, np.zeros(_size(size), dtype=_np_dtype(t, dtype)), requires_grad)


def new_ones(t, size: tuple, dtype: Any = None, requires_grad: bool = False):
    return _new(t, np.ones(_size(size), dtype=_np_dtype(t, dtype)), requires_grad)


def new_empty(t, size: tuple, dtype: Any = None, requires_grad: bool = False):
    return _new(t, np.empty(_size(size), dtype=_np_dtype(t, dtype)), requires_grad)


def new_tensor(t, data, dtype: Any = None, requires_grad: bool = False):
    if isinstance(data, _tensor_cls()):
        data = data.data
    return _new(t, np.array(data, dtype=_np_dtype(t, dtype)), requires_grad)
