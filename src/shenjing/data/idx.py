"""Read and write the IDX file format (the format of MNIST and Fashion-MNIST).

An IDX file is big-endian::

    byte 0-1   zero
    byte 2     type code: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64
    byte 3     number of dimensions n (1..255)
    n x uint32 size of each dimension
    payload    prod(sizes) items of the type, row-major (C order)

Files may be gzip-compressed; compression is detected from the magic bytes ``1f 8b``, never from
the file name.  Every check is an explicit ``if`` (it still runs under ``python -O``) and every
failure raises :class:`~shenjing.data.errors.IDXError`, naming the file, the field, and the
expected and actual values.  A header that declares more data than the file can hold is refused
before the payload buffer is allocated.
"""

from __future__ import annotations

import gzip as _gzip
import hashlib
import math
import os
import secrets
import zlib
from pathlib import Path
from typing import IO

import numpy as np

from .errors import IDXError

__all__ = ["read_idx", "write_idx", "IDXError", "DEFAULT_MAX_BYTES", "IDX_TYPES"]

#: IDX type code -> big-endian NumPy dtype of the stored items.
IDX_TYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODE_BY_KIND: dict[tuple[str, int], int] = {
    (dt.kind, dt.itemsize): c for c, dt in IDX_TYPES.items()
}
_TYPE_NAMES = ", ".join(f"0x{c:02X} ({dt.newbyteorder('=').name})" for c, dt in IDX_TYPES.items())

#: Largest payload :func:`read_idx` accepts unless told otherwise (2 GiB).
DEFAULT_MAX_BYTES = 2**31

# Deflate cannot expand data by more than about 1032:1, so a gzip file of N bytes holds at most
# 1032 * N bytes; a header that declares more is refused without reading the payload.
_GZIP_MAX_RATIO = 1032
_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 22  # 4 MiB per read of a compressed stream


def _read_exact(stream: IO[bytes], n: int) -> bytes:
    """Read up to ``n`` bytes, looping over short reads; fewer only at end of stream."""
    parts: list[bytes] = []
    remaining = n
    while remaining > 0:
        block = stream.read(remaining)
        if not block:
            break
        parts.append(block)
        remaining -= len(block)
    return b"".join(parts)


def _describe_dims(dims: tuple[int, ...], itemsize: int) -> str:
    unit = "byte" if itemsize == 1 else "bytes"
    return " x ".join(str(d) for d in dims) + f" items x {itemsize} {unit}"


