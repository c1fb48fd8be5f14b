"""Samplers as PyTorch has them (``torch.utils.data.sampler``): which indices, in which order.

A sampler is an iterable of indices (``Sampler``), or of lists of indices (``BatchSampler``).
Random samplers draw from their ``generator`` (a :class:`shenjing.Generator`); with
``generator=None`` they draw from a fresh generator seeded from the global one at each ``iter``
(as PyTorch does), so ``shenjing.manual_seed`` fixes the order.

The built-in samplers draw a whole pass at once when it starts (``_index_array``), so how far
their generator has advanced depends only on how many passes were started: this is what lets
the :class:`~shenjing.data.loader.DataLoader` resume an epoch exactly from its ``state_dict``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import Any

import numpy as np

from ..random import Generator, get_rng
from ..tensor import Tensor

__all__ = ["BatchSampler", "RandomSampler", "Sampler", "SequentialSampler", "SubsetRandomSampler",
           "WeightedRandomSampler"]


class Sampler:
    """Base class of samplers: override ``__iter__`` (indices) and, optionally, ``__len__``."""

    def __init__(self, data_source: Sized | None = None) -> None:
        pass

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError

    def __class_getitem__(cls, item: Any) -> type:  # Sampler[int], as in PyTorch's annotations
        return cls


def _epoch_rng(generator: Generator | None) -> np.random.Generator:
    """The generator's NumPy rng, or (generator None) a fresh one seeded from the global one."""
    if generator is not None:
        return get_rng(generator)
    seed = int(get_rng().integers(0, 2**63 - 1))
    return np.random.default_rng(seed)


class SequentialSampler(Sampler):
    """``0, 1, ..., len(data_source) - 1``, always in that order."""

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def _index_array(self) -> np.ndarray:
        return np.arange(len(self.data_source))

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """Random indices into ``data_source``: a fresh permutation per pass (``num_samples`` longer
    than the data set takes several permutations one after the other), or, with
    ``replacement=True``, ``num_samples`` independent uniform draws."""

    def __init__(self, data_source: Sized, replacement: bool = False, num_samples: int | None = None,
                 generator: Generator | None = None) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got "
                            f"replacement={self.replacement}")
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={self.num_samples}")

    @property
    def num_samples(self) -> int:
        if self._num_samples is None:
            return len(self.data_source)
        return self._num_samples

    def _index_array(self) -> np.ndarray:
        n, k = len(self.data_source), self.num_samples
        rng = _epoch_rng(self.generator)
        if self.replacement:
            return rng.integers(0, n, size=k, dtype=np.int64)
        if k == n:
            return rng.permutation(n)  # the DataLoader(shuffle=True) order
        perms = [rng.permutation(n) for _ in range(k // n)]
        perms.append(rng.permutation(n)[:k % n])
        return np.concatenate(perms)

    def __iter__(self) -> Iterator[int]:
        return iter(self._index_array().tolist())

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in a random order (a fresh permutation per pass)."""

    def __init__(self, indices: Sequence[int], generator: Generator | None = None) -> None:
        self.indices = indices
        self.generator = generator

    def _index_array(self) -> np.ndarray:
        perm = _epoch_rng(self.generator).permutation(len(self.indices))
        return np.asarray(self.indices)[perm] if len(self.indices) else np.zeros(0, np.int64)

    def __iter__(self) -> Iterator[int]:
        for i in _epoch_rng(self.generator).permutation(len(self.indices)).tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices into ``weights``, index ``i`` drawn with probability proportional to
    ``weights[i]``; without replacement each index comes at most once (like ``multinomial``)."""

    def __init__(self, weights: Sequence[float], num_samples: int, replacement: bool = True,
                 generator: Generator | None = None) -> None:
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        w = weights.detach().data if isinstance(weights, Tensor) else weights
        w = np.asarray(w, dtype=np.float64)
        if w.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape {tuple(w.shape)}")
        self.weights = Tensor(w)
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def _index_array(self) -> np.ndarray:
        w = self.weights.data
        if w.size == 0 or not np.all(np.isfinite(w)) or np.any(w < 0):
            raise RuntimeError("WeightedRandomSampler: weights must be finite and non-negative, "
                               "with at least one element")
        total = w.sum()
        if total <= 0:
            raise RuntimeError("WeightedRandomSampler: invalid multinomial distribution (sum of "
                               "probabilities <= 0)")
        if not self.replacement and self.num_samples > np.count_nonzero(w):
            raise RuntimeError(f"WeightedRandomSampler: cannot sample num_samples={self.num_samples} "
                               f"> the number of categories with a non-zero weight "
                               f"({np.count_nonzero(w)}) without replacement")
        rng = _epoch_rng(self.generator)
        if self.replacement:
            cdf = np.cumsum(w / total)
            cdf[-1] = 1.0
            idx = np.searchsorted(cdf, rng.random(self.num_samples), side="right")
            # an index after a run of zero weights at the end can't be drawn: clip to the last positive
            return np.minimum(idx, int(np.flatnonzero(w)[-1])).astype(np.int64)
        # without replacement: the Gumbel-top-k (exponential race) trick, as multinomial does
        keys = rng.exponential(size=w.size)
        with np.errstate(divide="ignore"):
            keys = np.where(w > 0, keys / np.where(w > 0, w, 1.0), np.inf)
        return np.argsort(keys, kind="stable")[:self.num_samples].astype(np.int64)

    def __iter__(self) -> Iterator[int]:
        return iter(self._index_array().tolist())

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Group the indices of ``sampler`` (any iterable) into lists of ``batch_size``; the last,
    shorter list is left out with ``drop_last``."""

    def __init__(self, sampler: Sampler | Iterable[int], batch_size: int, drop_last: bool) -> None:
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def _batch_arrays(self) -> Iterator[np.ndarray]:
        """The batches as index arrays; the whole pass is drawn when this is called."""
        fast = getattr(self.sampler, "_index_array", None)
        bs = self.batch_size
        if callable(fast):
            order = np.asarray(fast())
            stop = len(order) - len(order) % bs if self.drop_last else len(order)
            return (order[i:i + bs] for i in range(0, stop, bs))
        return (np.asarray(b) for b in self._batch_lists(iter(self.sampler)))

    def _batch_lists(self, sampler_iter: Iterator[Any]) -> Iterator[list[Any]]:
        if self.drop_last:
            for batch in zip(*([sampler_iter] * self.batch_size)):
                yield [*batch]
        else:
            batch = [*itertools.islice(sampler_iter, self.batch_size)]
            while batch:
                yield batch
                batch = [*itertools.islice(sampler_iter, self.batch_size)]

    def __iter__(self) -> Iterator[list[Any]]:
        fast = getattr(self.sampler, "_index_array", None)
        if callable(fast):
            return (b.tolist() for b in self._batch_arrays())
        return self._batch_lists(iter(self.sampler))

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size
