"""``Tensor``: an n-dimensional array that remembers how it was computed.

The user's front door.  Each method here is one line that hands the work to an op in
``shenjing.ops`` (forward and backward math, nothing else); ``backward()`` hands the walk over the
graph to ``shenjing.autograd.engine``.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import backend
from ._lazy import LazyModule as _LazyModule
from .autograd import function as _function
from .autograd.engine import run_backward
from .backend import dtype as _dtype
from .backend import from_np, to_dtype


def _as_array(data: Any, dtype: Any = None) -> np.ndarray:
    """Turn Python data or an array into an ndarray with PyTorch's default dtypes."""
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        return np.asarray(data, dtype=to_dtype(dtype).np)
    arr = np.asarray(data)
    if arr.dtype == np.float64 and not isinstance(data, np.ndarray | np.generic):
        arr = arr.astype(backend.get_default_dtype().np)  # Python floats -> default dtype
    elif arr.dtype.kind in "iu" and not isinstance(data, np.ndarray | np.generic):
        arr = arr.astype(np.int64)
    elif arr.dtype.kind not in "fiub":
        raise TypeError(f"can't make a tensor from data of type {arr.dtype} ({type(data).__name__})")
    return arr


class Size(tuple):
    """A tensor's shape: a tuple that prints like PyTorch's ``torch.Size``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"shenjing.Size({list(self)})"

    def numel(self) -> int:
        n = 1
        for d in self:
            n *= d
        return n


class Tensor:
    """An array with an optional gradient.  ``data`` is the NumPy array it wraps."""

    __slots__ = ("data", "grad", "_requires_grad", "_ctx", "_retain", "_hooks", "_version", "_history",
                 "__weakref__")
    __array_priority__ = 1000  # ndarray <op> Tensor defers to Tensor

    def __init__(self, data: Any, dtype: Any = None, requires_grad: bool = False) -> None:
        self.data = _as_array(data, dtype)
        self.grad: Tensor | None = None
        self._ctx = None
        self._retain = False
        self._hooks = None
        self._version = 0  # counts in-place changes; backward checks the saved tensors' counts
        self._history = None  # {version: tensor} values this one had before recorded in-place changes
        self._requires_grad = False
        if requires_grad:
            self.requires_grad = True

    @classmethod
    def _from_op(cls, data: np.ndarray, ctx) -> Tensor:
        t = object.__new__(Tensor)
        t.data = data if type(data) is np.ndarray else np.asarray(data)
        t.grad = None
        t._ctx = ctx
        t._requires_grad = ctx is not None
        t._retain = False
        t._hooks = None
        t._version = 0
        t._history = None
        return t

    # ----------------------------------------------------------------- attributes
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        if flag and self.data.dtype.kind != "f":
            raise RuntimeError(
                f"only tensors of floating point dtype can require gradients (got {self.dtype})"
            )
        if not flag and self._ctx is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf tensors; use .detach() instead"
            )
        self._requires_grad = bool(flag)

    def requires_grad_(self, flag: bool = True) -> Tensor:
        self.requires_grad = flag
        return self

    @property
    def is_leaf(self) -> bool:
        return self._ctx is None

    @property
    def grad_fn(self):
        return self._ctx

    @property
    def shape(self) -> Size:
        return Size(self.data.shape)

    @property
    def dtype(self) -> _dtype:
        return from_np(self.data.dtype)

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def device(self) -> str:
        return "cpu" if backend.xp is np else "cuda"

    def size(self, dim: int | None = None):
        return self.data.shape if dim is None else self.data.shape[dim]

    def dim(self) -> int:
        return self.data.ndim

    def numel(self) -> int:
        return self.data.size

    def element_size(self) -> int:
        return self.data.itemsize

    def is_floating_point(self) -> bool:
        return self.data.dtype.kind == "f"

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    # ----------------------------------------------------------------- conversion
    def numpy(self) -> np.ndarray:
        if self._requires_grad:
            raise RuntimeError(
                "Can't call numpy() on a tensor that requires grad. Use tensor.detach().numpy()."
            )
        return self.data

    def item(self):
        if self.data.size != 1:
            raise RuntimeError(
                f"a tensor with {self.data.size} elements cannot be converted to a Python scalar"
            )
        return self.data.item()

    def tolist(self):
        return self.data.tolist()

    def detach(self) -> Tensor:
        return Tensor._from_op(self.data, None)

    def detach_(self) -> Tensor:
        self._ctx = None
        self._requires_grad = False
        return self

    def clone(self) -> Tensor:
        return _shape.Clone.apply(self)

    def contiguous(self) -> Tensor:
        return self

    def to(self, dtype: Any = None, *args: Any, **kwargs: Any) -> Tensor:
        dtype = kwargs.get("dtype", dtype)
        if dtype is None or isinstance(dtype, str) and dtype in ("cpu",):
            return self
        return self.type(dtype)

    def type(self, dtype: Any) -> Tensor:
        d = to_dtype(dtype)
        if d.np == self.data.dtype:
            return self
        if not d.is_floating_point:  # integers and bools carry no gradient
            return Tensor._from_op(self.data.astype(d.np), None)
        return _ew.Cast.apply(self, dtype=d.np)

    def float(self) -> Tensor:
        return self.type(backend.float32)

    def double(self) -> Tensor:
        return self.type(backend.float64)

    def long(self) -> Tensor:
        return self.type(backend.int64)

    def int(self) -> Tensor:
        return self.type(backend.int32)

    def bool(self) -> Tensor:
        return self.type(backend.bool_)

    def half(self) -> Tensor:
        return self.type(backend.float16)

    def cpu(self) -> Tensor:
        return self

    def __array__(self, dtype=None, copy=None):
        return self.data if dtype is None else self.data.astype(dtype)

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise RuntimeError("Boolean value of a tensor with more than one value is ambiguous")
        return builtins.bool(self.data)

    def __float__(self) -> float:
        return builtins.float(self.item())

    def __int__(self) -> int:
        return builtins.int(self.item())

    def __index__(self) -> int:
        if self.data.dtype.kind not in "iu" or self.data.size != 1:
            raise TypeError("only integer tensors of a single element can be used as an index")
        return builtins.int(self.data)

    def __hash__(self) -> int:
        return id(self)

    def __reduce__(self):
        raise TypeError("shenjing tensors are not picklable; use shenjing.save (safetensors)")

    def __repr__(self) -> str:
        return _repr(self)

    # ----------------------------------------------------------------- autograd
    def backward(self, gradient: Any = None, retain_graph: bool = False) -> None:
        """Compute ∂self/∂x for every leaf x that requires a gradient, adding it to ``x.grad``."""
        if not self._requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
        if gradient is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs (shape {self.shape}); "
                    "pass gradient= of the same shape"
                )
            g = np.ones_like(self.data)
        else:
            g = np.array(gradient.data if isinstance(gradient, Tensor) else gradient,
                         dtype=self.data.dtype)
            if g.shape != self.data.shape:
                raise RuntimeError(
                    f"backward: gradient has shape {g.shape} but the tensor has shape {self.shape}"
                )
        if self._ctx is None:
            self._accumulate(g)
            return
        run_backward(self, g, retain_graph)

    def _accumulate(self, g: np.ndarray) -> None:
        if self.grad is None:
            if not g.flags.writeable:  # e.g. sum's broadcast view: .grad must take in-place updates
                g = g.copy()
            self.grad = Tensor._from_op(g, None)
        else:
            self.grad.data = self.grad.data + g

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this non-leaf tensor after ``backward``."""
        if self._ctx is not None:
            self._retain = True

    def register_hook(self, hook) -> None:
        """Call ``hook(grad)`` whenever this leaf's gradient is accumulated."""
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)

    # ----------------------------------------------------------------- arithmetic
    def __add__(self, other):
        return _ew.Add.apply(self, other)

    def __radd__(self, other):
        return _ew.Add.apply(other, self)

    def __sub__(self, other):
        return _ew.Sub.apply(self, other)

    def __rsub__(self, other):
        return _ew.Sub.apply(other, self)

    def __mul__(self, other):
        return _ew.Mul.apply(self, other)

    def __rmul__(self, other):
        return _ew.Mul.apply(other, self)

    def __truediv__(self, other):
        return _ew.Div.apply(self, other)

    def __rtruediv__(self, other):
        return _ew.Div.apply(other, self)

    def __pow__(self, other):
        return _ew.Pow.apply(self, other)

    def __rpow__(self, other):
        return _ew.Pow.apply(other, self)

    def __neg__(self):
        return _ew.Neg.apply(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ew.Abs.apply(self)

    def __matmul__(self, other):
        return _mm.matmul(self, other)

    def __rmatmul__(self, other):
        return _mm.matmul(other, self)

    def __floordiv__(self, other):
        return Tensor._from_op(np.floor_divide(self.data, _data(other)), None)

    def __mod__(self, other):
        return _pw.Remainder.apply(self, other)

    def __rmod__(self, other):
        return _pw.Remainder.apply(other, self)

    # comparisons: results carry no gradient
    def __eq__(self, other):  # type: ignore[override]
        return Tensor._from_op(self.data == _data(other), None)

    def __ne__(self, other):  # type: ignore[override]
        return Tensor._from_op(self.data != _data(other), None)

    def __lt__(self, other):
        return Tensor._from_op(self.data < _data(other), None)

    def __le__(self, other):
        return Tensor._from_op(self.data <= _data(other), None)

    def __gt__(self, other):
        return Tensor._from_op(self.data > _data(other), None)

    def __ge__(self, other):
        return Tensor._from_op(self.data >= _data(other), None)

    def __invert__(self):
        return Tensor._from_op(~self.data, None)

    def __and__(self, other):
        return Tensor._from_op(self.data & _data(other), None)

    def __or__(self, other):
        return Tensor._from_op(self.data | _data(other), None)

    def __xor__(self, other):
        return Tensor._from_op(self.data ^ _data(other), None)

    def eq(self, other):
        return self == other

    def ne(self, other):
        return self != other

    def lt(self, other):
        return self < other

    def le(self, other):
        return self <= other

    def gt(self, other):
        return self > other

    def ge(self, other):
        return self >= other

    def equal(self, other) -> bool:
        return builtins.bool(np.array_equal(self.data, _data(other)))

    def allclose(self, other, rtol: float = 1e-5, atol: float = 1e-8) -> bool:
        return builtins.bool(np.allclose(self.data, _data(other), rtol=rtol, atol=atol))

    def isnan(self):
        return Tensor._from_op(np.isnan(self.data), None)

    def isinf(self):
        return Tensor._from_op(np.isinf(self.data), None)

    def isfinite(self):
        return Tensor._from_op(np.isfinite(self.data), None)

    def add(self, other, alpha: float = 1):
        return self + (other * alpha if alpha != 1 else other)

    def sub(self, other, alpha: float = 1):
        return self - (other * alpha if alpha != 1 else other)

    def mul(self, other):
        return self * other

    def div(self, other):
        return self / other

    def pow(self, other):
        return self ** other

    def neg(self):
        return -self

    def matmul(self, other):
        return _mm.matmul(self, other)

    def mm(self, other):
        return _mm.matmul(self, other)

    def dot(self, other):
        return _prod.dot(self, other)

    def vdot(self, other):
        return _prod.dot(self, other, name="vdot")

    def inner(self, other):
        return _prod.inner(self, other)

    def mv(self, vec):
        return _prod.mv(self, vec)

    def bmm(self, mat2):
        return _prod.bmm(self, mat2)

    def addmm(self, mat1, mat2, *, beta=1, alpha=1):
        return _prod.addmm(self, mat1, mat2, beta=beta, alpha=alpha)

    def addmv(self, mat, vec, *, beta=1, alpha=1):
        return _prod.addmv(self, mat, vec, beta=beta, alpha=alpha)

    def baddbmm(self, batch1, batch2, *, beta=1, alpha=1):
        return _prod.baddbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def kron(self, other):
        return _prod.kron(self, other)

    def cross(self, other, dim: int | None = None):
        return _prod.cross(self, other, dim)

    def dist(self, other, p: float = 2):
        return _prod.dist(self, other, p)

    # ----------------------------------------------------------------- elementwise math
    def exp(self):
        return _ew.Exp.apply(self)

    def log(self):
        return _ew.Log.apply(self)

    def sqrt(self):
        return _ew.Sqrt.apply(self)

    def rsqrt(self):
        return _pw.Rsqrt.apply(self)

    def abs(self):
        return _ew.Abs.apply(self)

    def sin(self):
        return _ew.Sin.apply(self)

    def cos(self):
        return _ew.Cos.apply(self)

    def square(self):
        return _ew.Mul.apply(self, self)

    def reciprocal(self):
        return _ew.Div.apply(1.0, self)

    def sigmoid(self):
        return _act.Sigmoid.apply(self)

    def tanh(self):
        return _act.Tanh.apply(self)

    def relu(self):
        return _act.ReLU.apply(self)

    def clamp(self, min=None, max=None):  # noqa: A002 - PyTorch's names
        return _ew.Clamp.apply(self, min, max)

    clip = clamp

    def clamp_min(self, min):  # noqa: A002
        return _ew.Clamp.apply(self, min, None)

    def clamp_max(self, max):  # noqa: A002
        return _ew.Clamp.apply(self, None, max)

    def maximum(self, other):
        return _ew.Maximum.apply(self, other)

    def minimum(self, other):
        return _ew.Minimum.apply(self, other)

    def sign(self):
        return _pw.Sign.apply(self)

    def floor(self):
        return _pw.Floor.apply(self)

    def ceil(self):
        return _pw.Ceil.apply(self)

    def round(self, *, decimals: int = 0):
        return _pw.Round.apply(self, decimals=decimals)

    def masked_fill(self, mask, value):
        return _ix.masked_fill(self, mask, value)

    # more pointwise math (ops/pointwise.py)
    def log1p(self):
        return _pw.Log1p.apply(self)

    def expm1(self):
        return _pw.Expm1.apply(self)

    def log2(self):
        return _pw.Log2.apply(self)

    def log10(self):
        return _pw.Log10.apply(self)

    def exp2(self):
        return _pw.Exp2.apply(self)

    def sinh(self):
        return _pw.Sinh.apply(self)

    def cosh(self):
        return _pw.Cosh.apply(self)

    def tan(self):
        return _pw.Tan.apply(self)

    def asin(self):
        return _pw.Asin.apply(self)

    def acos(self):
        return _pw.Acos.apply(self)

    def atan(self):
        return _pw.Atan.apply(self)

    def atan2(self, other):
        return _pw.Atan2.apply(self, _pw.need_tensor("atan2", other))

    def hypot(self, other):
        return _pw.Hypot.apply(self, _pw.need_tensor("hypot", other))

    def logaddexp(self, other):
        return _pw.LogAddExp.apply(self, _pw.need_tensor("logaddexp", other))

    def logit(self, eps: float | None = None):
        return _pw.Logit.apply(self, eps=eps)

    def erf(self):
        return _pw.Erf.apply(self)

    def erfinv(self):
        return _pw.Erfinv.apply(self)

    def trunc(self):
        return _pw.Trunc.apply(self)

    def remainder(self, other):
        return _pw.Remainder.apply(self, other)

    def fmod(self, other):
        return _pw.Fmod.apply(self, other)

    def lerp(self, end, weight):
        return _pw.Lerp.apply(self, _pw.need_tensor("lerp", end, "end"), weight)

    def addcmul(self, tensor1, tensor2, *, value=1):
        return _pw.Addcmul.apply(self, _pw.need_tensor("addcmul", tensor1, "tensor1"),
                                 _pw.need_tensor("addcmul", tensor2, "tensor2"), value=value)

    def addcdiv(self, tensor1, tensor2, *, value=1):
        return _pw.Addcdiv.apply(self, _pw.need_tensor("addcdiv", tensor1, "tensor1"),
                                 _pw.need_tensor("addcdiv", tensor2, "tensor2"), value=value)

    def nan_to_num(self, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None):
        return _pw.NanToNum.apply(self, nan=nan, posinf=posinf, neginf=neginf)

    def isclose(self, other, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False):
        other = _pw.need_tensor("isclose", other)
        return Tensor._from_op(_pw.isclose(self.data, other.data, rtol, atol, equal_nan), None)

    # ----------------------------------------------------------------- reductions
    def sum(self, dim=None, keepdim: bool = False, dtype=None):
        out = _red.Sum.apply(self, axis=_axis(dim), keepdims=keepdim)
        return out if dtype is None else out.type(dtype)

    def mean(self, dim=None, keepdim: bool = False):
        return _red.Mean.apply(self, axis=_axis(dim), keepdims=keepdim)

    def var(self, dim=None, keepdim: bool = False, unbiased: bool | None = None, correction=None):
        return _red.Var.apply(self, axis=_axis(dim), keepdims=keepdim,
                              ddof=_correction(unbiased, correction))

    def std(self, dim=None, keepdim: bool = False, unbiased: bool | None = None, correction=None):
        return self.var(dim, keepdim, unbiased, correction).sqrt()

    def amax(self, dim=None, keepdim: bool = False):
        return _red.AMax.apply(self, axis=_axis(dim), keepdims=keepdim)

    def amin(self, dim=None, keepdim: bool = False):
        return -_red.AMax.apply(-self, axis=_axis(dim), keepdims=keepdim)

    def max(self, dim=None, keepdim: bool = False):
        """Largest value; with ``dim``, the pair (values, indices) as in PyTorch."""
        if isinstance(dim, Tensor):
            return self.maximum(dim)
        if dim is None:
            return _red.AMax.apply(self, axis=None, keepdims=False)
        return _red.max_with_indices(self, dim, keepdim)

    def min(self, dim=None, keepdim: bool = False):
        if isinstance(dim, Tensor):
            return self.minimum(dim)
        if dim is None:
            return -_red.AMax.apply(-self, axis=None, keepdims=False)
        values, indices = _red.max_with_indices(-self, dim, keepdim)
        return _red.MinMax(-values, indices)

    def argmax(self, dim=None, keepdim: bool = False):
        return _red.arg(np.argmax, self, dim, keepdim)

    def argmin(self, dim=None, keepdim: bool = False):
        return _red.arg(np.argmin, self, dim, keepdim)

    def logsumexp(self, dim, keepdim: bool = False):
        return _red.LogSumExp.apply(self, axis=_axis(dim), keepdims=keepdim)

    def softmax(self, dim: int):
        return _act.Softmax.apply(self, axis=dim)

    def log_softmax(self, dim: int):
        return _act.LogSoftmax.apply(self, axis=dim)

    def prod(self, dim=None, keepdim: bool = False):
        return _red.Prod.apply(self, axis=_axis(dim), keepdims=keepdim)

    def norm(self, p: float | str = "fro", dim=None, keepdim: bool = False):
        """‖x‖_p over ``dim`` (all entries by default); ``"fro"`` is p = 2 over the entries."""
        from .linalg import _vector_p

        return _red.VectorNorm.apply(self, p=_vector_p(p, "norm"), axis=_axis(dim), keepdims=keepdim)

    def all(self, dim=None, keepdim: bool = False) -> Tensor:
        return Tensor._from_op(np.all(self.data, axis=_axis(dim), keepdims=keepdim), None)

    def any(self, dim=None, keepdim: bool = False) -> Tensor:
        return Tensor._from_op(np.any(self.data, axis=_axis(dim), keepdims=keepdim), None)

    # sorting, scans and order statistics (ops/sort_scan.py)
    def cumsum(self, dim: int, dtype=None) -> Tensor:
        return _ss.CumSum.apply(self, axis=dim, dtype=dtype)

    def cumprod(self, dim: int, dtype=None) -> Tensor:
        return _ss.CumProd.apply(self, axis=dim, dtype=dtype)

    def logcumsumexp(self, dim: int) -> Tensor:
        return _ss.LogCumSumExp.apply(self, axis=dim)

    def cummax(self, dim: int):
        return _ss.cumextreme(self, dim, largest=True)

    def cummin(self, dim: int):
        return _ss.cumextreme(self, dim, largest=False)

    def sort(self, dim: int = -1, descending: bool = False, *, stable: bool = False):
        return _ss.sort(self, dim, descending, stable)

    def argsort(self, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Tensor:
        return _ss.argsort(self, dim, descending, stable)

    def kthvalue(self, k: int, dim: int = -1, keepdim: bool = False):
        return _ss.kthvalue(self, k, dim, keepdim)

    def median(self, dim: int | None = None, keepdim: bool = False):
        return _ss.median(self, dim, keepdim)

    def quantile(self, q, dim: int | None = None, keepdim: bool = False, *, interpolation: str = "linear") -> Tensor:
        return _ss.quantile(self, q, dim, keepdim, interpolation)

    def mode(self, dim: int = -1, keepdim: bool = False):
        return _ss.mode(self, dim, keepdim)

    def unique(self, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,  # noqa: A002
               dim: int | None = None):
        return _ss.unique(self, sorted, return_inverse, return_counts, dim)

    def bincount(self, weights=None, minlength: int = 0) -> Tensor:
        return _ss.bincount(self, weights, minlength)

    def histc(self, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:  # noqa: A002
        return _ss.histc(self, bins, min, max)

    def count_nonzero(self, dim=None) -> Tensor:
        return _ss.count_nonzero(self, dim)

    def aminmax(self, *, dim: int | None = None, keepdim: bool = False):
        return _ss.aminmax(self, dim, keepdim)

    # ----------------------------------------------------------------- shape
    def reshape(self, *shape):
        return _shape.Reshape.apply(self, shape=_shape_arg(shape))

    def view(self, *shape):
        return _shape.Reshape.apply(self, shape=_shape_arg(shape))

    def view_as(self, other):
        return self.reshape(other.shape)

    def reshape_as(self, other):
        return self.reshape(other.shape)

    def flatten(self, start_dim: int = 0, end_dim: int = -1):
        return _shape.flatten(self, start_dim, end_dim)

    def unflatten(self, dim: int, sizes):
        return _ix.unflatten(self, dim, sizes)

    def transpose(self, dim0: int, dim1: int):
        return _shape.Transpose.apply(self, dim0=dim0, dim1=dim1)

    def swapaxes(self, dim0: int, dim1: int):
        return _ix.swapdims(self, dim0, dim1)

    def t(self):
        if self.ndim < 2:
            return self
        if self.ndim != 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self.ndim}D")
        return self.transpose(0, 1)

    @property
    def T(self):  # noqa: N802
        return _shape.Permute.apply(self, dims=tuple(range(self.ndim - 1, -1, -1)))

    @property
    def mT(self):  # noqa: N802
        return self.transpose(-2, -1)

    def permute(self, *dims):
        return _shape.Permute.apply(self, dims=_shape_arg(dims))

    def squeeze(self, dim=None):
        return _shape.squeeze(self, dim)

    def unsqueeze(self, dim: int):
        return _shape.unsqueeze(self, dim)

    def expand(self, *sizes):
        return _shape.expand(self, _shape_arg(sizes))

    def expand_as(self, other):
        return _shape.expand(self, other.shape)

    def repeat(self, *sizes):
        return _ix.repeat(self, _shape_arg(sizes))

    def split(self, split_size_or_sections, dim: int = 0):
        return _shape.split(self, split_size_or_sections, dim)

    def chunk(self, chunks: int, dim: int = 0):
        return _shape.chunk(self, chunks, dim)

    def unbind(self, dim: int = 0):
        return _ix.unbind(self, dim)

    def select(self, dim: int, index: int):
        idx = [slice(None)] * self.ndim
        idx[dim] = index
        return self[tuple(idx)]

    def narrow(self, dim: int, start: int, length: int):
        return _ix.narrow(self, dim, start, length)

    def gather(self, dim: int, index):
        return _shape.Gather.apply(self, index=_data(index), axis=dim)

    def __getitem__(self, index):
        return _shape.GetItem.apply(self, index=_shape.index_arrays(index))

    def __setitem__(self, index, value) -> None:
        index = _shape.index_arrays(index)
        if self._records(value):
            self._record_inplace(lambda old: _shape.SetItem.apply(old, value, index=index))
            return
        self.data[index] = _data(value)
        self._bump()

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.shape[0]))

    # indexing by indices, masks and diagonals (ops/index.py)
    def index_select(self, dim: int, index) -> Tensor:
        return _ix.index_select(self, dim, index)

    def masked_select(self, mask) -> Tensor:
        return _ix.masked_select(self, mask)

    def nonzero(self, *, as_tuple: bool = False):
        return _ix.nonzero(self, as_tuple)

    def scatter(self, dim: int, index, src=None, value=None, *, reduce: str | None = None) -> Tensor:
        return _ix.scatter(self, dim, index, src, value, reduce)

    def scatter_add(self, dim: int, index, src) -> Tensor:
        return _ix.scatter_add(self, dim, index, src)

    def index_add(self, dim: int, index, source, *, alpha: float = 1) -> Tensor:
        return _ix.index_add(self, dim, index, source, alpha)

    def tile(self, *dims, **kw) -> Tensor:  # tile(2, 1), tile((2, 1)) or tile(dims=(2, 1))
        return _ix.tile(self, _shape_arg(dims) if dims else kw["dims"])

    def roll(self, shifts, dims=None) -> Tensor:
        return _ix.roll(self, shifts, dims)

    def flip(self, *dims, **kw) -> Tensor:  # flip(0, 1), flip((0, 1)) or flip(dims=(0, 1))
        return _ix.flip(self, _shape_arg(dims) if dims else kw["dims"])

    def fliplr(self) -> Tensor:
        return _ix.fliplr(self)

    def flipud(self) -> Tensor:
        return _ix.flipud(self)

    def tril(self, diagonal: int = 0) -> Tensor:
        return _ix.tril(self, diagonal)

    def triu(self, diagonal: int = 0) -> Tensor:
        return _ix.triu(self, diagonal)

    def diag(self, diagonal: int = 0) -> Tensor:
        return _ix.diag(self, diagonal)

    def diagonal(self, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
        return _ix.diagonal(self, offset, dim1, dim2)

    def trace(self) -> Tensor:
        return _ix.trace(self)

    def movedim(self, source, destination) -> Tensor:
        return _ix.movedim(self, source, destination)

    moveaxis = movedim

    def swapdims(self, dim0: int, dim1: int) -> Tensor:
        return _ix.swapdims(self, dim0, dim1)

    def tensor_split(self, indices_or_sections=None, dim: int = 0, *, sections=None, indices=None):
        return _ix.tensor_split(self, indices_or_sections, dim, sections=sections, indices=indices)

    def broadcast_to(self, size) -> Tensor:
        return _ix.broadcast_to(self, size)

    def type_as(self, other: Tensor) -> Tensor:
        return self.type(other.dtype)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
        return _ix.new_zeros(self, size, dtype, requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
        return _ix.new_ones(self, size, dtype, requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
        return _ix.new_empty(self, size, dtype, requires_grad)

    def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
        return _ix.new_full(self, size, fill_value, dtype, requires_grad)

    def new_tensor(self, data, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
        return _ix.new_tensor(self, data, dtype, requires_grad)

    # ----------------------------------------------------------------- logic, aliases and small linear algebra
    def logical_and(self, other) -> Tensor:
        return _misc.logical_and(self, other)

    def logical_or(self, other) -> Tensor:
        return _misc.logical_or(self, other)

    def logical_xor(self, other) -> Tensor:
        return _misc.logical_xor(self, other)

    def logical_not(self) -> Tensor:
        return _misc.logical_not(self)

    def bitwise_and(self, other) -> Tensor:
        return _misc.bitwise_and(self, other)

    def bitwise_or(self, other) -> Tensor:
        return _misc.bitwise_or(self, other)

    def bitwise_xor(self, other) -> Tensor:
        return _misc.bitwise_xor(self, other)

    def bitwise_not(self) -> Tensor:
        return _misc.bitwise_not(self)

    def greater(self, other) -> Tensor:
        return self > other

    def greater_equal(self, other) -> Tensor:
        return self >= other

    def less(self, other) -> Tensor:
        return self < other

    def less_equal(self, other) -> Tensor:
        return self <= other

    def not_equal(self, other) -> Tensor:
        return self != other

    def isposinf(self) -> Tensor:
        return _misc.isposinf(self)

    def isneginf(self) -> Tensor:
        return _misc.isneginf(self)

    def isreal(self) -> Tensor:
        return _misc.isreal(self)

    def multiply(self, other) -> Tensor:
        return self * other

    def divide(self, other, *, rounding_mode: str | None = None) -> Tensor:
        return _misc.divide(self, other, rounding_mode)

    def true_divide(self, other) -> Tensor:
        return self / other

    def subtract(self, other, alpha: float = 1) -> Tensor:
        return self.sub(other, alpha)

    def negative(self) -> Tensor:
        return -self

    def positive(self) -> Tensor:
        return self

    def absolute(self) -> Tensor:
        return self.abs()

    def arccos(self) -> Tensor:
        return self.acos()

    def arcsin(self) -> Tensor:
        return self.asin()

    def arctan(self) -> Tensor:
        return self.atan()

    def arctan2(self, other) -> Tensor:
        return self.atan2(other)

    def nelement(self) -> int:
        return self.numel()

    def ndimension(self) -> int:
        return self.ndim

    def is_contiguous(self, memory_format=None) -> bool:
        return True

    def is_complex(self) -> bool:
        return self.data.dtype.kind == "c"

    def is_signed(self) -> bool:
        return self.data.dtype.kind in "fic"

    def frac(self) -> Tensor:
        return _misc.frac(self)

    def deg2rad(self) -> Tensor:
        return (self if self.is_floating_point() else self.float()) * (np.pi / 180)

    def rad2deg(self) -> Tensor:
        return (self if self.is_floating_point() else self.float()) * (180 / np.pi)

    def heaviside(self, values) -> Tensor:
        return _misc.heaviside(self, values)

    def diff(self, n: int = 1, dim: int = -1, prepend=None, append=None) -> Tensor:
        return _misc.diff(self, n, dim, prepend, append)

    def argwhere(self) -> Tensor:
        return _ix.nonzero(self)

    def nansum(self, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
        return _misc.nansum(self, dim, keepdim, dtype=dtype)

    def nanmean(self, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
        return _misc.nanmean(self, dim, keepdim, dtype=dtype)

    def outer(self, vec2) -> Tensor:
        from .functions import outer

        return outer(self, vec2)

    def bernoulli(self, p: float | None = None, *, generator=None) -> Tensor:
        return _misc.bernoulli(self, p, generator=generator)

    def multinomial(self, num_samples: int, replacement: bool = False, *, generator=None) -> Tensor:
        from .functions import multinomial

        return multinomial(self, num_samples, replacement, generator=generator)

    def float_power(self, exponent) -> Tensor:
        return _misc.float_power(self, exponent)

    def copysign(self, other) -> Tensor:
        return _misc.copysign(self, other)

    def det(self) -> Tensor:
        return _misc.det(self)

    def inverse(self) -> Tensor:
        return _misc.inverse(self)

    def matrix_power(self, n: int) -> Tensor:
        return _misc.matrix_power(self, n)

    def cov(self, *, correction: int = 1, fweights=None, aweights=None) -> Tensor:
        return _misc.cov(self, correction=correction, fweights=fweights, aweights=aweights)

    def corrcoef(self) -> Tensor:
        return _misc.corrcoef(self)

    # ----------------------------------------------------------------- in place
    # Outside recording (no_grad, or nothing requires grad) these write into the array.  A tensor
    # inside a graph is changed out of place instead and the object takes the new value: the value
    # before is kept, under its old version, for the ops that used it (autograd.engine resolves it).
    def _records(self, *others) -> bool:
        """Whether autograd must record an in-place change of this tensor (by ``others``)."""
        if not _function._GradMode.enabled:
            return False
        if self._requires_grad and self._ctx is None:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation; "
                "wrap the update in `with shenjing.no_grad():`"
            )
        return self._requires_grad or any(isinstance(o, Tensor) and o._requires_grad for o in others)

    def _record_inplace(self, make) -> Tensor:
        """Become ``make(old)``, where ``old`` holds this tensor's value and graph node until now."""
        old = Tensor._from_op(self.data, self._ctx)
        old._requires_grad, old._version = self._requires_grad, self._version
        new = make(old)
        history = self._history or {}
        history[self._version] = old
        self.data, self._ctx, self._requires_grad = new.data, new._ctx, new._requires_grad
        self._history = history
        self._bump()
        _function._Inplace.recorded += 1
        if new._ctx is not None:
            new._ctx.out_version = self._version  # the node's output is this tensor, at this version
        return self

    def _bump(self) -> None:
        """Count an in-place change of this tensor's values (see autograd.engine._check_versions)."""
        self._version += 1
        _function._Inplace.count += 1

    def add_(self, other, alpha: float = 1) -> Tensor:
        if self._records(other):
            return self._record_inplace(lambda old: old.add(other, alpha=alpha))
        o = _data(other)
        if alpha != 1:
            o = o * alpha
        np.add(self.data, o, out=self.data, casting="unsafe")
        self._bump()
        return self

    def sub_(self, other, alpha: float = 1) -> Tensor:
        return self.add_(other, -alpha)

    def mul_(self, other) -> Tensor:
        if self._records(other):
            return self._record_inplace(lambda old: old * other)
        np.multiply(self.data, _data(other), out=self.data, casting="unsafe")
        self._bump()
        return self

    def div_(self, other) -> Tensor:
        if self._records(other):
            return self._record_inplace(lambda old: old / other)
        np.divide(self.data, _data(other), out=self.data, casting="unsafe")
        self._bump()
        return self

    def zero_(self) -> Tensor:
        return self.fill_(0)

    def fill_(self, value) -> Tensor:
        if self._records(value):
            return self._record_inplace(lambda old: _shape.SetItem.apply(old, value, index=Ellipsis))
        self.data[...] = _data(value)
        self._bump()
        return self

    def copy_(self, src) -> Tensor:
        s = _data(src)
        try:
            ok = np.broadcast_shapes(np.shape(s), self.data.shape) == self.data.shape
        except ValueError:
            ok = False
        if not ok:
            raise RuntimeError(f"copy_: cannot copy shape {np.shape(s)} into shape {tuple(self.shape)}")
        if self._records(src):
            return self._record_inplace(lambda old: _shape.SetItem.apply(old, src, index=Ellipsis))
        self.data[...] = s
        self._bump()
        return self

    # x += y, x -= y, x *= y, x /= y: in place as in PyTorch (so `w -= lr * w.grad` under no_grad
    # updates the parameter itself, and a tensor inside a graph takes the new value and node)
    def _inplace(self, other, op):
        if self._records(other):
            return self._record_inplace(lambda old: op(old, other))
        np.copyto(self.data, op(self.data, _data(other)), casting="unsafe")
        self._bump()
        return self

    def __iadd__(self, other):
        return self._inplace(other, lambda a, b: a + b)

    def __isub__(self, other):
        return self._inplace(other, lambda a, b: a - b)

    def __imul__(self, other):
        return self._inplace(other, lambda a, b: a * b)

    def __itruediv__(self, other):
        return self._inplace(other, lambda a, b: a / b)

    def clamp_(self, min=None, max=None) -> Tensor:  # noqa: A002
        if self._records():
            return self._record_inplace(lambda old: old.clamp(min, max))
        np.clip(self.data, min, max, out=self.data)
        self._bump()
        return self

    # in-place variants with PyTorch's names: the out-of-place op's result written into this tensor
    # (same dtype and shape), or, inside a graph, recorded as its new value (see _record_inplace)
    _TORCH_TYPE_NAMES = {"float16": "Half", "float32": "Float", "float64": "Double", "int8": "Char",
                         "uint8": "Byte", "int16": "Short", "int32": "Int", "int64": "Long", "bool": "Bool"}

    def _inplace_op(self, op, *others) -> Tensor:
        if self._records(*others):
            return self._record_inplace(lambda old: self._inplace_result(op(old)))
        out = self._inplace_result(op(self))
        np.copyto(self.data, out.data, casting="unsafe")
        self._bump()
        return self

    def _inplace_result(self, out: Tensor) -> Tensor:
        """``out`` checked to fit this tensor (PyTorch's casting rule) and cast to its dtype."""
        if out.shape != self.shape:
            raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the broadcast shape "
                               f"{list(out.shape)}")
        if out.data.dtype == self.data.dtype:
            return out
        if not np.can_cast(out.data.dtype, self.data.dtype, "same_kind"):
            raise RuntimeError(f"result type {self._TORCH_TYPE_NAMES.get(out.data.dtype.name, out.dtype)} can't be "
                               f"cast to the desired output type "
                               f"{self._TORCH_TYPE_NAMES.get(self.data.dtype.name, self.dtype)}")
        return out.type(self.dtype)

    def _inplace_reshape(self, shape: tuple, op=None) -> Tensor:
        """Shape-only in-place ops: this tensor's values take ``shape`` (``op``: how, inside a graph)."""
        shape = tuple(shape)
        if self._records():
            return self._record_inplace(op or (lambda old: _shape.Reshape.apply(old, shape=shape)))
        self.data = self.data.reshape(shape) if op is None else op(Tensor._from_op(self.data, None)).data
        self._bump()
        return self

    def exp_(self) -> Tensor:
        return self._inplace_op(Tensor.exp)

    def log_(self) -> Tensor:
        return self._inplace_op(Tensor.log)

    def sqrt_(self) -> Tensor:
        return self._inplace_op(Tensor.sqrt)

    def abs_(self) -> Tensor:
        return self._inplace_op(Tensor.abs)

    def neg_(self) -> Tensor:
        return self._inplace_op(Tensor.neg)

    negative_ = neg_

    def pow_(self, exponent) -> Tensor:
        return self._inplace_op(lambda t: t.pow(exponent), exponent)

    def sigmoid_(self) -> Tensor:
        return self._inplace_op(Tensor.sigmoid)

    def tanh_(self) -> Tensor:
        return self._inplace_op(Tensor.tanh)

    def relu_(self) -> Tensor:
        return self._inplace_op(Tensor.relu)

    def clamp_min_(self, min) -> Tensor:  # noqa: A002
        return self._inplace_op(lambda t: t.clamp_min(min), min)

    def clamp_max_(self, max) -> Tensor:  # noqa: A002
        return self._inplace_op(lambda t: t.clamp_max(max), max)

    def floor_(self) -> Tensor:
        return self._inplace_op(Tensor.floor)

    def ceil_(self) -> Tensor:
        return self._inplace_op(Tensor.ceil)

    def round_(self, *, decimals: int = 0) -> Tensor:
        return self._inplace_op(lambda t: t.round(decimals=decimals))

    def sign_(self) -> Tensor:
        return self._inplace_op(Tensor.sign)

    def reciprocal_(self) -> Tensor:
        return self._inplace_op(Tensor.reciprocal)

    def square_(self) -> Tensor:
        return self._inplace_op(Tensor.square)

    def masked_fill_(self, mask, value) -> Tensor:
        return self._inplace_op(lambda t: t.masked_fill(mask, value), value)

    def index_fill_(self, dim: int, index, value) -> Tensor:
        """self[..., index, ...] = value along ``dim`` (index: a 0-d or 1-d int64 tensor)."""
        n = max(self.ndim, 1)
        if not -n <= dim < n:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
        if not isinstance(index, Tensor) or index.data.dtype != np.int64:
            raise IndexError("index_fill_(): Expected dtype int64 for index.")
        if index.ndim > 1:
            raise RuntimeError("Index has to be a vector/scalar")
        if isinstance(value, Tensor) and value.ndim:
            raise RuntimeError("index_fill_ only supports a 0-dimensional value tensor, "
                               f"but got tensor with {value.ndim} dimension(s).")
        size = self.shape[dim] if self.ndim else 1
        idx = index.data.reshape(-1)
        bad = idx[(idx < -size) | (idx >= size)]
        if bad.size:
            raise IndexError(f"index {int(bad[0])} is out of bounds for dimension {dim % n} with size {size}")
        where = (slice(None),) * (dim % n) + (idx,) if self.ndim else ...
        return self._inplace_op(lambda t: _shape.SetItem.apply(t, value, index=where), value)

    def index_fill(self, dim: int, index, value) -> Tensor:
        return self.clone().index_fill_(dim, index, value)

    def fill_diagonal_(self, fill_value, wrap: bool = False) -> Tensor:
        """The main diagonal (all indices equal) set to ``fill_value``; a tall matrix restarts it
        every ``cols + 1`` rows with ``wrap=True`` (the flat positions 0, step, 2·step, ...)."""
        if self.ndim < 2:
            raise RuntimeError("dimensions must larger than 1")
        shape = self.data.shape
        if self.ndim > 2 and len(set(shape)) != 1:
            raise RuntimeError("all dimensions of input must be of equal length")
        step = shape[1] + 1 if self.ndim == 2 else 1 + int(np.cumprod(shape[:-1]).sum())
        end = self.data.size if wrap or self.ndim > 2 else min(self.data.size, shape[1] * shape[1])
        where = np.unravel_index(np.arange(0, end, step), shape)
        self._inplace_op(lambda t: _shape.SetItem.apply(t, fill_value, index=where), fill_value)
        if wrap and self.ndim == 2 and shape[0] > shape[1] + 1:
            self._bump()  # PyTorch fills the wrapped rows in a second write: its version moves twice
        return self

    def t_(self) -> Tensor:
        if self.ndim > 2:
            raise RuntimeError(f"t_() expects a tensor with <= 2 dimensions, but self is {self.ndim}D")
        return self._inplace_reshape(self.shape[::-1], None if self.ndim < 2 else Tensor.t)

    def transpose_(self, dim0: int, dim1: int) -> Tensor:
        shape = list(_shape.Transpose.apply(Tensor._from_op(self.data, None), dim0=dim0, dim1=dim1).shape)
        return self._inplace_reshape(tuple(shape), lambda t: t.transpose(dim0, dim1))

    def squeeze_(self, dim=None) -> Tensor:
        return self._inplace_reshape(_shape.squeeze(Tensor._from_op(self.data, None), dim).shape)

    def unsqueeze_(self, dim: int) -> Tensor:
        return self._inplace_reshape(_shape.unsqueeze(Tensor._from_op(self.data, None), dim).shape)

    def _check_inplace(self) -> None:
        """For changes autograd cannot record (random fills): refuse inside a graph, else count."""
        if self._records():
            raise RuntimeError(f"in-place random fill of a tensor that requires grad (shape {list(self.shape)}) "
                               "is not recorded by autograd; do it under `with shenjing.no_grad():`")
        self._bump()

    def uniform_(self, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
        self._check_inplace()
        self.data[...] = _random.get_rng(generator).uniform(a, b, self.data.shape)
        return self

    def normal_(self, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
        self._check_inplace()
        self.data[...] = _random.get_rng(generator).normal(mean, std, self.data.shape)
        return self


Tensor.__module__ = "shenjing"


def _data(x):
    return x.data if isinstance(x, Tensor) else x


def _axis(dim):
    if dim is None or isinstance(dim, builtins.int):
        return dim
    return tuple(dim)


def _correction(unbiased, correction) -> int:
    if correction is not None:
        return builtins.int(correction)
    return 0 if unbiased is False else 1


def _shape_arg(shape: Sequence) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], tuple | list):
        return tuple(shape[0])
    return tuple(shape)


def _format_dtype_suffix(t: Tensor) -> str:
    kind = t.data.dtype
    if kind == backend.get_default_dtype().np or (kind in (np.int64, np.bool_) and t.data.size):
        return ""  # (an empty tensor shows any dtype but the default float: no data says it)
    return f", dtype={t.dtype}"


def _float_formatter(d: np.ndarray):
    """PyTorch's style for floats: all integers print as ``1.``, otherwise 4 decimals, and
    scientific notation when the nonzero magnitudes span more than 1000× or leave [1e-4, 1e8];
    every entry padded to one width.  Decided on the entries that will be shown."""
    if d.size > 1000:  # summarised: only the 3 first and last along each axis are shown
        for ax in range(d.ndim):
            if d.shape[ax] > 6:
                d = np.concatenate([d.take(range(3), ax), d.take(range(-3, 0), ax)], ax)
    v = d[np.isfinite(d) & (d != 0)].astype(np.float64)
    mode, width = "int", 1
    if v.size:
        lo, hi = np.abs(v).min(), np.abs(v).max()
        if np.all(v == np.ceil(v)):
            mode = "sci" if hi / lo > 1000 or hi > 1e8 else "int"
        else:
            mode = "sci" if hi / lo > 1000 or hi > 1e8 or lo < 1e-4 else "fix"

    def one(x) -> str:
        if mode == "sci":
            return f"{x:.4e}"
        if mode == "fix":
            return f"{x:.4f}"
        return f"{x:.0f}." if np.isfinite(x) else f"{x:.0f}"

    if v.size:
        width = max(len(one(x)) for x in v)
    return lambda x: one(x).rjust(width)


def _repr(t: Tensor) -> str:
    prefix = "tensor("
    d = t.data
    fmt = {"float_kind": _float_formatter(d)} if d.dtype.kind == "f" else None
    # PyTorch fits one more column per nesting level than NumPy's line-width count
    body = np.array2string(d, separator=", ", prefix=prefix, formatter=fmt, threshold=1000, edgeitems=3,
                           max_line_width=79 + max(d.ndim, 1)).replace(", ..., ", ",  ..., ")
    suffixes = []
    if d.size == 0 and d.ndim > 1:
        suffixes.append(f"size={d.shape}")
    suffixes.append(_format_dtype_suffix(t).removeprefix(", "))
    if t._ctx is not None:
        suffixes.append(f"grad_fn={t._ctx!r}")
    elif t._requires_grad:
        suffixes.append("requires_grad=True")
    out = prefix + body
    for suffix in filter(None, suffixes):  # each on a new line when the last line would pass 80
        last = len(out) - out.rfind("\n") + 1
        out += (",\n" + " " * len(prefix) if last + len(suffix) + 2 > 80 else ", ") + suffix
    return out + ")"


_function._T = Tensor

# The ops import Tensor from this module, so they are imported after it is defined.
from . import random as _random  # noqa: E402
from .ops import activation as _act  # noqa: E402
from .ops import elementwise as _ew  # noqa: E402
from .ops import matmul as _mm  # noqa: E402
from .ops import reduce as _red  # noqa: E402
from .ops import shape as _shape  # noqa: E402

# the larger op families load on first use (import time)
_ix, _pw = _LazyModule("shenjing.ops.index"), _LazyModule("shenjing.ops.pointwise")
_prod, _ss = _LazyModule("shenjing.ops.products"), _LazyModule("shenjing.ops.sort_scan")
_misc = _LazyModule("shenjing.ops.misc")
