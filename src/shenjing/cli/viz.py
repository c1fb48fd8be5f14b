"""``shenjing viz``: pictures of what a trained CNN learned.

    shenjing viz filters  --checkpoint runs/mnist-lenet --out filters.png
    shenjing viz features --checkpoint runs/mnist-lenet --image digit.png --out maps/
    shenjing viz features --checkpoint runs/mnist-lenet --image test:0 --out maps/

``--image`` is an image file (made MNIST-like exactly as ``shenjing predict`` does) or
``train:N`` / ``test:N``, the N-th image of the data set the checkpoint was trained on.
The same work is available as functions in :mod:`shenjing.viz.filters`.
"""

from __future__ import annotations

import argparse
import re
from typing import Any

import numpy as np

from .. import i18n
from ..i18n import t
from .train import NORMALISATION, UsageError, check_file, debug_parent, guarded, open_dataset

_INDEX = re.compile(r"^(train|test):(\d+)$")


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    from . import common_parent

    p = subparsers.add_parser("viz", help=t("cli.viz.help"), description=t("cli.viz.description"))
    sub = p.add_subparsers(dest="viz_what", metavar="WHAT", title=t("cli.viz.what"), required=True)
    parents = [common_parent(), debug_parent()]
    f = sub.add_parser("filters", help=t("cli.viz.filters.help"), parents=parents)
    f.add_argument("--checkpoint", required=True, help=t("cli.common.checkpoint.help"))
    f.add_argument("--out", default="filters.png", metavar="FILE", help=t("cli.viz.arg.out_file"))
    g = sub.add_parser("features", help=t("cli.viz.features.help"), parents=parents)
    g.add_argument("--checkpoint", required=True, help=t("cli.common.checkpoint.help"))
    g.add_argument("--image", required=True, metavar="IMAGE", help=t("cli.viz.arg.image"))
    g.add_argument("--out", default="features", metavar="DIR", help=t("cli.viz.arg.out_dir"))
    g.add_argument("--max-maps", type=int, default=64, metavar="N", help=t("cli.viz.arg.max_maps"))
    g.add_argument("--data-root", default=None, metavar="DIR", help=t("cli.common.data_root.help"))
    return p


def run(args: argparse.Namespace) -> int:
    return guarded(args, lambda: _run(args))


def _image(spec: str, dataset: str, data_root: str | None) -> np.ndarray:
    """The 28×28 image (floats in [0, 1], white ink on black) that ``spec`` names."""
    m = _INDEX.match(spec)
    if m:
        split, index = m.group(1), int(m.group(2))
        ds = open_dataset(dataset, split == "train", data_root)
        if index >= len(ds):
            raise UsageError(t("cli.viz.error.index", split=split, index=index, n=len(ds)))
        return ds.data[index].astype(np.float32) / 255.0
    from .predict import mnist_like, read_image

    check_file(spec)
    return mnist_like(read_image(spec))


def _run(args: argparse.Namespace) -> int:
    from ..train import load_model, resolve_checkpoint
    from ..viz import filters as vf

    path = resolve_checkpoint(args.checkpoint)
    model, ckpt = load_model(path)
    if not vf.conv_layers(model):
        raise UsageError(t("cli.viz.error.no_conv", path=path, model=ckpt["model"].get("name")))
    lang = i18n.get_lang()
    if args.viz_what == "filters":
        print(t("cli.viz.wrote", path=vf.plot_filters(model, args.out, lang=lang)))
        return 0
    dataset = ((ckpt.get("run") or {}).get("settings") or {}).get("dataset", "mnist")
    mean, std = NORMALISATION.get(dataset, NORMALISATION["mnist"])
    x = (_image(args.image, dataset, args.data_root) - mean) / std
    for p in vf.plot_feature_maps(model, x.astype(np.float32), args.out, lang=lang, max_maps=args.max_maps):
        print(t("cli.viz.wrote", path=p))
    return 0
