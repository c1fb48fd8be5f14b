"""``DataLoader``: batches of a data set as shenjing Tensors, in a reproducible (and resumable)
order.

::

    loader = DataLoader(train_set, batch_size=128, shuffle=True, seed=0)
    for images, labels in loader:          # Tensors: (128, ...) and (128,)
        ...

**Order.** Without ``shuffle`` the samples come in order.  With it, each epoch (each
``iter(loader)``) draws a fresh permutation from the loader's generator: ``generator=`` (a
:class:`shenjing.Generator`), else a private one seeded with ``seed=``, else a private one seeded
from the global generator when the loader is made (so ``shenjing.manual_seed`` fixes it).
Every sample appears exactly once per epoch; with ``drop_last`` the last, partial batch is left
out, otherwise it comes last and is smaller.

**Resuming.** :meth:`DataLoader.state_dict` is plain JSON: the epoch, how many batches of it
were handed out, the generator's state at the start of that epoch and the state of any random
transform of the data set.  After :meth:`DataLoader.load_state_dict` the next ``iter`` continues
that epoch with the next batch (or starts the next epoch if it was finished), so a training run
restarted from a checkpoint sees exactly the samples, in exactly the order and augmentation, an
uninterrupted run would.

**Speed.** If ``collate_fn`` is not given and the data set lives in memory -- it has a
``get_batch(indices)`` method (``TensorDataset``, ``Subset`` of such), or it is ``MNIST`` /
``FashionMNIST`` with no transform or transforms that all have a batched form
(``shenjing.data.transforms``) -- a batch is cut from the whole arrays with one fancy index
instead of one ``__getitem__`` call per sample.  The result is the same as the per-sample path
(``fast=False`` forces that one; ``fast=True`` demands the fast one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from ..creation import from_numpy
from ..random import Generator, get_rng
from ..tensor import Tensor
from .transforms import supports_batch

__all__ = ["DataLoader", "batch_fetcher", "default_collate"]

STATE_VERSION = 1


def _to_tensor(x: Any) -> Tensor:
    if isinstance(x, Tensor):
        return x
    return from_numpy(np.ascontiguousarray(np.asarray(x)))


def default_collate(samples: Sequence[Any]) -> Any:
    """Stack a list of samples into a batch, PyTorch-style.

    Arrays and Tensors are stacked along a new first axis, Python ints become an int64 Tensor,
    floats a float32 one, bools a bool one; tuples and lists are collated field by field (a
    list comes back), dicts key by key.  Strings are returned as a list.
    """
    if len(samples) == 0:
        raise ValueError("default_collate: empty batch")
    first = samples[0]
    if isinstance(first, Tensor):
        return from_numpy(np.stack([s.detach().data for s in samples]))
    if isinstance(first, np.ndarray | np.generic):
        return _to_tensor(np.stack([np.asarray(s) for s in samples]))
    if isinstance(first, bool):
        return from_numpy(np.array(samples, dtype=np.bool_))
    if isinstance(first, int):
        return from_numpy(np.array(samples, dtype=np.int64))
    if isinstance(first, float):
        return from_numpy(np.array(samples, dtype=np.float32))
    if isinstance(first, str | bytes):
        return list(samples)
    if isinstance(first, Mapping):
        return {k: default_collate([s[k] for s in samples]) for k in first}
    if isinstance(first, tuple | list):
        sizes = {len(s) for s in samples}
        if len(sizes) != 1:
            raise ValueError(f"default_collate: samples have different numbers of fields {sizes}")
        return [default_collate(list(field)) for field in zip(*samples)]
    raise TypeError(f"default_collate: cannot batch samples of type {type(first).__name__}")


def _mnist_like(dataset: Any) -> bool:
    from .mnist import MNIST, FashionMNIST

    if not isinstance(dataset, MNIST | FashionMNIST):
        return False
    # a subclass that changed how one sample is made must go through that code
    return type(dataset).__getitem__ is MNIST.__getitem__


def batch_fetcher(dataset: Any) -> Callable[[np.ndarray], tuple[np.ndarray, ...]] | None:
    """A function ``indices -> tuple of batch arrays`` that gives what collating the samples
    at ``indices`` would give, or ``None`` if ``dataset`` has no batched access."""
    from .dataset import Subset

    if isinstance(dataset, Subset):
        if batch_fetcher(dataset.dataset) is None:
            return None
        return dataset.get_batch
    if _mnist_like(dataset):
        tf, ttf = dataset.transform, dataset.target_transform
        if not (supports_batch(tf) and supports_batch(ttf)):
            return None
        data, targets = dataset.data, dataset.targets

        def fetch(idx: np.ndarray) -> tuple[np.ndarray, ...]:
            images = data[idx]
            labels = targets[idx]
            if tf is not None:
                images = tf.batch(images)
            if ttf is not None:
                labels = ttf.batch(labels)
            return images, labels

        return fetch
    get_batch = getattr(dataset, "get_batch", None)
    return get_batch if callable(get_batch) else None


def _transform_of(dataset: Any) -> Any:
    """The transform object of ``dataset`` (looking through Subsets), if it has state."""
    seen = 0
    while dataset is not None and seen < 32:
        tf = getattr(dataset, "transform", None)
        if tf is not None and callable(getattr(tf, "state_dict", None)):
            return tf
        dataset = getattr(dataset, "dataset", None)
        seen += 1
    return None


class DataLoader:
    """Iterate over ``dataset`` in batches of ``batch_size`` (see the module docstring).

    ``num_workers`` is accepted for PyTorch compatibility and ignored: loading runs in the
    training process (in-memory data sets are sliced, which is faster than worker processes).
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int = 1,
        shuffle: bool = False,
        *,
        seed: int | None = None,
        generator: Generator | None = None,
        drop_last: bool = False,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        fast: bool | None = None,
        num_workers: int = 0,
    ) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer) \
                or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, got "
                             f"{batch_size!r}")
        if generator is not None and seed is not None:
            raise ValueError("DataLoader: give seed or generator, not both")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.collate_fn = collate_fn
        self.num_workers = num_workers
        if generator is None:
            if seed is None and self.shuffle:
                seed = int(get_rng().integers(0, 2**63 - 1))
            generator = Generator().manual_seed(0 if seed is None else seed)
        self.generator = generator
        fetch = batch_fetcher(dataset) if collate_fn is None else None
        if fast and fetch is None:
            raise ValueError(f"DataLoader(fast=True): {type(dataset).__name__} has no batched "
                             "access (or a collate_fn / per-sample transform was given)")
        self._fetch = fetch if fast is not False else None
        self._epoch = 0  # epochs started
        self._batches_done = 0  # batches handed out in the current epoch
        self._epoch_rng_state: dict[str, Any] | None = None
        self._resume: tuple[np.ndarray, int] | None = None

    # ------------------------------------------------------------------ sizes
    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    @property
    def fast(self) -> bool:
        """Whether batches are sliced from whole arrays (rather than made sample by sample)."""
        return self._fetch is not None

    @property
    def epoch(self) -> int:
        """How many epochs have been started (``iter`` calls that began a new epoch)."""
        return self._epoch

    @property
    def batches_done(self) -> int:
        """How many batches of the current epoch have been handed out."""
        return self._batches_done

    # ------------------------------------------------------------------ iteration
    def _order(self) -> np.ndarray:
        n = len(self.dataset)
        if self.shuffle:
            return self.generator.rng.permutation(n)
        return np.arange(n)

    def __iter__(self) -> Iterator[Any]:
        if self._resume is not None:
            order, start = self._resume
            self._resume = None
        else:
            self._epoch += 1
            self._epoch_rng_state = self.generator.get_state() if self.shuffle else None
            order, start = self._order(), 0
        self._batches_done = start
        return self._batches(order, start)

    def _batches(self, order: np.ndarray, start: int) -> Iterator[Any]:
        bs = self.batch_size
        for b in range(start, len(self)):
            idx = order[b * bs:(b + 1) * bs]
            batch = self._make_batch(idx)
            self._batches_done = b + 1
            yield batch

    def _make_batch(self, idx: np.ndarray) -> Any:
        if self._fetch is not None:
            return [_to_tensor(a) for a in self._fetch(idx)]
        samples = [self.dataset[int(i)] for i in idx]
        collate = self.collate_fn or default_collate
        return collate(samples)

    # ------------------------------------------------------------------ resume
    def state_dict(self) -> dict[str, Any]:
        """Where the loader stands, as plain JSON (see the module docstring)."""
        tf = _transform_of(self.dataset)
        return {
            "version": STATE_VERSION,
            "num_samples": len(self.dataset),
            "batch_size": self.batch_size,
            "shuffle": self.shuffle,
            "drop_last": self.drop_last,
            "epoch": self._epoch,
            "batches_done": self._batches_done,
            "rng_state": (self._epoch_rng_state if self._epoch > 0 and self.shuffle
                          else self.generator.get_state()),
            "transform": tf.state_dict() if tf is not None else None,
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Continue from ``state``: the next ``iter`` resumes the epoch it describes."""
        if state.get("version") != STATE_VERSION:
            raise ValueError(f"DataLoader.load_state_dict: unknown state version "
                             f"{state.get('version')!r} (expected {STATE_VERSION})")
        mine = {"num_samples": len(self.dataset), "batch_size": self.batch_size,
                "shuffle": self.shuffle, "drop_last": self.drop_last}
        changed = [f"{k} {state.get(k)!r} -> {v!r}" for k, v in mine.items() if state.get(k) != v]
        if changed:
            raise ValueError("DataLoader.load_state_dict: the data or loader settings differ "
                             "from the saved ones (" + "; ".join(changed) + ")")
        epoch, done = int(state["epoch"]), int(state["batches_done"])
        if not 0 <= done <= len(self) or epoch < 0:
            raise ValueError(f"DataLoader.load_state_dict: bad position epoch={epoch}, "
                             f"batches_done={done} (an epoch has {len(self)} batches)")
        self.generator.set_state(dict(state["rng_state"]))
        self._epoch, self._batches_done = epoch, done
        self._resume = None
        self._epoch_rng_state = None
        if epoch > 0:
            self._epoch_rng_state = self.generator.get_state() if self.shuffle else None
            order = self._order()  # advances the generator exactly as the first run did
            if done < len(self):
                self._resume = (order, done)
        tf = _transform_of(self.dataset)
        if state.get("transform") is not None:
            if tf is None:
                raise ValueError("DataLoader.load_state_dict: the saved state has a transform "
                                 "state but the data set has no stateful transform")
            tf.load_state_dict(state["transform"])

    def __repr__(self) -> str:
        return (f"DataLoader({type(self.dataset).__name__} of {len(self.dataset)}, "
                f"batch_size={self.batch_size}, shuffle={self.shuffle}, "
                f"drop_last={self.drop_last}, fast={self.fast})")
