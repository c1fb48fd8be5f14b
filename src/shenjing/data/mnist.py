"""MNIST and Fashion-MNIST as data sets of (image, label) pairs.

Where the files are looked for, in order (the first place whose files pass the checks wins):

1. ``root``, if given: the files directly in it, or in ``root/<name>/``;
2. ``$SHENJING_DATA/<name>/`` (several folders may be joined with ``os.pathsep``);
3. the user cache ``$XDG_CACHE_HOME/shenjing/<name>/`` (default ``~/.cache/shenjing/<name>/``);
4. known system folders, ``/usr/share/datasets/<name>/`` (Debian's ``dataset-fashion-mnist``)
   and ``/usr/local/share/datasets/<name>/``;
5. a download from the public mirrors into ``root/<name>/`` (or the cache when no ``root``);
6. for MNIST only: the small real sample shipped inside the package, with a one-line notice on
   stderr saying how to get the full set.

``<name>`` is ``mnist`` or ``fashion-mnist``.  Each file may be gzip-compressed (``name.gz``)
or raw (``name``).  Unless ``verify=False``, every file is checked against the SHA-256 of the
official (decompressed) content; a copy that fails is skipped with a warning.  Structural
problems -- wrong shape or type, image and label counts that disagree, labels outside 0-9 --
raise :class:`~shenjing.data.errors.IDXError` naming the file.
"""

from __future__ import annotations

import os
import re
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from .download import download_file
from .errors import DownloadError, IDXError
from .idx import read_idx, read_idx_with_sha256

__all__ = [
    "MNIST",
    "FashionMNIST",
    "MNIST_MIRRORS",
    "FASHION_MNIST_MIRRORS",
    "SYSTEM_DIRS",
    "SAMPLE_DIR",
    "cache_dir",
]

#: Base URLs tried in order for MNIST; ``$SHENJING_MNIST_MIRRORS`` overrides them.
MNIST_MIRRORS: list[str] = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
]
#: Base URLs tried in order for Fashion-MNIST; ``$SHENJING_FASHION_MNIST_MIRRORS`` overrides them.
FASHION_MNIST_MIRRORS: list[str] = [
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
]
#: System folders that may hold ``<name>/`` with the files (Debian packages put them here).
SYSTEM_DIRS: list[Path] = [Path("/usr/share/datasets"), Path("/usr/local/share/datasets")]
#: The MNIST sample shipped with the package.
SAMPLE_DIR: Path = Path(__file__).resolve().parent / "assets" / "mnist-sample"


