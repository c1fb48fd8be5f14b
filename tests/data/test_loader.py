"""DataLoader, TensorDataset, Subset, random_split: coverage, determinism, the fast path and
resuming the exact data order from a state_dict."""

from __future__ import annotations

import json

import numpy as np
import pytest

import shenjing as sj
from shenjing.data import MNIST
from shenjing.data import transforms as T
from shenjing.data.dataset import ConcatDataset, Dataset, Subset, TensorDataset, random_split
from shenjing.data.loader import DataLoader, batch_fetcher, default_collate


def _ids(loader: DataLoader) -> list[np.ndarray]:
    """The sample ids of each batch of one epoch (the dataset's first field is the id)."""
    return [b[0].numpy().copy() for b in loader]


def _id_set(n: int, extra: int = 3) -> TensorDataset:
    ids = np.arange(n, dtype=np.int64)
    feats = np.arange(n * extra, dtype=np.float32).reshape(n, extra)
    return TensorDataset(ids, feats)


class PerSample(Dataset):
    """A data set with no batched access: the loader must call __getitem__ per sample."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int):
        return np.int64(i), np.full(2, i, np.float32)


# ---------------------------------------------------------------------- coverage
@pytest.mark.parametrize("n,bs", [(10, 3), (12, 4), (1, 5), (7, 1), (100, 32)])
@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("drop_last", [False, True])
def test_each_sample_exactly_once_per_epoch(n, bs, shuffle, drop_last):
    loader = DataLoader(_id_set(n), bs, shuffle=shuffle, drop_last=drop_last, seed=1)
    full, rest = divmod(n, bs)
    assert len(loader) == (full if drop_last else full + (rest > 0))
    for _ in range(3):
        batches = _ids(loader)
        assert len(batches) == len(loader)
        sizes = [len(b) for b in batches]
        assert all(s == bs for s in sizes[:full])
        if rest and not drop_last:
            assert sizes[-1] == rest  # the last, partial batch comes last
        seen = np.concatenate(batches) if batches else np.zeros(0, np.int64)
        assert len(seen) == len(set(seen.tolist()))  # no sample twice
        if drop_last:
            assert len(seen) == full * bs
        else:
            assert sorted(seen.tolist()) == list(range(n))  # every sample once
        if not shuffle:
            assert seen.tolist() == list(range(len(seen)))


def test_drop_last_with_shuffle_drops_a_different_remainder_each_epoch():
    loader = DataLoader(_id_set(10), 4, shuffle=True, drop_last=True, seed=0)
    left_out = []
    for _ in range(6):
        seen = set(np.concatenate(_ids(loader)).tolist())
        left_out.append(tuple(sorted(set(range(10)) - seen)))
    assert all(len(x) == 2 for x in left_out)
    assert len(set(left_out)) > 1


# ---------------------------------------------------------------------- determinism
def test_same_seed_same_order_and_epochs_differ():
    a = DataLoader(_id_set(50), 8, shuffle=True, seed=7)
    b = DataLoader(_id_set(50), 8, shuffle=True, seed=7)
    epochs_a = [np.concatenate(_ids(a)) for _ in range(3)]
    epochs_b = [np.concatenate(_ids(b)) for _ in range(3)]
    for x, y in zip(epochs_a, epochs_b):
        assert np.array_equal(x, y)
    assert not np.array_equal(epochs_a[0], epochs_a[1])
    c = DataLoader(_id_set(50), 8, shuffle=True, seed=8)
    assert not np.array_equal(np.concatenate(_ids(c)), epochs_a[0])


def test_generator_and_global_seed_decide_the_order():
    g1 = sj.Generator().manual_seed(3)
    g2 = sj.Generator().manual_seed(3)
    a = np.concatenate(_ids(DataLoader(_id_set(30), 4, shuffle=True, generator=g1)))
    b = np.concatenate(_ids(DataLoader(_id_set(30), 4, shuffle=True, generator=g2)))
    assert np.array_equal(a, b)
    sj.manual_seed(11)
    c = np.concatenate(_ids(DataLoader(_id_set(30), 4, shuffle=True)))
    sj.manual_seed(11)
    d = np.concatenate(_ids(DataLoader(_id_set(30), 4, shuffle=True)))
    assert np.array_equal(c, d)
    with pytest.raises(ValueError, match="seed or generator"):
        DataLoader(_id_set(3), 1, shuffle=True, seed=1, generator=g1)


# ---------------------------------------------------------------------- batches
def test_batches_are_tensors_with_the_right_dtypes_and_shapes():
    x = np.random.default_rng(0).random((9, 2, 3)).astype(np.float32)
    y = np.arange(9)
    xb, yb = next(iter(DataLoader(TensorDataset(x, y), 4)))
    assert isinstance(xb, sj.Tensor) and isinstance(yb, sj.Tensor)
    assert xb.shape == (4, 2, 3) and xb.dtype == sj.float32
    assert yb.dtype == sj.int64
    assert np.array_equal(xb.numpy(), x[:4])


def test_tensor_dataset_accepts_tensors_and_checks_sizes():
    ds = TensorDataset(sj.arange(5), np.zeros((5, 2)))
    assert len(ds) == 5 and ds[4][0] == 4
    with pytest.raises(ValueError, match="size mismatch"):
        TensorDataset(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError):
        TensorDataset()
    with pytest.raises(IndexError):
        ds[5]
    with pytest.raises(TypeError):
        ds[1.5]


def test_fast_path_equals_per_sample_path_for_tensor_dataset():
    ds = _id_set(23)
    fast = DataLoader(ds, 5, shuffle=True, seed=4)
    slow = DataLoader(ds, 5, shuffle=True, seed=4, fast=False)
    assert fast.fast and not slow.fast
    for (a0, a1), (b0, b1) in zip(fast, slow):
        assert np.array_equal(a0.numpy(), b0.numpy()) and a0.dtype == b0.dtype
        assert np.array_equal(a1.numpy(), b1.numpy()) and a1.dtype == b1.dtype


def test_fast_path_equals_per_sample_path_for_mnist_with_random_transforms():
    ds = MNIST(sample=True)
    ds.transform = T.Compose([T.RandomShift(2, seed=1), T.RandomRotation(12, seed=2),
                              T.ToTensor(), T.Normalize()])
    sub = Subset(ds, np.arange(0, 600, 3))
    state = ds.transform.state_dict()
    fast = [(x.numpy().copy(), y.numpy().copy())
            for x, y in DataLoader(sub, 32, shuffle=True, seed=5)]
    ds.transform.load_state_dict(state)
    slow = [(x.numpy().copy(), y.numpy().copy())
            for x, y in DataLoader(sub, 32, shuffle=True, seed=5, fast=False)]
    assert len(fast) == len(slow) == 7
    for (a, b), (c, d) in zip(fast, slow):
        assert a.shape[1:] == (1, 28, 28) and a.dtype == np.float32
        assert np.array_equal(a, c) and np.array_equal(b, d)


def test_per_sample_datasets_and_collate_fn_take_the_slow_path():
    loader = DataLoader(PerSample(7), 3)
    assert not loader.fast and batch_fetcher(PerSample(3)) is None
    ids, feats = next(iter(loader))
    assert ids.tolist() == [0, 1, 2] and feats.shape == (3, 2)
    custom = DataLoader(_id_set(6), 4, collate_fn=lambda s: len(s))
    assert list(custom) == [4, 2] and not custom.fast
    with pytest.raises(ValueError, match="batched access"):
        DataLoader(PerSample(3), 1, fast=True)
    ds = MNIST(sample=True, transform=lambda im: im.sum())  # a plain function: not batchable
    assert not DataLoader(ds, 4).fast


def test_default_collate_handles_nested_samples():
    out = default_collate([{"a": 1, "b": (np.zeros(2), 0.5)}, {"a": 2, "b": (np.ones(2), 1.5)}])
    assert out["a"].tolist() == [1, 2] and out["a"].dtype == sj.int64
    assert out["b"][0].shape == (2, 2)
    assert out["b"][1].dtype == sj.float32
    assert default_collate(["x", "y"]) == ["x", "y"]
    with pytest.raises(TypeError):
        default_collate([object()])


def test_bad_batch_size_is_refused():
    for bs in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="batch_size"):
            DataLoader(_id_set(3), bs)


# ---------------------------------------------------------------------- resume
@pytest.mark.parametrize("stop_after", [0, 1, 4, 7])
def test_state_dict_resumes_the_exact_order(stop_after):
    def make() -> DataLoader:
        return DataLoader(_id_set(29), 4, shuffle=True, seed=9)

    ref = make()
    reference = [np.concatenate(_ids(ref)) for _ in range(3)]
    run = make()
    first = np.concatenate(_ids(run))  # epoch 1 in full
    it = iter(run)
    head = [next(it)[0].numpy().copy() for _ in range(stop_after)]
    state = json.loads(json.dumps(run.state_dict()))  # must survive JSON
    resumed = make()
    resumed.load_state_dict(state)
    tail = _ids(resumed)
    epoch2 = np.concatenate(head + tail)
    epoch3 = np.concatenate(_ids(resumed))
    assert np.array_equal(first, reference[0])
    assert np.array_equal(epoch2, reference[1])
    assert np.array_equal(epoch3, reference[2])


def test_state_at_an_epoch_boundary_starts_the_next_epoch():
    a = DataLoader(_id_set(12), 5, shuffle=True, seed=2)
    _ids(a)
    state = a.state_dict()
    assert state["batches_done"] == len(a) and state["epoch"] == 1
    expected = np.concatenate(_ids(a))
    b = DataLoader(_id_set(12), 5, shuffle=True, seed=2)
    b.load_state_dict(state)
    assert np.array_equal(np.concatenate(_ids(b)), expected)


def test_resume_restores_random_augmentation():
    def make() -> DataLoader:
        ds = MNIST(sample=True)
        ds.transform = T.Compose([T.RandomShift(2, seed=3), T.ToFloat()])
        return DataLoader(Subset(ds, np.arange(200)), 16, shuffle=True, seed=1)

    ref = [x.numpy().copy() for x, _ in make()]
    run = make()
    it = iter(run)
    for _ in range(5):
        next(it)
    state = run.state_dict()
    assert state["transform"]  # the shift's generator state is part of it
    resumed = make()
    resumed.load_state_dict(state)
    rest = [x.numpy() for x, _ in resumed]
    assert len(rest) == len(ref) - 5
    assert all(np.array_equal(a, b) for a, b in zip(rest, ref[5:]))


def test_load_state_dict_refuses_other_settings():
    a = DataLoader(_id_set(10), 3, shuffle=True, seed=0)
    _ids(a)
    state = a.state_dict()
    for other in (DataLoader(_id_set(11), 3, shuffle=True, seed=0),
                  DataLoader(_id_set(10), 4, shuffle=True, seed=0),
                  DataLoader(_id_set(10), 3, shuffle=False),
                  DataLoader(_id_set(10), 3, shuffle=True, drop_last=True, seed=0)):
        with pytest.raises(ValueError, match="differ"):
            other.load_state_dict(state)
    with pytest.raises(ValueError, match="version"):
        a.load_state_dict({**state, "version": 99})


# ---------------------------------------------------------------------- Subset, split
def test_subset_and_concat():
    ds = _id_set(10)
    sub = Subset(ds, [7, 2, 5])
    assert len(sub) == 3 and int(sub[0][0]) == 7
    assert sub.get_batch(np.array([2, 0]))[0].tolist() == [5, 7]
    with pytest.raises(IndexError):
        Subset(ds, [10])
    both = ConcatDataset([sub, _id_set(2)])
    assert len(both) == 5 and int(both[3][0]) == 0
    assert len(sub + sub) == 6
    assert not DataLoader(Subset(PerSample(4), [1, 2]), 2).fast


def test_random_split_counts_fractions_and_determinism():
    ds = _id_set(100)
    a, b = random_split(ds, [70, 30], seed=1)
    assert len(a) == 70 and len(b) == 30
    assert set(a.indices.tolist()).isdisjoint(b.indices.tolist())
    assert sorted(a.indices.tolist() + b.indices.tolist()) == list(range(100))
    c, _ = random_split(ds, [70, 30], seed=1)
    assert np.array_equal(a.indices, c.indices)
    parts = random_split(_id_set(10), [0.5, 0.3, 0.2], generator=sj.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [5, 3, 2]
    odd = random_split(_id_set(11), [0.5, 0.5], seed=0)
    assert sorted(len(p) for p in odd) == [5, 6]
    with pytest.raises(ValueError, match="sum"):
        random_split(ds, [50, 40])
    with pytest.raises(ValueError):
        random_split(ds, [-10, 110])
