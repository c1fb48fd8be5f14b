"""Reverse-mode automatic differentiation: ``Function``, the engine, grad modes, ``gradcheck``."""

from .function import Function, enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, GradcheckReport, gradcheck


def grad(outputs, inputs, grad_outputs=None, retain_graph: bool = False):
    """The gradients of ``outputs`` with respect to ``inputs``, without touching their ``.grad``."""
    single = not isinstance(inputs, list | tuple)
    inputs = [inputs] if single else list(inputs)
    saved = [x.grad for x in inputs]
    for x in inputs:
        x.grad = None
    try:
        outputs.backward(grad_outputs, retain_graph=retain_graph)
        result = tuple(x.grad for x in inputs)
    finally:
        for x, g in zip(inputs, saved):
            x.grad = g
    return result[0] if single else result


__all__ = ["Function", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "gradcheck",
           "GradcheckError", "GradcheckReport", "grad"]
