"""fit/Trainer: learning real digits, the explicit loop, NaN stops, callbacks, checkpoints."""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path

import numpy as np
import pytest

import shenjing as sj
from shenjing import nn, optim, zoo
from shenjing.data import MNIST
from shenjing.data import transforms as T
from shenjing.data.dataset import Subset
from shenjing.data.loader import DataLoader
from shenjing.io import CheckpointError
from shenjing.train import (
    Callback,
    EarlyStopping,
    ModelCheckpoint,
    StopOnNonFinite,
    Trainer,
    find_resume_checkpoint,
    fit,
    load_model,
    read_checkpoint,
    resolve_checkpoint,
)

TF = T.Compose([T.ToTensor(), T.Normalize()])


def _with_transform(ds, tf=TF):
    view = copy.copy(ds)  # same arrays; the session fixture stays untouched
    view.transform = tf
    return view


@pytest.fixture(scope="module")
def sample():
    return MNIST(sample=True, transform=TF), MNIST(sample=True, train=False, transform=TF)


def _small_trainer(sample, folder=None, every=None, callbacks=(), n=512, bs=64, seed=0,
                   loss_fn=None, val=True, **kw):
    train, test = sample
    sj.manual_seed(seed)
    model = zoo.get_model("mlp", hidden=[32])
    opt = optim.Adam(model.parameters(), lr=1e-3)
    cbs = list(callbacks)
    if folder is not None:
        cbs.append(ModelCheckpoint(folder, monitor="val_accuracy" if val else "train_accuracy",
                                   every_n_steps=every))
    trainer = Trainer(model, opt, loss_fn, callbacks=cbs, quiet=True, model_name="mlp",
                      model_config=zoo.model_config("mlp", hidden=[32]), **kw)
    loader = DataLoader(Subset(train, np.arange(n)), bs, shuffle=True, seed=seed)
    val_loader = DataLoader(Subset(test, np.arange(200)), 100) if val else None
    return trainer, loader, val_loader


# ---------------------------------------------------------------------- learning
def test_fit_on_5000_real_mnist_images_reaches_90_percent_in_under_a_minute(mnist_data, tmp_path):
    train, test = (_with_transform(d) for d in mnist_data)
    pick = np.sort(np.random.default_rng(0).permutation(len(train))[:5000])
    sj.manual_seed(0)
    model = zoo.get_model("mlp")
    start = time.perf_counter()
    history = fit(model, DataLoader(Subset(train, pick), 64, shuffle=True, seed=0), epochs=3,
                  val_loader=DataLoader(test, 1000), checkpoint_dir=tmp_path, quiet=True,
                  model_name="mlp", model_config=zoo.model_config("mlp"))
    elapsed = time.perf_counter() - start
    assert elapsed < 60
    assert history.last["val_accuracy"] >= 0.90, history.epochs
    assert len(history) == 3 and len(history.steps) == 3 * 79
    assert len(history.last["val_per_class_accuracy"]) == 10
    assert np.asarray(history.last["val_confusion_matrix"]).sum() == 10000
    for name in ("best.safetensors", "best.json", "last.safetensors", "last.json",
                 "history.json", "history.csv"):
        assert (tmp_path / name).is_file(), name
    rebuilt, ckpt = load_model(tmp_path)  # the best checkpoint
    assert ckpt["model"]["name"] == "mlp" and ckpt["epoch"] == int(np.argmax(
        history["val_accuracy"])) + 1


def test_the_explicit_pytorch_style_loop(sample):
    train, _ = sample
    sj.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10))
    loss_fn = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    loader = DataLoader(Subset(train, np.arange(1024)), batch_size=64, shuffle=True, seed=0)
    losses = []
    for _ in range(2):
        model.train()
        for x, y in loader:
            loss = loss_fn(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    assert np.mean(losses[-8:]) < 0.6 * np.mean(losses[:4])


def test_progress_bar_shows_loss_accuracy_and_rate(sample, capsys):
    trainer, loader, val = _small_trainer(sample, n=256, progress=True)
    trainer.fit(loader, 1, val)
    err = capsys.readouterr().err
    assert "samples/s" in err and "loss" in err and "acc" in err


def test_default_report_prints_one_line_per_epoch(sample, capsys):
    train, _ = sample
    sj.manual_seed(0)
    fit(zoo.get_model("mlp", hidden=[16]), DataLoader(Subset(train, np.arange(128)), 64),
        epochs=2, progress=False)
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in out] == ["1/2", "2/2"]
    assert all("samples/s" in line for line in out)


