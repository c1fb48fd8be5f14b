"""Exact resume in-process: stop after k steps, rebuild everything, load the checkpoint, carry
on -- same per-step losses, weights and optimizer state as a run that never stopped, with
dropout, augmentation, a per-step schedule and early-stopping state all in play."""

from __future__ import annotations

import numpy as np
import pytest

import shenjing as sj
from shenjing import optim, zoo
from shenjing.data import MNIST
from shenjing.data import transforms as T
from shenjing.data.dataset import Subset
from shenjing.data.loader import DataLoader
from shenjing.train import EarlyStopping, HistoryWriter, ModelCheckpoint, Trainer, read_checkpoint

EPOCHS, N, BS = 3, 300, 32  # 10 batches per epoch, the last one partial


def _build(folder, seed=0):
    """Everything a run needs, made from scratch the same way each time (as a new process
    would)."""
    train = MNIST(sample=True, transform=T.Compose([
        T.RandomShift(2, seed=seed + 1), T.RandomRotation(8, seed=seed + 2), T.ToTensor(),
        T.Normalize()]))
    test = MNIST(sample=True, train=False, transform=T.Compose([T.ToTensor(), T.Normalize()]))
    sj.manual_seed(seed)
    config = zoo.model_config("mlp", hidden=[48], dropout=0.3)
    model = zoo.get_model("mlp", **config)
    opt = optim.Adam(model.parameters(), lr=2e-3)
    loader = DataLoader(Subset(train, np.arange(N)), BS, shuffle=True, seed=seed)
    sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=EPOCHS * len(loader))
    trainer = Trainer(model, opt, scheduler=sched, scheduler_interval="step", quiet=True,
                      callbacks=[ModelCheckpoint(folder, every_n_steps=4),
                                 EarlyStopping("val_loss", patience=5), HistoryWriter(folder)],
                      model_name="mlp", model_config=config)
    return trainer, loader, DataLoader(Subset(test, np.arange(100)), 50)


def _assert_same(a: Trainer, b: Trainer) -> None:
    assert a.history.steps == b.history.steps  # every per-step loss, bit for bit
    wa, wb = a.model.state_dict(), b.model.state_dict()
    for k in wa:
        assert np.array_equal(wa[k].numpy(), wb[k].numpy()), k
    oa, ob = a.optimizer.state_dict(), b.optimizer.state_dict()
    assert oa["param_groups"] == ob["param_groups"]
    for i in oa["state"]:
        for k, v in oa["state"][i].items():
            assert np.array_equal(np.asarray(v), np.asarray(ob["state"][i][k])), (i, k)
    assert a.scheduler.state_dict() == b.scheduler.state_dict()
    assert a.history["val_loss"] == b.history["val_loss"]
    assert sj.random.get_rng_state() is not None


@pytest.fixture(scope="module")
def ref(tmp_path_factory) -> Trainer:
    """The uninterrupted run every test compares with."""
    trainer, loader, val = _build(tmp_path_factory.mktemp("ref"))
    trainer.fit(loader, EPOCHS, val)
    assert len(trainer.history.steps) == EPOCHS * 10
    return trainer


@pytest.mark.parametrize("k", [7, 10, 23])  # mid-epoch, at an epoch's end, in the last epoch
def test_stop_after_k_steps_and_resume_equals_an_uninterrupted_run(tmp_path, ref, k):

    first, loader, val = _build(tmp_path / "run")
    first.fit(loader, EPOCHS, val, max_steps=k)
    assert first.stop_reason["kind"] == "max_steps" and first.step == k
    ckpt = read_checkpoint(tmp_path / "run" / "last.safetensors")
    assert ckpt["step"] == k

    sj.manual_seed(12345)  # whatever happened in between must not matter
    second, loader, val = _build(tmp_path / "run")
    second.load_checkpoint(tmp_path / "run" / "last.safetensors")
    second.fit(loader, EPOCHS, val)
    _assert_same(ref, second)


def test_resume_from_a_periodic_checkpoint_after_a_crash(tmp_path, ref):
    """A run that died after step 13 (no clean stop) resumes from the step-12 checkpoint."""
    crashed, loader, val = _build(tmp_path / "run")

    class Crash(Exception):
        pass

    def boom(trainer, loss):
        if trainer.step == 13:
            raise Crash

    crashed.callbacks[0].on_step_end = boom  # type: ignore[method-assign]
    with pytest.raises(Crash):
        crashed.fit(loader, EPOCHS, val)
    again, loader, val = _build(tmp_path / "run")
    ckpt = again.load_checkpoint(tmp_path / "run" / "last.safetensors")
    assert ckpt["step"] == 12
    again.fit(loader, EPOCHS, val)
    _assert_same(ref, again)
