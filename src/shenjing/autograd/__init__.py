"""Reverse-mode automatic differentiation: ``Function``, the engine, grad modes, ``gradcheck``."""

from .function import Function, enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, GradcheckReport, gradcheck


def grad(outputs, inputs, grad_outputs=None, retain_graph: bool = False, allow_unused: bool = False):
    """∂outputs/∂inputs as a tuple of tensors, without touching any ``.grad`` (like torch.autograd.grad)."""
    import numpy as np

    from ..tensor import Tensor
    from .engine import run_backward

    single = isinstance(inputs, Tensor)
    inputs = [inputs] if single else list(inputs)
    if not outputs.requires_grad:
        raise RuntimeError("grad: the output does not require grad and has no grad_fn")
    if grad_outputs is None:
        if outputs.data.size != 1:
            raise RuntimeError("grad can be implicitly created only for scalar outputs")
        g = np.ones_like(outputs.data)
    else:
        g = np.array(grad_outputs.data if isinstance(grad_outputs, Tensor) else grad_outputs,
                     dtype=outputs.data.dtype)
    if outputs._ctx is None:
        captured = {id(outputs): g}
    else:
        captured = run_backward(outputs, g, retain_graph, inputs=inputs)
    result = []
    for i, x in enumerate(inputs):
        arr = captured.get(id(x))
        if arr is None and not allow_unused:
            raise RuntimeError(f"grad: input {i} was not used to compute the output (pass allow_unused=True)")
        result.append(None if arr is None else Tensor._from_op(arr, None))
    return tuple(result)


def __getattr__(name: str):
    """``shenjing.autograd.functional`` (vjp, jvp, jacobian), loaded on first use: it needs Tensor,
    whose module imports this package."""
    if name == "functional":
        import importlib

        return importlib.import_module(".functional", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Function", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "gradcheck",
           "GradcheckError", "GradcheckReport", "grad", "functional"]
