"""``shenjing train --task poetry`` and ``shenjing generate``: a tiny model trained end to end on a
small corpus, generation reproducible with a seed, acrostic form, and clear errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

import shenjing as sj
from shenjing.cli import main
from shenjing.data.poetry import SAMPLE_POEMS, form_of
from shenjing.data.vocab import CharVocab
from shenjing.lm import CharLM
from shenjing.lm.generate import acrostic, generate
from shenjing.lm.poetry import PoetrySettings, load_poetry_model, save_poetry_model


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("corpus") / "tang300"
    entries = [f"\x1b[32m《{t}》\x1b[m\n\x1b[33m作者：{a}\x1b[m\n{b}\n" for t, a, b in SAMPLE_POEMS]
    path.write_bytes("%\n".join(entries).encode())
    return path


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    """An untrained model saved as a poetry checkpoint (generation does not need a good model)."""
    sj.manual_seed(0)
    vocab = CharVocab.build(b for _, _, b in SAMPLE_POEMS)
    model = CharLM(len(vocab), embed=8, hidden=12, layers=1)
    path = tmp_path_factory.mktemp("model") / "poet.safetensors"
    save_poetry_model(path, model, vocab, PoetrySettings(embed=8, hidden=12, layers=1), {"note": "untrained"})
    return path


def test_train_task_poetry_end_to_end(tmp_path, corpus, capsys):
    out = tmp_path / "run"
    code = main(["train", "--task", "poetry", "--corpus", str(corpus), "--steps", "4", "--hidden", "16",
                 "--embed", "8", "--layers", "1", "--seq-len", "12", "--batch-size", "4", "--val-poems", "2",
                 "--out", str(out), "--lang", "en"])
    text = capsys.readouterr().out
    assert code == 0, text
    assert "val perplexity" in text and "Lowest validation perplexity" in text and "Final model" in text
    model, vocab, ck = load_poetry_model(out / "best.safetensors")
    assert ck["settings"]["hidden"] == 16 and len(vocab) == model.vocab_size
    assert ck["metrics"]["val_perplexity"] > 1
    # a second run into the same folder is refused unless --overwrite
    again = main(["train", "--task", "poetry", "--corpus", str(corpus), "--steps", "1", "--out", str(out)])
    assert again == 2
    assert main(["train", "--task", "poetry", "--epochs", "2", "--out", str(tmp_path / "x")]) == 2


def test_generation_is_reproducible_with_a_seed(model_file, capsys):
    args = ["generate", "--checkpoint", str(model_file), "--prompt", "春", "--length", "20", "--temperature",
            "0.8", "--top-k", "5", "--seed", "7"]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert main(args) == 0
    assert capsys.readouterr().out == first
    assert first.startswith("春")
    assert main(args[:-1] + ["8"]) == 0
    assert capsys.readouterr().out != first


def test_generate_api_same_seed_same_poem(model_file):
    model, vocab, _ = load_poetry_model(model_file)
    a = generate(model, vocab, "月", 30, 1.0, None, seed=3)
    assert a == generate(model, vocab, "月", 30, 1.0, None, seed=3)
    assert len(a) <= 31 and a[0] == "月"
    assert generate(model, vocab, "", 10, 0.5, 1, seed=0) == generate(model, vocab, "", 10, 0.5, 1, seed=1), \
        "top-k 1 is greedy: the seed does not matter"


@pytest.mark.parametrize("form", [5, 7])
def test_acrostic_heads_and_form(model_file, form):
    model, vocab, _ = load_poetry_model(model_file)
    text = acrostic(model, vocab, "春山明月", seed=2, form=form)
    lines = text.split("\n")
    assert len(lines) == 2
    clauses = [c for line in lines for c in line.replace("，", "，|").replace("。", "。|").split("|") if c]
    assert [c[0] for c in clauses] == list("春山明月")
    assert form_of(text) == form


def test_acrostic_cli_json(model_file, capsys):
    assert main(["generate", "--checkpoint", str(model_file), "--prompt", "江山", "--acrostic", "--seed", "1",
                 "--num", "2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [p["seed"] for p in data["poems"]] == [1, 2]
    assert all(p["text"][0] == "江" for p in data["poems"])
    assert data["stats"]["n"] == 2


def test_generate_errors(tmp_path, model_file, capsys):
    assert main(["generate", "--checkpoint", str(tmp_path / "none.safetensors")]) == 1
    assert "none.safetensors" in capsys.readouterr().err
    other = tmp_path / "other.safetensors"
    sj.save({"weights": np.zeros(3)}, other)
    assert main(["generate", "--checkpoint", str(other)]) == 1
    assert "not a character language model" in capsys.readouterr().err
    assert main(["generate", "--checkpoint", str(model_file), "--prompt", "龘"]) == 1
    assert "never saw: 龘" in capsys.readouterr().err
    assert main(["generate", "--checkpoint", str(model_file), "--acrostic"]) == 2
    assert main(["generate", "--checkpoint", str(model_file), "--temperature", "0"]) == 2
