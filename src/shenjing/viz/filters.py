"""What a convolutional network has learned: its first-layer filters and its feature maps.

The lecture: "the layers learn key points, then edges, then parts, then features".  The first
layer's filters W[o, c, :, :] are small images — edge and stroke detectors after training; a conv
layer's feature map o for an image x is y[o] = b[o] + Σ_c W[o, c] ⋆ x[c], bright where the filter
finds its pattern.

matplotlib is imported inside the drawing functions only.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from .. import i18n, nn
from ..autograd.function import no_grad
from ..tensor import Tensor

__all__ = ["conv_layers", "feature_maps", "first_conv_weight", "plot_feature_maps", "plot_filters"]


def conv_layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """The (name, layer) of every Conv2d in ``model``, in the order ``named_modules`` lists them."""
    return [(name, m) for name, m in model.named_modules() if isinstance(m, nn.Conv2d)]


def first_conv_weight(model: nn.Module | Any) -> np.ndarray:
    """The weight (O, C, kh, kw) of the first Conv2d of ``model`` (or ``model`` itself if it is an array/Tensor)."""
    if isinstance(model, Tensor):
        return model.detach().numpy()
    if isinstance(model, np.ndarray):
        return model
    layers = conv_layers(model)
    if not layers:
        raise ValueError(f"{type(model).__name__} has no Conv2d layer, so it has no filters to show")
    return layers[0][1].weight.detach().numpy()


def feature_maps(model: nn.Module, image: Any) -> list[tuple[str, np.ndarray]]:
    """Run ``image`` (H×W, C×H×W or 1×C×H×W, already normalised as in training) through ``model`` in
    eval mode and return (layer name, its output (O, OH, OW)) for every Conv2d, in forward order."""
    x = image.detach().numpy() if isinstance(image, Tensor) else np.asarray(image, dtype=np.float32)
    while x.ndim < 4:
        x = x[None]
    if x.shape[0] != 1:
        raise ValueError(f"feature_maps: expected one image, got a batch of shape {x.shape}")
    captured: list[tuple[str, np.ndarray]] = []
    handles = []
    for name, layer in conv_layers(model):
        def hook(module: nn.Module, inputs: Any, output: Tensor, name: str = name) -> None:
            captured.append((name, np.array(output.detach().numpy()[0])))
        handles.append(layer.register_forward_hook(hook))
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            model(Tensor(np.ascontiguousarray(x, dtype=np.float32)))
    finally:
        model.train(was_training)
        for h in handles:
            h.remove()
    if not captured:
        raise ValueError(f"{type(model).__name__} has no Conv2d layer, so it has no feature maps")
    return captured


def _grid(n: int) -> tuple[int, int]:
    cols = math.ceil(math.sqrt(n))
    return math.ceil(n / cols), cols


def plot_filters(model: nn.Module | Any, out: str | os.PathLike[str], title: str | None = None,
                 lang: str = "en") -> Path:
    """Draw the first conv layer's filters as a grid of small images (one per output channel and
    input channel) and write it to ``out`` (PNG).  Each filter gets a symmetric colour scale,
    red positive and blue negative, so an edge detector shows as a red/blue pair of stripes."""
    from .lecture import figure_lang, new_figure, save_figure

    w = first_conv_weight(model)
    if w.ndim != 4:
        raise ValueError(f"plot_filters: expected a (out, in, kh, kw) weight, got shape {w.shape}")
    o, c = w.shape[:2]
    tiles = [(i, j) for i in range(o) for j in range(c)]
    rows, cols = _grid(len(tiles))
    fig = new_figure(1.1 * cols + 0.6, 1.1 * rows + 0.8, lang)
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax in axes.flat:
        ax.set_axis_off()
    for ax, (i, j) in zip(axes.flat, tiles):
        f = w[i, j]
        lim = float(np.abs(f).max()) or 1.0
        ax.imshow(f, cmap="bwr", vmin=-lim, vmax=lim, interpolation="nearest")
        ax.set_title(f"{i}" if c == 1 else f"{i}/{j}", fontsize=7)
    text = i18n.t("fig.filters.title", lang=figure_lang(lang), o=o, c=c, kh=w.shape[2], kw=w.shape[3])
    fig.suptitle(title or text)
    return save_figure(fig, out)


def plot_feature_maps(model: nn.Module, image: Any, out_dir: str | os.PathLike[str], lang: str = "en",
                      max_maps: int = 64) -> list[Path]:
    """Write one PNG per Conv2d layer into ``out_dir`` (``<index>_<layer>.png``): the input image
    and up to ``max_maps`` of that layer's feature maps for it.  Returns the files written."""
    from .lecture import figure_lang, new_figure, save_figure

    fl = figure_lang(lang)
    maps = feature_maps(model, image)
    x = image.detach().numpy() if isinstance(image, Tensor) else np.asarray(image)
    x = x.reshape(-1, *x.shape[-2:])[0]
    written = []
    for k, (name, fmap) in enumerate(maps):
        n = min(len(fmap), max_maps)
        rows, cols = _grid(n + 1)
        fig = new_figure(1.2 * cols + 0.6, 1.2 * rows + 0.8, lang)
        axes = fig.subplots(rows, cols, squeeze=False)
        for ax in axes.flat:
            ax.set_axis_off()
        axes.flat[0].imshow(x, cmap="gray", interpolation="nearest")
        axes.flat[0].set_title(i18n.t("fig.features.input", lang=fl), fontsize=7)
        for i in range(n):
            ax = axes.flat[i + 1]
            ax.imshow(fmap[i], cmap="viridis", interpolation="nearest")
            ax.set_title(str(i), fontsize=7)
        fig.suptitle(i18n.t("fig.features.title", lang=fl, name=name, n=len(fmap), h=fmap.shape[1], w=fmap.shape[2])
                     + (i18n.t("fig.features.first", lang=fl, k=n) if n < len(fmap) else ""))
        safe = name.replace(".", "_") or "conv"
        written.append(save_figure(fig, Path(out_dir) / f"{k}_{safe}.png"))
    return written
