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

``sampler=`` / ``batch_sampler=`` (``shenjing.data.sampler``) choose any other order, as in
PyTorch; an ``IterableDataset`` is batched from its iterator in turn.

**Resuming.** :meth:`DataLoader.state_dict` is plain JSON: the epoch, how many batches of it
were handed out, the states at the start of that epoch of the loader's generator and of every
``generator`` of its samplers (``sampler``, ``batch_sampler``, ``batch_sampler.sampler``, ...),
and the state of any random transform of the data set.  After :meth:`DataLoader.load_state_dict`
the generators are set back, the epoch's order is drawn again, the batches already handed out
are skipped (their data is not loaded) and the next ``iter`` continues with the next batch (or
starts the next epoch if it was finished), so a training run restarted from a checkpoint sees
exactly the samples, in exactly the order and augmentation, an uninterrupted run would.
This is exact for the default order, for the built-in samplers given a ``generator``, and for
any sampler whose order depends only on such generators.  Not covered: a random sampler with
``generator=None`` (it draws its seed from the global generator, whose state at the epoch's
start is not saved), a custom sampler with randomness of its own, and an ``IterableDataset``
whose stream is not the same when read again (the skipped batches are read again, not loaded).

**Speed.** If ``collate_fn`` is not given and the data set lives in memory -- it has a
``get_batch(indices)`` method (``TensorDataset``, ``Subset`` of such), or it is ``MNIST`` /
``FashionMNIST`` with no transform or transforms that all have a batched form
(``shenjing.data.transforms``) -- a batch is cut from the whole arrays with one fancy index
instead of one ``__getitem__`` call per sample.  The result is the same as the per-sample path
(``fast=False`` forces that one; ``fast=True`` demands the fast one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from ..creation import from_numpy
from ..random import Generator, get_rng
from ..tensor import Tensor
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler
from .transforms import supports_batch

__all__ = ["DataLoader", "batch_fetcher", "default_collate", "default_convert"]

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


def default_convert(data: Any) -> Any:
    """What the loader does to a sample when batching is off (``batch_size=None``), PyTorch-style:
    NumPy arrays and scalars become Tensors (arrays of strings stay), Tensors stay, and
    dicts, tuples (named ones too) and lists are converted item by item; anything else is
    returned unchanged."""
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray | np.generic):
        if data.dtype.kind in "USOV":
            return data
        arr = np.asarray(data)  # 0-d stays 0-d (np.ascontiguousarray would make it 1-d)
        return from_numpy(arr if arr.flags.c_contiguous else np.ascontiguousarray(arr))
    if isinstance(data, Mapping):
        return {k: default_convert(v) for k, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return tuple(default_convert(d) for d in data)
    if isinstance(data, list):
        return [default_convert(d) for d in data]
    return data


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


class _InfiniteConstantSampler(Sampler):
    """The sampler of an iterable-style data set: ``None`` forever (PyTorch's placeholder)."""

    def __iter__(self) -> Iterator[None]:
        while True:
            yield None


def _samplers_of(obj: Any) -> list[Any]:
    """``obj`` and the samplers it wraps (``.sampler``, ``.sampler.sampler``, ...)."""
    out: list[Any] = []
    while obj is not None and len(out) < 16 and all(o is not obj for o in out):
        out.append(obj)
        obj = getattr(obj, "sampler", None)
    return out


class DataLoader:
    """Iterate over ``dataset`` in batches of ``batch_size`` (see the module docstring).

    PyTorch's signature.  ``sampler`` (indices) or ``batch_sampler`` (lists of indices) replace
    the default order; ``batch_size=None`` turns batching off (each sample is converted to
    Tensors on its own).  An :class:`~shenjing.data.IterableDataset` is read from its iterator
    in turn (no sampler, no shuffle).  ``num_workers``, ``pin_memory``, ``timeout``,
    ``worker_init_fn``, ``multiprocessing_context``, ``prefetch_factor``, ``persistent_workers``,
    ``pin_memory_device`` and ``in_order`` are checked as PyTorch checks them and otherwise
    ignored: loading runs in the training process (in-memory data sets are sliced, which is
    faster than worker processes).  shenjing's own keywords: ``seed=`` (a private generator
    seeded with it) and ``fast=`` (see the module docstring).
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Sampler | Iterable[Any] | None = None,
        batch_sampler: Sampler | Iterable[Sequence[Any]] | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        generator: Generator | None = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
        seed: int | None = None,
        fast: bool | None = None,
    ) -> None:
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable "
                             "multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing.let "
                             "num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None.")
        if prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        if isinstance(batch_size, np.integer):
            batch_size = int(batch_size)
        if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int)
                                       or batch_size < 1):
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if generator is not None and seed is not None:
            raise ValueError("DataLoader: give seed or generator, not both")

        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            if shuffle not in {False, None}:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle option, "
                                 f"but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified sampler option, "
                                 f"but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified batch_sampler "
                                 f"option, but got batch_sampler={batch_sampler}")
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, "
                                 "sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive "
                             "with drop_last")

        if generator is None:
            if seed is None and shuffle:
                seed = int(get_rng().integers(0, 2**63 - 1))
            generator = Generator().manual_seed(0 if seed is None else seed)
        if sampler is None:
            if self._iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, bool(drop_last))

        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = bool(drop_last)
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        self.collate_fn = collate_fn
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.pin_memory_device = pin_memory_device
        self.in_order = in_order
        fetch = None
        if collate_fn is None and batch_sampler is not None and not self._iterable:
            fetch = batch_fetcher(dataset)
        if fast and fetch is None:
            raise ValueError(f"DataLoader(fast=True): {type(dataset).__name__} has no batched "
                             "access (or a collate_fn / per-sample transform / batch_size=None / iterable "
                             "data set was given)")
        self._fetch = fetch if fast is not False else None
        self._epoch = 0  # epochs started
        self._batches_done = 0  # batches handed out in the current epoch
        self._finished = False  # whether the current epoch's iterator ran out
        self._epoch_rng_states: list[dict[str, Any]] | None = None
        self._resume: tuple[Iterator[Any], int] | None = None

    # ------------------------------------------------------------------ sizes
    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self) -> Any:
        return self.batch_sampler if self._auto_collation else self.sampler

    def __len__(self) -> int:
        if self._iterable:
            n = len(self.dataset)  # TypeError when the data set has no __len__, as in PyTorch
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        return len(self._index_sampler)

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
    def _generators(self) -> list[Generator]:
        """The generators the order depends on: the loader's, then those of its samplers."""
        gens = [self.generator]
        for s in _samplers_of(self._index_sampler):
            g = getattr(s, "generator", None)
            if isinstance(g, Generator) and all(g is not h for h in gens):
                gens.append(g)
        return gens

    def _index_iter(self) -> Iterator[Any]:
        """One epoch of what the fetcher takes: index arrays / lists per batch, single indices
        (``batch_size=None``), or for an iterable data set lists of samples (or samples)."""
        if self._iterable:
            it = iter(self.dataset)
            if self.batch_size is None:
                return it
            return BatchSampler(it, self.batch_size, self.drop_last)._batch_lists(it)
        if isinstance(self.batch_sampler, BatchSampler):
            return self.batch_sampler._batch_arrays()  # built-in samplers draw the whole epoch now
        return iter(self._index_sampler)

    def __iter__(self) -> Iterator[Any]:
        if self._resume is not None:
            it, start = self._resume
            self._resume = None
        else:
            self._epoch += 1
            self._epoch_rng_states = [g.get_state() for g in self._generators()]
            it, start = self._index_iter(), 0
        self._batches_done = start
        self._finished = False
        return self._batches(it, start)

    def _batches(self, it: Iterator[Any], start: int) -> Iterator[Any]:
        b = start
        for item in it:
            batch = self._make_batch(item)
            b += 1
            self._batches_done = b
            yield batch
        self._finished = True

    def _make_batch(self, item: Any) -> Any:
        if self._iterable:
            if self.batch_size is None:
                return (self.collate_fn or default_convert)(item)
            return (self.collate_fn or default_collate)(item)
        if not self._auto_collation:
            return (self.collate_fn or default_convert)(self.dataset[_index(item)])
        if self._fetch is not None:
            return [_to_tensor(a) for a in self._fetch(np.asarray(item, dtype=np.intp))]
        keys = [_index(i) for i in item]
        getitems = getattr(self.dataset, "__getitems__", None)
        samples = getitems(keys) if callable(getitems) else [self.dataset[k] for k in keys]
        return (self.collate_fn or default_collate)(samples)

    # ------------------------------------------------------------------ resume
    def _num_samples(self) -> int | None:
        try:
            return len(self.dataset)
        except TypeError:
            return None

    def state_dict(self) -> dict[str, Any]:
        """Where the loader stands, as plain JSON (see the module docstring)."""
        tf = _transform_of(self.dataset)
        states = (self._epoch_rng_states if self._epoch > 0 and self._epoch_rng_states is not None
                  else [g.get_state() for g in self._generators()])
        return {
            "version": STATE_VERSION,
            "num_samples": self._num_samples(),
            "batch_size": self.batch_size,
            "shuffle": self.shuffle,
            "drop_last": self.drop_last,
            "epoch": self._epoch,
            "batches_done": self._batches_done,
            "finished": self._finished,
            "rng_state": states[0],
            "sampler_rng_states": states[1:],
            "transform": tf.state_dict() if tf is not None else None,
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Continue from ``state``: the next ``iter`` resumes the epoch it describes."""
        if state.get("version") != STATE_VERSION:
            raise ValueError(f"DataLoader.load_state_dict: unknown state version "
                             f"{state.get('version')!r} (expected {STATE_VERSION})")
        mine = {"num_samples": self._num_samples(), "batch_size": self.batch_size,
                "shuffle": self.shuffle, "drop_last": self.drop_last}
        changed = [f"{k} {state.get(k)!r} -> {v!r}" for k, v in mine.items() if state.get(k) != v]
        gens = self._generators()
        saved = [state["rng_state"], *state.get("sampler_rng_states", [])]
        if len(saved) != len(gens):
            changed.append(f"generators {len(saved)} -> {len(gens)}")
        if changed:
            raise ValueError("DataLoader.load_state_dict: the data or loader settings differ "
                             "from the saved ones (" + "; ".join(changed) + ")")
        epoch, done = int(state["epoch"]), int(state["batches_done"])
        known = None if self._iterable and self._num_samples() is None else len(self)
        if epoch < 0 or done < 0 or (known is not None and done > known):
            raise ValueError(f"DataLoader.load_state_dict: bad position epoch={epoch}, "
                             f"batches_done={done} (an epoch has {known} batches)")
        for g, st in zip(gens, saved):
            g.set_state(dict(st))
        self._epoch, self._batches_done = epoch, done
        self._resume = None
        self._finished = False
        self._epoch_rng_states = None
        if epoch > 0:
            self._epoch_rng_states = [g.get_state() for g in gens]
            finished = done == known if known is not None else bool(state.get("finished", False))
            if finished and self._iterable:
                self._finished = True  # nothing random to replay: the next iter starts a new epoch
            else:
                # replay the epoch's order (advancing the generators exactly as the first run did)
                # and skip the batches already handed out, without loading their data
                it = self._index_iter()
                for _ in range(done):
                    if next(it, _END) is _END:
                        break
                if finished:
                    for _ in it:  # a lazy sampler draws the rest of the epoch as the first run did
                        pass
                    self._finished = True
                else:
                    self._resume = (it, done)
        tf = _transform_of(self.dataset)
        if state.get("transform") is not None:
            if tf is None:
                raise ValueError("DataLoader.load_state_dict: the saved state has a transform "
                                 "state but the data set has no stateful transform")
            tf.load_state_dict(state["transform"])

    def __repr__(self) -> str:
        size = self._num_samples()
        return (f"DataLoader({type(self.dataset).__name__} of {'?' if size is None else size}, "
                f"batch_size={self.batch_size}, shuffle={self.shuffle}, "
                f"drop_last={self.drop_last}, fast={self.fast})")


_END = object()


def _index(i: Any) -> Any:
    """A NumPy integer index as a Python int; any other key (a custom sampler's) unchanged."""
    return int(i) if isinstance(i, np.integer) else i