def _parse(
    path: Path, stream: IO[bytes], *, compressed: bool, file_size: int, max_bytes: int | None,
    hasher: hashlib._Hash | None,
) -> np.ndarray:
    """Parse an IDX stream that has been positioned at its first (decompressed) byte."""

    def take(n: int, field: str) -> bytes:
        data = _read_exact(stream, n)
        if hasher is not None:
            hasher.update(data)
        if len(data) != n:
            raise IDXError(path, field, f"{n} bytes", f"{len(data)} bytes", "the file ends early")
        return data

    magic = take(4, "header (magic number)")
    if magic[0] != 0 or magic[1] != 0:
        raise IDXError(
            path, "magic number", "first two bytes 00 00",
            f"{magic[0]:02x} {magic[1]:02x} (magic 0x{magic.hex()})",
            "this is not an IDX file",
        )
    code, ndim = magic[2], magic[3]
    if code not in IDX_TYPES:
        raise IDXError(path, "magic type code", f"one of {_TYPE_NAMES}", f"0x{code:02X}")
    if ndim == 0:
        raise IDXError(path, "number of dimensions", "1 to 255", 0)
    dims = tuple(int(d) for d in np.frombuffer(take(4 * ndim, f"header ({ndim} dimension sizes)"),
                                              dtype=">u4"))
    dtype = IDX_TYPES[code]
    count = math.prod(dims)
    nbytes = count * dtype.itemsize
    header_size = 4 + 4 * ndim
    declared = f"{nbytes} bytes ({_describe_dims(dims, dtype.itemsize)})"

    # Refuse absurd sizes before allocating anything.
    if max_bytes is not None and nbytes > max_bytes:
        raise IDXError(path, "declared payload size", f"at most {max_bytes} bytes (the limit)",
                       declared, "pass max_bytes= to read larger files")
    if compressed:
        bound = _GZIP_MAX_RATIO * file_size
        if nbytes > bound:
            raise IDXError(
                path, "declared payload size",
                f"at most {bound} bytes ({_GZIP_MAX_RATIO} x the {file_size}-byte gzip file)",
                declared, "the header declares more data than the file can hold",
            )
    else:
        actual = file_size - header_size
        if nbytes != actual:
            kind = "shorter" if actual < nbytes else "longer"
            raise IDXError(path, "payload length", declared, f"{actual} bytes",
                           f"the payload is {kind} than the header declares")

    buffer = np.empty(nbytes, dtype=np.uint8)
    view = memoryview(buffer)
    filled = 0
    while filled < nbytes:
        want = min(_CHUNK, nbytes - filled)
        got = stream.readinto(view[filled:filled + want])  # type: ignore[attr-defined]
        if not got:
            break
        if hasher is not None:
            hasher.update(view[filled:filled + got])
        filled += got
    if filled != nbytes:
        raise IDXError(path, "payload length", declared, f"{filled} bytes",
                       "the payload is shorter than the header declares")
    extra = stream.read(1)
    if extra:
        more = 1
        # Count what is left, but do not decompress without end (a gzip bomb stays cheap).
        while more < _CHUNK * 16:
            block = stream.read(_CHUNK)
            if not block:
                break
            more += len(block)
        amount = f"{more} extra bytes" if more < _CHUNK * 16 else f"more than {more} extra bytes"
        raise IDXError(path, "payload length", declared, f"{nbytes} bytes followed by {amount}",
                       "the payload is longer than the header declares")

    array = buffer.view(dtype).reshape(dims)
    native = dtype.newbyteorder("=")
    if native != dtype:
        array = array.astype(native)
    return array


def _read(
    path: str | os.PathLike[str], max_bytes: int | None, want_sha256: bool
) -> tuple[np.ndarray, str | None]:
    p = Path(path)
    hasher = hashlib.sha256() if want_sha256 else None
    with open(p, "rb") as raw:
        file_size = os.fstat(raw.fileno()).st_size
        if file_size == 0:
            raise IDXError(p, "file size", "at least 4 bytes (the IDX magic number)", "0 bytes",
                           "the file is empty")
        head = raw.read(2)
        raw.seek(0)
        if head == _GZIP_MAGIC:
            try:
                with _gzip.GzipFile(fileobj=raw, mode="rb") as stream:
                    array = _parse(p, stream, compressed=True, file_size=file_size,
                                   max_bytes=max_bytes, hasher=hasher)
            except (OSError, EOFError, zlib.error) as exc:
                # gzip.BadGzipFile is an OSError; a truncated stream raises EOFError.
                raise IDXError(p, "gzip stream", "a valid gzip stream",
                               f"{type(exc).__name__}: {exc}") from exc
        else:
            array = _parse(p, raw, compressed=False, file_size=file_size,
                           max_bytes=max_bytes, hasher=hasher)
    return array, (hasher.hexdigest() if hasher is not None else None)


def read_idx(
    path: str | os.PathLike[str], *, max_bytes: int | None = DEFAULT_MAX_BYTES
) -> np.ndarray:
    """Read an IDX file, raw or gzip-compressed, into a native-endian NumPy array.

    Args:
        path: the file.  Gzip compression is detected from its first two bytes.
        max_bytes: refuse files whose header declares a larger payload (``None``: no limit
            other than the file's own size).

    Returns:
        An array of dtype uint8, int8, int16, int32, float32 or float64 with the shape the
        header declares.

    Raises:
        IDXError: the file is empty, truncated, not IDX, has an unknown type code, zero
            dimensions, a payload shorter or longer than declared, an absurd declared size, or
            is a broken gzip stream.
        OSError: the file cannot be opened.
    """
    array, _ = _read(path, max_bytes, want_sha256=False)
    return array


