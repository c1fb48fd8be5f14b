"""``shenjing demo`` end to end, in a subprocess, in both languages."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from shenjing.cli import COMMANDS, build_parser, main

SRC = Path(__file__).resolve().parents[2] / "src"
NAMES = ["history", "neuron", "activations", "softmax", "cross-entropy", "perceptron",
         "gradient-descent", "backprop", "mnist", "sine-rnn", "gpt", "graph"]


def shenjing(*args: str, lang_env: str = "C.UTF-8", timeout: float = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES", "LANG")}
    env.update(LANG=lang_env, PYTHONPATH=str(SRC) + os.pathsep + env.get("PYTHONPATH", ""),
               MPLBACKEND="Agg")
    return subprocess.run([sys.executable, "-m", "shenjing", *args], capture_output=True, text=True,
                          env=env, timeout=timeout)


def _is_png(path: Path) -> bool:
    with Image.open(path) as im:
        a = np.asarray(im.convert("L"), dtype=float)
    return a.std() > 5


def test_list_in_both_languages():
    en = shenjing("demo", "--list")
    assert en.returncode == 0, en.stderr
    for name in NAMES:
        assert f"  {name} " in en.stdout
    assert "in the order of the lecture" in en.stdout
    zh = shenjing("demo", "--list", lang_env="zh_CN.UTF-8")
    assert zh.returncode == 0 and "全部演示" in zh.stdout
    assert shenjing("--lang", "zh", "demo", "--list").stdout == zh.stdout
    assert shenjing("demo", "--list", "--lang", "en", lang_env="zh_CN.UTF-8").stdout == en.stdout


def test_softmax_in_chinese_with_plot(tmp_path):
    png = tmp_path / "s.png"
    r = shenjing("demo", "softmax", "--lang", "zh", "--plot", str(png))
    assert r.returncode == 0, r.stderr
    assert "概率最大的是第 1 类" in r.stdout and "0.9523" in r.stdout
    assert _is_png(png)


def test_backprop_options_from_the_command_line():
    w = [str(v) for v in np.linspace(-0.6, 0.6, 12)]
    r = shenjing("demo", "backprop", "--x", "0.5", "0.2", "-0.1", "--y", "0", "1", "0", "--w", *w,
                 "--lr", "0.1", "--lang", "en")
    assert r.returncode == 0, r.stderr
    assert "all agree to 1e-8: yes" in r.stdout
    assert "x = (0.5, 0.2, -0.1)" in r.stdout and "η = 0.1" in r.stdout


def test_bad_input_is_a_clear_error():
    r = shenjing("demo", "neuron", "--x", "1", "2", "--w", "1", "--lang", "en")
    assert r.returncode == 2 and "2 inputs but 1 weights" in r.stderr
    r = shenjing("demo", "nosuchdemo")
    assert r.returncode == 2 and "invalid choice" in r.stderr


def test_all_in_chinese_writes_every_figure(tmp_path):
    r = shenjing("demo", "all", "--lang", "zh", "--plot", str(tmp_path / "fig.png"), timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    assert f"共 {len(NAMES)} 个演示，{len(NAMES)} 个运行成功" in r.stdout
    for name in NAMES:
        assert _is_png(tmp_path / f"fig-{name}.png"), name


def test_parser_is_pluggable_and_main_returns_status(capsys):
    assert COMMANDS[0] == "demo"
    parser = build_parser()
    args = parser.parse_args(["demo", "gpt", "--lang", "zh"])
    assert args.lang == "zh" and args.demo_name == "gpt"
    assert main(["demo", "gpt", "--lang", "en"]) == 0
    assert "GPT-3" in capsys.readouterr().out
    assert main([]) == 2
    with pytest.raises(SystemExit):
        main(["--lang", "fr", "demo"])
