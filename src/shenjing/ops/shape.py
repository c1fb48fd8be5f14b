"""Shape ops: reshape, transpose, permute, expand, cat, stack, indexing, pad.  They move numbers
without changing them, so backward moves the gradient back the same way."""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function


class Clone(Function):
    def forward(self, x):
        return x.copy()

    def backward(self, g):
        return g


class Reshape(Function):
    def forward(self, x, shape):
        self.in_shape = x.shape
        try:
            return x.reshape(shape)
        except ValueError:
            raise RuntimeError(
                f"shape {list(shape)} is invalid for input of size {x.size} (shape {list(x.shape)})"
            ) from None

    def backward(self, g):
        return g.reshape(self.in_shape)


class Transpose(Function):
    def forward(self, x, dim0, dim1):
        self.d0, self.d1 = dim0, dim1
        return np.swapaxes(x, dim0, dim1)

    def backward(self, g):
        return np.swapaxes(g, self.d0, self.d1)


class Permute(Function):
    def forward(self, x, dims):
        if sorted(d % max(x.ndim, 1) for d in dims) != list(range(x.ndim)):
            raise RuntimeError(f"permute: dims {list(dims)} are not a permutation of {x.ndim} dims")
        self.dims = dims
        return np.transpose(x, dims)

    def backward(self, g):
        return np.transpose(g, np.argsort([d % g.ndim for d in self.dims]))


class Expand(Function):
    def forward(self, x, shape):
        try:
            return np.broadcast_to(x, shape)
        except ValueError:
            raise RuntimeError(f"expand: the expanded size of the tensor must match the existing size at every "
                               f"non-singleton dimension: cannot expand {list(x.shape)} to {list(shape)}") from None

    def backward(self, g):  # the engine sums g back over the expanded axes
        return g


class Tile(Function):
    def forward(self, x, reps):
        if len(reps) < x.ndim:
            raise RuntimeError("repeat: number of repeat dims can not be smaller than number of tensor dims")
        self.in_shape, self.reps = x.shape, reps
        return np.tile(x, reps)

    def backward(self, g):
        lead = len(self.reps) - len(self.in_shape)
        full = (1,) * lead + self.in_shape
        split = []
        for r, n in zip(self.reps, full):
            split += [r, n]
        g = g.reshape(split).sum(axis=tuple(range(0, len(split), 2)))
        return g.reshape(self.in_shape)


class Cat(Function):
    def forward(self, *xs, axis=0):
        self.axis = axis
        self.bounds = np.cumsum([x.shape[axis] for x in xs])[:-1]
        return np.concatenate(xs, axis=axis)

    def backward(self, g):
        return tuple(np.split(g, self.bounds, axis=self.axis))


class Stack(Function):
    def forward(self, *xs, axis=0):
        self.axis = axis
        return np.stack(xs, axis=axis)

    def backward(self, g):
        return tuple(np.moveaxis(g, self.axis, 0))


class GetItem(Function):
    def forward(self, x, index):
        self.shape, self.index = x.shape, index
        self.steps = _ints_then_arrays(index)
        if self.steps is not None:  # PyTorch's order: integers first, then the arrays
            first, second = self.steps
            y = x[first]
            self.mid_shape = y.shape
            return y[second]
        self.advanced = _has_int_array(index)
        return x[index]

    def backward(self, g):  # scatter g back; repeated indices add up
        out = np.zeros(self.shape, dtype=g.dtype)
        if self.steps is not None:
            first, second = self.steps
            mid = np.zeros(self.mid_shape, dtype=g.dtype)
            np.add.at(mid, second, g)
            out[first] = mid
        elif self.advanced:
            np.add.at(out, self.index, g)
        else:
            out[self.index] = g
        return out


