"""Download a file from a list of mirrors, verified by SHA-256, written atomically.

:func:`download_file` tries each mirror URL in order.  The bytes go to a ``<name>.*.part`` file
in the destination folder; only after the whole body has arrived and its SHA-256 matches is the
part file renamed onto the destination with :func:`os.replace`.  So a failed or corrupted
download leaves nothing under the final name and never replaces a good file.

The SHA-256 is taken of the *content*: for a gzip file (magic bytes ``1f 8b``) that is the
decompressed data, so the same sum accepts any mirror's compression of the same file.

A connection that breaks after the transfer started (short body, reset, read time-out) is
retried on the same mirror; a mirror that cannot be reached or answers with an HTTP client error
is skipped at once.  Time-outs are short (``DEFAULT_TIMEOUT`` seconds per socket operation).
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import sys
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Sequence
from pathlib import Path

from .errors import DownloadError
from .idx import _create_temp, _fsync_dir

__all__ = ["download_file", "content_sha256", "DownloadError", "DEFAULT_TIMEOUT"]

#: Seconds a single connect or read may take before the attempt is abandoned.
DEFAULT_TIMEOUT = 15.0
_CHUNK = 1 << 16
_USER_AGENT = "shenjing-data/0.1"


class _Unreachable(Exception):
    """The mirror could not be used at all (connect failure, HTTP 4xx): try the next one."""


class _Interrupted(Exception):
    """The transfer started but broke off: worth another try on the same mirror."""


def content_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 (hex) of a file's content: of the decompressed data if it is gzip.

    Raises:
        ValueError: the file starts like gzip but is not a valid gzip stream.
        OSError: the file cannot be read.
    """
    hasher = hashlib.sha256()
    with open(path, "rb") as raw:
        head = raw.read(2)
        raw.seek(0)
        if head == b"\x1f\x8b":
            try:
                with gzip.GzipFile(fileobj=raw, mode="rb") as stream:
                    while block := stream.read(1 << 22):
                        hasher.update(block)
            except (OSError, EOFError, zlib.error) as exc:
                raise ValueError(
                    f"{os.fspath(path)}: bad gzip stream: {type(exc).__name__}: {exc}"
                ) from exc
        else:
            while block := raw.read(1 << 22):
                hasher.update(block)
    return hasher.hexdigest()


def _sha_or_reason(path: Path) -> tuple[str | None, str]:
    try:
        return content_sha256(path), ""
    except ValueError as exc:
        return None, str(exc)


def _fetch(url: str, part: Path, timeout: float, progress: bool | None, desc: str) -> None:
    """Stream ``url`` into ``part``; raise _Unreachable or _Interrupted on failure."""
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)  # noqa: S310
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code >= 500 or exc.code == 429:
            raise _Interrupted(f"HTTP {exc.code} {exc.reason}") from exc
        raise _Unreachable(f"HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", exc)
        raise _Unreachable(f"cannot connect: {reason}") from exc

    bar = None
    with response:
        length_header = response.headers.get("Content-Length")
        expected = int(length_header) if length_header and length_header.isdigit() else None
        try:
            from tqdm import tqdm

            bar = tqdm(total=expected, unit="B", unit_scale=True, unit_divisor=1024,
                       desc=desc, leave=False, file=sys.stderr,
                       disable=None if progress is None else not progress)
        except ImportError:  # tqdm is optional; download without a bar
            bar = None
        received = 0
        try:
            with open(part, "wb") as out:
                while True:
                    block = response.read(_CHUNK)
                    if not block:
                        break
                    out.write(block)
                    received += len(block)
                    if bar is not None:
                        bar.update(len(block))
                out.flush()
                os.fsync(out.fileno())
        except (OSError, http.client.HTTPException) as exc:  # TimeoutError is an OSError
            raise _Interrupted(f"transfer broke off after {received} bytes: {exc}") from exc
        finally:
            if bar is not None:
                bar.close()
    if expected is not None and received != expected:
        raise _Interrupted(
            f"connection closed after {received} of {expected} bytes (Content-Length)"
        )


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def download_file(
    urls: str | Sequence[str],
    dest: str | os.PathLike[str],
    *,
    sha256: str | None = None,
    timeout: float | None = None,
    retries: int = 2,
    retry_delay: float = 0.5,
    progress: bool | None = None,
) -> Path:
    """Fetch ``dest`` from the first mirror that delivers it intact.

    Args:
        urls: one URL or several, tried in order.
        dest: the final file.  Its folder is created if needed.
        sha256: expected SHA-256 of the content (decompressed, for gzip data).  When given, an
            existing ``dest`` with that content is returned without any network access, and an
            existing ``dest`` with other content (say, truncated) is fetched again.  When
            ``None``, an existing ``dest`` is returned as is.
        timeout: seconds per connect or read (default ``$SHENJING_DOWNLOAD_TIMEOUT``, else
            ``DEFAULT_TIMEOUT``).
        retries: extra tries per mirror after a transfer broke off half-way.
        retry_delay: seconds to wait before the first retry; doubled for each further one.
        progress: show a tqdm progress bar on stderr (``None``: only when stderr is a terminal).

    Returns:
        ``dest`` as a :class:`~pathlib.Path`.

    Raises:
        DownloadError: no mirror delivered the file; the message lists each attempt and why it
            failed (a checksum mismatch names the expected and the actual SHA-256).
    """
    url_list = [urls] if isinstance(urls, str) else list(urls)
    target = Path(dest)
    if sha256 is not None:
        sha256 = sha256.lower()
    if target.exists():
        if sha256 is None:
            return target
        actual, _ = _sha_or_reason(target)
        if actual == sha256:
            return target
    if timeout is None:
        env = os.environ.get("SHENJING_DOWNLOAD_TIMEOUT", "")
        try:
            timeout = float(env) if env else DEFAULT_TIMEOUT
        except ValueError:
            raise ValueError(
                f"SHENJING_DOWNLOAD_TIMEOUT: expected a number of seconds, got {env!r}"
            ) from None
    wait = float(timeout)
    target.parent.mkdir(parents=True, exist_ok=True)

    attempts: list[str] = []
    for url in url_list:
        for attempt in range(retries + 1):
            fd, part = _create_temp(target.parent, f"{target.name}.", ".part")
            os.close(fd)
            try:
                try:
                    _fetch(url, part, wait, progress, target.name)
                except _Unreachable as exc:
                    attempts.append(f"{url}: {exc}")
                    break
                except _Interrupted as exc:
                    attempts.append(f"{url}: {exc}")
                    if attempt < retries:
                        time.sleep(retry_delay * 2**attempt)
                    continue
                if sha256 is not None:
                    actual, reason = _sha_or_reason(part)
                    if actual != sha256:
                        got = actual if actual is not None else f"unreadable content ({reason})"
                        attempts.append(
                            f"{url}: checksum mismatch: expected SHA-256 {sha256}, got {got}"
                        )
                        break
                os.replace(part, target)
                _fsync_dir(target.parent)
                return target
            finally:
                _remove(part)
    raise DownloadError(target, attempts)
