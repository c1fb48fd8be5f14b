"""Every example of the lecture chapter, runnable: ``shenjing demo NAME`` or ``run()`` here.

Each demo module has

- ``run(*, lang=None, plot=None, verbose=True, **options) -> dict`` — prints its explanation in
  ``lang`` (``"en"``/``"zh"``, default from the locale), saves its figure to ``plot`` (a PNG path)
  when given, and returns its numbers so tests can check them against the lecture;
- ``add_arguments(parser)`` — its command-line options, named like ``run``'s keyword arguments;
- ``DESCRIPTION`` — the catalogue key of its one-line description.

:data:`DEMOS` maps each name, in the lecture's order, to ``(run, description key)``.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from . import (
    activations,
    backprop,
    cross_entropy,
    gpt,
    gradient_descent,
    graph,
    history,
    mnist,
    neuron,
    perceptron,
    sine_rnn,
    softmax,
)

__all__ = ["DEMOS", "MODULES", "run_demo"]

#: name → the demo's module, in the order of the lecture (and of ``shenjing demo all``).
MODULES: dict[str, ModuleType] = {
    "history": history,
    "neuron": neuron,
    "activations": activations,
    "softmax": softmax,
    "cross-entropy": cross_entropy,
    "perceptron": perceptron,
    "gradient-descent": gradient_descent,
    "backprop": backprop,
    "mnist": mnist,
    "sine-rnn": sine_rnn,
    "gpt": gpt,
    "graph": graph,
}

#: name → (function, catalogue key of its one-line description).
DEMOS: dict[str, tuple[Callable[..., dict[str, Any]], str]] = {
    name: (module.run, module.DESCRIPTION) for name, module in MODULES.items()
}


def run_demo(name: str, **kwargs: Any) -> dict[str, Any]:
    """Run the demo ``name`` with ``kwargs`` (``lang``, ``plot``, ``verbose`` and its options)."""
    try:
        fn, _ = DEMOS[name]
    except KeyError:
        raise KeyError(f"no demo {name!r}; the demos are: {', '.join(DEMOS)}") from None
    return fn(**kwargs)