class SetItem(Function):
    """y = x with y[index] = v (x itself is left as it was): what ``t[index] = v`` records.

    ∂L/∂x is g with the overwritten entries zeroed; ∂L/∂v is g[index] (summed by the engine over
    the axes v was broadcast along).
    """

    def forward(self, x, v, index):
        self.index = index
        out = x.copy()
        out[index] = v
        return out

    def backward(self, g):
        gx = None
        if self.needs_input_grad[0]:
            gx = g.copy()
            gx[self.index] = 0
        gv = g[self.index] if self.needs_input_grad[1] else None
        return gx, gv


class Gather(Function):
    def forward(self, x, index, axis):
        self.shape, self.index, self.axis = x.shape, np.asarray(index), axis
        # as in PyTorch, the index may be shorter than x along the other dims: use x's leading part
        ax = axis % x.ndim
        x = x[tuple(slice(None) if d == ax else slice(0, n) for d, n in enumerate(self.index.shape))]
        return np.take_along_axis(x, self.index, axis=axis)

    def backward(self, g):
        out = np.zeros(self.shape, dtype=g.dtype)
        idx = [np.arange(n).reshape([-1 if i == d else 1 for i in range(g.ndim)])
               for d, n in enumerate(self.index.shape)]
        idx[self.axis % g.ndim] = self.index
        np.add.at(out, tuple(idx), g)
        return out


