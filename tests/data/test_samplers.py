"""Samplers, iterable-style data sets and the DataLoader's sampler / batch_sampler options:
coverage, determinism per generator, distributions, and exact resume with sampler generators."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest

import shenjing as sj
from shenjing.data import (
    BatchSampler,
    ChainDataset,
    DataLoader,
    IterableDataset,
    RandomSampler,
    Sampler,
    SequentialSampler,
    StackDataset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
)


def _gen(seed: int) -> sj.Generator:
    return sj.Generator().manual_seed(seed)


def _ids(n: int) -> TensorDataset:
    return TensorDataset(np.arange(n, dtype=np.int64), np.arange(2 * n, dtype=np.float32).reshape(n, 2))


def _epoch(loader: DataLoader) -> list[list[int]]:
    return [b[0].tolist() for b in loader]


class Stream(IterableDataset):
    def __init__(self, n: int, with_len: bool = False) -> None:
        self.n, self.with_len = n, with_len

    def __iter__(self):
        for i in range(self.n):
            yield np.int64(i), np.full(2, i, np.float32)

    def __len__(self) -> int:
        if not self.with_len:
            raise TypeError(f"object of type '{type(self).__name__}' has no len()")
        return self.n


class Range(IterableDataset):
    def __init__(self, a: int, b: int) -> None:
        self.a, self.b = a, b

    def __iter__(self):
        return iter(range(self.a, self.b))

    def __len__(self) -> int:
        return self.b - self.a


class LazyShuffle(Sampler):
    """A custom sampler drawing lazily, one index at a time, from its generator."""

    def __init__(self, n: int, generator: sj.Generator) -> None:
        self.n, self.generator = n, generator

    def __iter__(self):
        for _ in range(self.n):
            yield int(self.generator.rng.integers(0, self.n))

    def __len__(self) -> int:
        return self.n


# ---------------------------------------------------------------------- samplers
def test_sequential_sampler():
    assert list(SequentialSampler(range(5))) == [0, 1, 2, 3, 4]
    assert len(SequentialSampler(_ids(7))) == 7
    assert list(SequentialSampler([])) == []


@pytest.mark.parametrize("n", [1, 5, 31])
def test_random_sampler_is_a_permutation_per_pass_and_depends_only_on_the_seed(n):
    a, b = RandomSampler(range(n), generator=_gen(3)), RandomSampler(range(n), generator=_gen(3))
    passes = [list(a) for _ in range(3)]
    assert passes == [list(b) for _ in range(3)]
    assert all(sorted(p) == list(range(n)) for p in passes)
    assert all(isinstance(i, int) for i in passes[0])
    if n > 5:
        assert passes[0] != passes[1]  # a fresh permutation each pass
        assert passes[0] != list(RandomSampler(range(n), generator=_gen(4)))


def test_random_sampler_num_samples_and_replacement():
    s = RandomSampler(range(4), num_samples=10, generator=_gen(0))
    out = list(s)
    assert len(s) == len(out) == 10
    assert sorted(out[:4]) == sorted(out[4:8]) == [0, 1, 2, 3]  # whole permutations, then a part
    assert len(set(out[8:])) == 2
    short = list(RandomSampler(range(10), num_samples=3, generator=_gen(0)))
    assert len(set(short)) == 3
    draws = np.array(list(RandomSampler(range(5), replacement=True, num_samples=20000, generator=_gen(1))))
    counts = np.bincount(draws, minlength=5)
    assert draws.min() >= 0 and draws.max() <= 4
    assert np.all(np.abs(counts / 20000 - 0.2) < 0.02)


def test_random_sampler_without_generator_follows_the_global_seed():
    sj.manual_seed(5)
    a = [list(RandomSampler(range(20))) for _ in range(2)]
    sj.manual_seed(5)
    b = [list(RandomSampler(range(20))) for _ in range(2)]
    assert a == b and a[0] != a[1]


def test_random_sampler_bad_arguments():
    with pytest.raises(TypeError, match="replacement should be a boolean value"):
        RandomSampler(range(3), replacement=1)
    for k in (0, -2, 1.5):
        with pytest.raises(ValueError, match="num_samples should be a positive integer value"):
            RandomSampler(range(3), num_samples=k)
    with pytest.raises(ValueError, match="num_samples=0"):
        RandomSampler([])


def test_subset_random_sampler():
    idx = [7, 3, 11, 5]
    a = [list(SubsetRandomSampler(idx, generator=_gen(2))) for _ in range(2)]
    s = SubsetRandomSampler(idx, generator=_gen(2))
    assert [list(s) for _ in range(2)] != [a[0], a[0]]  # passes differ
    s = SubsetRandomSampler(idx, generator=_gen(2))
    assert list(s) == a[0] and sorted(a[0]) == sorted(idx) and len(s) == 4
    orders = {tuple(SubsetRandomSampler(idx, generator=_gen(k))) for k in range(40)}
    assert len(orders) > 10
    assert list(SubsetRandomSampler([])) == []


def test_weighted_random_sampler_distribution_and_determinism():
    w = [0.1, 0.0, 0.4, 0.5]
    s = WeightedRandomSampler(w, 40000, generator=_gen(0))
    draws = np.array(list(s))
    freq = np.bincount(draws, minlength=4) / 40000
    assert np.all(np.abs(freq - np.array(w)) < 0.015) and freq[1] == 0
    again = WeightedRandomSampler(w, 50, generator=_gen(9))
    assert list(WeightedRandomSampler(w, 50, generator=_gen(9))) == list(again)
    assert s.weights.dtype == sj.float64 and len(s) == 40000
    # trailing zero weights are never drawn
    assert set(WeightedRandomSampler([1.0, 2.0, 0.0, 0.0], 2000, generator=_gen(1))) == {0, 1}


def test_weighted_random_sampler_without_replacement():
    w = np.array([5.0, 0.0, 1.0, 1.0, 3.0])
    for k in range(20):
        out = list(WeightedRandomSampler(w, 4, replacement=False, generator=_gen(k)))
        assert len(set(out)) == 4 and 1 not in out
    firsts = Counter(next(iter(WeightedRandomSampler(w, 2, replacement=False, generator=_gen(k))))
                     for k in range(3000))
    assert abs(firsts[0] / 3000 - 0.5) < 0.04 and abs(firsts[4] / 3000 - 0.3) < 0.04
    with pytest.raises(RuntimeError):
        list(WeightedRandomSampler(w, 5, replacement=False))


def test_weighted_random_sampler_bad_arguments():
    for k in (0, -1, True, 2.0):
        with pytest.raises(ValueError, match="num_samples should be a positive integer value"):
            WeightedRandomSampler([1.0], k)
    with pytest.raises(ValueError, match="replacement should be a boolean value"):
        WeightedRandomSampler([1.0], 1, replacement=0)
    with pytest.raises(ValueError, match=r"weights should be a 1d sequence but given weights have shape \(2, 1\)"):
        WeightedRandomSampler([[1.0], [2.0]], 1)
    with pytest.raises(RuntimeError):
        list(WeightedRandomSampler([-1.0, 2.0], 3))
    assert list(WeightedRandomSampler(sj.tensor([0.0, 1.0]), 3)) == [1, 1, 1]


def test_batch_sampler():
    seq = SequentialSampler(range(10))
    assert list(BatchSampler(seq, 3, False)) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert list(BatchSampler(seq, 3, True)) == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    assert len(BatchSampler(seq, 3, False)) == 4 and len(BatchSampler(seq, 3, True)) == 3
    assert list(BatchSampler(iter("abcde"), 2, False)) == [["a", "b"], ["c", "d"], ["e"]]
    rs = BatchSampler(RandomSampler(range(11), generator=_gen(0)), 4, False)
    batches = list(rs)
    assert [len(b) for b in batches] == [4, 4, 3]
    assert sorted(sum(batches, [])) == list(range(11))
    assert all(isinstance(i, int) for b in batches for i in b)
    for bad in (0, -1, True, 2.5):
        with pytest.raises(ValueError, match="batch_size should be a positive integer value"):
            BatchSampler(seq, bad, False)
    with pytest.raises(ValueError, match="drop_last should be a boolean value"):
        BatchSampler(seq, 2, 0)


# ---------------------------------------------------------------------- loader + samplers
def test_loader_default_sampler_objects():
    plain = DataLoader(_ids(5), 2)
    assert isinstance(plain.sampler, SequentialSampler) and isinstance(plain.batch_sampler, BatchSampler)
    shuffled = DataLoader(_ids(5), 2, shuffle=True, seed=0)
    assert isinstance(shuffled.sampler, RandomSampler) and shuffled.sampler.generator is shuffled.generator


def test_loader_with_a_sampler():
    ds = _ids(20)
    loader = DataLoader(ds, 4, sampler=SubsetRandomSampler([1, 3, 5, 7, 9, 11], generator=_gen(0)))
    assert len(loader) == 2 and loader.fast
    got = sum(_epoch(loader), [])
    assert sorted(got) == [1, 3, 5, 7, 9, 11]
    weighted = DataLoader(ds, 5, sampler=WeightedRandomSampler([0.0] * 19 + [1.0], 10, generator=_gen(0)))
    assert _epoch(weighted) == [[19] * 5, [19] * 5]
    dropped = DataLoader(ds, 3, sampler=SequentialSampler(range(7)), drop_last=True)
    assert _epoch(dropped) == [[0, 1, 2], [3, 4, 5]] and len(dropped) == 2
    assert _epoch(DataLoader(ds, 4, sampler=[19, 0, 5])) == [[19, 0, 5]]  # any iterable


def test_loader_with_a_batch_sampler():
    ds = _ids(10)
    loader = DataLoader(ds, batch_sampler=[[3, 1], [0], [9, 8, 7]])
    assert loader.batch_size is None and not loader.drop_last and len(loader) == 3
    assert _epoch(loader) == [[3, 1], [0], [9, 8, 7]]
    bs = BatchSampler(RandomSampler(range(10), generator=_gen(1)), 4, True)
    batches = _epoch(DataLoader(ds, batch_sampler=bs))
    assert [len(b) for b in batches] == [4, 4] and len(set(sum(batches, []))) == 8
    slow = _epoch(DataLoader(ds, batch_sampler=BatchSampler(RandomSampler(range(10), generator=_gen(1)), 4, True),
                             fast=False))
    assert slow == batches


def test_loader_batch_size_none_converts_single_samples():
    out = list(DataLoader(_ids(3), batch_size=None))
    assert len(out) == 3 and isinstance(out[0], tuple)
    assert out[2][0].tolist() == 2 and out[2][1].shape == (2,) and out[2][1].dtype == sj.float32
    assert len(DataLoader(_ids(3), batch_size=None)) == 3
    assert list(DataLoader(range(3), batch_size=None)) == [0, 1, 2]


def test_loader_uses_getitems_when_there_is_no_batched_access():
    calls = []

    class Batched(sj.data.Dataset):
        def __len__(self):
            return 6

        def __getitem__(self, i):
            raise AssertionError("__getitems__ should be used")

        def __getitems__(self, idx):
            calls.append(list(idx))
            return [float(i) for i in idx]

    assert [b.tolist() for b in DataLoader(Batched(), 4)] == [[0.0, 1.0, 2.0, 3.0], [4.0, 5.0]]
    assert calls == [[0, 1, 2, 3], [4, 5]]


def test_loader_argument_errors():
    ds = _ids(4)
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        DataLoader(ds, sampler=SequentialSampler(ds), shuffle=True)
    for kw in ({"batch_size": 2}, {"shuffle": True}, {"sampler": [0]}, {"drop_last": True}):
        with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
            DataLoader(ds, batch_sampler=[[0]], **kw)
    with pytest.raises(ValueError, match="disables auto-batching"):
        DataLoader(ds, batch_size=None, drop_last=True)
    with pytest.raises(ValueError, match="num_workers option should be non-negative"):
        DataLoader(ds, num_workers=-1)


# ---------------------------------------------------------------------- iterable data sets
def test_iterable_dataset_batches_and_len():
    loader = DataLoader(Stream(7), 3)
    batches = [b[0].tolist() for b in loader]
    assert batches == [[0, 1, 2], [3, 4, 5], [6]]
    assert [b[0].tolist() for b in DataLoader(Stream(7), 3, drop_last=True)] == [[0, 1, 2], [3, 4, 5]]
    with pytest.raises(TypeError, match="has no len"):
        len(DataLoader(Stream(7), 3))
    assert len(DataLoader(Stream(7, with_len=True), 3)) == 3
    assert len(DataLoader(Stream(7, with_len=True), 3, drop_last=True)) == 2
    assert [b.tolist() for b in DataLoader(Range(0, 5), 2, collate_fn=lambda s: sj.tensor(s) * 10)] == \
        [[0, 10], [20, 30], [40]]
    assert list(DataLoader(Range(0, 3), batch_size=None)) == [0, 1, 2]
    with pytest.raises(TypeError):
        len(IterableDataset())
    for kw in ({"shuffle": True}, {"sampler": [0]}, {"batch_sampler": [[0]]}):
        with pytest.raises(ValueError, match="DataLoader with IterableDataset: expected unspecified"):
            DataLoader(Stream(3), **kw)
    DataLoader(Stream(3), shuffle=False)  # explicitly False is allowed


def test_chain_and_stack_datasets():
    chain = ChainDataset([Range(0, 3), Range(10, 12)])
    assert list(chain) == [0, 1, 2, 10, 11] and len(chain) == 5
    assert list(Range(0, 2) + Range(5, 6)) == [0, 1, 5]
    assert [b.tolist() for b in DataLoader(chain, 2)] == [[0, 1], [2, 10], [11]]
    with pytest.raises(AssertionError, match="ChainDataset only supports IterableDataset"):
        list(ChainDataset([_ids(2)]))
    st = StackDataset(_ids(3), [10, 20, 30])
    assert len(st) == 3 and int(st[1][1]) == 20
    d = StackDataset(x=[1, 2], y=["a", "b"])
    assert d[1] == {"x": 2, "y": "b"}
    batch = next(iter(DataLoader(d, 2)))
    assert batch["x"].tolist() == [1, 2] and batch["y"] == ["a", "b"]
    with pytest.raises(ValueError, match="Size mismatch"):
        StackDataset([1], [1, 2])
    with pytest.raises(ValueError, match="At least one dataset"):
        StackDataset()


def test_utils_data_is_the_data_package():
    import shenjing.utils.data as ud

    assert ud is sj.data and sj.utils.data.WeightedRandomSampler is WeightedRandomSampler


# ---------------------------------------------------------------------- resume with samplers
def _makers():
    return {
        "random_replacement": lambda: DataLoader(_ids(23), 4, sampler=RandomSampler(
            range(23), replacement=True, num_samples=30, generator=_gen(1))),
        "random_longer": lambda: DataLoader(_ids(23), 4, sampler=RandomSampler(
            range(23), num_samples=40, generator=_gen(2))),
        "subset": lambda: DataLoader(_ids(23), 3, sampler=SubsetRandomSampler(
            list(range(0, 23, 2)), generator=_gen(3))),
        "weighted": lambda: DataLoader(_ids(23), 5, drop_last=True, sampler=WeightedRandomSampler(
            np.linspace(0.1, 1, 23), 27, generator=_gen(4))),
        "batch_sampler": lambda: DataLoader(_ids(23), batch_sampler=BatchSampler(RandomSampler(
            range(23), generator=_gen(5)), 6, False)),
        "lazy_custom": lambda: DataLoader(_ids(23), 4, sampler=LazyShuffle(23, _gen(6))),
        "lazy_custom_drop_last": lambda: DataLoader(_ids(23), 4, drop_last=True, sampler=LazyShuffle(23, _gen(7))),
        "sampler_and_shuffle_seed": lambda: DataLoader(_ids(23), 4, seed=3, sampler=RandomSampler(
            range(23), generator=_gen(8))),
    }


@pytest.mark.parametrize("kind", list(_makers()))
@pytest.mark.parametrize("stop_after", [0, 2, "end"])
def test_resume_is_exact_with_sampler_generators(kind, stop_after):
    make = _makers()[kind]
    ref_loader = make()
    reference = [_epoch(ref_loader) for _ in range(3)]
    assert reference[0] != reference[1]
    run = make()
    _epoch(run)
    it = iter(run)
    n = len(run) if stop_after == "end" else stop_after
    head = [next(it)[0].tolist() for _ in range(n)]
    if stop_after == "end":
        assert next(it, None) is None  # the for loop of a training epoch runs out the iterator
    state = json.loads(json.dumps(run.state_dict()))
    assert len(state["sampler_rng_states"]) == 1
    resumed = make()
    resumed.load_state_dict(state)
    if stop_after == "end":
        assert _epoch(resumed) == reference[2]
    else:
        assert head + _epoch(resumed) == reference[1]
        assert _epoch(resumed) == reference[2]


def test_resume_of_an_iterable_dataset_skips_what_was_handed_out():
    run = DataLoader(Stream(10), 3)
    it = iter(run)
    next(it), next(it)
    state = json.loads(json.dumps(run.state_dict()))
    assert state["num_samples"] is None and state["batches_done"] == 2
    resumed = DataLoader(Stream(10), 3)
    resumed.load_state_dict(state)
    assert [b[0].tolist() for b in resumed] == [[6, 7, 8], [9]]
    assert resumed.state_dict()["finished"]
    again = DataLoader(Stream(10), 3)
    again.load_state_dict(resumed.state_dict())
    assert [b[0].tolist() for b in again] == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]


def test_state_without_sampler_states_still_loads_and_generator_count_is_checked():
    a = DataLoader(_ids(12), 5, shuffle=True, seed=2)
    _epoch(a)
    state = a.state_dict()
    expected = _epoch(a)
    # a checkpoint written before samplers existed
    old = {k: v for k, v in state.items() if k not in ("sampler_rng_states", "finished")}
    b = DataLoader(_ids(12), 5, shuffle=True, seed=2)
    b.load_state_dict(old)
    assert _epoch(b) == expected
    other = DataLoader(_ids(12), 5, sampler=RandomSampler(range(12), generator=_gen(0)))
    with pytest.raises(ValueError, match="differ"):
        other.load_state_dict({**state, "shuffle": False})
