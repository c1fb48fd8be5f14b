"""The message catalogue: both languages complete, placeholders consistent, every key used exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shenjing import i18n
from shenjing.i18n import catalogue, detect_lang, placeholders, t

SRC = Path(__file__).resolve().parents[1] / "src" / "shenjing"


def test_both_languages_have_the_same_keys():
    en, zh = set(catalogue("en")), set(catalogue("zh"))
    assert en - zh == set(), f"missing in zh: {sorted(en - zh)}"
    assert zh - en == set(), f"missing in en: {sorted(zh - en)}"


@pytest.mark.parametrize("key", sorted(catalogue("en")))
def test_placeholders_match_and_every_message_formats(key):
    en, zh = catalogue("en")[key], catalogue("zh")[key]
    assert placeholders(en) == placeholders(zh), key
    values = dict.fromkeys(placeholders(en), 1.5)
    for lang in ("en", "zh"):
        assert t(key, lang, **values).strip(), (key, lang)


def test_chinese_messages_are_chinese():
    zh = catalogue("zh")
    han = re.compile(r"[\u4e00-\u9fff]")
    neutral = {k for k, v in zh.items() if not han.search(v)}
    # only formulas, symbols and names may stay without Chinese characters
    for k in neutral:
        assert not re.search(r"\b(the|and|with|of)\b", zh[k]), (k, zh[k])
    assert len(neutral) < 0.1 * len(zh)


def _literal_keys() -> set[str]:
    files = [*SRC.joinpath("demos").glob("*.py"), *SRC.joinpath("cli").glob("*.py"), SRC / "viz" / "lecture.py"]
    found = set()
    for f in files:
        found |= set(re.findall(r'"((?:cli|demo|fig)\.[A-Za-z0-9_.\-]+)"', f.read_text(encoding="utf-8")))
    return found


def test_every_key_used_in_the_code_exists():
    en = catalogue("en")
    used = _literal_keys()
    assert len(used) > 100
    missing = sorted(k for k in used if k not in en)
    assert missing == []


def test_every_key_built_at_run_time_exists():
    from shenjing.demos import DEMOS

    en = catalogue("en")
    dynamic = [key for _, key in DEMOS.values()]
    dynamic += [f"demo.act.{n}" for n in ("logistic", "tanh", "relu", "elu", "softplus", "step")]
    dynamic += [f"demo.gradient-descent.{k}" for k in ("small", "good", "large")]
    dynamic += [f"demo.gradient-descent.verdict.{v}" for v in ("slow", "converged", "diverged")]
    dynamic += [f"fig.gd.{k}" for k in ("small", "good", "large")]
    dynamic += [f"demo.perceptron.failed.{r}" for r in ("cycle", "max_epochs")]
    dynamic += [f"demo.history.year.{y}" for y in ("1943", "1949", "1958", "1969", "1986", "2006")]
    assert [k for k in dynamic if k not in en] == []


@pytest.mark.parametrize(
    ("env", "want"),
    [
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "zh_TW"}, "zh"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({}, "en"),
        ({"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US"}, "zh"),
        ({"LC_ALL": "en_GB", "LANG": "zh_CN"}, "en"),
        ({"LC_MESSAGES": "zh_CN", "LANG": "en_US"}, "zh"),
        ({"LC_ALL": "", "LANG": "zh_CN"}, "zh"),
    ],
)
def test_detect_lang(env, want):
    assert detect_lang(env) == want


def test_set_lang_and_explicit_lang(monkeypatch):
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")
    try:
        assert i18n.get_lang() == "en"
        i18n.set_lang("zh")
        assert t("demo.yes") == "是"
        assert t("demo.yes", lang="en") == "yes"
        i18n.set_lang("zh_CN")
        assert i18n.get_lang() == "zh"
        with pytest.raises(ValueError, match="unsupported language"):
            i18n.set_lang("fr")
    finally:
        i18n.set_lang(None)
    assert i18n.get_lang() == "en"


def test_missing_keys_and_register():
    with pytest.raises(KeyError, match="no.such.key"):
        t("no.such.key")
    try:
        i18n.register("en", {"test.only.hello": "hello {name}"})
        assert t("test.only.hello", "zh", name="x") == "hello x"  # zh falls back to English
        i18n.register("zh", {"test.only.hello": "你好 {name}"})
        assert t("test.only.hello", "zh", name="x") == "你好 x"
    finally:
        for lang in i18n.LANGS:
            i18n._load(lang).pop("test.only.hello", None)
    assert t("demo.backprop.agree", "en", err=1e-10, ok="yes").startswith("Largest difference 1.0e-10")
