"""``Function``: one differentiable operation, and the switch that turns recording on and off.

An op subclasses ``Function`` and writes two methods on plain arrays::

    class Mul(Function):
        def forward(self, a, b):          # y = a·b
            self.a, self.b = a, b
            return a * b

        def backward(self, g):            # ∂L/∂a = g·b,  ∂L/∂b = g·a
            return g * self.b, g * self.a

PyTorch's own style — ``@staticmethod forward(ctx, …)`` and ``backward(ctx, …)`` on tensors, with
``ctx.save_for_backward`` — works too (``autograd/ctx_function.py``).

``Mul.apply(x, y)`` runs ``forward`` on the arrays inside the tensors and, when some input
requires a gradient and recording is on, links the output to this node of the graph.
``backward`` returns one gradient per positional input (``None`` where none is needed), each in
the shape of the *result*'s broadcast; the engine reduces it to the input's shape.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any


class _GradMode:
    enabled = True


class _Inplace:
    """How many in-place changes any tensor has had: when it has not moved since a node's forward,
    backward needs no per-input version check.  ``recorded`` counts those made inside a graph
    (``y[0] = v`` on a tensor that requires grad); while it is 0 no tensor has a history."""

    count = 0
    recorded = 0


def is_grad_enabled() -> bool:
    """Whether operations are being recorded for ``backward``."""
    return _GradMode.enabled


class set_grad_enabled:  # noqa: N801 - PyTorch's name
    """Turn recording on or off, as a call, a context manager or a decorator."""

    def __init__(self, mode: bool) -> None:
        self.prev = _GradMode.enabled
        self.mode = bool(mode)
        _GradMode.enabled = self.mode

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        _GradMode.enabled = self.prev

    def __call__(self, fn):
        mode = self.mode
        _GradMode.enabled = self.prev

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapper


class no_grad:  # noqa: N801
    """Context manager and decorator: inside it nothing is recorded (used for updates, eval)."""

    _mode = False

    def __new__(cls, func=None):  # both `@no_grad()` and bare `@no_grad`, as in PyTorch
        self = super().__new__(cls)
        return self if func is None else self(func)

    def __enter__(self) -> None:
        self.prev = _GradMode.enabled
        _GradMode.enabled = self._mode

    def __exit__(self, *exc: object) -> None:
        _GradMode.enabled = self.prev

    def __call__(self, fn):
        mode = self._mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = _GradMode.enabled
            _GradMode.enabled = mode
            try:
                return fn(*args, **kwargs)
            finally:
                _GradMode.enabled = prev

        return wrapper


class enable_grad(no_grad):  # noqa: N801
    """Context manager and decorator that turns recording back on inside ``no_grad``."""

    _mode = True


class Function:
    """A node of the graph: ``forward`` and ``backward`` on arrays. See the module docstring."""

    __slots__ = ("parents", "needs_input_grad", "versions", "stamp", "__dict__")

    def forward(self, *args: Any, **kwargs: Any):  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, grad):  # pragma: no cover - abstract
        raise NotImplementedError

    _ctx_style = False  # PyTorch-style: static forward(ctx, …) / backward(ctx, …) on tensors

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._ctx_style = isinstance(inspect.getattr_static(cls, "forward"), staticmethod)

    @classmethod
    def apply(cls, *inputs: Any, **kwargs: Any):
        if cls._ctx_style:
            from .ctx_function import apply

            return apply(cls, inputs, kwargs)
        T = _T
        fn = cls()
        args = []
        needs = []
        versions = []
        record = False
        for x in inputs:
            if isinstance(x, T):
                args.append(x.data)
                r = x.requires_grad
                needs.append(r)
                versions.append(x._version)
                record = record or r
            else:
                args.append(x)
                needs.append(False)
                versions.append(0)
        record = record and _GradMode.enabled
        fn.needs_input_grad = tuple(needs) if record else None
        out = fn.forward(*args, **kwargs)
        if record:
            fn.parents = inputs
            fn.versions = versions  # what backward checks the saved inputs against
            fn.stamp = _Inplace.count
            return T._from_op(out, fn)
        return T._from_op(out, None)

    def release(self) -> None:
        """Drop what forward saved: the graph below this node cannot be walked again."""
        self.parents = ()  # and the input tensors, so their arrays are freed with the graph
        self.__dict__.clear()
        self.__dict__["_released"] = True

    @property
    def name(self) -> str:
        return type(self).__name__ + "Backward"

    def __repr__(self) -> str:
        return f"<{self.name}>"


# The Tensor class, set by shenjing.tensor (which imports this module, not the reverse).
_T: Any = None