# ---------------------------------------------------------------------- NaN / inf
class NaNAtStep:
    """Cross-entropy whose value becomes NaN at training step k (1-based)."""

    def __init__(self, k: int) -> None:
        self.k, self.trainer = k, None
        self.ce = nn.CrossEntropyLoss()

    def __call__(self, out, y):
        loss = self.ce(out, y)
        if self.trainer is not None and self.trainer.model.training \
                and self.trainer.step + 1 == self.k:
            loss = loss * float("nan")
        return loss


class Snapshot(Callback):
    """Copies the checkpoint files' bytes and the weights right after step ``at``."""

    order = 1000

    def __init__(self, folder: Path, at: int) -> None:
        self.folder, self.at, self.files, self.weights = folder, at, {}, None

    def on_step_end(self, trainer, loss):
        if trainer.step == self.at:
            self.files = {p.name: p.read_bytes() for p in self.folder.iterdir()
                          if p.suffix in (".safetensors", ".json")}
            self.weights = {k: v.numpy().copy() for k, v in trainer.model.state_dict().items()}


def test_nan_at_step_k_stops_naming_it_and_keeps_the_last_good_checkpoint(sample, tmp_path):
    k = 13  # 8 batches per epoch: step 13 is in epoch 2; last was saved at step 10
    loss_fn = NaNAtStep(k)
    snap = Snapshot(tmp_path, k - 1)
    trainer, loader, val = _small_trainer(sample, tmp_path, every=5, callbacks=[snap],
                                          loss_fn=loss_fn)
    loss_fn.trainer = trainer
    history = trainer.fit(loader, 4, val)
    reason = trainer.stop_reason
    assert reason["kind"] == "non_finite" and reason["step"] == k and reason["epoch"] == 2
    assert f"step {k}" in reason["message"] and "epoch 2" in reason["message"]
    assert history.info["stop"]["step"] == k
    assert len(history.steps) == k - 1  # the NaN step never happened
    assert set(snap.files) == {"last.safetensors", "last.json", "best.safetensors", "best.json"}
    for name, data in snap.files.items():
        assert (tmp_path / name).read_bytes() == data, f"{name} changed"
    assert read_checkpoint(tmp_path / "last.safetensors")["step"] == 10
    for name, w in trainer.model.state_dict().items():  # no update from the NaN step
        assert np.array_equal(w.numpy(), snap.weights[name])
        assert np.all(np.isfinite(w.numpy()))


class PoisonWeights(Callback):
    order = -200  # before StopOnNonFinite looks at the weights

    def __init__(self, at: int) -> None:
        self.at = at

    def on_step_end(self, trainer, loss):
        if trainer.step == self.at:
            next(iter(trainer.model.parameters())).data[0, 0] = np.inf


def test_non_finite_weights_stop_training_and_are_never_saved(sample, tmp_path):
    snap = Snapshot(tmp_path, 11)
    trainer, loader, val = _small_trainer(
        sample, tmp_path, every=4, callbacks=[snap, PoisonWeights(12),
                                              StopOnNonFinite(check_weights=True)])
    trainer.fit(loader, 3, val)
    assert trainer.stop_reason["kind"] == "non_finite" and trainer.stop_reason["step"] == 12
    assert "0.weight" in trainer.stop_reason["message"] or "weight" in trainer.stop_reason["what"]
    for name, data in snap.files.items():
        assert (tmp_path / name).read_bytes() == data
    before = (tmp_path / "last.safetensors").read_bytes()
    assert trainer.save_checkpoint(tmp_path / "last") is False  # refused, nothing written
    assert (tmp_path / "last.safetensors").read_bytes() == before


# ---------------------------------------------------------------------- callbacks
def test_early_stopping_stops_after_patience_epochs_without_improvement(sample, tmp_path):
    trainer, loader, val = _small_trainer(
        sample, tmp_path, n=128, callbacks=[EarlyStopping("val_loss", patience=2)])
    for group in trainer.optimizer.param_groups:
        group["lr"] = 0.0  # nothing changes, so nothing improves
    history = trainer.fit(loader, 10, val)
    assert len(history) == 3  # epoch 1 sets the best, 2 and 3 do not improve
    assert trainer.stop_reason["kind"] == "early_stopping"
    assert read_checkpoint(tmp_path / "last.safetensors")["stop"]["kind"] == "early_stopping"
    again, loader2, val2 = _small_trainer(sample, n=128,
                                          callbacks=[EarlyStopping("val_loss", patience=2)])
    again.load_checkpoint(tmp_path / "last.safetensors")
    assert len(again.fit(loader2, 10, val2)) == 3  # a finished run stays finished
    with pytest.raises(KeyError, match="no 'val_loss'"):
        t2, l2, _ = _small_trainer(sample, n=64, val=False,
                                   callbacks=[EarlyStopping("val_loss")])
        t2.fit(l2, 1)