def cache_dir() -> Path:
    """The user cache folder of shenjing: ``$XDG_CACHE_HOME/shenjing`` or ``~/.cache/shenjing``."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "shenjing"


def _split_list(text: str) -> list[str]:
    return [item for item in re.split(r"[\s,]+", text) if item]


class _IDXImageDataset:
    """Common code of MNIST-like data sets: 28 x 28 uint8 images with labels 0-9."""

    name: ClassVar[str]
    title: ClassVar[str]
    #: SHA-256 of the official uncompressed files, by file name.
    sha256: ClassVar[dict[str, str]]
    class_names: ClassVar[tuple[str, ...]]
    mirrors_env: ClassVar[str]
    default_mirrors: ClassVar[list[str]]
    sample_dir: ClassVar[Path | None] = None

    source: str
    data: np.ndarray
    targets: np.ndarray
    files: tuple[Path, Path]

    def __init__(
        self,
        root: str | os.PathLike[str] | None = None,
        train: bool = True,
        transform: Callable[[np.ndarray], Any] | None = None,
        target_transform: Callable[[int], Any] | None = None,
        download: bool = True,
        *,
        sample: bool = False,
        mirrors: Sequence[str] | None = None,
        verify: bool = True,
        progress: bool | None = None,
    ) -> None:
        self.root = None if root is None else Path(root).expanduser()
        self.train = bool(train)
        self.split = "train" if self.train else "test"
        self.transform = transform
        self.target_transform = target_transform
        self.classes: list[str] = list(self.class_names)
        self.is_sample = False
        prefix = "train" if self.train else "t10k"
        self._names = (f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte")

        if sample:
            self._use_sample(notice=None)
            return
        if self._search(verify):
            return
        reason = "not found"
        if download:
            urls = self._mirrors(mirrors)
            try:
                self._download(urls, verify, progress)
                return
            except (DownloadError, IDXError, OSError) as exc:
                if self.sample_dir is None:
                    tried = exc.attempts if isinstance(exc, DownloadError) else [str(exc)]
                    raise DownloadError(
                        self._download_dir(),
                        [f"no local copy in {self._searched()}",
                         *(tried or ["no download mirrors are configured"]),
                         self._how_to_get(download)],
                    ) from exc
                reason = f"not found locally and the download failed ({_short_reason(exc)})"
        if self.sample_dir is None:
            raise FileNotFoundError(
                f"{self.title} {self.split} files {self._names[0]}[.gz] and {self._names[1]}[.gz] "
                f"not found in {self._searched()}; {self._how_to_get(download)}"
            )
        how = "let it download (download=True, with network access)"
        self._use_sample(
            notice=f"shenjing: {self.title} {reason}; using the bundled sample of "
            f"{{n}} {self.split} images. For the full set, set SHENJING_DATA to a folder that "
            f"holds {self.name}/ or {how}."
        )

    def _how_to_get(self, download: bool) -> str:
        text = f"set SHENJING_DATA to a folder that holds {self.name}/, or " + (
            "check the network access and the mirror list" if download else "pass download=True"
        )
        if self.name == "fashion-mnist":
            text += ", or install the Debian package dataset-fashion-mnist"
        return text

    # -- finding the files ------------------------------------------------------------------

    def _locations(self) -> list[tuple[str, Path]]:
        places: list[tuple[str, Path]] = []
        if self.root is not None:
            places += [("root", self.root), ("root", self.root / self.name)]
        for folder in os.environ.get("SHENJING_DATA", "").split(os.pathsep):
            if folder:
                places.append(("SHENJING_DATA", Path(folder).expanduser() / self.name))
        places.append(("cache", cache_dir() / self.name))
        places += [("system", folder / self.name) for folder in SYSTEM_DIRS]
        return places

    def _searched(self) -> str:
        return ", ".join(str(folder) for _, folder in self._locations())

    @staticmethod
    def _find(folder: Path, name: str) -> Path | None:
        for candidate in (folder / f"{name}.gz", folder / name):
            if candidate.is_file():
                return candidate
        return None

    def _search(self, verify: bool) -> bool:
        for kind, folder in self._locations():
            paths = [self._find(folder, name) for name in self._names]
            if paths[0] is None or paths[1] is None:
                continue
            try:
                self._load(paths[0], paths[1], verify)
            except (IDXError, OSError) as exc:  # malformed, not official, or unreadable
                if not verify:
                    raise
                warnings.warn(f"skipping {kind} copy of {self.title}: {exc}", stacklevel=3)
                continue
            self.source = f"{kind}: {folder}"
            return True
        return False

    def _mirrors(self, mirrors: Sequence[str] | None) -> list[str]:
        if mirrors is not None:
            return [mirrors] if isinstance(mirrors, str) else list(mirrors)
        env = os.environ.get(self.mirrors_env)
        if env is not None:
            return _split_list(env)
        return list(self.default_mirrors)

    def _download_dir(self) -> Path:
        return (self.root if self.root is not None else cache_dir()) / self.name

    def _download(self, mirrors: list[str], verify: bool, progress: bool | None) -> None:
        if not mirrors:
            raise DownloadError(self._download_dir(), [])
        folder = self._download_dir()
        paths = []
        for name in self._names:
            urls = [base.rstrip("/") + f"/{name}.gz" for base in mirrors]
            paths.append(download_file(urls, folder / f"{name}.gz", sha256=self.sha256[name],
                                       progress=progress))
        self._load(paths[0], paths[1], verify)
        self.source = f"downloaded: {folder}"

    def _use_sample(self, notice: str | None) -> None:
        if self.sample_dir is None:
            raise ValueError(f"{self.title} has no bundled sample; drop sample=True")
        paths = [self.sample_dir / f"{name}.gz" for name in self._names]
        for path in paths:
            if not path.is_file():
                raise FileNotFoundError(
                    f"the bundled {self.title} sample file {path} is missing; reinstall shenjing"
                )
        self._load(paths[0], paths[1], verify=False)
        self.is_sample = True
        self.source = f"bundled sample: {self.sample_dir}"
        if notice is not None:
            print(notice.format(n=len(self.targets)), file=sys.stderr)

    # -- reading and checking -----------------------------------------------------------------

    def _read(self, path: Path, verify: bool) -> np.ndarray:
        if not verify:
            return read_idx(path)
        array, digest = read_idx_with_sha256(path)
        name = path.name.removesuffix(".gz")
        expected = self.sha256[name]
        if digest != expected:
            raise IDXError(path, "SHA-256 of the content", expected, digest,
                           f"not the official {self.title} file; pass verify=False to use it")
        return array

    def _load(self, image_path: Path, label_path: Path, verify: bool) -> None:
        images = self._read(image_path, verify)
        labels = self._read(label_path, verify)
        if images.dtype != np.uint8:
            raise IDXError(image_path, "item type", "uint8 (type code 0x08)", str(images.dtype))
        if images.ndim != 3 or images.shape[1:] != (28, 28):
            raise IDXError(image_path, "image shape", "count x 28 x 28 (3 dimensions)",
                           " x ".join(map(str, images.shape)) + f" ({images.ndim} dimensions)")
        if labels.dtype != np.uint8:
            raise IDXError(label_path, "item type", "uint8 (type code 0x08)", str(labels.dtype))
        if labels.ndim != 1:
            raise IDXError(label_path, "number of dimensions", 1,
                           f"{labels.ndim} (shape {' x '.join(map(str, labels.shape))})")
        if len(labels) != len(images):
            raise IDXError(label_path, "number of labels",
                           f"{len(images)} (the number of images in {image_path})", len(labels))
        if len(labels) and int(labels.max()) > 9:
            where = int(np.argmax(labels > 9))
            raise IDXError(label_path, "label value", "0 to 9",
                           f"{int(labels[where])} at index {where}")
        self.data = images
        self.targets = labels.astype(np.int64)
        self.files = (image_path, label_path)

    # -- the data-set protocol ----------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        if not isinstance(index, int | np.integer) or isinstance(index, bool):
            raise TypeError(
                f"{type(self).__name__} index must be an integer, got {type(index).__name__}"
            )
        n = len(self.targets)
        i = int(index)
        if not -n <= i < n:
            raise IndexError(f"{type(self).__name__} index {i} out of range for {n} items")
        image: Any = self.data[i].copy()
        label: Any = int(self.targets[i])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            label = self.target_transform(label)
        return image, label

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(split={self.split!r}, size={len(self)}, "
                f"source={self.source!r})")


def _short_reason(exc: BaseException) -> str:
    """A short, one-line account of why a download failed, for the fallback notice."""
    if isinstance(exc, DownloadError):
        text = exc.attempts[-1] if exc.attempts else "no download mirrors are configured"
    else:
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


class MNIST(_IDXImageDataset):
    """The MNIST handwritten digits: 60000 training and 10000 test images, 28 x 28 uint8.

    Args:
        root: folder to look in first (the files directly in it or in ``root/mnist/``); also
            where a download goes (``root/mnist/``).  ``None``: download into the user cache.
        train: the training split (``True``) or the test split (``False``).
        transform: applied to each image (a 28 x 28 uint8 array) by ``__getitem__``.
        target_transform: applied to each label (an ``int``) by ``__getitem__``.
        download: fetch the files from the mirrors when no local copy is found.
        sample: use the small sample shipped with the package, without searching.
        mirrors: base URLs to download from (default ``$SHENJING_MNIST_MIRRORS``, whitespace-
            or comma-separated, else ``MNIST_MIRRORS``).
        verify: check each file against the SHA-256 of the official content.
        progress: show a download progress bar (``None``: only on a terminal).

    Attributes:
        data: uint8 array of shape (N, 28, 28).
        targets: int64 array of shape (N,).
        classes: class names, index = label.
        source: where the files came from, e.g. ``"SHENJING_DATA: /data/mnist"``.
        is_sample: whether this is the bundled sample rather than the full set.
        files: the image and label files read.

    Raises:
        IDXError: a file is malformed (``verify=False``), or the bundled sample is.
    """

    name = "mnist"
    title = "MNIST"
    sha256 = {
        "train-images-idx3-ubyte":
            "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "train-labels-idx1-ubyte":
            "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        "t10k-images-idx3-ubyte":
            "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "t10k-labels-idx1-ubyte":
            "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    }
    class_names = ("0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
                   "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine")
    mirrors_env = "SHENJING_MNIST_MIRRORS"
    default_mirrors = MNIST_MIRRORS
    sample_dir = SAMPLE_DIR


class FashionMNIST(_IDXImageDataset):
    """Zalando's Fashion-MNIST: 60000 training and 10000 test images of clothing, 28 x 28 uint8.

    Same arguments and attributes as :class:`MNIST`; the folder name is ``fashion-mnist``, the
    mirror variable ``$SHENJING_FASHION_MNIST_MIRRORS``.  There is no bundled sample: with no
    local copy and no download, construction raises :class:`FileNotFoundError` (``download=
    False``) or :class:`~shenjing.data.errors.DownloadError`.
    """

    name = "fashion-mnist"
    title = "Fashion-MNIST"
    sha256 = {
        "train-images-idx3-ubyte":
            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        "train-labels-idx1-ubyte":
            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        "t10k-images-idx3-ubyte":
            "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        "t10k-labels-idx1-ubyte":
            "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    }
    class_names = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
    mirrors_env = "SHENJING_FASHION_MNIST_MIRRORS"
    default_mirrors = FASHION_MNIST_MIRRORS
    sample_dir = None
