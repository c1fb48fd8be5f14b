"""`shenjing train | eval | predict | models` end to end, each in a fresh subprocess: real
MNIST, exact resume after --max-steps and after SIGKILL, a corrupt newer checkpoint, bad
arguments, missing and non-image files, English and Chinese."""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

import shenjing as sj

DATA = Path(os.environ["SHENJING_DATA"].split(os.pathsep)[0]) if os.environ.get(
    "SHENJING_DATA") else Path(__file__).resolve().parents[3] / "shared" / "data"

SMALL = ["--train-size", "600", "--val-split", "100", "--batch-size", "50", "--epochs", "2",
         "--model-arg", "hidden=[32]"]


def _env(tmp: Path, data: Path | None = DATA) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"XDG_CACHE_HOME": str(tmp / "cache"), "HOME": str(tmp / "home"),
                "SHENJING_MNIST_MIRRORS": "", "SHENJING_FASHION_MNIST_MIRRORS": "",
                "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8",
                # one BLAS thread: several of these processes run side by side, and spinning
                # BLAS threads on a busy machine make a small run ten times slower
                "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"})
    env.pop("LC_ALL", None)
    env.pop("LC_MESSAGES", None)
    env["SHENJING_DATA"] = str(data if data is not None else tmp / "no-data-here")
    return env


def sh(tmp: Path, *args: str, data: Path | None = DATA, timeout: float = 120
       ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shenjing", *args], capture_output=True,
                          text=True, env=_env(tmp, data), cwd=tmp, timeout=timeout)


