"""The Tang poetry corpus parser (on Debian's real file and on malformed input), the character
vocabulary, and the check of regular five- and seven-character verse."""

from __future__ import annotations

import json

import numpy as np
import pytest

from shenjing.data.poetry import (
    DEBIAN_PATH,
    CorpusError,
    find_tang300,
    form_of,
    load_tang300,
    parse_fortune,
)
from shenjing.data.vocab import CharVocab


def _real() -> list:
    assert DEBIAN_PATH.is_file(), f"{DEBIAN_PATH} is missing: apt-get install fortunes-zh (CI installs it)"
    return load_tang300(DEBIAN_PATH)


def test_real_corpus():
    poems = _real()
    assert len(poems) == 313
    first = poems[0]
    assert (first.title, first.author) == ("感遇・其一", "张九龄")
    assert first.lines[0] == "兰叶春葳蕤，桂华秋皎洁。" and len(first.lines) == 4
    assert first.offset == 0
    data = DEBIAN_PATH.read_bytes()
    for p in poems:
        assert p.title and p.author and p.body
        assert "\x1b" not in p.title + p.author + p.body and "[m" not in p.body
        assert "%" not in p.body
        assert data[p.offset: p.offset + 1] == b"\x1b"  # each offset points at its entry's first byte
    assert {p.author for p in poems} >= {"李白", "杜甫", "王维"}
    assert sum(form_of(p.body) is not None for p in poems) > 250  # mostly regular verse


def test_find_respects_shenjing_data(tmp_path, monkeypatch):
    (tmp_path / "tang300").write_bytes("《甲》\n作者：乙\n床前明月光，疑是地上霜。\n%\n".encode())
    monkeypatch.setenv("SHENJING_DATA", str(tmp_path))
    assert find_tang300() == tmp_path / "tang300"
    assert [p.title for p in load_tang300()] == ["甲"]


ONE = "\x1b[32m《春晓》\x1b[m\n\x1b[33m作者：孟浩然\x1b[m\n春眠不觉晓，处处闻啼鸟。\n夜来风雨声，花落知多少。\n%\n"


def test_parse_minimal_and_crlf():
    poems = parse_fortune((ONE * 2).encode())
    assert [p.title for p in poems] == ["春晓", "春晓"] and poems[0].author == "孟浩然"
    assert poems[1].offset == len(ONE.encode())
    crlf = parse_fortune(ONE.replace("\n", "\r\n").encode())
    assert crlf[0].body == poems[0].body


def test_invalid_utf8_names_file_and_offset():
    data = ONE.encode() + b"\x1b[32m\xe3\x80\x8a\xff\xfe"
    with pytest.raises(CorpusError) as e:
        parse_fortune(data, "tang300")
    assert e.value.offset == len(ONE.encode()) + 5 + 3
    assert str(e.value).startswith(f"tang300: at byte offset {len(ONE.encode()) + 8}: invalid UTF-8")


@pytest.mark.parametrize("data", [b"", b"\n\n", b"%\n%\n%\n"])
def test_empty_corpus(data):
    with pytest.raises(CorpusError, match=r"corpus.txt: at byte offset 0: the corpus holds no poems"):
        parse_fortune(data, "corpus.txt")


def test_malformed_entries_name_their_offset():
    no_author = "《题》\n春眠不觉晓，处处闻啼鸟。\n%\n"
    with pytest.raises(CorpusError, match=r"at byte offset \d+: expected an author line") as e:
        parse_fortune((ONE + no_author).encode(), "x")
    assert e.value.offset == len((ONE + "《题》\n").encode())
    with pytest.raises(CorpusError, match="expected a title line"):
        parse_fortune("作者：某\n春眠\n".encode(), "x")
    with pytest.raises(CorpusError, match="has no body"):
        parse_fortune("《题》\n作者：某\n%\n".encode(), "x")
    assert len(parse_fortune((ONE + no_author).encode(), "x", strict=False)) == 1


def test_missing_file_says_how_to_get_it(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match="fortunes-zh"):
        load_tang300(tmp_path / "nope")
    import shenjing.data.poetry as P

    monkeypatch.setattr(P, "DEBIAN_PATH", tmp_path / "absent")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("SHENJING_DATA", raising=False)
    with pytest.raises(FileNotFoundError, match="apt-get install fortunes-zh"):
        load_tang300()
    sample = load_tang300(sample_ok=True)
    assert len(sample) == len(P.SAMPLE_POEMS) and all(form_of(p.body) for p in sample)


def test_form_of():
    assert form_of("床前明月光，疑是地上霜。\n举头望明月，低头思故乡。") == 5
    assert form_of("朝辞白帝彩云间，千里江陵一日还。两岸猿声啼不住，轻舟已过万重山。") == 7
    assert form_of("床前明月光，疑是地上霜。") is None  # one couplet is not a poem
    assert form_of("床前明月光，疑是地上霜。举头望明月，低头思故乡") is None  # unfinished
    assert form_of("床前明月光。疑是地上霜，举头望明月，低头思故乡。") is None  # punctuation swapped
    assert form_of("床前明月光，疑是地霜。举头望明月，低头思故乡。") is None  # 4 characters
    assert form_of("床前明月光，疑是地上霜。举头望明月，低头思故乡？") == 5


def test_vocab_round_trip_and_unknown():
    texts = ["春眠不觉晓，", "处处闻啼鸟。", "春春"]
    v = CharVocab.build(texts)
    assert v.itos[:4] == ["<pad>", "<unk>", "<bos>", "<eos>"]
    assert v.itos[4] == "春"  # most frequent first
    assert CharVocab.build(texts) == v  # deterministic
    ids = v.encode("春风", bos=True, eos=True)
    assert ids.dtype == np.int64 and ids.tolist() == [v.bos_id, v["春"], v.unk_id, v.eos_id]
    assert v.decode(ids) == "春□"
    assert v.unknown("春风雨") == ["雨", "风"]
    d = json.loads(json.dumps(v.to_dict(), ensure_ascii=False))
    assert CharVocab.from_dict(d) == v
    with pytest.raises(ValueError, match="vocabulary"):
        CharVocab.from_dict({"kind": "word"})
    with pytest.raises(ValueError, match="twice"):
        CharVocab("春春")
    with pytest.raises(IndexError, match="outside"):
        v.decode([999])
