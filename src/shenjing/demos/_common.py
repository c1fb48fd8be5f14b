"""What every demo shares: printing in the chosen language, number formatting, tables."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO

from .. import i18n


class Printer:
    """Prints catalogue messages in one language; silent when ``verbose`` is false."""

    def __init__(self, lang: str | None = None, verbose: bool = True, stream: TextIO | None = None):
        self.lang = i18n.get_lang() if lang is None else lang
        self.verbose = verbose
        self.stream = stream

    def t(self, key: str, **fmt: object) -> str:
        """The message ``key`` in this printer's language."""
        return i18n.t(key, self.lang, **fmt)

    def __call__(self, key: str, **fmt: object) -> None:
        self.raw(self.t(key, **fmt))

    def raw(self, text: str = "") -> None:
        """Print text that needs no translation (numbers, formulas)."""
        if self.verbose:
            print(text, file=self.stream or sys.stdout)

    def title(self, key: str, **fmt: object) -> None:
        """A section title, underlined."""
        text = self.t(key, **fmt)
        self.raw()
        self.raw(text)
        self.raw("=" * _width(text))

    def section(self, key: str, **fmt: object) -> None:
        """A sub-section heading."""
        text = self.t(key, **fmt)
        self.raw()
        self.raw(text)
        self.raw("-" * _width(text))

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
        """A plain-text table; floats are shown as given (format them before)."""
        self.raw(format_table(headers, rows))


def _width(text: str) -> int:
    """Display width: CJK characters take two columns in a terminal."""
    return sum(2 if ord(c) >= 0x1100 and _wide(c) else 1 for c in text)


def _wide(c: str) -> bool:
    import unicodedata

    return unicodedata.east_asian_width(c) in ("W", "F")


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Columns padded to their widest cell (CJK-aware); numbers right-aligned."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(_width(row[i]) for row in cells) for i in range(len(headers))]
    numeric = [
        all(_is_number(r[i]) for r in cells[1:]) if len(cells) > 1 else False
        for i in range(len(headers))
    ]

    def fmt(row: list[str]) -> str:
        out = []
        for i, c in enumerate(row):
            pad = " " * (widths[i] - _width(c))
            out.append(pad + c if numeric[i] else c + pad)
        return "  ".join(out).rstrip()

    lines = [fmt(cells[0]), "  ".join("-" * w for w in widths)]
    lines += [fmt(r) for r in cells[1:]]
    return "\n".join(lines)


def _is_number(s: str) -> bool:
    try:
        float(s.replace(",", ""))
    except ValueError:
        return False
    return True


def vec(values: Sequence[float], digits: int = 4) -> str:
    """``(0.3400, 0.4600, 0.2000)``."""
    return "(" + ", ".join(f"{v:.{digits}f}" for v in values) + ")"
