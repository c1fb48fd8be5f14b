"""IDX reader and writer: round trips and every kind of malformed file."""

from __future__ import annotations

import gzip
import os
import struct
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shenjing.data.errors import IDXError
from shenjing.data.idx import read_idx, read_idx_with_sha256, write_idx

DTYPES = [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64]


def _sample(dtype: type, shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    info = np.iinfo(dtype) if np.issubdtype(dtype, np.integer) else None
    if info is not None:
        return rng.integers(info.min, info.max, size=shape, endpoint=True, dtype=dtype)
    return (rng.standard_normal(shape) * 1e3).astype(dtype)


def _header(code: int, dims: tuple[int, ...]) -> bytes:
    return bytes([0, 0, code, len(dims)]) + struct.pack(f">{len(dims)}I", *dims)


def _write(path: Path, data: bytes, compress: bool = False) -> Path:
    path.write_bytes(gzip.compress(data, mtime=0) if compress else data)
    return path


# -- round trips ---------------------------------------------------------------------------


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gzip"])
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_round_trip_each_dtype(tmp_path: Path, dtype: type, compress: bool) -> None:
    array = _sample(dtype, (3, 4, 5))
    path = write_idx(tmp_path / "a.idx", array, gzip=compress)
    assert (path.read_bytes()[:2] == b"\x1f\x8b") is compress
    back = read_idx(path)
    assert back.dtype == np.dtype(dtype)
    assert back.dtype.isnative
    assert back.shape == (3, 4, 5)
    np.testing.assert_array_equal(back, array)


@settings(max_examples=25, deadline=None)
@given(
    shape=st.lists(st.integers(0, 5), min_size=1, max_size=4).map(tuple),
    dtype=st.sampled_from(DTYPES),
    compress=st.booleans(),
)
def test_round_trip_any_shape(
    tmp_path_factory: pytest.TempPathFactory, shape: tuple[int, ...], dtype: type, compress: bool
) -> None:
    folder = tmp_path_factory.mktemp("rt")
    array = _sample(dtype, shape, seed=len(shape))
    back = read_idx(write_idx(folder / "x", array, gzip=compress))
    assert back.shape == shape and back.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(back, array)


def test_bytes_on_disk_are_big_endian_idx(tmp_path: Path) -> None:
    path = write_idx(tmp_path / "s", np.array([[1, -2]], dtype=np.int16))
    assert path.read_bytes() == bytes([0, 0, 0x0B, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0, 1, 0xFF, 0xFE])


def test_gzip_detected_by_magic_not_by_name(tmp_path: Path) -> None:
    array = np.arange(12, dtype=np.uint8).reshape(3, 4)
    raw = tmp_path / "looks-compressed.gz"
    write_idx(raw, array, gzip=False)
    packed = tmp_path / "looks-raw.idx"
    write_idx(packed, array, gzip=True)
    np.testing.assert_array_equal(read_idx(raw), array)
    np.testing.assert_array_equal(read_idx(packed), array)


def test_gzip_output_is_deterministic(tmp_path: Path) -> None:
    array = _sample(np.float32, (10, 10))
    a = write_idx(tmp_path / "a.gz", array, gzip=True).read_bytes()
    b = write_idx(tmp_path / "b.gz", array, gzip=True).read_bytes()
    assert a == b


def test_write_is_atomic_and_leaves_no_temp_files(tmp_path: Path) -> None:
    dest = tmp_path / "x.idx"
    write_idx(dest, np.zeros(4, np.uint8))
    write_idx(dest, np.ones(6, np.uint8))
    np.testing.assert_array_equal(read_idx(dest), np.ones(6, np.uint8))
    assert sorted(os.listdir(tmp_path)) == ["x.idx"]


def test_failed_write_keeps_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dest = write_idx(tmp_path / "x.idx", np.arange(5, dtype=np.uint8))
    before = dest.read_bytes()

    def boom(fd: int) -> None:
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(OSError, match="disk full"):
        write_idx(dest, np.zeros(100, np.uint8))
    assert dest.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["x.idx"]


def test_write_refuses_unsupported_arrays(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="int64"):
        write_idx(tmp_path / "a", np.zeros(3, np.int64))
    with pytest.raises(ValueError, match="1 to 255 dimensions, got 0"):
        write_idx(tmp_path / "a", np.array(3, np.uint8))
    assert not (tmp_path / "a").exists()


def test_sha256_is_of_decompressed_content(tmp_path: Path) -> None:
    import hashlib

    array = _sample(np.int32, (7, 3))
    raw = write_idx(tmp_path / "r", array)
    packed = write_idx(tmp_path / "p", array, gzip=True)
    expected = hashlib.sha256(raw.read_bytes()).hexdigest()
    assert read_idx_with_sha256(raw)[1] == expected
    assert read_idx_with_sha256(packed)[1] == expected


# -- malformed files -----------------------------------------------------------------------


def _error(path: Path, **kwargs: int | None) -> IDXError:
    with pytest.raises(IDXError) as info:
        read_idx(path, **kwargs)  # type: ignore[arg-type]
    err = info.value
    assert isinstance(err, ValueError)
    assert str(path) in str(err) and err.path == str(path)
    assert "expected" in str(err) and "got" in str(err)
    return err


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gzip"])
class TestMalformed:
    def test_empty_file(self, tmp_path: Path, compress: bool) -> None:
        err = _error(_write(tmp_path / "e", b"", compress))
        assert err.field in {"file size", "header (magic number)"}

    def test_three_bytes(self, tmp_path: Path, compress: bool) -> None:
        err = _error(_write(tmp_path / "t", b"\x00\x00\x08", compress))
        assert err.field == "header (magic number)"
        assert err.expected == "4 bytes" and err.actual == "3 bytes"

    def test_bad_magic(self, tmp_path: Path, compress: bool) -> None:
        err = _error(_write(tmp_path / "m", b"PK\x03\x04" + bytes(20), compress))
        assert err.field == "magic number"
        assert "50 4b" in str(err)

    def test_bad_type_code(self, tmp_path: Path, compress: bool) -> None:
        err = _error(_write(tmp_path / "c", _header(0x0A, (2,)) + bytes(2), compress))
        assert err.field == "magic type code" and err.actual == "0x0A"
        assert "0x08 (uint8)" in str(err)

    def test_zero_dimensions(self, tmp_path: Path, compress: bool) -> None:
        err = _error(_write(tmp_path / "z", bytes([0, 0, 8, 0, 1, 2, 3]), compress))
        assert err.field == "number of dimensions" and err.actual == 0

    def test_header_cut_inside_dimensions(self, tmp_path: Path, compress: bool) -> None:
        # ndim byte says 3 dimensions, but only one size follows
        err = _error(_write(tmp_path / "d", bytes([0, 0, 8, 3, 0, 0, 0, 5]), compress))
        assert err.field.startswith("header (3 dimension sizes)")
        assert err.expected == "12 bytes" and err.actual == "4 bytes"

    def test_short_payload(self, tmp_path: Path, compress: bool) -> None:
        err = _error(_write(tmp_path / "s", _header(0x0C, (2, 3)) + bytes(23), compress))
        assert err.field == "payload length"
        assert "24 bytes (2 x 3 items x 4 bytes)" in str(err) and "23 bytes" in str(err)

    def test_long_payload(self, tmp_path: Path, compress: bool) -> None:
        err = _error(_write(tmp_path / "l", _header(0x08, (2, 3)) + bytes(9), compress))
        assert err.field == "payload length"
        assert "longer than the header declares" in str(err)
        assert ("3 extra bytes" if compress else "got 9 bytes") in str(err)

    def test_declared_size_over_limit(self, tmp_path: Path, compress: bool) -> None:
        path = _write(tmp_path / "big", _header(0x0E, (1000, 1000)) + bytes(16), compress)
        err = _error(path, max_bytes=1_000_000)
        assert err.field == "declared payload size"
        assert "8000000 bytes" in str(err) and "1000000" in str(err)


def test_gzip_garbage(tmp_path: Path) -> None:
    err = _error(_write(tmp_path / "g", b"\x1f\x8b" + b"this is not deflate data" * 10))
    assert err.field == "gzip stream"


def test_truncated_gzip(tmp_path: Path) -> None:
    good = write_idx(tmp_path / "ok", _sample(np.uint8, (50, 50)), gzip=True).read_bytes()
    err = _error(_write(tmp_path / "cut", good[: len(good) // 2]))
    assert err.field == "gzip stream"


def test_gzip_with_corrupt_crc(tmp_path: Path) -> None:
    good = bytearray(write_idx(tmp_path / "ok", np.arange(100, dtype=np.uint8), gzip=True)
                     .read_bytes())
    good[-8] ^= 0xFF  # CRC32 of the trailer
    err = _error(_write(tmp_path / "crc", bytes(good)))
    assert err.field in {"gzip stream", "payload length"}


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gzip"])
def test_absurd_header_refused_before_allocation(tmp_path: Path, compress: bool) -> None:
    # 60000 x 28 x 28 float64 = 376 MB declared, a few bytes present; below the default limit.
    path = _write(tmp_path / "bomb", _header(0x0E, (60000, 28, 28)) + bytes(64), compress)
    tracemalloc.start()
    try:
        with pytest.raises(IDXError) as info:
            read_idx(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20, f"peak traced allocation {peak} bytes"
    assert info.value.field in {"payload length", "declared payload size"}
    assert "376320000 bytes" in str(info.value)


def test_absurd_header_over_default_limit(tmp_path: Path) -> None:
    path = _write(tmp_path / "huge", _header(0x0E, (2**32 - 1, 2**32 - 1, 2**32 - 1)), True)
    err = _error(path)
    assert err.field == "declared payload size" and "the limit" in str(err)


def test_errors_survive_python_O(tmp_path: Path) -> None:
    import subprocess
    import sys

    bad = _write(tmp_path / "bad", _header(0x08, (5,)) + bytes(2))
    src = Path(__file__).resolve().parents[2] / "src"
    code = (
        "import sys\nfrom shenjing.data.idx import read_idx\nfrom shenjing.data.errors import "
        "IDXError\ntry:\n    read_idx(sys.argv[1])\nexcept IDXError as e:\n    print('IDXError', e)"
    )
    env = dict(os.environ, PYTHONPATH=str(src))
    out = subprocess.run([sys.executable, "-O", "-c", code, str(bad)], capture_output=True,
                         text=True, env=env, timeout=60)
    assert out.stdout.startswith("IDXError"), out.stdout + out.stderr
    assert "payload length" in out.stdout