class Pad(Function):
    def forward(self, x, pad, mode="constant", value=0.0):
        if len(pad) % 2 or len(pad) // 2 > x.ndim:
            raise RuntimeError(f"pad: padding length {len(pad)} must be even and at most 2*ndim ({2 * x.ndim})")
        # PyTorch order: (last_left, last_right, second_last_left, ...)
        widths = [(0, 0)] * x.ndim
        for i in range(len(pad) // 2):
            widths[x.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
        if any(a < 0 or b < 0 for a, b in widths):
            raise RuntimeError("pad: negative padding is not supported")
        self.slices = tuple(slice(a, a + n) for (a, _), n in zip(widths, x.shape))
        self.mode = mode
        if mode == "constant":
            return np.pad(x, widths, mode="constant", constant_values=value)
        np_mode = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}.get(mode)
        if np_mode is None:
            raise ValueError(f"pad: unknown mode {mode!r}")
        self.widths, self.in_shape = widths, x.shape
        return np.pad(x, widths, mode=np_mode)

    def backward(self, g):
        if self.mode == "constant":
            return g[self.slices]
        # other modes copy input values into the border: route each border gradient home
        idx = np.pad(np.arange(int(np.prod(self.in_shape))).reshape(self.in_shape), self.widths,
                     mode={"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[self.mode])
        out = np.zeros(int(np.prod(self.in_shape)), dtype=g.dtype)
        np.add.at(out, idx.ravel(), g.ravel())
        return out.reshape(self.in_shape)


def _ints_then_arrays(index):
    """NumPy treats integers in an index as arrays, so in ``x[0, :, [1, 2]]`` the integer and the
    array, being apart, send their dims to the front: shape (2, 3) where PyTorch, which applies
    integers first, gives (3, 2).  For an index mixing both, the two steps PyTorch takes, else None."""
    if not isinstance(index, tuple):
        return None

    def is_int(i):
        return isinstance(i, int | np.integer) and not isinstance(i, bool) or (
            isinstance(i, np.ndarray) and i.ndim == 0 and i.dtype.kind in "iu")

    arrays = [isinstance(i, np.ndarray) and i.ndim > 0 for i in index]
    if not any(arrays) or not any(is_int(i) for i in index):
        return None
    first = tuple(slice(None) if a else (int(i) if is_int(i) else i) for i, a in zip(index, arrays))
    second = tuple(i if a else (slice(None) if i is None or isinstance(i, slice) else i)
                   for i, a in zip(index, arrays) if not is_int(i))
    return first, second


def _has_int_array(index) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return any(isinstance(i, np.ndarray) and i.dtype.kind in "iu" for i in items)


def index_arrays(index):
    """Turn tensors and lists inside an index into arrays, as NumPy expects."""
    from ..tensor import Tensor

    def conv(i):
        if isinstance(i, Tensor):
            return i.data
        if isinstance(i, list):
            return np.asarray(i)
        return i

    if isinstance(index, tuple):
        return tuple(conv(i) for i in index)
    return conv(index)


# ----------------------------------------------------------------- composites
def flatten(t, start_dim: int = 0, end_dim: int = -1):
    if t.ndim == 0:
        return t.reshape(1)
    s, e = start_dim % t.ndim, end_dim % t.ndim
    shape = t.shape[:s] + (-1,) + t.shape[e + 1:]
    if t.data.size == 0:
        shape = t.shape[:s] + (int(np.prod(t.shape[s:e + 1])),) + t.shape[e + 1:]
    return t.reshape(shape)


def unflatten(t, dim: int, sizes):
    d = dim % t.ndim
    return t.reshape(t.shape[:d] + tuple(sizes) + t.shape[d + 1:])


def squeeze(t, dim=None):
    if dim is None:
        shape = tuple(n for n in t.shape if n != 1)
    else:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        n = max(t.ndim, 1)
        for d in dims:
            if not -n <= d < n:
                raise IndexError(f"squeeze: dim {d} out of range for a tensor with {t.ndim} dims")
        dims = {d % n for d in dims}
        shape = tuple(n for i, n in enumerate(t.shape) if not (i in dims and n == 1))
    return t if shape == t.shape else t.reshape(shape)


def unsqueeze(t, dim: int):
    d = dim if dim >= 0 else dim + t.ndim + 1
    if not 0 <= d <= t.ndim:
        raise IndexError(f"unsqueeze: dim {dim} out of range for a tensor with {t.ndim} dims")
    return t.reshape(t.shape[:d] + (1,) + t.shape[d:])


def expand(t, sizes):
    lead = len(sizes) - t.ndim
    if lead < 0:
        raise RuntimeError(f"expand: the number of sizes ({len(sizes)}) must be >= the tensor's dims ({t.ndim})")
    shape = tuple(t.shape[i - lead] if (n == -1 and i >= lead) else n for i, n in enumerate(sizes))
    try:
        np.broadcast_shapes(t.shape, shape)
    except ValueError:
        raise RuntimeError(f"expand: cannot expand shape {list(t.shape)} to {list(sizes)}") from None
    return Expand.apply(t, shape=shape)


def split(t, split_size_or_sections, dim: int = 0):
    n = t.shape[dim]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        sizes = [min(step, n - i) for i in range(0, n, step)]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != n:
            raise RuntimeError(f"split: sections {sizes} don't add up to the dimension size {n}")
    out, start = [], 0
    for s in sizes:
        out.append(t.narrow(dim, start, s))
        start += s
    return tuple(out)


def chunk(t, chunks: int, dim: int = 0):
    n = t.shape[dim]
    step = -(-n // chunks)
    return split(t, step, dim)


def cat(tensors, dim: int = 0):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("cat: expected a non-empty list of tensors")
    ref = tensors[0].shape
    for i, t in enumerate(tensors):
        if t.ndim == 0:
            raise RuntimeError(f"cat: zero-dimensional tensor (at position {i}) cannot be concatenated")
        if t.ndim != len(ref) or any(a != b for j, (a, b) in enumerate(zip(t.shape, ref)) if j != dim % len(ref)):
            raise RuntimeError(f"cat: sizes of tensors must match except in dimension {dim}; "
                               f"tensor 0 has shape {list(ref)}, tensor {i} has {list(t.shape)}")
    return Cat.apply(*tensors, axis=dim)


def stack(tensors, dim: int = 0):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack: expected a non-empty list of tensors")
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(tensors[0].shape)} "
                               f"at entry 0 and {list(t.shape)} at entry {i}")
    return Stack.apply(*tensors, axis=dim)
