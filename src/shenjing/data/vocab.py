"""A character vocabulary: characters ↔ integer ids, with special tokens and unknown characters.

Ids 0–3 are the special tokens ``<pad>``, ``<unk>``, ``<bos>``, ``<eos>``; the characters follow,
most frequent first (ties by code point), so building twice from the same text gives the same
ids.  A character outside the vocabulary encodes to ``<unk>``.  :meth:`CharVocab.to_dict` is
plain JSON, stored in a model's checkpoint so the model always travels with its vocabulary.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["CharVocab", "SPECIALS", "PAD", "UNK", "BOS", "EOS"]

PAD, UNK, BOS, EOS = "<pad>", "<unk>", "<bos>", "<eos>"
SPECIALS = (PAD, UNK, BOS, EOS)


class CharVocab:
    """Characters and their ids.  ``vocab[ch]`` is the id of ``ch`` (``unk_id`` if unknown),
    ``vocab.itos[i]`` the token of id ``i``."""

    def __init__(self, chars: Iterable[str]) -> None:
        chars = list(chars)
        for ch in chars:
            if not isinstance(ch, str) or len(ch) != 1:
                raise ValueError(f"CharVocab: every entry must be one character, got {ch!r}")
        if len(set(chars)) != len(chars):
            dup = next(ch for ch, n in Counter(chars).items() if n > 1)
            raise ValueError(f"CharVocab: character {dup!r} is listed twice")
        self.itos: list[str] = [*SPECIALS, *chars]
        self.stoi: dict[str, int] = {s: i for i, s in enumerate(self.itos)}
        self.pad_id, self.unk_id, self.bos_id, self.eos_id = (self.stoi[s] for s in SPECIALS)

    @classmethod
    def build(cls, texts: Iterable[str], min_freq: int = 1) -> CharVocab:
        """The characters of ``texts`` seen at least ``min_freq`` times, most frequent first."""
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(text)
        keep = [ch for ch, n in counts.items() if n >= min_freq]
        keep.sort(key=lambda ch: (-counts[ch], ord(ch)))
        return cls(keep)

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, ch: object) -> bool:
        return ch in self.stoi

    def __getitem__(self, ch: str) -> int:
        return self.stoi.get(ch, self.unk_id)

    @property
    def chars(self) -> list[str]:
        """The characters, without the special tokens."""
        return self.itos[len(SPECIALS):]

    def encode(self, text: str, bos: bool = False, eos: bool = False) -> np.ndarray:
        """Ids of ``text`` as int64 (unknown characters → ``unk_id``), optionally framed."""
        ids = [self.stoi.get(ch, self.unk_id) for ch in text]
        if bos:
            ids.insert(0, self.bos_id)
        if eos:
            ids.append(self.eos_id)
        return np.asarray(ids, dtype=np.int64)

    def decode(self, ids: Sequence[int] | np.ndarray, keep_unknown: str = "□") -> str:
        """The text of ``ids``: special tokens dropped, ``<unk>`` shown as ``keep_unknown``."""
        out = []
        n = len(self.itos)
        for i in np.asarray(ids, dtype=np.int64).reshape(-1).tolist():
            if not 0 <= i < n:
                raise IndexError(f"CharVocab.decode: id {i} is outside the vocabulary (size {n})")
            if i == self.unk_id:
                out.append(keep_unknown)
            elif i >= len(SPECIALS):
                out.append(self.itos[i])
        return "".join(out)

    def unknown(self, text: str) -> list[str]:
        """The distinct characters of ``text`` that are not in the vocabulary."""
        return sorted({ch for ch in text if ch not in self.stoi})

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON: ``{"kind": "char", "specials": [...], "chars": "..."}``."""
        return {"kind": "char", "specials": list(SPECIALS), "chars": "".join(self.chars)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CharVocab:
        """The vocabulary saved by :meth:`to_dict`; ``ValueError`` if it is not one."""
        if not isinstance(d, Mapping) or d.get("kind") != "char" or not isinstance(d.get("chars"), str):
            raise ValueError("not a saved character vocabulary (expected a dict with kind='char' and a "
                             "'chars' string)")
        if list(d.get("specials", [])) != list(SPECIALS):
            raise ValueError(f"saved vocabulary has special tokens {d.get('specials')!r}, expected "
                             f"{list(SPECIALS)!r}")
        return cls(d["chars"])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CharVocab) and self.itos == other.itos

    def __repr__(self) -> str:
        return f"CharVocab({len(self.chars)} characters + {len(SPECIALS)} special tokens)"
