"""shenjing.data against torch.utils.data where the behaviour is deterministic: index sequences,
lengths, the contents of combined data sets, iterable-style batching, and the errors raised."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.utils.data as td

import shenjing as sj
from shenjing.utils import data as sd


class _SjRange(sd.IterableDataset):
    def __init__(self, a: int, b: int, with_len: bool = True) -> None:
        self.a, self.b, self.with_len = a, b, with_len

    def __iter__(self):
        return iter(range(self.a, self.b))

    def __len__(self) -> int:
        if not self.with_len:
            raise TypeError("object of type 'Range' has no len()")
        return self.b - self.a


class _ThRange(td.IterableDataset):
    def __init__(self, a: int, b: int, with_len: bool = True) -> None:
        self.a, self.b, self.with_len = a, b, with_len

    def __iter__(self):
        return iter(range(self.a, self.b))

    def __len__(self) -> int:
        if not self.with_len:
            raise TypeError("object of type 'Range' has no len()")
        return self.b - self.a


class _SjNoLen(sd.IterableDataset):
    def __iter__(self):
        return iter(range(4))


class _ThNoLen(td.IterableDataset):
    def __iter__(self):
        return iter(range(4))


# the same class names on both sides, so that messages naming the type can be compared
_SjRange.__name__ = _ThRange.__name__ = "Range"
_SjNoLen.__name__ = _ThNoLen.__name__ = "NoLen"


def _same_error(sj_call, th_call):
    with pytest.raises(Exception) as th_err:
        th_call()
    with pytest.raises(Exception) as sj_err:
        sj_call()
    assert type(sj_err.value) is type(th_err.value), f"{type(sj_err.value)} vs torch {type(th_err.value)}"
    assert str(sj_err.value) == str(th_err.value)


def _plain(batch):
    if isinstance(batch, sj.Tensor | torch.Tensor):
        return batch.tolist()
    if isinstance(batch, dict):
        return {k: _plain(v) for k, v in batch.items()}
    if isinstance(batch, list | tuple):
        return [_plain(b) for b in batch]
    return batch


@pytest.mark.parametrize("n", [0, 1, 7])
def test_sequential_sampler(n):
    assert list(sd.SequentialSampler(range(n))) == list(td.SequentialSampler(range(n)))
    assert len(sd.SequentialSampler(range(n))) == len(td.SequentialSampler(range(n)))


@pytest.mark.parametrize("n,bs", [(10, 3), (9, 3), (1, 4), (0, 2), (5, 1)])
@pytest.mark.parametrize("drop_last", [False, True])
def test_batch_sampler(n, bs, drop_last):
    s = sd.BatchSampler(sd.SequentialSampler(range(n)), bs, drop_last)
    t = td.BatchSampler(td.SequentialSampler(range(n)), bs, drop_last)
    assert list(s) == list(t) and len(s) == len(t)
    assert list(sd.BatchSampler(range(n), bs, drop_last)) == list(td.BatchSampler(range(n), bs, drop_last))


@pytest.mark.parametrize("kw", [{}, {"num_samples": 13}, {"num_samples": 3}, {"replacement": True, "num_samples": 50}])
def test_random_sampler_lengths_and_coverage(kw):
    s = sd.RandomSampler(range(5), generator=sj.Generator().manual_seed(0), **kw)
    t = td.RandomSampler(range(5), generator=torch.Generator().manual_seed(0), **kw)
    a, b = list(s), list(t)
    assert len(s) == len(t) == len(a) == len(b)
    assert {type(i) for i in a} == {type(i) for i in b} == {int}
    if not kw.get("replacement"):  # the multiset of indices is fixed by the permutation structure
        full = len(a) // 5 * 5
        assert sorted(a[:full]) == sorted(b[:full])


def test_subset_and_weighted_samplers_lengths_and_support():
    idx = [4, 9, 1]
    assert sorted(sd.SubsetRandomSampler(idx)) == sorted(td.SubsetRandomSampler(idx))
    assert len(sd.SubsetRandomSampler(idx)) == len(td.SubsetRandomSampler(idx))
    w = [0.0, 2.0, 0.0, 1.0]
    s, t = sd.WeightedRandomSampler(w, 30), td.WeightedRandomSampler(w, 30)
    assert len(s) == len(t) and set(s) <= {1, 3} and set(t) <= {1, 3}
    assert sorted(sd.WeightedRandomSampler(w, 2, False)) == sorted(td.WeightedRandomSampler(w, 2, False)) == [1, 3]
    assert str(s.weights.dtype).rsplit(".", 1)[-1] == str(t.weights.dtype).rsplit(".", 1)[-1] == "float64"


@pytest.mark.parametrize("case", [
    lambda m: m.BatchSampler(range(3), 0, False),
    lambda m: m.BatchSampler(range(3), True, False),
    lambda m: m.BatchSampler(range(3), 2.0, False),
    lambda m: m.BatchSampler(range(3), 2, 1),
    lambda m: m.RandomSampler(range(3), replacement=1),
    lambda m: m.RandomSampler(range(3), num_samples=0),
    lambda m: m.RandomSampler([]),
    lambda m: m.WeightedRandomSampler([1.0], 0),
    lambda m: m.WeightedRandomSampler([1.0], True),
    lambda m: m.WeightedRandomSampler([1.0], 1, replacement="yes"),
    lambda m: m.WeightedRandomSampler([[1.0, 2.0]], 1),
    lambda m: m.ConcatDataset([]),
    lambda m: m.StackDataset(),
    lambda m: m.StackDataset([1], [1, 2]),
    lambda m: m.StackDataset(a=[1], b=[1, 2]),
    lambda m: m.StackDataset([1], b=[1]),
])
def test_constructor_errors(case):
    _same_error(lambda: case(sd), lambda: case(td))


def test_combined_datasets_errors():
    _same_error(lambda: sd.ConcatDataset([[1], _SjRange(0, 2)]), lambda: td.ConcatDataset([[1], _ThRange(0, 2)]))
    _same_error(lambda: list(sd.ChainDataset([[1, 2]])), lambda: list(td.ChainDataset([[1, 2]])))
    _same_error(lambda: len(sd.ChainDataset([[1, 2]])), lambda: len(td.ChainDataset([[1, 2]])))
    _same_error(lambda: sd.ConcatDataset([[1, 2], [3]])[-4], lambda: td.ConcatDataset([[1, 2], [3]])[-4])
    _same_error(lambda: sd.Dataset()[0], lambda: td.Dataset()[0])
    _same_error(lambda: len(sd.Dataset()), lambda: len(td.Dataset()))
    _same_error(lambda: len(_SjNoLen()), lambda: len(_ThNoLen()))


def test_combined_datasets_contents():
    parts = [[1, 2, 3], [4], [5, 6]]
    s, t = sd.ConcatDataset(parts), td.ConcatDataset(parts)
    assert len(s) == len(t) and [s[i] for i in range(-6, 6)] == [t[i] for i in range(-6, 6)]
    assert s.cumulative_sizes == t.cumulative_sizes == sd.ConcatDataset.cumsum(parts)
    c1, c2 = sd.ChainDataset([_SjRange(0, 3), _SjRange(7, 9)]), td.ChainDataset([_ThRange(0, 3), _ThRange(7, 9)])
    assert list(c1) == list(c2) and len(c1) == len(c2)
    assert list(_SjRange(0, 2) + _SjRange(5, 7)) == list(_ThRange(0, 2) + _ThRange(5, 7))
    assert isinstance(_SjRange(0, 2) + _SjRange(5, 7), sd.ChainDataset)
    assert isinstance(sd.TensorDataset(np.arange(2)) + sd.TensorDataset(np.arange(3)), sd.ConcatDataset)
    a, b = [1, 2, 3], ["x", "y", "z"]
    assert [sd.StackDataset(a, b)[i] for i in range(3)] == [td.StackDataset(a, b)[i] for i in range(3)]
    assert sd.StackDataset(p=a, q=b)[2] == td.StackDataset(p=a, q=b)[2]
    assert len(sd.StackDataset(a, b)) == len(td.StackDataset(a, b))
    assert sd.StackDataset(a, b).__getitems__([2, 0]) == td.StackDataset(a, b).__getitems__([2, 0])


@pytest.mark.parametrize("kw", [{}, {"batch_size": 3}, {"batch_size": 3, "drop_last": True}, {"batch_size": None}])
def test_loader_over_iterable_datasets(kw):
    s = sd.DataLoader(_SjRange(0, 8), **kw)
    t = td.DataLoader(_ThRange(0, 8), **kw)
    assert [_plain(b) for b in s] == [_plain(b) for b in t]
    assert len(s) == len(t)
    _same_error(lambda: len(sd.DataLoader(_SjNoLen(), **kw)), lambda: len(td.DataLoader(_ThNoLen(), **kw)))
    assert [_plain(b) for b in sd.DataLoader(_SjNoLen(), **kw)] == [_plain(b) for b in td.DataLoader(_ThNoLen(), **kw)]


@pytest.mark.parametrize("kw", [
    {"batch_size": 4}, {"batch_size": 4, "drop_last": True}, {"batch_size": None},
    {"batch_size": 3, "sampler": [9, 0, 4, 4, 2]}, {"batch_sampler": [[1, 2], [0], [8, 9, 3]]},
    {"batch_size": 2, "sampler": range(5), "drop_last": True},
])
def test_loader_batches_and_lengths(kw):
    x = np.arange(20, dtype=np.float32).reshape(10, 2)
    y = np.arange(10)
    s = sd.DataLoader(sd.TensorDataset(x, y), **kw)
    t = td.DataLoader(td.TensorDataset(torch.tensor(x), torch.tensor(y)), **kw)
    assert len(s) == len(t)
    assert [_plain(b) for b in s] == [_plain(b) for b in t]
    d = {"a": [1, 2, 3], "b": [0.5, 1.5, 2.5]}
    s2 = sd.DataLoader(sd.StackDataset(**d), 2)
    t2 = td.DataLoader(td.StackDataset(**d), 2)
    assert [_plain(b) for b in s2] == [_plain(b) for b in t2]


@pytest.mark.parametrize("kw", [
    {"sampler": [0], "shuffle": True},
    {"batch_sampler": [[0]], "batch_size": 2},
    {"batch_sampler": [[0]], "shuffle": True},
    {"batch_sampler": [[0]], "sampler": [0]},
    {"batch_sampler": [[0]], "drop_last": True},
    {"batch_size": None, "drop_last": True},
    {"num_workers": -1},
    {"timeout": -1},
    {"prefetch_factor": 2},
    {"persistent_workers": True},
])
def test_loader_argument_errors(kw):
    _same_error(lambda: sd.DataLoader(list(range(4)), **kw), lambda: td.DataLoader(list(range(4)), **kw))


@pytest.mark.parametrize("kw", [{"shuffle": True}, {"sampler": "SAMPLER"}, {"batch_sampler": "BATCHES"}])
def test_loader_iterable_dataset_option_errors(kw):
    _same_error(lambda: sd.DataLoader(_SjRange(0, 3), **kw), lambda: td.DataLoader(_ThRange(0, 3), **kw))