def test_best_and_last_checkpoints(sample, tmp_path):
    trainer, loader, val = _small_trainer(sample, tmp_path, n=256)
    history = trainer.fit(loader, 4, val)
    accs = history["val_accuracy"]
    best = json.loads((tmp_path / "best.json").read_text())
    last = json.loads((tmp_path / "last.json").read_text())
    assert best["epoch"] == int(np.argmax(accs)) + 1
    assert best["metrics"]["val_accuracy"] == max(accs)
    assert last["epoch"] == 4 and last["step"] == 16 and last["kind"] == "last"
    assert last["model"] == {"name": "mlp", "config": zoo.model_config("mlp", hidden=[32])}
    import hashlib

    assert last["sha256"] == hashlib.sha256((tmp_path / "last.safetensors").read_bytes()
                                            ).hexdigest()
    ckpt = read_checkpoint(tmp_path / "last.safetensors")
    for key in ("model", "optimizer", "scheduler", "epoch", "step", "rng", "data_order",
                "metrics", "history", "format_version", "callbacks"):
        assert key in ckpt
    model, _ = load_model(tmp_path / "last")
    for k, v in model.state_dict().items():
        assert np.array_equal(v.numpy(), trainer.model.state_dict()[k].numpy())


# ---------------------------------------------------------------------- files
def test_resolve_checkpoint_accepts_either_file_the_stem_or_the_folder(tmp_path):
    (tmp_path / "best.safetensors").write_bytes(b"x")
    (tmp_path / "best.json").write_text("{}")
    (tmp_path / "last.safetensors").write_bytes(b"x")
    for arg in ("best.safetensors", "best.json", "best", "."):
        assert resolve_checkpoint(tmp_path / arg) == tmp_path / "best.safetensors"
    with pytest.raises(FileNotFoundError, match="nope"):
        resolve_checkpoint(tmp_path / "nope")
    with pytest.raises(FileNotFoundError):
        resolve_checkpoint(tmp_path / "missing.json")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no checkpoint in folder"):
        resolve_checkpoint(tmp_path / "empty")


def test_resume_skips_a_corrupt_newer_checkpoint_and_says_why(sample, tmp_path):
    trainer, loader, val = _small_trainer(sample, tmp_path, n=256, every=3)
    trainer.fit(loader, 2, val)
    (tmp_path / "old.safetensors").write_bytes((tmp_path / "best.safetensors").read_bytes())
    data = bytearray((tmp_path / "last.safetensors").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (tmp_path / "last.safetensors").write_bytes(bytes(data))
    (tmp_path / "junk.safetensors").write_bytes(b"not a checkpoint")
    ckpt, skipped = find_resume_checkpoint(tmp_path)
    assert ckpt["_path"].endswith(("best.safetensors", "old.safetensors"))
    reasons = {p.name: why for p, why in skipped}
    assert set(reasons) == {"last.safetensors", "junk.safetensors"}
    assert "step 8" in reasons["last.safetensors"] and "SHA-256" in reasons["last.safetensors"]
    for f in tmp_path.glob("*.safetensors"):
        f.unlink()
    with pytest.raises(FileNotFoundError, match="no usable checkpoint"):
        find_resume_checkpoint(tmp_path)


def test_a_checkpoint_that_does_not_fit_leaves_the_model_untouched(sample, tmp_path):
    trainer, loader, val = _small_trainer(sample, tmp_path, n=128)
    trainer.fit(loader, 1, val)
    sj.manual_seed(5)
    other = zoo.get_model("mlp", hidden=[16])
    before = {k: v.numpy().copy() for k, v in other.state_dict().items()}
    t2 = Trainer(other, optim.Adam(other.parameters()), quiet=True)
    with pytest.raises(CheckpointError, match="does not fit"):
        t2.load_checkpoint(tmp_path / "last.safetensors")
    for k, v in other.state_dict().items():
        assert np.array_equal(v.numpy(), before[k])
    sj.save({"weights": np.zeros(3)}, tmp_path / "plain.safetensors")
    with pytest.raises(CheckpointError, match="not a training checkpoint"):
        read_checkpoint(tmp_path / "plain.safetensors")
    t3 = Trainer(zoo.get_model("mlp", hidden=[32]),
                 optim.SGD(zoo.get_model("mlp", hidden=[32]).parameters(), lr=0.1), quiet=True)
    with pytest.raises(CheckpointError, match="Adam"):
        t3.load_checkpoint(tmp_path / "last.safetensors")
