"""``shenjing demo``: run the lecture's examples (``--list``, ``NAME``, ``all``)."""

from __future__ import annotations

import argparse
import inspect
import sys
import time
from pathlib import Path
from typing import Any

from .. import i18n
from ..i18n import t

_COMMON_KW = ("lang", "plot", "verbose")


def _plot_parent() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--plot", metavar="FILE.png", default=None, help=t("cli.demo.plot.help"))
    return parent


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``demo`` and one sub-parser per demo (with that demo's own options)."""
    from ..demos import MODULES
    from . import common_parent

    parser = subparsers.add_parser(
        "demo",
        help=t("cli.demo.help"),
        description=t("cli.demo.description"),
        parents=[common_parent()],
    )
    parser.add_argument("--list", action="store_true", help=t("cli.demo.list.help"))
    names = parser.add_subparsers(dest="demo_name", metavar="NAME", title=t("cli.demo.names"))
    for name, module in MODULES.items():
        sub = names.add_parser(name, help=t(module.DESCRIPTION), description=t(module.DESCRIPTION),
                               parents=[common_parent(), _plot_parent()])
        module.add_arguments(sub)
    names.add_parser("all", help=t("cli.demo.all.help"), description=t("cli.demo.all.help"),
                     parents=[common_parent(), _plot_parent()])
    return parser


def list_demos() -> str:
    """One line per demo: its name and description, in the current language."""
    from ..demos import DEMOS

    width = max(len(n) for n in DEMOS)
    lines = [t("cli.demo.list.title")]
    lines += [f"  {name:<{width}}  {t(key)}" for name, (_, key) in DEMOS.items()]
    lines.append(f"  {'all':<{width}}  {t('cli.demo.all.help')}")
    lines.append(t("cli.demo.list.hint"))
    return "\n".join(lines)


def _kwargs(fn: Any, args: argparse.Namespace) -> dict[str, Any]:
    params = inspect.signature(fn).parameters
    return {k: getattr(args, k) for k in params if k not in _COMMON_KW and hasattr(args, k)}


def _plot_for(plot: str | None, name: str) -> str | None:
    """For ``demo all``: ``figs.png`` → ``figs-NAME.png``; a folder → ``folder/NAME.png``."""
    if not plot:
        return None
    p = Path(plot)
    if p.suffix.lower() == ".png":
        return str(p.with_name(f"{p.stem}-{name}.png"))
    return str(p / f"{name}.png")


def run(args: argparse.Namespace) -> int:
    """Run what the command line asked for; returns the exit status."""
    from ..demos import DEMOS

    name = getattr(args, "demo_name", None)
    if args.list or name is None:
        print(list_demos())
        return 0
    lang = i18n.get_lang()
    if name == "all":
        return _run_all(args, lang)
    fn, _ = DEMOS[name]
    try:
        fn(lang=lang, plot=args.plot, **_kwargs(fn, args))
    except ValueError as e:
        print(t("cli.error", msg=str(e)), file=sys.stderr)
        return 2
    return 0


def _run_all(args: argparse.Namespace, lang: str) -> int:
    from ..demos import DEMOS

    failed = []
    start = time.perf_counter()
    for i, (name, (fn, key)) in enumerate(DEMOS.items(), 1):
        bar = "#" * 72
        print(f"\n{bar}\n# [{i}/{len(DEMOS)}] shenjing demo {name}: {t(key)}\n{bar}")
        t0 = time.perf_counter()
        try:
            fn(lang=lang, plot=_plot_for(args.plot, name))
        except Exception as e:  # one broken demo must not hide the others
            failed.append(name)
            print(t("cli.demo.all.failed", name=name, msg=f"{type(e).__name__}: {e}"), file=sys.stderr)
        print(t("cli.demo.all.time", name=name, s=time.perf_counter() - t0))
    print()
    print(t("cli.demo.all.done", n=len(DEMOS) - len(failed), total=len(DEMOS),
            s=time.perf_counter() - start))
    if failed:
        print(t("cli.demo.all.failures", names=", ".join(failed)), file=sys.stderr)
        return 1
    return 0
