"""Data sets as PyTorch has them: ``Dataset``, ``IterableDataset``, ``TensorDataset``, ``Subset``,
``ConcatDataset``, ``ChainDataset``, ``StackDataset``, ``random_split``.

A data set is anything with ``__len__`` and ``__getitem__(i) -> sample``.  Data sets that keep
everything in memory may also offer ``get_batch(indices) -> tuple of arrays``: the
:class:`~shenjing.data.loader.DataLoader` then slices whole arrays at once instead of calling
``__getitem__`` once per sample in Python, which is what makes an MNIST epoch fast.  The classes
here all provide it (``Subset`` when the data set under it does).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from ..random import Generator, get_rng
from ..tensor import Tensor

__all__ = ["ChainDataset", "ConcatDataset", "Dataset", "IterableDataset", "StackDataset", "Subset", "TensorDataset",
           "random_split"]


class Dataset:
    """Base class of map-style data sets: override ``__getitem__`` and (for the default samplers
    and ``len(loader)``) ``__len__``.  As in PyTorch there is no default ``__len__``, so
    ``len()`` of a data set without one raises ``TypeError``."""

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other: Any) -> ConcatDataset:
        return ConcatDataset([self, other])

    def __class_getitem__(cls, item: Any) -> type:  # Dataset[int], as in PyTorch's annotations
        return cls


class IterableDataset(Dataset):
    """Base class of data sets that are a stream of samples: override ``__iter__``.

    The :class:`~shenjing.data.loader.DataLoader` takes samples from ``iter(dataset)`` in turn
    (no sampler, no shuffling).  ``len()`` works only if the subclass defines ``__len__``.
    """

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} is an IterableDataset: iterate over it "
                                  "instead of indexing it")

    def __add__(self, other: Any) -> ChainDataset:  # type: ignore[override]
        return ChainDataset([self, other])


def _as_array(x: Any) -> np.ndarray:
    if isinstance(x, Tensor):
        return x.detach().data
    return np.asarray(x)


def _check_index(index: Any, n: int, who: str) -> int:
    if isinstance(index, bool) or not isinstance(index, int | np.integer):
        raise TypeError(f"{who} index must be an integer, got {type(index).__name__}")
    i = int(index)
    if not -n <= i < n:
        raise IndexError(f"{who} index {i} out of range for {n} items")
    return i + n if i < 0 else i


def _check_indices(indices: Any, n: int, who: str) -> np.ndarray:
    idx = np.asarray(indices)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{who}: indices must be integers, got dtype {idx.dtype}")
    idx = idx.astype(np.intp, copy=False)
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = idx[(idx < -n) | (idx >= n)][0]
        raise IndexError(f"{who}: index {int(bad)} out of range for {n} items")
    return idx


class TensorDataset(Dataset):
    """Samples are the i-th rows of equally long arrays: ``TensorDataset(images, labels)``.

    Accepts shenjing Tensors or NumPy arrays (kept as NumPy arrays in :attr:`arrays`, without
    a copy); ``ds[i]`` returns a tuple with one item per array.
    """

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        arrays = tuple(_as_array(t) for t in tensors)
        for k, a in enumerate(arrays):
            if a.ndim == 0:
                raise ValueError(f"TensorDataset: tensor {k} is 0-dimensional; it needs a first "
                                 "(sample) dimension")
        sizes = [a.shape[0] for a in arrays]
        if len(set(sizes)) != 1:
            raise ValueError(f"TensorDataset: size mismatch between tensors: first dimensions "
                             f"are {sizes}")
        self.arrays: tuple[np.ndarray, ...] = arrays

    @property
    def tensors(self) -> tuple[Tensor, ...]:
        """The arrays as shenjing Tensors (PyTorch's attribute name)."""
        return tuple(Tensor(a) for a in self.arrays)

    def __len__(self) -> int:
        return int(self.arrays[0].shape[0])

    def __getitem__(self, index: int) -> tuple[Any, ...]:
        i = _check_index(index, len(self), "TensorDataset")
        return tuple(a[i] for a in self.arrays)

    def get_batch(self, indices: Any) -> tuple[np.ndarray, ...]:
        """The samples at ``indices``, one array per field, sliced in one go."""
        idx = _check_indices(indices, len(self), "TensorDataset")
        return tuple(a[idx] for a in self.arrays)


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset: Any, indices: Sequence[int] | np.ndarray) -> None:
        self.dataset = dataset
        self.indices = _check_indices(np.asarray(indices, dtype=np.int64).reshape(-1),
                                      len(dataset), "Subset")

    def __len__(self) -> int:
        return int(self.indices.shape[0])

    def __getitem__(self, index: int) -> Any:
        i = _check_index(index, len(self), "Subset")
        return self.dataset[int(self.indices[i])]

    def get_batch(self, indices: Any) -> tuple[np.ndarray, ...]:
        """Batched access, available when the underlying data set has it (see the loader)."""
        from .loader import batch_fetcher

        fetch = batch_fetcher(self.dataset)
        if fetch is None:
            raise TypeError(f"Subset of {type(self.dataset).__name__}: the data set has no "
                            "batched access")
        idx = _check_indices(indices, len(self), "Subset")
        return fetch(self.indices[idx])


