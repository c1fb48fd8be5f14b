"""Message catalogue: every user-facing sentence of shenjing in English and Chinese.

Usage::

    from shenjing.i18n import t, set_lang
    set_lang("zh")                       # or leave it to the locale
    print(t("demo.softmax.title"))       # -> the Chinese title
    print(t("cli.error.unknown", lang="en", name="foo"))   # placeholders use str.format

How the language is chosen, first match wins:

1. the ``lang=`` argument of :func:`t`;
2. the language set by :func:`set_lang` (the CLI calls it for ``--lang en|zh``);
3. the locale: the first non-empty of ``LC_ALL``, ``LC_MESSAGES``, ``LANG`` (POSIX precedence);
   a value starting with ``zh`` (``zh_CN.UTF-8``, ``zh_TW`` ...) gives ``zh``, anything else ``en``.

Where the strings live: ``shenjing/i18n/en.py`` and ``shenjing/i18n/zh.py`` each hold one dict
``MESSAGES`` (plain Python literals: no pickle, nothing to parse at start-up, and the package-data
list of the wheel does not need to change). Keys are dotted names, ``<area>.<topic>.<what>``,
e.g. ``demo.backprop.title`` or ``cli.demo.help``. Every key must exist in both languages with the
same ``{placeholders}``; ``tests/test_i18n.py`` walks both catalogues and checks it.

Code outside the core catalogue (a plug-in, a subcommand written later) may add its own
messages at import time with :func:`register`. A key missing in Chinese falls back to English;
a key missing in English is a bug and raises ``KeyError`` naming the key.
"""

from __future__ import annotations

import importlib
import os
import string
from collections.abc import Mapping

__all__ = [
    "LANGS",
    "catalogue",
    "detect_lang",
    "get_lang",
    "placeholders",
    "register",
    "set_lang",
    "t",
]

#: The languages shenjing speaks. The first one is the fallback.
LANGS: tuple[str, ...] = ("en", "zh")

_catalogues: dict[str, dict[str, str]] = {}
_current: str | None = None


def _load(lang: str) -> dict[str, str]:
    """The catalogue of ``lang``, imported on first use (keeps ``import shenjing`` light)."""
    cat = _catalogues.get(lang)
    if cat is None:
        module = importlib.import_module(f"{__name__}.{lang}")
        cat = dict(module.MESSAGES)
        _catalogues[lang] = cat
    return cat


def _normalise(lang: str) -> str:
    code = lang.strip().lower().replace("-", "_")
    for known in LANGS:
        if code == known or code.startswith(known + "_"):
            return known
    raise ValueError(f"unsupported language {lang!r}; choose one of {', '.join(LANGS)}")


def detect_lang(environ: Mapping[str, str] | None = None) -> str:
    """The language the locale asks for: ``"zh"`` if it starts with ``zh``, else ``"en"``."""
    env = os.environ if environ is None else environ
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def set_lang(lang: str | None) -> None:
    """Fix the language for later calls of :func:`t`; ``None`` goes back to the locale."""
    global _current
    _current = None if lang is None else _normalise(lang)


def get_lang() -> str:
    """The language :func:`t` uses when no ``lang=`` is given."""
    return _current if _current is not None else detect_lang()


def t(key: str, lang: str | None = None, **fmt: object) -> str:
    """The message ``key`` in ``lang`` (default: :func:`get_lang`), formatted with ``fmt``.

    ``fmt`` fills the ``{name}`` placeholders with :meth:`str.format` (format specs such as
    ``{p:.4f}`` work). Every message goes through ``format``, so a literal brace is written
    ``{{`` or ``}}`` in the catalogue.
    """
    code = get_lang() if lang is None else _normalise(lang)
    text = _load(code).get(key)
    if text is None:
        text = _load(LANGS[0]).get(key)
        if text is None:
            raise KeyError(f"i18n: no message {key!r} in the catalogue")
    return text.format(**fmt)


def register(lang: str, messages: Mapping[str, str]) -> None:
    """Add or override messages of ``lang`` (for code that ships its own strings)."""
    _load(_normalise(lang)).update(messages)


def catalogue(lang: str) -> Mapping[str, str]:
    """A read-only view of every message of ``lang`` (tests walk it)."""
    from types import MappingProxyType

    return MappingProxyType(_load(_normalise(lang)))


def placeholders(text: str) -> set[str]:
    """The names of the ``{placeholders}`` in ``text`` (``{p:.3f}`` gives ``"p"``)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}
