"""Make the small MNIST sample bundled with shenjing (src/shenjing/data/assets/mnist-sample/).

The sample is taken from the real MNIST files: for each digit, a fixed number of training and
test images chosen by a seeded random generator, kept in their original order.  Output is
gzipped IDX written with a zero time stamp and no file name, so running the script again on the
same MNIST files gives byte-identical output.

Usage:
    PYTHONPATH=src python scripts/make_mnist_sample.py [--source DIR] [--out DIR]

``--source`` defaults to ``$SHENJING_DATA/mnist`` or ``/work/shared/data/mnist``.  The source
files are checked against the known SHA-256 sums of real MNIST before anything is written.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

from shenjing.data.idx import read_idx_with_sha256, write_idx  # noqa: E402
from shenjing.data.mnist import MNIST  # noqa: E402

SEED = 20240601
PER_CLASS = {"train": 600, "t10k": 100}

README = """\
# MNIST sample bundled with shenjing

A small, class-balanced subset of the MNIST database of handwritten digits, shipped so that the
examples run without network access. It is *not* the full data set: set `SHENJING_DATA` to a
folder holding `mnist/`, or let `shenjing.data.MNIST(download=True)` fetch the full files.

Source: the MNIST database of handwritten digits by Yann LeCun, Corinna Cortes and
Christopher J. C. Burges. License: Creative Commons Attribution-Share Alike 3.0 (CC BY-SA 3.0);
this subset is distributed under the same license.

Made by `scripts/make_mnist_sample.py` (seed {seed}): for each digit {train} training and {test}
test images, chosen at random and kept in their original order.

| file | images |
| --- | --- |
| `train-images-idx3-ubyte.gz`, `train-labels-idx1-ubyte.gz` | {ntrain} |
| `t10k-images-idx3-ubyte.gz`, `t10k-labels-idx1-ubyte.gz` | {ntest} |

SHA-256 of the uncompressed files:

```
{sums}
```
"""


def _find(folder: Path, name: str) -> Path:
    for candidate in (folder / f"{name}.gz", folder / name):
        if candidate.is_file():
            return candidate
    raise SystemExit(f"error: {folder} holds neither {name}.gz nor {name}")


def _load(folder: Path, name: str) -> np.ndarray:
    path = _find(folder, name)
    array, digest = read_idx_with_sha256(path)
    expected = MNIST.sha256[name]
    if digest != expected:
        raise SystemExit(f"error: {path} is not real MNIST: SHA-256 {digest}, expected {expected}")
    return array


def main(argv: list[str] | None = None) -> int:
    default_source = Path(os.environ.get("SHENJING_DATA", "/work/shared/data")) / "mnist"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=default_source)
    parser.add_argument("--out", type=Path, default=ROOT / "src/shenjing/data/assets/mnist-sample")
    args = parser.parse_args(argv)

    rng = np.random.default_rng(SEED)
    args.out.mkdir(parents=True, exist_ok=True)
    sums: list[str] = []
    counts: dict[str, int] = {}
    for split, per_class in PER_CLASS.items():
        images = _load(args.source, f"{split}-images-idx3-ubyte")
        labels = _load(args.source, f"{split}-labels-idx1-ubyte")
        chosen = np.sort(np.concatenate([
            rng.choice(np.flatnonzero(labels == digit), size=per_class, replace=False)
            for digit in range(10)
        ]))
        counts[split] = len(chosen)
        for name, array in ((f"{split}-images-idx3-ubyte", images[chosen]),
                            (f"{split}-labels-idx1-ubyte", labels[chosen])):
            path = write_idx(args.out / f"{name}.gz", array, gzip=True, compresslevel=9)
            _, digest = read_idx_with_sha256(path)
            sums.append(f"{digest}  {name}")
            print(f"wrote {path} ({path.stat().st_size} bytes, {len(array)} items)")
    text = README.format(seed=SEED, train=PER_CLASS["train"], test=PER_CLASS["t10k"],
                         ntrain=counts["train"], ntest=counts["t10k"], sums="\n".join(sums))
    (args.out / "README.md").write_text(text, encoding="utf-8")
    total = sum(p.stat().st_size for p in args.out.iterdir())
    print(f"sample total {total} bytes in {args.out}")
    digest = hashlib.sha256(
        b"".join((args.out / f).read_bytes() for f in sorted(os.listdir(args.out)))
    ).hexdigest()
    print(f"fingerprint of the folder: {digest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
