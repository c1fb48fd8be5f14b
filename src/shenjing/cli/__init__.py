"""The ``shenjing`` command (also ``python -m shenjing``).

Subcommands are plug-ins: each module named in :data:`COMMANDS` (under ``shenjing.cli``) exposes

    add_parser(subparsers) -> argparse.ArgumentParser   # registers its subparser
    run(args: argparse.Namespace) -> int                 # does the work, returns the exit status

and is imported only when the command line is parsed, so adding ``train`` is one line here plus
``shenjing/cli/train.py``. A subcommand's parser should pass ``parents=[common_parent()]`` so
that the global ``--lang en|zh`` option is accepted after the subcommand too
(``shenjing demo softmax --lang zh`` as well as ``shenjing --lang zh demo softmax``).
All user-facing text comes from :mod:`shenjing.i18n`.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from .. import i18n

__all__ = ["COMMANDS", "build_parser", "common_parent", "main"]

#: Subcommand modules, in the order ``shenjing --help`` lists them.
COMMANDS: list[str] = ["demo", "train", "evaluate", "predict", "models", "viz", "generate"]


def common_parent() -> argparse.ArgumentParser:
    """A parent parser holding the options every subcommand accepts (``--lang``).

    Its defaults are suppressed, so a value given before the subcommand is not overwritten."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--lang",
        choices=i18n.LANGS,
        default=argparse.SUPPRESS,
        help=i18n.t("cli.lang.help"),
    )
    return parent


def _preset_lang(argv: Sequence[str]) -> None:
    """Apply ``--lang`` before the parsers are built, so ``--help`` is in that language too."""
    for i, arg in enumerate(argv):
        value = None
        if arg == "--lang" and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--lang="):
            value = arg.split("=", 1)[1]
        if value in i18n.LANGS:
            i18n.set_lang(value)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, with every subcommand of :data:`COMMANDS` plugged in."""
    parser = argparse.ArgumentParser(
        prog="shenjing",
        description=i18n.t("cli.description"),
        parents=[common_parent()],
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title=i18n.t("cli.commands"))
    for name in COMMANDS:
        module = importlib.import_module(f"{__name__}.{name}")
        sub_parser = module.add_parser(sub)
        sub_parser.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``shenjing`` command; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    i18n.set_lang(None)  # each run starts from the locale; --lang overrides it
    _preset_lang(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "lang", None):
        i18n.set_lang(args.lang)
    run = getattr(args, "_run", None)
    if run is None:
        parser.print_help()
        return 2
    try:
        return int(run(args) or 0)
    except KeyboardInterrupt:
        print(i18n.t("cli.interrupted"), file=sys.stderr)
        return 130
