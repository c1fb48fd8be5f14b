"""Batches of sequences of different lengths, as ``torch.nn.utils.rnn`` has them.

A ``PackedSequence`` holds the steps of every sequence, time step by time step, with the longest
sequences first: ``data`` is ``(Σ lengths, *)`` and ``batch_sizes[t]`` says how many sequences are
still running at step t.  ``RNN``, ``LSTM`` and ``GRU`` accept one and stop each sequence at its own
length (its final state is its ``h_n``), instead of running on over the padding.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ...ops import shape as _shape
from ...tensor import Tensor

__all__ = ["PackedSequence", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence", "pack_sequence",
           "invert_permutation"]


class PackedSequence(NamedTuple):
    """``data`` (Σ lengths, *), ``batch_sizes`` (longest length,) int64, and the permutation that
    sorted the batch by decreasing length (``None`` when it came sorted) with its inverse."""

    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None = None
    unsorted_indices: Tensor | None = None


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The permutation that undoes ``permutation``."""
    if permutation is None:
        return None
    p = np.asarray(permutation.data if isinstance(permutation, Tensor) else permutation)
    inverse = np.empty_like(p)
    inverse[p] = np.arange(len(p))
    return Tensor(inverse)


def segments(batch_sizes: np.ndarray) -> list[tuple[int, int, int]]:
    """Runs of steps with the same number of running sequences: ``(first step, end, count)``."""
    out = []
    t0 = 0
    for t in range(1, len(batch_sizes) + 1):
        if t == len(batch_sizes) or batch_sizes[t] != batch_sizes[t0]:
            out.append((t0, t, int(batch_sizes[t0])))
            t0 = t
    return out


def _lengths(lengths, batch: int) -> np.ndarray:
    a = np.asarray(lengths.data if isinstance(lengths, Tensor) else lengths)
    if a.ndim != 1 or a.dtype.kind not in "iu":
        raise ValueError(f"pack_padded_sequence: lengths must be a 1-D list or tensor of ints, got {a.dtype} "
                         f"of shape {list(a.shape)}")
    if len(a) != batch:
        raise ValueError(f"pack_padded_sequence: {len(a)} lengths for a batch of {batch} sequences")
    if (a <= 0).any():
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' "
                           "that is <= 0")
    return a.astype(np.int64)


def pack_padded_sequence(input: Tensor, lengths, batch_first: bool = False,  # noqa: A002
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch ``(T, B, *)`` (``(B, T, *)`` with ``batch_first``) whose sequence b has
    ``lengths[b]`` real steps.  With ``enforce_sorted`` the lengths must already decrease."""
    if not isinstance(input, Tensor):
        raise TypeError(f"pack_padded_sequence: input must be a Tensor, got {type(input).__name__}")
    if input.ndim < 2:
        raise ValueError(f"pack_padded_sequence: input needs a time and a batch dim, got shape {list(input.shape)}")
    x = input.transpose(0, 1) if batch_first else input
    lens = _lengths(lengths, x.shape[1])
    if lens.max() > x.shape[0]:
        raise RuntimeError(f"pack_padded_sequence: a length of {lens.max()} is longer than the {x.shape[0]} "
                           "steps of the input")
    sorted_indices = unsorted_indices = None
    if enforce_sorted:
        if (np.diff(lens) > 0).any():
            raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. "
                               "You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence "
                               "to sidestep this requirement.")
    else:
        order = np.argsort(-lens, kind="stable")
        lens = lens[order]
        x = x[:, order]
        sorted_indices = Tensor(order)
        unsorted_indices = invert_permutation(sorted_indices)
    batch_sizes = (lens[None, :] > np.arange(lens[0])[:, None]).sum(axis=1)
    pieces = [x[t0:t1, :n].reshape(((t1 - t0) * n,) + tuple(x.shape[2:])) for t0, t1, n in segments(batch_sizes)]
    data = pieces[0] if len(pieces) == 1 else _shape.cat(pieces, 0)
    return PackedSequence(data, Tensor(batch_sizes.astype(np.int64)), sorted_indices, unsorted_indices)


def _padded_sorted(sequence: PackedSequence, padding_value: float = 0.0, total_length: int | None = None) -> Tensor:
    """The packed steps as a padded time-major batch ``(T, B, *)``, still sorted by length."""
    data, bs = sequence.data, np.asarray(sequence.batch_sizes.data)
    batch, feat = int(bs[0]), tuple(data.shape[1:])
    steps = len(bs) if total_length is None else total_length
    pieces, off = [], 0
    for t0, t1, n in segments(bs):
        block = data[off: off + (t1 - t0) * n].reshape((t1 - t0, n) + feat)
        off += (t1 - t0) * n
        if n < batch:
            pad = Tensor(np.full((t1 - t0, batch - n) + feat, padding_value, dtype=data.data.dtype))
            block = _shape.cat([block, pad], 1)
        pieces.append(block)
    if steps > len(bs):
        pieces.append(Tensor(np.full((steps - len(bs), batch) + feat, padding_value, dtype=data.data.dtype)))
    return pieces[0] if len(pieces) == 1 else _shape.cat(pieces, 0)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple[Tensor, Tensor]:
    """Undo ``pack_padded_sequence``: the padded batch in the original order, and the lengths."""
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"pad_packed_sequence: expected a PackedSequence, got {type(sequence).__name__}")
    bs = np.asarray(sequence.batch_sizes.data)
    if total_length is not None and total_length < len(bs):
        raise ValueError("Expected total_length to be at least the length of the longest sequence in input, "
                         f"but got total_length={total_length} and max sequence length being {len(bs)}")
    padded = _padded_sorted(sequence, padding_value, total_length)
    lengths = (bs[None, :] > np.arange(bs[0])[:, None]).sum(axis=1).astype(np.int64)
    if sequence.unsorted_indices is not None:
        order = np.asarray(sequence.unsorted_indices.data)
        padded, lengths = padded[:, order], lengths[order]
    return (padded.transpose(0, 1) if batch_first else padded), Tensor(lengths)


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0) -> Tensor:
    """Stack sequences of shapes ``(Lᵢ, *)`` into ``(max L, B, *)`` (``(B, max L, *)`` with
    ``batch_first``), padding the short ones with ``padding_value`` at the end."""
    seqs = list(sequences)
    if not seqs:
        raise ValueError("pad_sequence: received an empty list of sequences")
    longest = max(s.shape[0] for s in seqs)
    rows = []
    for s in seqs:
        if s.shape[1:] != seqs[0].shape[1:]:
            raise RuntimeError(f"pad_sequence: sequences differ beyond their length: {list(seqs[0].shape)} and "
                               f"{list(s.shape)}")
        if s.shape[0] < longest:
            pad = Tensor(np.full((longest - s.shape[0],) + tuple(s.shape[1:]), padding_value, dtype=s.data.dtype))
            s = _shape.cat([s, pad], 0)
        rows.append(s)
    return _shape.stack(rows, 0 if batch_first else 1)


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences ``(Lᵢ, *)`` (by default longest first)."""
    seqs = list(sequences)
    return pack_padded_sequence(pad_sequence(seqs), [s.shape[0] for s in seqs], enforce_sorted=enforce_sorted)
