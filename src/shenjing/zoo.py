"""Named architectures: ``get_model("mlp")``, ``list_models()``.

A model is registered with one decorator line on its builder function::

    @register("lenet", "LeNet-5 convolutional network for 28×28 digits")
    def lenet(num_classes: int = 10, ...) -> nn.Module: ...

Builders take only JSON-able keyword arguments (numbers, strings, lists), so a checkpoint can
store ``{"name": "mlp", "config": {...}}`` and rebuild the same model with
``get_model(name, **config)``.  :func:`model_config` fills in the defaults, giving the full
configuration that a checkpoint should record.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from . import nn

__all__ = [
    "ModelSpec", "get_model", "list_models", "make_activation", "model_config", "model_spec",
    "register",
]


@dataclass(frozen=True)
class ModelSpec:
    """A registered architecture: its name, a one-line description and its builder."""

    name: str
    description: str
    builder: Callable[..., nn.Module]

    def defaults(self) -> dict[str, Any]:
        """The builder's keyword arguments and their default values."""
        out = {}
        for p in inspect.signature(self.builder).parameters.values():
            if p.default is not inspect.Parameter.empty:
                d = p.default
                out[p.name] = list(d) if isinstance(d, tuple) else d
        return out


_REGISTRY: dict[str, ModelSpec] = {}


def register(name: str, description: str = "") -> Callable[[Callable[..., nn.Module]],
                                                             Callable[..., nn.Module]]:
    """Decorator: add ``builder`` to the zoo under ``name``."""

    def deco(builder: Callable[..., nn.Module]) -> Callable[..., nn.Module]:
        if name in _REGISTRY:
            raise ValueError(f"zoo: a model named {name!r} is already registered")
        lines = (builder.__doc__ or "").strip().splitlines()
        _REGISTRY[name] = ModelSpec(name, description or (lines[0] if lines else name), builder)
        return builder

    return deco


def list_models() -> list[str]:
    """The names of every registered model, sorted."""
    return sorted(_REGISTRY)


def model_spec(name: str) -> ModelSpec:
    """The :class:`ModelSpec` of ``name``; ``KeyError`` naming the known models if unknown."""
    spec = _REGISTRY.get(name)
    if spec is None:
        raise KeyError(f"unknown model {name!r}; known models: {', '.join(list_models())}")
    return spec


def model_config(name: str, **config: Any) -> dict[str, Any]:
    """The full configuration of ``name``: its defaults updated with ``config`` (checked)."""
    spec = model_spec(name)
    full = spec.defaults()
    unknown = sorted(set(config) - set(full))
    if unknown:
        raise ValueError(f"model {name!r} has no option(s) {', '.join(unknown)}; its options are "
                         f"{', '.join(sorted(full)) or 'none'}")
    full.update({k: list(v) if isinstance(v, tuple) else v for k, v in config.items()})
    return full


def get_model(name: str, **config: Any) -> nn.Module:
    """Build the model registered as ``name`` with ``config`` overriding its defaults."""
    return model_spec(name).builder(**model_config(name, **config))


_ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "gelu": nn.GELU,
    "elu": nn.ELU,
    "leaky_relu": nn.LeakyReLU,
    "softplus": nn.Softplus,
}


def make_activation(name: str) -> nn.Module:
    """A fresh activation module by name (``relu``, ``tanh``, ``sigmoid``, ``gelu`` ...)."""
    make = _ACTIVATIONS.get(str(name).lower())
    if make is None:
        raise ValueError(f"unknown activation {name!r}; choose one of "
                         f"{', '.join(_ACTIVATIONS)}")
    return make()


@register("mlp", "multilayer perceptron: 784-256-128-10 with ReLU (widths, depth, activation "
                 "configurable)")