def _clean_error(r: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in r.stderr, r.stderr


def _losses(run: Path) -> list[float]:
    return json.loads((run / "history.json").read_text())["steps"]


def _assert_same_state(a: Path, b: Path) -> None:
    x = sj.load(a, numpy=True)
    y = sj.load(b, numpy=True)
    assert x["step"] == y["step"]
    for k, v in x["model"]["state"].items():
        assert np.array_equal(v, y["model"]["state"][k]), k
    ox, oy = x["optimizer"]["state"], y["optimizer"]["state"]
    assert ox["param_groups"] == oy["param_groups"]
    for i, st in ox["state"].items():
        for k, v in st.items():
            assert np.array_equal(np.asarray(v), np.asarray(oy["state"][i][k])), (i, k)
    assert x["scheduler"] == y["scheduler"]
    assert x["data_order"] == y["data_order"] and x["rng"] == y["rng"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    """One short real-MNIST run that the eval/predict tests share."""
    tmp = tmp_path_factory.mktemp("trained")
    r = sh(tmp, "train", "--train-size", "3000", "--val-split", "500", "--epochs", "3",
           "--batch-size", "64", "--out", "run", "--quiet")
    assert r.returncode == 0, r.stderr
    assert "Test accuracy" in r.stdout and "Training mlp" not in r.stdout  # --quiet
    return tmp / "run"


def test_train_writes_checkpoints_and_history(trained):
    for name in ("best.safetensors", "best.json", "last.safetensors", "last.json",
                 "history.json", "history.csv"):
        assert (trained / name).is_file(), name
    last = json.loads((trained / "last.json").read_text())
    assert last["model"]["name"] == "mlp" and last["model"]["config"]["hidden"] == [256, 128]
    assert last["epoch"] == 3 and last["run"]["settings"]["optimizer"] == "adam"
    assert last["run"]["sample"] is False  # the real data set, not the bundled sample
    history = json.loads((trained / "history.json").read_text())
    assert len(history["epochs"]) == 3 and len(history["steps"]) == 3 * 47
    assert history["info"]["test"]["accuracy"] > 0.85
    csv = (trained / "history.csv").read_text().splitlines()
    assert csv[0].startswith("epoch,step,train_loss,train_accuracy,val_loss,val_accuracy")
    assert len(csv) == 4


def test_eval_json_text_and_png(trained, tmp_path):
    r = sh(tmp_path, "eval", "--checkpoint", str(trained), "--json")
    assert r.returncode == 0, r.stderr
    m = json.loads(r.stdout)
    assert 0.85 < m["accuracy"] <= 1 and m["samples"] == 10000 and m["split"] == "test"
    assert len(m["per_class_accuracy"]) == 10
    assert np.asarray(m["confusion_matrix"]).sum() == 10000
    assert m["checkpoint"].endswith("best.safetensors")
    png = tmp_path / "cm.png"
    r = sh(tmp_path, "eval", "--checkpoint", str(trained / "last.json"), "--png", str(png))
    assert r.returncode == 0, r.stderr
    assert "Confusion matrix" in r.stdout and "9 - nine" in r.stdout
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _digit_images(folder: Path, n: int) -> tuple[list[str], list[int]]:
    """MNIST test digits as a person might draw them: dark on a light, larger RGB canvas."""
    from PIL import Image

    from shenjing.data import MNIST

    test = MNIST(DATA, train=False, download=False)
    paths = []
    for i in range(n):
        ink = 255 - test.data[i]
        rgb = np.stack([ink, ink, (ink * 0.9).astype(np.uint8)], axis=-1)
        img = Image.fromarray(rgb).resize((84, 96), Image.Resampling.BILINEAR)
        canvas = Image.new("RGB", (140, 130), (245, 245, 240))
        canvas.paste(img, (30, 12))
        path = folder / f"digit{i}.png"
        canvas.save(path)
        paths.append(str(path))
    return paths, test.targets[:n].tolist()


def test_predict_recognises_drawn_digits(trained, tmp_path):
    paths, labels = _digit_images(tmp_path, 20)
    r = sh(tmp_path, "predict", "--checkpoint", str(trained / "best"), "--json", *paths)
    assert r.returncode == 0, r.stderr
    preds = json.loads(r.stdout)["predictions"]
    got = [p["label"] for p in preds]
    assert np.mean(np.array(got) == np.array(labels)) >= 0.7, (got, labels)
    assert all(len(p["top"]) == 3 and p["top"][0]["probability"] >= p["top"][1]["probability"]
               for p in preds)
    r = sh(tmp_path, "predict", "--checkpoint", str(trained), "--top", "2", paths[0],
           "--save-input", "seen")
    assert r.returncode == 0 and r.stdout.startswith(paths[0] + ": ")
    assert (tmp_path / "seen" / "digit0-28x28.png").is_file()


def test_predict_refuses_non_images_and_missing_files(trained, tmp_path):
    text = tmp_path / "notes.png"
    text.write_text("this is not an image\n")
    r = sh(tmp_path, "predict", "--checkpoint", str(trained), str(text))
    assert r.returncode == 1
    assert "notes.png is not an image" in r.stderr
    _clean_error(r)
    r = sh(tmp_path, "predict", "--checkpoint", str(trained), "--lang", "zh", str(text))
    assert r.returncode == 1 and "不是 Pillow 能读取的图片" in r.stderr and "错误" in r.stderr
    r = sh(tmp_path, "predict", "--checkpoint", str(trained), "nowhere.png")
    assert r.returncode == 1 and "nowhere.png: no such file" in r.stderr
    _clean_error(r)
    r = sh(tmp_path, "predict", "--checkpoint", str(trained), "--top", "0", "x.png")
    assert r.returncode == 2
    r = sh(tmp_path, "predict", "--checkpoint", str(trained))
    assert r.returncode == 2  # no IMAGE


def test_bad_arguments_and_files(trained, tmp_path):
    garbage = tmp_path / "garbage.safetensors"
    garbage.write_bytes(b"\x00" * 100)
    cases = [
        (["train", "--epochs", "0"], 2, "--epochs must be positive"),
        (["train", "--optimizer", "rmsprop"], 2, "invalid choice"),
        (["train", "--model", "nope"], 2, "unknown model 'nope'"),
        (["train", "--model-arg", "oops"], 2, "KEY=VALUE"),
        (["train", "--model-arg", "width=3"], 2, "no option"),
        (["train", "--lr", "-1"], 2, "--lr must be positive"),
        (["train", "--resume"], 2, "--out"),
        (["train", "--out", str(trained)], 2, "already holds a run"),
        (["train", "--out", str(trained), "--resume", "--batch-size", "32"], 2,
         "--batch-size differs"),
        (["train", "--out", str(tmp_path / "empty"), "--resume"], 1, "nothing to resume"),
        (["eval"], 2, "--checkpoint"),
        (["eval", "--checkpoint", "nowhere"], 1, "nowhere not found"),
        (["eval", "--checkpoint", str(garbage)], 1, "garbage.safetensors"),
        (["eval", "--checkpoint", str(trained / "history.json")], 1, "history.safetensors"),
        (["models", "--bogus"], 2, "unrecognized arguments"),
    ]
    (tmp_path / "empty").mkdir()
    with ThreadPoolExecutor(4) as pool:  # independent processes: run them side by side
        results = list(pool.map(lambda c: sh(tmp_path, *c[0]), cases))
    for (args, code, text), r in zip(cases, results):
        assert r.returncode == code, (args, r.returncode, r.stderr)
        assert text in r.stderr, (args, r.stderr)
        _clean_error(r)
    r = sh(tmp_path, "eval", "--checkpoint", "nowhere", "--debug")
    assert r.returncode == 1 and "Traceback" in r.stderr


def test_models_in_both_languages(tmp_path):
    r = sh(tmp_path, "models")
    assert r.returncode == 0 and "mlp" in r.stdout and "235,146 parameters" in r.stdout
    r = sh(tmp_path, "models", "--lang", "zh")
    assert r.returncode == 0 and "模型库" in r.stdout and "多层感知机" in r.stdout
    r = sh(tmp_path, "models", "--json")
    models = {m["name"]: m for m in json.loads(r.stdout)}
    assert models["mlp"]["options"]["hidden"] == [256, 128]
    assert models["mlp"]["parameters"] == 235146


def test_train_in_chinese(tmp_path):
    r = sh(tmp_path, "--lang", "zh", "train", *SMALL, "--epochs", "1", "--out", "zh")
    assert r.returncode == 0, r.stderr
    assert "在 mnist 上训练 mlp" in r.stdout and "第 1/1 轮" in r.stdout
    assert "测试准确率" in r.stdout
    r = sh(tmp_path, "train", "--epochs", "0", "--lang", "zh")
    assert r.returncode == 2 and "错误：--epochs 必须为正数" in r.stderr


def test_falls_back_to_the_bundled_sample_with_a_notice(tmp_path):
    r = sh(tmp_path, "train", "--train-size", "300", "--val-split", "100", "--epochs", "1",
           "--out", "s", "--quiet", data=None)
    assert r.returncode == 0, r.stderr
    assert "bundled sample" in r.stderr
    assert json.loads((tmp_path / "s" / "last.json").read_text())["run"]["sample"] is True


def test_max_steps_then_resume_equals_an_uninterrupted_run(tmp_path):
    r = sh(tmp_path, "train", *SMALL, "--out", "full", "--quiet")
    assert r.returncode == 0, r.stderr
    r = sh(tmp_path, "train", *SMALL, "--out", "part", "--max-steps", "17", "--quiet")
    assert r.returncode == 0 and "--max-steps" in r.stdout, r.stderr
    assert json.loads((tmp_path / "part" / "last.json").read_text())["step"] == 17
    assert json.loads((tmp_path / "part" / "best.json").read_text())["step"] == 12
    # a newer file that is corrupt: resume skips it, says why, and uses the older best
    last = tmp_path / "part" / "last.safetensors"
    data = bytearray(last.read_bytes())
    data[-10] ^= 0x55
    last.write_bytes(bytes(data))
    r = sh(tmp_path, "train", "--out", "part", "--resume")
    assert r.returncode == 0, r.stderr
    assert "Skipped" in r.stderr and "last.safetensors" in r.stderr and "step 17" in r.stderr
    assert "best.safetensors (epoch 1 done, step 12)" in r.stdout
    assert _losses(tmp_path / "part") == _losses(tmp_path / "full")
    _assert_same_state(tmp_path / "full" / "last.safetensors", last)
    r = sh(tmp_path, "train", "--out", "part", "--resume")
    assert r.returncode == 0 and "already complete" in r.stdout


def test_sigkill_mid_run_then_resume_equals_an_uninterrupted_run(tmp_path):
    args = ["train", "--train-size", "400", "--val-split", "100", "--batch-size", "40",
            "--epochs", "20", "--model-arg", "hidden=[16]", "--save-every", "5", "--quiet"]
    r = sh(tmp_path, *args, "--out", "full")
    assert r.returncode == 0, r.stderr
    proc = subprocess.Popen([sys.executable, "-m", "shenjing", *args, "--out", "killed"],
                            env=_env(tmp_path), cwd=tmp_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    info = tmp_path / "killed" / "last.json"
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if json.loads(info.read_text())["step"] >= 25:
                    break
            except (OSError, ValueError):
                pass
            time.sleep(0.005)
        assert proc.poll() is None, "the run ended before it could be killed"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    # (the .json is written just after the .safetensors: a kill in between leaves it stale)
    killed_at = sj.load(tmp_path / "killed" / "last.safetensors", numpy=True)["step"]
    assert 25 <= killed_at < 200
    r = sh(tmp_path, "train", "--out", "killed", "--resume")
    assert r.returncode == 0, r.stderr
    assert f"step {killed_at})" in r.stdout
    assert _losses(tmp_path / "killed") == _losses(tmp_path / "full")
    _assert_same_state(tmp_path / "full" / "last.safetensors",
                       tmp_path / "killed" / "last.safetensors")


def test_cnn_trains_with_augmentation_by_default():
    from shenjing.cli import train as train_cli

    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    train_cli.add_parser(sub)
    for argv, expected in ((["train", "--model", "cnn"], True), (["train", "--model", "cnn", "--no-augment"], False),
                           (["train", "--model", "mlp"], False), (["train", "--model", "mlp", "--augment"], True)):
        args = parser.parse_args(argv)
        assert train_cli.fresh_settings(train_cli._given(args))["augment"] is expected, argv
