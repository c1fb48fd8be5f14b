"""Every demo against the lecture's numbers, and every figure produced.

Each demo runs once (module fixture) with its figure saved, so the whole file stays fast."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from PIL import Image

from shenjing.demos import DEMOS, backprop, graph, run_demo

ORDER = ["history", "neuron", "activations", "softmax", "cross-entropy", "perceptron",
         "gradient-descent", "backprop", "mnist", "sine-rnn", "gpt", "graph"]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("figures")
    out = {}
    for name in DEMOS:
        kwargs = {"seconds": 1.0} if name == "mnist" else {}
        out[name] = run_demo(name, lang="en", plot=str(folder / f"{name}.png"), verbose=False, **kwargs)
    return out


def test_registry_order_and_descriptions():
    assert list(DEMOS) == ORDER
    for fn, key in DEMOS.values():
        assert callable(fn) and key.endswith(".desc")
    with pytest.raises(KeyError, match="no demo"):
        run_demo("nope")


@pytest.mark.parametrize("name", ORDER)
def test_figure_is_a_real_png(results, name):
    path = results[name]["plot"]
    with Image.open(path) as im:
        im.verify()
    with Image.open(path) as im:
        a = np.asarray(im.convert("L"), dtype=np.float64)
    assert a.shape[0] > 200 and a.shape[1] > 300
    assert a.std() > 5, "blank figure"
    assert len(np.unique(a)) > 20


def test_softmax_of_4_1_minus4(results):
    r = results["softmax"]
    p = r["probs"]
    assert [round(v, 2) for v in p] == [0.95, 0.05, 0.00]
    assert p == pytest.approx([0.9523, 0.0474, 0.0003], abs=5e-5)
    assert sum(p) == pytest.approx(1.0)
    assert r["argmax"] == 0
    np.testing.assert_allclose(r["probs_tensor"], p, atol=1e-12)
    np.testing.assert_allclose(r["probs_scalar"], p, atol=1e-12)


def test_cross_entropy_gradient_is_yhat_minus_y(results):
    r = results["cross-entropy"]
    want = [-0.66, 0.46, 0.20]
    np.testing.assert_allclose(r["grad_formula"], want, atol=1e-12)
    np.testing.assert_allclose(r["grad_tensor"], want, atol=1e-10)
    np.testing.assert_allclose(r["grad_scalar"], want, atol=1e-10)
    assert r["loss"] == pytest.approx(-math.log(0.34))
    mse, ce = r["mse"], r["ce"]
    assert abs(ce["grad0"][0]) > 50 * abs(mse["grad0"][0])
    assert ce["steps_to_0.9"] is not None
    assert mse["steps_to_0.9"] is None or mse["steps_to_0.9"] > 3 * ce["steps_to_0.9"]


def test_backprop_wiring_is_the_lecture_table():
    assert backprop.HIDDEN == {1: (1, 3, 5), 2: (2, 4, 6)}
    assert backprop.OUTPUT == {1: (7, 10), 2: (8, 11), 3: (9, 12)}
    # only w10 non-zero among the output weights: In_o1 = w10·Out_h2, the others 0
    w = [0.3] * 6 + [0, 0, 0, 2.0, 0, 0]
    q = backprop.forward([1, 2, 3], [1, 0, 0], w)
    assert q["In_o1"] == pytest.approx(2.0 * q["Out_h2"])
    assert q["In_o2"] == q["In_o3"] == 0
    # w3 multiplies x2 into h1 only
    w = [0.0] * 12
    w[2] = 1.0
    q = backprop.forward([5, 7, 11], [0, 0, 0], w)
    assert (q["In_h1"], q["In_h2"]) == (7.0, 0.0)


def test_backprop_deltas_agree_to_1e8(results):
    r = results["backprop"]
    chain = np.array(r["delta_chain"])
    for other in ("delta_tensor", "delta_scalar", "delta_fd"):
        np.testing.assert_allclose(r[other], chain, rtol=0, atol=1e-8)
    assert r["max_diff"] < 1e-8
    assert r["loss_tensor"] == pytest.approx(r["loss_before"], abs=1e-14)
    assert r["loss_scalar"] == pytest.approx(r["loss_before"], abs=1e-14)
    np.testing.assert_allclose(r["w_new"], np.array(r["w"]) - r["lr"] * chain)
    assert r["loss_after"] < r["loss_before"]
    assert r["x"] == [1.0, -1.0, 0.5] and r["y"] == [1.0, 0.0, 0.0] and r["lr"] == 0.5
    assert r["w"] == pytest.approx([i / 10 for i in range(1, 13)])


def test_backprop_with_other_numbers():
    rng = np.random.default_rng(7)
    r = backprop.run(x=rng.normal(size=3), y=[0, 0, 1], w=rng.normal(size=12), lr=0.1, verbose=False)
    assert r["max_diff"] < 1e-8 and r["loss_after"] < r["loss_before"]
    with pytest.raises(ValueError, match="12 weights"):
        backprop.run(w=[0.1] * 11, verbose=False)


def test_history(results):
    r = results["history"]
    assert r["mcp"] == {"AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1], "NOT": [1, 0]}
    assert r["hebb"]["before"] == 0 and r["hebb"]["after"] == 1 and r["hebb"]["learned_after"] == 2
    for gate in ("AND", "NAND", "OR"):
        assert r["perceptron"][gate]["converged"]
    assert not r["perceptron"]["XOR"]["converged"]
    assert r["perceptron"]["XOR"]["reason"] in ("cycle", "max_epochs")
    assert r["xor_net"]["solved"]


def test_perceptron(results):
    r = results["perceptron"]
    for gate in ("AND", "NAND", "OR"):
        assert r["gates"][gate]["converged"] and r["gates"][gate]["accuracy"] == 1.0
    assert not r["gates"]["XOR"]["converged"] and r["gates"]["XOR"]["accuracy"] < 1.0
    assert r["xor_by_hand"] == [0, 1, 1, 0]
    out = r["xor_net"]["outputs"]
    assert r["xor_net"]["solved"] and out[0] < 0.5 < min(out[1], out[2]) and out[3] < 0.5


def test_gpt_counts_within_5_percent(results):
    m = results["gpt"]["models"]
    for name, lecture in (("GPT-1", 117e6), ("GPT-2", 1.5e9), ("GPT-3", 175e9)):
        assert abs(m[name]["total"] / lecture - 1) < 0.05, name
    assert m["GPT-1"]["total"] == 116_534_784


def test_activations(results):
    r = results["activations"]
    assert max(r["derivative_check"].values()) < 1e-12
    assert r["sigmoid_grad_at_5"] == pytest.approx(0.0066, abs=5e-5)
    sig, rel = r["grad_norms"]["sigmoid"], r["grad_norms"]["relu"]
    assert len(sig) == len(rel) == 10
    assert sig[0] / sig[-1] < 1e-3  # vanishes
    assert rel[0] / rel[-1] > 0.1  # does not
    assert set(r["table"]) == {"logistic", "tanh", "relu", "elu", "softplus"}


def test_neuron(results):
    r = results["neuron"]
    assert r["y"] == pytest.approx(-0.4)
    a = r["activations"]
    assert a["relu"]["f"] == 0 and a["relu"]["df"] == 0
    assert a["logistic"]["df"] == pytest.approx(a["logistic"]["f"] * (1 - a["logistic"]["f"]))
    assert a["elu"]["f"] == pytest.approx(math.exp(-0.4) - 1)
    assert a["softplus"]["df"] == pytest.approx(a["logistic"]["f"])
    assert r["engine_diff"] < 1e-12 and r["step"] == 0


def test_gradient_descent(results):
    r = results["gradient-descent"]
    for part in ("oned", "twod"):
        assert [r[part][k]["verdict"] for k in ("small", "good", "large")] == ["slow", "converged", "diverged"]
    assert r["oned"]["good"]["path"][1] == pytest.approx(4 - 0.3 * 8)


def test_graph(results):
    r = results["graph"]
    assert r["max_diff_vs_chain_rule"] < 1e-15
    chain = backprop.chain_rule(backprop.DEFAULT_X, backprop.DEFAULT_Y, backprop.DEFAULT_W)["delta"]
    for i in range(1, 13):
        assert r["grads"][f"w{i}"] == pytest.approx(chain[i], abs=1e-15)
    assert r["grads"]["L"] == 1.0
    assert r["dot"].startswith("digraph") and r["dot"].count("->") == r["edges"]
    assert r["engine"] in ("graphviz", "matplotlib")
    assert re.search(r'label="\{ w7 \| value 0\.7000 \| grad -0\.0620 \}"', r["dot"])


def test_graph_writes_dot_and_draws_with_matplotlib(tmp_path):
    r = graph.run(dot=str(tmp_path / "g.dot"), engine="matplotlib", plot=str(tmp_path / "g.png"), verbose=False)
    assert (tmp_path / "g.dot").read_text(encoding="utf-8") == r["dot"]
    assert r["engine"] == "matplotlib" and (tmp_path / "g.png").stat().st_size > 10_000


def test_mnist(results):
    r = results["mnist"]
    assert r["total_params"] == 784 * 16 + 16 + 16 * 16 + 16 + 16 * 10 + 10 == 13002
    want = [((16, 784), 12544, 16), ((16, 16), 256, 16), ((10, 16), 160, 10)]
    assert [(s, w, b) for _, s, w, b in r["layers"]] == want
    assert r["label"] == 2 and sum(r["probs"]) == pytest.approx(1.0, abs=1e-5)
    assert r["test_accuracy"] > 0.75
    assert r["prediction"] == 2


def test_mnist_from_a_checkpoint(tmp_path):
    import shenjing as sj
    from shenjing.demos import mnist

    sj.manual_seed(3)
    model = mnist.build_model()
    sj.save(model.state_dict(), tmp_path / "m.safetensors")
    r = mnist.run(checkpoint=str(tmp_path / "m.safetensors"), verbose=False)
    assert r["epochs"] == 0 and len(r["probs"]) == 10  # untrained weights, loaded as given


@pytest.mark.parametrize("name", ["softmax", "backprop", "history"])
def test_chinese_output(name, capsys):
    run_demo(name, lang="zh")
    text = capsys.readouterr().out
    assert re.search(r"[\u4e00-\u9fff]", text)
