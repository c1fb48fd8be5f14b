"""Plot helpers shared by the lecture demos (:mod:`shenjing.demos`).

matplotlib is imported here only inside the functions, and only its object-oriented API with the
Agg canvas is used (no ``pyplot``, no global backend switch), so importing shenjing stays light and
drawing works on a machine without a display.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = ["cjk_font", "figure_lang", "new_figure", "save_figure"]

_CJK_NAMES = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "AR PL UMing CN",
    "Droid Sans Fallback",
)


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The name of an installed font that has Chinese glyphs, or ``None``."""
    from matplotlib import font_manager

    for attempt in range(2):
        installed = {f.name for f in font_manager.fontManager.ttflist}
        for name in _CJK_NAMES:
            if name in installed:
                return name
        if attempt == 0:  # a font installed after matplotlib built its cache: register the files
            for path in font_manager.findSystemFonts():
                if any(k in path.lower() for k in _CJK_FILE_HINTS):
                    try:
                        font_manager.fontManager.addfont(path)
                    except (OSError, RuntimeError, ValueError):
                        continue
    return None


_CJK_FILE_HINTS = ("wqy", "notosanscjk", "noto-cjk", "sourcehansans", "droidsansfallback", "uming", "simhei")


def figure_lang(lang: str) -> str:
    """The language for text inside figures: ``lang``, except Chinese without a CJK font
    (the glyphs would be empty boxes), which falls back to English."""
    return "zh" if lang == "zh" and cjk_font() else "en"


def new_figure(width: float = 8.0, height: float = 5.0, lang: str = "en") -> Any:
    """A fresh ``matplotlib.figure.Figure`` on the Agg canvas (with a CJK font for ``zh``)."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if figure_lang(lang) == "zh":
        font = cjk_font()
        fonts = list(matplotlib.rcParams["font.sans-serif"])
        if font not in fonts:
            matplotlib.rcParams["font.sans-serif"] = [font, *fonts]
        matplotlib.rcParams["axes.unicode_minus"] = False
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig: Any, path: str | os.PathLike[str], dpi: int = 110) -> Path:
    """Write ``fig`` to ``path`` (PNG unless the suffix says otherwise), creating folders; the
    file is written next to its final name first and moved into place, so it is never half
    written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        fig.savefig(tmp, dpi=dpi, format=path.suffix.lstrip(".").lower() or "png")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path
