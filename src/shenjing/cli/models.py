"""``shenjing models``: the named architectures of :mod:`shenjing.zoo`."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ..i18n import catalogue, t
from .train import debug_parent, guarded


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    from . import common_parent

    p = subparsers.add_parser("models", help=t("cli.models.help"),
                              description=t("cli.models.description"),
                              parents=[common_parent(), debug_parent()])
    p.add_argument("--json", action="store_true", help=t("cli.common.json.help"))
    return p


def run(args: argparse.Namespace) -> int:
    return guarded(args, lambda: _run(args))


def describe_models() -> list[dict[str, Any]]:
    """Name, description, default options and parameter count of every zoo model."""
    from .. import zoo

    out = []
    for name in zoo.list_models():
        spec = zoo.model_spec(name)
        model = zoo.get_model(name)
        n = sum(int(p.data.size) for p in model.parameters())
        out.append({"name": name, "description": spec.description, "options": spec.defaults(),
                    "parameters": n})
    return out


def _run(args: argparse.Namespace) -> int:
    models = describe_models()
    if args.json:
        print(json.dumps(models, ensure_ascii=False))
        return 0
    print(t("cli.models.title"))
    width = max(len(m["name"]) for m in models)
    for m in models:
        key = f"cli.models.desc.{m['name']}"
        desc = t(key) if key in catalogue("en") else m["description"]
        print(f"  {m['name']:<{width}}  {desc}")
        pad = " " * (width + 4)
        print(pad + t("cli.models.params", n=m["parameters"]))
        opts = ", ".join(f"{k}={json.dumps(v)}" for k, v in m["options"].items())
        print(pad + t("cli.models.options", options=opts))
    print(t("cli.models.hint"))
    return 0
