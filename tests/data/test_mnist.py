"""MNIST and Fashion-MNIST: where files are found, what is checked, the bundled sample."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from shenjing.data import mnist as mnist_module
from shenjing.data.errors import DownloadError, IDXError
from shenjing.data.idx import write_idx
from shenjing.data.mnist import MNIST, SAMPLE_DIR, FashionMNIST

REAL_MNIST = Path("/work/shared/data/mnist")
FASHION_SYSTEM = Path("/usr/share/datasets/fashion-mnist")

# Label counts from /work/shared/data/mnist/README.md
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]

needs_mnist = pytest.mark.skipif(not (REAL_MNIST / "SHA256SUMS").is_file(),
                                 reason="real MNIST not in /work/shared/data/mnist")
needs_fashion = pytest.mark.skipif(not FASHION_SYSTEM.is_dir(),
                                   reason="Debian package dataset-fashion-mnist not installed")


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir()}


def _tiny_set(folder: Path, n_images: int = 5, n_labels: int = 5, top: int = 9,
              prefix: str = "train") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    write_idx(folder / f"{prefix}-images-idx3-ubyte.gz",
              rng.integers(0, 256, (n_images, 28, 28), dtype=np.uint8), gzip=True)
    labels = (np.arange(n_labels) % 10).astype(np.uint8)
    if n_labels:
        labels[-1] = top
    write_idx(folder / f"{prefix}-labels-idx1-ubyte", labels)
    return folder


# -- the real data -------------------------------------------------------------------------


@needs_mnist
def test_mnist_from_shenjing_data(monkeypatch: pytest.MonkeyPatch, isolated_env: Path) -> None:
    monkeypatch.setenv("SHENJING_DATA", str(REAL_MNIST.parent))
    before = _snapshot(REAL_MNIST)
    train = MNIST(train=True)
    test = MNIST(train=False)
    assert len(train) == 60000 and len(test) == 10000
    assert train.data.shape == (60000, 28, 28) and train.data.dtype == np.uint8
    assert train.targets.dtype == np.int64
    assert np.bincount(train.targets, minlength=10).tolist() == TRAIN_COUNTS
    assert np.bincount(test.targets, minlength=10).tolist() == TEST_COUNTS
    assert train.source == f"SHENJING_DATA: {REAL_MNIST}"
    assert not train.is_sample
    image, label = train[0]
    assert image.shape == (28, 28) and image.dtype == np.uint8 and label == 5
    assert isinstance(label, int)
    assert _snapshot(REAL_MNIST) == before  # read-only use
    assert not isolated_env.exists()  # nothing was cached


@needs_mnist
def test_mnist_explicit_root_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SHENJING_DATA", str(tmp_path / "elsewhere"))
    direct = MNIST(root=REAL_MNIST, train=False)  # files directly in root
    nested = MNIST(root=REAL_MNIST.parent, train=False)  # files in root/mnist/
    assert direct.source == f"root: {REAL_MNIST}"
    assert nested.source == f"root: {REAL_MNIST}"
    assert len(direct) == len(nested) == 10000


@needs_fashion
def test_fashion_mnist_from_system_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mnist_module, "SYSTEM_DIRS", [FASHION_SYSTEM.parent])
    test = FashionMNIST(train=False, download=False)
    assert len(test) == 10000
    assert np.bincount(test.targets, minlength=10).tolist() == [1000] * 10
    assert test.source == f"system: {FASHION_SYSTEM}"
    assert test.classes[9] == "Ankle boot" and len(test.classes) == 10


def test_fashion_mnist_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(FileNotFoundError, match="Fashion-MNIST test files"):
        FashionMNIST(train=False, download=False)
    with pytest.raises(DownloadError, match="no download mirrors are configured"):
        FashionMNIST(train=False, download=True)
    with pytest.raises(ValueError, match="no bundled sample"):
        FashionMNIST(sample=True)


# -- the bundled sample --------------------------------------------------------------------


def test_sample_is_small_and_class_balanced() -> None:
    total = sum(p.stat().st_size for p in SAMPLE_DIR.iterdir())
    assert total <= 3 * 1024 * 1024
    train = MNIST(sample=True)
    test = MNIST(train=False, sample=True)
    assert train.is_sample and test.is_sample
    assert len(train) == 6000 and len(test) == 1000
    assert np.bincount(train.targets, minlength=10).tolist() == [600] * 10
    assert np.bincount(test.targets, minlength=10).tolist() == [100] * 10
    assert train.data.shape == (6000, 28, 28) and train.data.dtype == np.uint8
    assert train.source.startswith("bundled sample")


@needs_mnist
def test_sample_images_are_real_mnist() -> None:
    real = MNIST(root=REAL_MNIST, train=False)
    pairs = {img.tobytes(): lbl for img, lbl in zip(real.data, real.targets.tolist())}
    sample = MNIST(train=False, sample=True)
    for img, lbl in zip(sample.data, sample.targets.tolist()):
        assert pairs[img.tobytes()] == lbl


def test_falls_back_to_sample_with_notice(capsys: pytest.CaptureFixture[str]) -> None:
    # the autouse fixture leaves no local copy and an empty mirror list
    ds = MNIST(train=False)
    assert ds.is_sample and len(ds) == 1000
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "bundled sample" in err[0] and "SHENJING_DATA" in err[0] and "download" in err[0]


def test_falls_back_to_sample_without_download(capsys: pytest.CaptureFixture[str]) -> None:
    ds = MNIST(train=True, download=False)
    assert ds.is_sample and len(ds) == 6000
    assert "SHENJING_DATA" in capsys.readouterr().err


# -- downloads (against a local server) ----------------------------------------------------


@pytest.fixture
def mnist_server(http_server: Any) -> Any:
    if not REAL_MNIST.is_dir():
        pytest.skip("real MNIST not in /work/shared/data/mnist")
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        http_server.add(f"/good/{name}", (REAL_MNIST / name).read_bytes())
    return http_server


def test_download_into_cache_then_reuse(mnist_server: Any, isolated_env: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    mirrors = [mnist_server.url + "/missing/", mnist_server.url + "/good/"]
    ds = MNIST(train=False, mirrors=mirrors, progress=False)
    folder = isolated_env / "shenjing" / "mnist"
    assert ds.source == f"downloaded: {folder}" and len(ds) == 10000
    assert sorted(os.listdir(folder)) == ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    assert np.bincount(ds.targets, minlength=10).tolist() == TEST_COUNTS
    again = MNIST(train=False, mirrors=mirrors)
    assert again.source == f"cache: {folder}"
    assert mnist_server.routes["/good/t10k-images-idx3-ubyte.gz"].hits == 1
    assert "bundled sample" not in capsys.readouterr().err


def test_mirrors_from_environment(mnist_server: Any, monkeypatch: pytest.MonkeyPatch,
                                  tmp_path: Path) -> None:
    env = f"{mnist_server.url}/nope/, {mnist_server.url}/good/"
    monkeypatch.setenv("SHENJING_MNIST_MIRRORS", env)
    ds = MNIST(root=tmp_path / "r", train=False, progress=False)
    assert ds.source == f"downloaded: {tmp_path / 'r' / 'mnist'}"  # a download goes to root
    assert not ds.is_sample


def test_truncated_cache_file_is_detected_and_fetched_again(mnist_server: Any,
                                                             isolated_env: Path) -> None:
    mirrors = [mnist_server.url + "/good/"]
    MNIST(train=False, mirrors=mirrors, progress=False)
    cached = isolated_env / "shenjing" / "mnist" / "t10k-images-idx3-ubyte.gz"
    data = cached.read_bytes()
    cached.write_bytes(data[: len(data) // 3])
    with pytest.warns(UserWarning, match="skipping cache copy of MNIST"):
        ds = MNIST(train=False, mirrors=mirrors, progress=False)
    assert ds.source.startswith("downloaded:") and len(ds) == 10000
    assert cached.read_bytes() == data
    assert mnist_server.routes["/good/t10k-images-idx3-ubyte.gz"].hits == 2
    assert mnist_server.routes["/good/t10k-labels-idx1-ubyte.gz"].hits == 1  # good one kept


def test_failed_download_falls_back_to_sample(http_server: Any,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    ds = MNIST(train=False, mirrors=[http_server.url + "/nothing-here/"], progress=False)
    assert ds.is_sample
    err = capsys.readouterr().err
    assert "download failed" in err and "HTTP 404" in err


# -- checks of the files -------------------------------------------------------------------


def test_count_mismatch(tmp_path: Path) -> None:
    root = _tiny_set(tmp_path / "d", n_images=5, n_labels=4)
    with pytest.raises(IDXError) as info:
        MNIST(root=root, verify=False)
    err = info.value
    assert err.path == str(root / "train-labels-idx1-ubyte")
    assert err.field == "number of labels" and err.actual == 4
    assert "5 (the number of images in" in str(err)


def test_label_out_of_range(tmp_path: Path) -> None:
    root = _tiny_set(tmp_path / "d", top=12)
    with pytest.raises(IDXError, match=r"label value: expected 0 to 9, got 12 at index 4") as info:
        MNIST(root=root, verify=False)
    assert info.value.path.endswith("train-labels-idx1-ubyte")


def test_wrong_image_shape_and_ndim(tmp_path: Path) -> None:
    root = tmp_path / "d"
    root.mkdir()
    write_idx(root / "train-images-idx3-ubyte", np.zeros((5, 784), np.uint8))
    write_idx(root / "train-labels-idx1-ubyte", np.zeros(5, np.uint8))
    with pytest.raises(IDXError, match="image shape: expected count x 28 x 28") as info:
        MNIST(root=root, verify=False)
    assert "5 x 784 (2 dimensions)" in str(info.value)
    write_idx(root / "train-images-idx3-ubyte", np.zeros((5, 28, 28), np.uint8))
    write_idx(root / "train-labels-idx1-ubyte", np.zeros((5, 1), np.uint8))
    with pytest.raises(IDXError, match="number of dimensions: expected 1, got 2"):
        MNIST(root=root, verify=False)


def test_malformed_idx_in_root_names_the_file(tmp_path: Path) -> None:
    root = _tiny_set(tmp_path / "d")
    (root / "train-images-idx3-ubyte.gz").write_bytes(b"\x1f\x8b not gzip at all")
    with pytest.raises(IDXError, match="gzip stream") as info:
        MNIST(root=root, verify=False)
    assert info.value.path == str(root / "train-images-idx3-ubyte.gz")


def test_unofficial_files_are_skipped_when_verifying(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    root = _tiny_set(tmp_path / "d")
    with pytest.warns(UserWarning, match="SHA-256 of the content"):
        ds = MNIST(root=root)
    assert ds.is_sample  # nothing else available in the test environment
    own = MNIST(root=root, verify=False)
    assert len(own) == 5 and own.source == f"root: {root}"


# -- the data-set protocol -----------------------------------------------------------------


def test_getitem_transforms_and_errors() -> None:
    ds = MNIST(train=False, sample=True, transform=lambda im: im.astype(np.float32) / 255,
               target_transform=lambda y: y + 100)
    image, label = ds[-1]
    assert image.dtype == np.float32 and image.max() <= 1.0
    assert label == int(ds.targets[-1]) + 100
    assert ds[np.int64(3)][1] == int(ds.targets[3]) + 100
    plain = MNIST(train=False, sample=True)
    img, _ = plain[0]
    img[:] = 7  # a copy: the data set is not changed
    assert not np.all(plain.data[0] == 7)
    with pytest.raises(IndexError, match="index 1000 out of range for 1000 items"):
        plain[1000]
    with pytest.raises(TypeError, match="must be an integer, got str"):
        plain["0"]  # type: ignore[index]
    assert plain.classes[3] == "3 - three" and len(plain.classes) == 10
    assert "MNIST(split='test', size=1000" in repr(plain)


@needs_mnist
def test_sample_script_reproduces_the_bundled_files(tmp_path: Path) -> None:
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, str(repo / "scripts" / "make_mnist_sample.py"),
         "--source", str(REAL_MNIST), "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=120,
        env=dict(os.environ, PYTHONPATH=str(repo / "src")),
    )
    assert out.returncode == 0, out.stderr
    for path in SAMPLE_DIR.iterdir():
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name
