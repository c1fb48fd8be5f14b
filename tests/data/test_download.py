"""download_file against a local HTTP server: good, corrupt, cut, cached and mirrored files."""

from __future__ import annotations

import gzip
import hashlib
import os
import socket
from pathlib import Path
from typing import Any

import pytest

from shenjing.data.download import content_sha256, download_file
from shenjing.data.errors import DownloadError

CONTENT = bytes(range(256)) * 400  # 100 KiB of "decompressed" data
PACKED = gzip.compress(CONTENT, mtime=0)
SHA = hashlib.sha256(CONTENT).hexdigest()


def _listing(folder: Path) -> list[str]:
    return sorted(os.listdir(folder)) if folder.exists() else []


def test_good_file(tmp_path: Path, http_server: Any) -> None:
    url = http_server.add("/f.gz", PACKED)
    dest = download_file(url, tmp_path / "sub" / "f.gz", sha256=SHA, progress=False)
    assert dest.read_bytes() == PACKED
    assert _listing(tmp_path / "sub") == ["f.gz"]


def test_hash_is_of_decompressed_content(tmp_path: Path, http_server: Any) -> None:
    # the same content, compressed differently, passes the same check
    url = http_server.add("/other.gz", gzip.compress(CONTENT, compresslevel=1, mtime=12345))
    dest = download_file(url, tmp_path / "f.gz", sha256=SHA, progress=False)
    assert content_sha256(dest) == SHA
    # and raw (uncompressed) content too
    raw = download_file(http_server.add("/raw", CONTENT), tmp_path / "raw", sha256=SHA,
                        progress=False)
    assert raw.read_bytes() == CONTENT


def test_corrupted_bytes_give_checksum_error(tmp_path: Path, http_server: Any) -> None:
    bad = bytearray(CONTENT)
    bad[1000] ^= 0xFF
    url = http_server.add("/f.gz", gzip.compress(bytes(bad), mtime=0))
    dest = tmp_path / "f.gz"
    with pytest.raises(DownloadError) as info:
        download_file(url, dest, sha256=SHA, progress=False, retry_delay=0)
    message = str(info.value)
    assert "checksum mismatch" in message
    assert SHA in message and hashlib.sha256(bytes(bad)).hexdigest() in message
    assert url in message
    assert not dest.exists()
    assert _listing(tmp_path) == []  # no .part file left either


def test_corrupted_download_never_overwrites_good_file(tmp_path: Path,
                                                       http_server: Any) -> None:
    dest = tmp_path / "f.gz"
    dest.write_bytes(PACKED)
    url = http_server.add("/f.gz", b"garbage")
    assert download_file(url, dest, sha256=SHA, progress=False) == dest
    assert http_server.routes["/f.gz"].hits == 0  # a verified file needs no network
    assert dest.read_bytes() == PACKED


def test_connection_cut_half_way_is_retried(tmp_path: Path, http_server: Any) -> None:
    url = http_server.add("/f.gz", PACKED, cut_first=1)
    dest = download_file(url, tmp_path / "f.gz", sha256=SHA, progress=False, retry_delay=0)
    assert dest.read_bytes() == PACKED
    assert http_server.routes["/f.gz"].hits == 2
    assert _listing(tmp_path) == ["f.gz"]


def test_connection_cut_every_time_fails_cleanly(tmp_path: Path,
                                                 http_server: Any) -> None:
    url = http_server.add("/f.gz", PACKED, cut_first=99)
    with pytest.raises(DownloadError) as info:
        download_file(url, tmp_path / "f.gz", sha256=SHA, progress=False, retries=2,
                      retry_delay=0)
    assert http_server.routes["/f.gz"].hits == 3
    assert f"of {len(PACKED)} bytes" in str(info.value)
    assert _listing(tmp_path) == []


def test_truncated_cached_file_is_fetched_again(tmp_path: Path,
                                                http_server: Any) -> None:
    dest = tmp_path / "f.gz"
    dest.write_bytes(PACKED[: len(PACKED) // 2])  # exists, but is not the right content
    url = http_server.add("/f.gz", PACKED)
    download_file(url, dest, sha256=SHA, progress=False)
    assert http_server.routes["/f.gz"].hits == 1
    assert dest.read_bytes() == PACKED


def test_mirror_fallback(tmp_path: Path, http_server: Any) -> None:
    first = http_server.add("/a/f.gz", status=404)
    second = http_server.add("/b/f.gz", PACKED)
    dest = download_file([first, second], tmp_path / "f.gz", sha256=SHA, progress=False)
    assert dest.read_bytes() == PACKED
    assert http_server.routes["/a/f.gz"].hits == 1  # a 404 is not retried
    assert http_server.routes["/b/f.gz"].hits == 1


def test_all_mirrors_fail_lists_every_attempt(tmp_path: Path, http_server: Any) -> None:
    with socket.socket() as s:  # a port with nothing listening: connection refused at once
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/f.gz"
    missing = http_server.add("/missing.gz", status=404)
    with pytest.raises(DownloadError) as info:
        download_file([dead, missing], tmp_path / "f.gz", sha256=SHA, progress=False)
    assert isinstance(info.value, OSError)
    assert dead in str(info.value) and "cannot connect" in str(info.value)
    assert missing in str(info.value) and "HTTP 404" in str(info.value)
    assert info.value.attempts[0].startswith(dead)
    assert _listing(tmp_path) == []


def test_no_mirrors(tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="no mirror URLs"):
        download_file([], tmp_path / "f.gz", sha256=SHA)


def test_server_error_is_retried(tmp_path: Path, http_server: Any) -> None:
    url = http_server.add("/f.gz", status=503)
    with pytest.raises(DownloadError, match="HTTP 503"):
        download_file(url, tmp_path / "f.gz", progress=False, retries=1, retry_delay=0)
    assert http_server.routes["/f.gz"].hits == 2


def test_silent_server_times_out_quickly(tmp_path: Path) -> None:
    import time

    with socket.socket() as listener:  # accepts connections (backlog) but never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/f.gz"
        start = time.monotonic()
        with pytest.raises(DownloadError, match="timed out"):
            download_file(url, tmp_path / "f.gz", sha256=SHA, timeout=0.3, progress=False)
        assert time.monotonic() - start < 5
    assert _listing(tmp_path) == []


def test_progress_bar_on_stderr(tmp_path: Path, http_server: Any,
                                capsys: pytest.CaptureFixture[str]) -> None:
    url = http_server.add("/f.gz", PACKED)
    download_file(url, tmp_path / "f.gz", sha256=SHA, progress=True)
    assert "f.gz" in capsys.readouterr().err
