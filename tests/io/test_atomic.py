"""Atomic writes: the target holds the old bytes or the new ones, and no temp file lingers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from shenjing.io import atomic
from shenjing.io.atomic import (
    atomic_open,
    atomic_write_bytes,
    atomic_write_text,
    remove_stale_temps,
)


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_write_bytes_creates_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "a.bin"
    atomic_write_bytes(target, b"first")
    assert target.read_bytes() == b"first"
    atomic_write_bytes(str(target), bytearray(b"second, longer"))
    assert target.read_bytes() == b"second, longer"
    atomic_write_bytes(target, memoryview(b""))
    assert target.read_bytes() == b""
    assert _names(tmp_path) == ["a.bin"]


def test_write_text_utf8_and_newline(tmp_path: Path) -> None:
    target = tmp_path / "history.csv"
    atomic_write_text(target, "step,损失\r\n1,0.5\r\n", newline="")
    assert target.read_bytes() == "step,损失\r\n1,0.5\r\n".encode()
    atomic_write_text(target, '{"a": 1}\n')
    assert target.read_text(encoding="utf-8") == '{"a": 1}\n'


def test_atomic_open_text_mode(tmp_path: Path) -> None:
    target = tmp_path / "t.json"
    with atomic_open(target, "w") as f:
        f.write("神经")
    assert target.read_text(encoding="utf-8") == "神经"


def test_exception_in_block_keeps_old_file(tmp_path: Path) -> None:
    target = tmp_path / "ckpt"
    target.write_bytes(b"old content")
    with pytest.raises(RuntimeError, match="boom"), atomic_open(target) as f:
        f.write(b"new half-written cont")
        raise RuntimeError("boom")
    assert target.read_bytes() == b"old content"
    assert _names(tmp_path) == ["ckpt"]


def test_keyboard_interrupt_in_block_cleans_up(tmp_path: Path) -> None:
    target = tmp_path / "ckpt"
    with pytest.raises(KeyboardInterrupt), atomic_open(target) as f:
        f.write(b"x")
        raise KeyboardInterrupt
    assert _names(tmp_path) == []


def test_failed_replace_keeps_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "ckpt"
    target.write_bytes(b"old")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk on fire")

    monkeypatch.setattr(atomic.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk on fire"):
        atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"old"
    assert _names(tmp_path) == ["ckpt"]


def test_failed_fsync_keeps_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "ckpt"
    target.write_bytes(b"old")

    def broken_fsync(fd: int) -> None:
        raise OSError("no space left")

    monkeypatch.setattr(atomic.os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="no space left"):
        atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"old"
    assert _names(tmp_path) == ["ckpt"]


def test_bad_mode_and_folder_target(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="modes"), atomic_open(tmp_path / "x", "ab"):
        pass
    (tmp_path / "sub").mkdir()
    with pytest.raises(OSError):
        atomic_write_bytes(tmp_path / "sub", b"x")
    assert _names(tmp_path) == ["sub"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_permissions(tmp_path: Path) -> None:
    target = tmp_path / "f"
    atomic_write_bytes(target, b"1")
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask  # like a plain open()
    os.chmod(target, 0o640)
    atomic_write_bytes(target, b"2")
    assert target.stat().st_mode & 0o777 == 0o640  # an existing file keeps its mode


@pytest.mark.skipif(os.name != "posix", reason="process liveness check is POSIX-only")
def test_remove_stale_temps(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead_pid = int(dead.stdout)
    target = tmp_path / "m.safetensors"
    stale = tmp_path / f".m.safetensors.{dead_pid}.0123456789abcdef.tmp"
    mine = tmp_path / f".m.safetensors.{os.getpid()}.0123456789abcdef.tmp"
    other = tmp_path / f".n.safetensors.{dead_pid}.0123456789abcdef.tmp"
    for p in (stale, mine, other):
        p.write_bytes(b"partial")
    assert remove_stale_temps(target) == [str(stale)]
    assert _names(tmp_path) == sorted([mine.name, other.name])
    atomic_write_bytes(target, b"ok")  # a write cleans up too, and never touches live temps
    assert sorted(_names(tmp_path)) == sorted([mine.name, other.name, target.name])
