"""Atomic file writes: a reader sees the old file or the new one, never half of either.

Every write goes to a temporary file in the *same folder* as the target (so that the final
rename never crosses a file system), is flushed and ``fsync``-ed, and then moved over the target
with :func:`os.replace`, which POSIX and Windows both perform atomically.  Finally the folder
itself is ``fsync``-ed so that the rename survives a power cut.  If anything goes wrong before
the rename, the temporary file is removed and the old target is left exactly as it was.

A process killed by ``SIGKILL`` cannot clean up after itself, so its temporary file stays
behind.  Temporary names look like ``.<name>.<pid>.<random>.tmp``: hidden, with a different
suffix, so nothing that opens the target by name ever reads one; and
:func:`remove_stale_temps` (called by every atomic write) deletes the ones whose writer process
is gone.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections.abc import Iterator
from typing import IO, Any

__all__ = [
    "atomic_open",
    "atomic_write_bytes",
    "atomic_write_text",
    "remove_stale_temps",
]

PathLike = str | os.PathLike[str]

_TEMP_SUFFIX = ".tmp"


def _split(path: PathLike) -> tuple[str, str, str]:
    """Return ``(target, folder, basename)`` with ``folder`` absolute."""
    target = os.path.abspath(os.fspath(path))
    folder, name = os.path.split(target)
    if not name:
        raise IsADirectoryError(f"{os.fspath(path)!r} names a folder, not a file")
    return target, folder, name


def _temp_pattern(name: str) -> re.Pattern[str]:
    return re.compile(r"\." + re.escape(name) + r"\.(\d+)\.[0-9a-f]{16}" + re.escape(_TEMP_SUFFIX))


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name != "posix":  # no cheap, safe liveness check: keep the file
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists but belongs to someone else, or we cannot tell
        return True
    return True


def remove_stale_temps(path: PathLike) -> list[str]:
    """Delete temporary files left next to ``path`` by atomic writes whose process has died.

    Only files named like this module's temporary files *for this target* are considered, and
    only those whose writer's process id no longer exists on this machine.  Returns the paths
    removed.  Errors (a file already gone, no permission) are ignored: this is housekeeping.
    """
    _, folder, name = _split(path)
    pattern = _temp_pattern(name)
    removed: list[str] = []
    try:
        entries = os.listdir(folder)
    except OSError:
        return removed
    for entry in entries:
        m = pattern.fullmatch(entry)
        if m is None or _pid_alive(int(m.group(1))):
            continue
        full = os.path.join(folder, entry)
        with contextlib.suppress(OSError):
            os.unlink(full)
            removed.append(full)
    return removed


def _create_temp(folder: str, name: str) -> tuple[int, str]:
    """Create a new, empty temporary file next to the target; return ``(fd, path)``."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = os.path.join(folder, f".{name}.{os.getpid()}.{secrets.token_hex(8)}{_TEMP_SUFFIX}")
        try:
            # 0o666 and the process umask give the permissions a plain open() would.
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:  # pragma: no cover - 64 random bits collided
            continue
    raise FileExistsError(f"could not create a temporary file in {folder!r}")  # pragma: no cover


def _fsync_folder(folder: str) -> None:
    """Make a rename inside ``folder`` durable (POSIX only; a no-op elsewhere)."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot fsync a folder; the rename itself is still atomic
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_open(
    path: PathLike,
    mode: str = "wb",
    *,
    encoding: str | None = None,
    newline: str | None = None,
    fsync: bool = True,
) -> Iterator[IO[Any]]:
    """Open ``path`` for writing so that it is replaced all at once when the block ends.

    ``mode`` is ``"wb"`` (bytes, the default) or ``"w"``/``"wt"`` (text; ``encoding`` defaults
    to UTF-8).  Inside the ``with`` block the caller writes to a temporary file; on a normal
    exit it is flushed, ``fsync``-ed and renamed over ``path``, and the folder is ``fsync``-ed.
    If the block raises (or the process is interrupted), the temporary file is deleted and
    ``path`` keeps its old content, or keeps not existing.  ``fsync=False`` skips both fsyncs
    (still atomic against crashes of the process, not against power loss).

    An existing target keeps its permission bits; a new one gets those of a plain ``open``.
    """
    if mode not in ("wb", "w", "wt"):
        raise ValueError(f"atomic_open supports modes 'wb', 'w' and 'wt', not {mode!r}")
    target, folder, name = _split(path)
    remove_stale_temps(target)
    fd, tmp = _create_temp(folder, name)
    try:
        with contextlib.suppress(OSError):
            os.chmod(tmp, os.stat(target).st_mode & 0o7777)
        if mode == "wb":
            f: IO[Any] = os.fdopen(fd, "wb")
        else:
            f = os.fdopen(fd, "w", encoding=encoding or "utf-8", newline=newline)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    try:
        with f:
            yield f
            f.flush()
            if fsync:
                os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if fsync:
        _fsync_folder(folder)


def atomic_write_bytes(path: PathLike, data: bytes | bytearray | memoryview, *,
                       fsync: bool = True) -> None:
    """Replace the file at ``path`` with ``data`` atomically (see :func:`atomic_open`)."""
    with atomic_open(path, "wb", fsync=fsync) as f:
        f.write(data)


def atomic_write_text(path: PathLike, text: str, *, encoding: str = "utf-8",
                      newline: str | None = None, fsync: bool = True) -> None:
    """Replace the file at ``path`` with ``text`` atomically; for JSON, CSV and other logs.

    ``newline`` is passed to :func:`open`: ``None`` translates ``"\\n"`` to the platform's line
    ending, ``""`` writes the text untouched (what the :mod:`csv` module wants).
    """
    with atomic_open(path, "w", encoding=encoding, newline=newline, fsync=fsync) as f:
        f.write(text)