def read_idx_with_sha256(
    path: str | os.PathLike[str], *, max_bytes: int | None = DEFAULT_MAX_BYTES
) -> tuple[np.ndarray, str]:
    """Like :func:`read_idx`, also returning the SHA-256 of the (decompressed) file content.

    The hash is computed in the same pass as the parse, so verifying a data set costs no
    second decompression.
    """
    array, digest = _read(path, max_bytes, want_sha256=True)
    if digest is None:  # pragma: no cover - _read always hashes when asked to
        raise RuntimeError("internal error: no digest computed")
    return array, digest


def write_idx(
    path: str | os.PathLike[str],
    array: np.ndarray,
    gzip: bool = False,
    *,
    compresslevel: int = 6,
) -> Path:
    """Write ``array`` to ``path`` in IDX format, atomically.

    The data go to a temporary file in the same folder, which is flushed, fsync'ed and then
    renamed over ``path`` with :func:`os.replace`; a crash never leaves a half-written file.
    Gzip output carries no file name and a zero time stamp, so equal arrays give equal bytes.

    Args:
        path: destination file.
        array: array of dtype uint8, int8, int16, int32, float32 or float64, with 1 to 255
            dimensions, each smaller than 2**32.
        gzip: compress the file with gzip.
        compresslevel: gzip level 0-9 (ignored unless ``gzip``).

    Returns:
        ``path`` as a :class:`~pathlib.Path`.

    Raises:
        TypeError: the dtype has no IDX type code.
        ValueError: the array has 0 or more than 255 dimensions, or a dimension of 2**32 or more.
    """
    arr = np.asarray(array)
    code = _CODE_BY_KIND.get((arr.dtype.kind, arr.dtype.itemsize))
    if code is None:
        raise TypeError(
            f"write_idx: array dtype {arr.dtype} has no IDX type code; expected one of "
            f"uint8, int8, int16, int32, float32, float64 (convert with .astype first)"
        )
    if not 1 <= arr.ndim <= 255:
        raise ValueError(f"write_idx: expected an array with 1 to 255 dimensions, got {arr.ndim}")
    for axis, size in enumerate(arr.shape):
        if size >= 2**32:
            raise ValueError(
                f"write_idx: dimension {axis} has size {size}; IDX sizes must be below 2**32"
            )
    big = np.ascontiguousarray(arr, dtype=IDX_TYPES[code])
    header = bytes([0, 0, code, arr.ndim]) + np.asarray(arr.shape, dtype=">u4").tobytes()
    payload = memoryview(big.reshape(-1).view(np.uint8))

    dest = Path(path)
    folder = dest.parent
    fd, tmp_name = _create_temp(folder, f".{dest.name}.", ".tmp")
    try:
        with os.fdopen(fd, "wb") as raw:
            if gzip:
                with _gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0,
                                    compresslevel=compresslevel) as out:
                    out.write(header)
                    for start in range(0, len(payload), _CHUNK):
                        out.write(payload[start:start + _CHUNK])
            else:
                raw.write(header)
                for start in range(0, len(payload), _CHUNK):
                    raw.write(payload[start:start + _CHUNK])
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp_name, dest)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(folder)
    return dest


def _create_temp(folder: Path, prefix: str, suffix: str) -> tuple[int, Path]:
    """Create a new, empty file in ``folder`` with a random name; return its fd and path.

    Unlike :func:`tempfile.mkstemp` the file gets the usual permissions (0666 minus the umask),
    so that the file it is renamed onto is readable like any other.
    """
    for _ in range(100):
        path = folder / f"{prefix}{secrets.token_hex(8)}{suffix}"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                         0o666)
        except FileExistsError:
            continue
        return fd, path
    raise FileExistsError(f"could not create a temporary file in {folder}")


def _fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (best effort; not possible on every platform)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
