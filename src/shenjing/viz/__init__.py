"""Plots: the lecture's figures (:mod:`.lecture`) and what a CNN learned (:mod:`.filters`).

Nothing is imported here: matplotlib loads only inside the functions that draw, and the
submodules load on first use (``from shenjing.viz.filters import plot_filters``).
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {"plot_filters": "filters", "plot_feature_maps": "filters", "feature_maps": "filters"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    if name in ("lecture", "filters"):
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'shenjing.viz' has no attribute {name!r}")


__all__ = ["plot_filters", "plot_feature_maps", "feature_maps"]
