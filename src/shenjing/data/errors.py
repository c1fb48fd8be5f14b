"""Exceptions of the data layer.

Two types, both documented in ``docs/data.md``:

* :class:`IDXError` -- a data file is malformed or does not hold what it should.  It is a
  :class:`ValueError` and names the file, the field that is wrong, what was expected and what
  was found.
* :class:`DownloadError` -- a file could not be fetched from any mirror (network failure, HTTP
  error, checksum mismatch).  It is an :class:`OSError` and lists every attempt.
"""

from __future__ import annotations

import os

__all__ = ["IDXError", "DownloadError"]


class IDXError(ValueError):
    """A data file (IDX format or a data set built on it) is malformed.

    Attributes:
        path: the file, as a string.
        field: what is wrong, e.g. ``"magic type code"`` or ``"payload length"``.
        expected: what the reader expected, in words.
        actual: what the file holds, in words.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        field: str,
        expected: object,
        actual: object,
        hint: str = "",
    ) -> None:
        self.path = os.fspath(path)
        self.field = field
        self.expected = expected
        self.actual = actual
        message = f"{self.path}: bad {field}: expected {expected}, got {actual}"
        if hint:
            message += f" ({hint})"
        super().__init__(message)


class DownloadError(OSError):
    """A file could not be downloaded from any of its mirrors.

    Attributes:
        dest: the file that was to be written, as a string.
        attempts: one line per failed attempt, ``"<url>: <reason>"``.
    """

    def __init__(self, dest: str | os.PathLike[str], attempts: list[str]) -> None:
        self.dest = os.fspath(dest)
        self.attempts = list(attempts)
        if attempts:
            detail = "; ".join(attempts)
        else:
            detail = "no mirror URLs were given"
        super().__init__(f"could not download {self.dest}: {detail}")