class ConcatDataset(Dataset):
    """Several map-style data sets one after the other."""

    @staticmethod
    def cumsum(sequence: Iterable[Any]) -> list[int]:
        """The running total of the lengths of ``sequence``'s items."""
        out, total = [], 0
        for e in sequence:
            total += len(e)
            out.append(total)
        return out

    def __init__(self, datasets: Iterable[Any]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise AssertionError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise AssertionError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = self.cumsum(self.datasets)

    def __len__(self) -> int:
        return int(self.cumulative_sizes[-1])

    def __getitem__(self, index: int) -> Any:
        if isinstance(index, int | np.integer) and not isinstance(index, bool) and -index > len(self):
            raise ValueError("absolute value of index should not exceed dataset length")
        i = _check_index(index, len(self), "ConcatDataset")
        k = int(np.searchsorted(self.cumulative_sizes, i, side="right"))
        start = 0 if k == 0 else self.cumulative_sizes[k - 1]
        return self.datasets[k][i - start]


class ChainDataset(IterableDataset):
    """Several ``IterableDataset`` streams one after the other, chained on the fly."""

    def __init__(self, datasets: Iterable[Any]) -> None:
        self.datasets = datasets

    def __iter__(self) -> Iterator[Any]:
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            yield from d

    def __len__(self) -> int:
        total = 0
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            total += len(d)
        return total


class StackDataset(Dataset):
    """Equally long data sets side by side: ``StackDataset(a, b)[i] == (a[i], b[i])``, or with
    keywords ``StackDataset(x=a, y=b)[i] == {"x": a[i], "y": b[i]}``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args:
            if kwargs:
                raise ValueError("Supported either ``tuple``- (via ``args``) or``dict``- (via ``kwargs``) like "
                                 "input/output, but both types are given.")
            self._length = len(args[0])
            if any(self._length != len(d) for d in args):
                raise ValueError("Size mismatch between datasets")
            self.datasets: tuple[Any, ...] | dict[str, Any] = args
        elif kwargs:
            parts = list(kwargs.values())
            self._length = len(parts[0])
            if any(self._length != len(d) for d in parts):
                raise ValueError("Size mismatch between datasets")
            self.datasets = kwargs
        else:
            raise ValueError("At least one dataset should be passed")

    def __getitem__(self, index: int) -> Any:
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __getitems__(self, indices: list[int]) -> list[Any]:
        """The samples at ``indices`` (what the loader asks for when there is no batched access)."""
        return [self[i] for i in indices]

    def __len__(self) -> int:
        return self._length


def random_split(dataset: Any, lengths: Sequence[int | float], generator: Generator | None = None,
                 *, seed: int | None = None) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random subsets of the given lengths.

    ``lengths`` are counts summing to ``len(dataset)``, or fractions summing to 1 (then the
    remainder left by flooring is handed out one by one, round-robin, as PyTorch does).  The
    permutation comes from ``generator``, else a fresh one seeded with ``seed``, else the global
    generator (``shenjing.manual_seed``).
    """
    n = len(dataset)
    lengths = list(lengths)
    if not lengths:
        raise ValueError("random_split: lengths must not be empty")
    if all(isinstance(x, float) for x in lengths) and math.isclose(sum(lengths), 1.0):
        if any(x < 0 for x in lengths):
            raise ValueError(f"random_split: fractions must be non-negative, got {lengths}")
        counts = [int(math.floor(n * f)) for f in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
    else:
        if any(isinstance(x, float) for x in lengths) or any(int(x) < 0 for x in lengths):
            raise ValueError(f"random_split: lengths must be non-negative integers summing to "
                             f"{n} or fractions summing to 1, got {lengths}")
        counts = [int(x) for x in lengths]
    if sum(counts) != n:
        raise ValueError(f"random_split: the lengths sum to {sum(counts)} but the data set has "
                         f"{n} samples")
    if generator is None and seed is not None:
        generator = Generator().manual_seed(seed)
    perm = get_rng(generator).permutation(n)
    out, start = [], 0
    for c in counts:
        out.append(Subset(dataset, perm[start:start + c]))
        start += c
    return out
