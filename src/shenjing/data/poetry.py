"""唐诗三百首 (300 Tang poems) from Debian's ``fortunes-zh`` package, parsed into poems.

The file ``/usr/share/games/fortunes/tang300`` is in fortune format: entries separated by lines
holding a single ``%``; each entry is a title line ``《…》`` and an author line ``作者：…``, both
wrapped in ANSI colour codes (``ESC[32m … ESC[m``), then the poem's lines::

    ESC[32m《静夜思》ESC[m
    ESC[33m作者：李白ESC[m
    床前明月光，疑是地上霜。
    举头望明月，低头思故乡。
    %

:func:`load_tang300` finds the file (an explicit path, ``$SHENJING_DATA``, the user cache, the
Debian path) and returns a list of :class:`Poem`.  Anything wrong with the file raises
:class:`CorpusError`, which names the file and the byte offset: invalid UTF-8, an entry without
title or author, an empty corpus.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Poem", "CorpusError", "parse_fortune", "load_tang300", "find_tang300", "SAMPLE_POEMS",
           "DEBIAN_PATH", "clauses", "is_well_formed", "form_of"]

DEBIAN_PATH = Path("/usr/share/games/fortunes/tang300")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_TITLE = re.compile(r"^《(.+)》$")
_AUTHOR = re.compile(r"^作者\s*[：:]\s*(.+)$")

#: Clause-ending punctuation of classical Chinese verse, and which of it ends a couplet.
PUNCTUATION = "，。？！；：、"
COUPLET_END = "。？！"


class CorpusError(ValueError):
    """A poetry corpus that cannot be read; the message names the file and the byte offset."""

    def __init__(self, path: str | os.PathLike[str], offset: int, problem: str) -> None:
        self.path, self.offset, self.problem = str(path), int(offset), problem
        super().__init__(f"{self.path}: at byte offset {self.offset}: {problem}")


@dataclass(frozen=True)
class Poem:
    """One poem: its title (without 《》), author and body (lines joined by ``\\n``);
    ``offset`` is the byte offset of its entry in the file it came from."""

    title: str
    author: str
    body: str
    offset: int = 0

    @property
    def lines(self) -> list[str]:
        return self.body.split("\n")

    def __str__(self) -> str:
        return f"《{self.title}》 {self.author}\n{self.body}"


def _entries(data: bytes) -> Iterator[tuple[int, list[tuple[int, bytes]]]]:
    """(byte offset of the entry, [(byte offset, line bytes), …]) for each ``%``-separated entry."""
    start, pos, lines = 0, 0, []
    for raw in data.split(b"\n"):
        line = raw.rstrip(b"\r")
        if line.strip() == b"%":
            yield start, lines
            start, lines = pos + len(raw) + 1, []
        else:
            lines.append((pos, line))
        pos += len(raw) + 1
    yield start, lines


def parse_fortune(data: bytes, path: str | os.PathLike[str] = "<bytes>", strict: bool = True) -> list[Poem]:
    """The poems of a fortune-format corpus (``data`` is the file's bytes, ``path`` its name for
    messages).  With ``strict`` (the default) an entry without a 《title》 or 作者 line, or without
    a body, raises :class:`CorpusError`; otherwise it is skipped."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        bad = data[e.start: e.start + 4].hex(" ")
        raise CorpusError(path, e.start, f"invalid UTF-8 ({e.reason}; bytes {bad})") from None
    poems: list[Poem] = []
    for offset, raw_lines in _entries(data):
        lines = [(pos, _ANSI.sub("", b.decode("utf-8")).strip()) for pos, b in raw_lines]
        lines = [(pos, s) for pos, s in lines if s]
        if not lines:
            continue  # blank entry (e.g. after the last %)
        problem, where = None, lines[0][0]
        title = _TITLE.match(lines[0][1])
        author = _AUTHOR.match(lines[1][1]) if len(lines) > 1 else None
        if title is None:
            problem = f"expected a title line 《…》, found {lines[0][1][:30]!r}"
        elif author is None:
            problem = "expected an author line 作者：… after the title"
            where = lines[1][0] if len(lines) > 1 else where
        elif len(lines) < 3:
            problem = f"the poem 《{title.group(1)}》 has no body"
        if problem is not None:
            if strict:
                raise CorpusError(path, where, problem)
            continue
        poems.append(Poem(title.group(1).strip(), author.group(1).strip(),
                          "\n".join(s for _, s in lines[2:]), offset))
    if not poems:
        raise CorpusError(path, 0, f"the corpus holds no poems ({len(data)} bytes); expected entries "
                                   "separated by '%' lines, each a 《title》 line, an 作者 line and the poem")
    return poems