def mlp(
    in_features: int = 784,
    hidden: Sequence[int] | int = (256, 128),
    num_classes: int = 10,
    activation: str = "relu",
    depth: int | None = None,
    dropout: float = 0.0,
) -> nn.Module:
    """A fully connected network: Flatten, then (Linear, activation[, Dropout]) per hidden
    layer, then a Linear to ``num_classes`` logits.

    ``hidden`` lists the widths; an int with ``depth`` gives ``depth`` layers of that width
    (``hidden=512, depth=3`` → 784-512-512-512-10).
    """
    if isinstance(hidden, int):
        widths = [hidden] * (1 if depth is None else int(depth))
    else:
        widths = [int(w) for w in hidden]
        if depth is not None and depth != len(widths):
            raise ValueError(f"mlp: depth={depth} but hidden lists {len(widths)} widths")
    if any(w < 1 for w in widths) or in_features < 1 or num_classes < 1:
        raise ValueError(f"mlp: sizes must be positive, got in_features={in_features}, "
                         f"hidden={widths}, num_classes={num_classes}")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"mlp: dropout must lie in [0, 1), got {dropout}")
    layers: list[nn.Module] = [nn.Flatten()]
    width = in_features
    for w in widths:
        layers += [nn.Linear(width, w), make_activation(activation)]
        if dropout:
            layers.append(nn.Dropout(dropout))
        width = w
    layers.append(nn.Linear(width, num_classes))
    return nn.Sequential(*layers)


@register("lenet", "LeNet-5 for 28×28 digits: conv 6@5×5 (pad 2), max-pool, conv 16@5×5, max-pool, "
                   "120-84-10")
def lenet(num_classes: int = 10, in_channels: int = 1, activation: str = "relu") -> nn.Module:
    """LeNet-5 (LeCun et al. 1998) for 28×28 input, with ReLU and max pooling:
    (C,28,28) → conv5 → 6×28×28 → pool → 6×14×14 → conv5 → 16×10×10 → pool → 16×5×5 → 120 → 84 → classes."""
    return nn.Sequential(
        nn.Conv2d(in_channels, 6, 5, padding=2), make_activation(activation), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), make_activation(activation), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), make_activation(activation), nn.Linear(120, 84), make_activation(activation),
        nn.Linear(84, num_classes),
    )


@register("cnn", "deeper CNN for 28×28 digits: three conv-BN-ReLU blocks (32, 64, 128), max-pool, "
                 "dropout, 128-10 (trained with augmentation)")
def cnn(num_classes: int = 10, in_channels: int = 1, width: int = 32, dropout: float = 0.4) -> nn.Module:
    """Conv-BatchNorm-ReLU blocks of width, 2·width, 4·width channels, each followed by 2×2 max
    pooling (28 → 14 → 7 → 3), Dropout2d, then Linear(4·width·9, 128)-BN-ReLU-Dropout-Linear."""
    if width < 1 or not 0.0 <= dropout < 1.0:
        raise ValueError(f"cnn: width must be positive and dropout in [0, 1), got {width}, {dropout}")
    w1, w2, w3 = width, 2 * width, 4 * width

    def block(cin: int, cout: int, k: int) -> list[nn.Module]:
        return [nn.Conv2d(cin, cout, k, padding=k // 2, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
                nn.MaxPool2d(2)]

    return nn.Sequential(
        *block(in_channels, w1, 5), *block(w1, w2, 3), *block(w2, w3, 3), nn.Dropout2d(dropout / 4),
        nn.Flatten(), nn.Linear(w3 * 9, 128, bias=False), nn.BatchNorm1d(128), nn.ReLU(), nn.Dropout(dropout),
        nn.Linear(128, num_classes),
    )


@register("lstm", "sequential MNIST: an LSTM reads the 28×28 image as 28 rows of 28 pixels (hidden 128), "
                  "the last hidden state → 10 classes")
def lstm(num_classes: int = 10, input_size: int = 28, hidden: int = 128, layers: int = 1, cell: str = "lstm",
         bidirectional: bool = False, dropout: float = 0.0) -> nn.Module:
    """``shenjing.lm.SequenceClassifier``: rows as time steps, logits = W h_T + b."""
    from .lm import SequenceClassifier

    return SequenceClassifier(input_size, hidden, num_classes, layers, cell, bidirectional, dropout)
