"""``shenjing predict``: classify image files with a trained checkpoint.

Any picture is first made to look like an MNIST digit, the way MNIST itself was made: grayscale,
ink bright on a dark background (inverted when the background is light), cropped to the ink,
scaled so its longer side is 20 pixels, and placed in a 28×28 field so that its centre of mass
is in the middle.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from ..i18n import t
from .train import (
    NORMALISATION,
    UsageError,
    check_file,
    debug_parent,
    guarded,
)


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    from . import common_parent

    p = subparsers.add_parser("predict", help=t("cli.predict.help"),
                              description=t("cli.predict.description"),
                              parents=[common_parent(), debug_parent()])
    p.add_argument("--checkpoint", required=True, help=t("cli.common.checkpoint.help"))
    p.add_argument("images", nargs="+", metavar="IMAGE", help=t("cli.predict.arg.images"))
    p.add_argument("--top", type=int, default=3, help=t("cli.predict.arg.top"))
    p.add_argument("--json", action="store_true", help=t("cli.common.json.help"))
    p.add_argument("--save-input", default=None, metavar="DIR",
                   help=t("cli.predict.arg.save_input"))
    return p


def run(args: argparse.Namespace) -> int:
    return guarded(args, lambda: _run(args))


class NotAnImageError(ValueError):
    """The file exists but is not an image Pillow can decode."""


def read_image(path: str | Path) -> np.ndarray:
    """The picture in ``path`` as a float32 grayscale array (0 = black, 255 = white).

    Transparent parts are laid on white first (a digit drawn on a transparent canvas).
    Raises :class:`NotAnImageError` for files that are not images."""
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError as e:  # pragma: no cover - Pillow is a declared dependency of [plot]
        raise RuntimeError(t("cli.predict.error.pillow")) from e
    try:
        with Image.open(path) as img:
            img.load()
            if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P"
                                                    and "transparency" in img.info):
                rgba = img.convert("RGBA")
                white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
                img = Image.alpha_composite(white, rgba)
            gray = img.convert("L")
            return np.asarray(gray, dtype=np.float32)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        if isinstance(e, FileNotFoundError):
            raise
        raise NotAnImageError(t("cli.predict.error.not_image", path=path,
                                msg=str(e) or type(e).__name__)) from None


def mnist_like(gray: np.ndarray) -> np.ndarray:
    """Turn a grayscale picture (0 black .. 255 white) into a 28×28 float32 array in [0, 1],
    white ink on black, as MNIST digits are."""
    from PIL import Image

    g = np.asarray(gray, dtype=np.float32)
    if g.ndim != 2 or g.size == 0:
        raise ValueError(f"expected a 2-D grayscale image, got shape {g.shape}")
    border = np.concatenate([g[0], g[-1], g[:, 0], g[:, -1]])
    if float(np.median(border)) > 127.5:  # dark ink on a light background
        g = 255.0 - g
        border = 255.0 - border
    g = np.clip(g - float(np.median(border)), 0.0, None)  # background to 0
    peak = float(g.max())
    if peak <= 0.0:
        return np.zeros((28, 28), np.float32)
    g /= peak
    ys, xs = np.nonzero(g > 0.1)  # the ink, ignoring faint noise
    g = g[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    h, w = g.shape
    scale = 20.0 / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    small = Image.fromarray(g.astype(np.float32)).resize((nw, nh),
                                                                   Image.Resampling.LANCZOS)
    box = np.clip(np.asarray(small, dtype=np.float32), 0.0, 1.0)
    total = float(box.sum())
    cy = float((box.sum(axis=1) * np.arange(nh)).sum() / total) if total else (nh - 1) / 2
    cx = float((box.sum(axis=0) * np.arange(nw)).sum() / total) if total else (nw - 1) / 2
    top = int(np.clip(round(13.5 - cy), 0, 28 - nh))
    left = int(np.clip(round(13.5 - cx), 0, 28 - nw))
    out = np.zeros((28, 28), np.float32)
    out[top:top + nh, left:left + nw] = box
    return out


def _run(args: argparse.Namespace) -> int:
    import shenjing as sj

    from ..train import load_model, resolve_checkpoint

    path = resolve_checkpoint(args.checkpoint)
    model, ckpt = load_model(path)
    settings = (ckpt.get("run") or {}).get("settings") or {}
    dataset = settings.get("dataset", "mnist")
    mean, std = NORMALISATION.get(dataset, NORMALISATION["mnist"])
    n_classes = int((ckpt["model"].get("config") or {}).get("num_classes", 10))
    if not 1 <= args.top <= n_classes:
        raise UsageError(t("cli.predict.error.top", n=n_classes, value=args.top))
    for image in args.images:
        check_file(image)
    names = _class_names(dataset, n_classes)
    results = []
    for image in args.images:
        x = mnist_like(read_image(image))
        if args.save_input:
            _save_input(x, Path(args.save_input), image)
        inp = sj.from_numpy(((x - mean) / std).astype(np.float32)[None, None])
        with sj.no_grad():
            logits = model(inp).numpy()[0].astype(np.float64)
        p = np.exp(logits - logits.max())
        p /= p.sum()
        order = np.argsort(-p, kind="stable")[:args.top]
        results.append({"file": image, "label": int(order[0]), "name": names[int(order[0])],
                        "top": [{"label": int(k), "name": names[int(k)],
                                 "probability": float(p[k])} for k in order]})
    if args.json:
        print(json.dumps({"checkpoint": str(path), "predictions": results}, ensure_ascii=False))
        return 0
    for r in results:
        probs = ", ".join(f"{e['label']}: {e['probability']:.3f}" for e in r["top"])
        label = str(r["label"]) if r["name"] == str(r["label"]) else f"{r['label']} {r['name']}"
        print(t("cli.predict.result", path=r["file"], label=label, probs=probs))
    return 0


def _class_names(dataset: str, n: int) -> list[str]:
    if dataset == "fashion-mnist" and n == 10:
        from ..data import FashionMNIST

        return [str(c) for c in FashionMNIST.class_names]
    return [str(i) for i in range(n)]


def _save_input(x: np.ndarray, folder: Path, image: str) -> None:
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    arr = np.clip(np.rint(x * 255.0), 0, 255).astype(np.uint8)
    Image.fromarray(arr).save(folder / (Path(image).stem + "-28x28.png"))