def find_tang300(path: str | os.PathLike[str] | None = None) -> Path | None:
    """Where the corpus is: ``path`` if given (a file, or a folder holding ``tang300``), else the
    first of ``$SHENJING_DATA/tang300`` (each folder of the ``:``-separated list, also under
    ``fortunes/``), ``~/.cache/shenjing/tang300`` and the Debian path; ``None`` if none exists."""
    if path is not None:
        p = Path(path)
        return p / "tang300" if p.is_dir() else p
    candidates: list[Path] = []
    for folder in filter(None, os.environ.get("SHENJING_DATA", "").split(os.pathsep)):
        candidates += [Path(folder) / "tang300", Path(folder) / "fortunes" / "tang300"]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "shenjing"
    candidates += [cache / "tang300", DEBIAN_PATH]
    return next((c for c in candidates if c.is_file()), None)


def load_tang300(path: str | os.PathLike[str] | None = None, sample_ok: bool = False) -> list[Poem]:
    """The 313 poems of 唐诗三百首 (see :func:`find_tang300` for where they are looked for).

    If no file is found: with ``sample_ok`` the dozen poems of :data:`SAMPLE_POEMS` (shipped in the
    package), else ``FileNotFoundError`` saying how to get the corpus."""
    found = find_tang300(path)
    if found is None:
        if sample_ok:
            return [Poem(t, a, b) for t, a, b in SAMPLE_POEMS]
        raise FileNotFoundError(
            f"the Tang poetry corpus was not found (looked in $SHENJING_DATA, ~/.cache/shenjing and "
            f"{DEBIAN_PATH}); install it with `apt-get install fortunes-zh` or pass its path")
    try:
        data = found.read_bytes()
    except FileNotFoundError:
        raise FileNotFoundError(f"{found}: no such file (the Tang corpus comes with `apt-get install "
                                "fortunes-zh`)") from None
    return parse_fortune(data, found)


# ------------------------------------------------------------------------------ verse form
def clauses(text: str) -> tuple[list[str], str]:
    """Split verse into clauses, each ending with one punctuation mark (whitespace ignored);
    returns (clauses, trailing text without punctuation)."""
    flat = "".join(text.split())
    out, cur = [], []
    for ch in flat:
        cur.append(ch)
        if ch in PUNCTUATION:
            out.append("".join(cur))
            cur = []
    return out, "".join(cur)


def form_of(text: str) -> int | None:
    """5 or 7 if ``text`` is regular verse of that many characters per clause, else ``None``.

    Regular means: an even number (at least 4) of clauses, every clause exactly 5 (or exactly 7)
    characters, no punctuation inside a clause, odd clauses ending with ``，`` and even ones with
    ``。``, ``？`` or ``！``, and nothing after the last mark."""
    cl, rest = clauses(text)
    if rest or len(cl) < 4 or len(cl) % 2:
        return None
    n = len(cl[0]) - 1
    if n not in (5, 7):
        return None
    for i, c in enumerate(cl):
        if len(c) - 1 != n or any(ch in PUNCTUATION for ch in c[:-1]):
            return None
        if (c[-1] != "，") if i % 2 == 0 else (c[-1] not in COUPLET_END):
            return None
    return n


def is_well_formed(text: str) -> bool:
    """Whether ``text`` is regular five- or seven-character verse (:func:`form_of`)."""
    return form_of(text) is not None


#: A dozen public-domain poems, used only when no corpus file exists and ``sample_ok`` is set.
SAMPLE_POEMS: tuple[tuple[str, str, str], ...] = (
    ("静夜思", "李白", "床前明月光，疑是地上霜。\n举头望明月，低头思故乡。"),
    ("春晓", "孟浩然", "春眠不觉晓，处处闻啼鸟。\n夜来风雨声，花落知多少。"),
    ("登鹳雀楼", "王之涣", "白日依山尽，黄河入海流。\n欲穷千里目，更上一层楼。"),
    ("相思", "王维", "红豆生南国，春来发几枝。\n愿君多采撷，此物最相思。"),
    ("鹿柴", "王维", "空山不见人，但闻人语响。\n返景入深林，复照青苔上。"),
    ("江雪", "柳宗元", "千山鸟飞绝，万径人踪灭。\n孤舟蓑笠翁，独钓寒江雪。"),
    ("登乐游原", "李商隐", "向晚意不适，驱车登古原。\n夕阳无限好，只是近黄昏。"),
    ("送别", "王维", "山中相送罢，日暮掩柴扉。\n春草明年绿，王孙归不归。"),
    ("早发白帝城", "李白", "朝辞白帝彩云间，千里江陵一日还。\n两岸猿声啼不住，轻舟已过万重山。"),
    ("枫桥夜泊", "张继", "月落乌啼霜满天，江枫渔火对愁眠。\n姑苏城外寒山寺，夜半钟声到客船。"),
    ("凉州词", "王之涣", "黄河远上白云间，一片孤城万仞山。\n羌笛何须怨杨柳，春风不度玉门关。"),
    ("出塞", "王昌龄", "秦时明月汉时关，万里长征人未还。\n但使龙城飞将在，不教胡马度阴山。"),
)
