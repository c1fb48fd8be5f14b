"""The recurrent modules' contract: PyTorch's parameter names, shapes and initialisation, shapes of
outputs and states, dropout between layers, clear errors, save/load, and the sequence models."""

from __future__ import annotations

import math

import numpy as np
import pytest

import shenjing as sj
from shenjing import nn


def test_parameter_names_and_shapes_match_pytorch():
    m = nn.LSTM(10, 20, num_layers=2, bidirectional=True)
    shapes = {k: tuple(v.shape) for k, v in m.state_dict().items()}
    expected = {}
    for layer, width in ((0, 10), (1, 40)):
        for sfx in ("", "_reverse"):
            expected |= {f"weight_ih_l{layer}{sfx}": (80, width), f"weight_hh_l{layer}{sfx}": (80, 20),
                         f"bias_ih_l{layer}{sfx}": (80,), f"bias_hh_l{layer}{sfx}": (80,)}
    assert shapes == expected
    assert list(shapes) == list(expected)  # PyTorch's order: layer, direction, ih, hh, b_ih, b_hh
    assert [tuple(p.shape) for p in nn.GRU(3, 4, bias=False).parameters()] == [(12, 3), (12, 4)]
    assert [tuple(p.shape) for p in nn.RNNCell(3, 4).parameters()] == [(4, 3), (4, 4), (4,), (4,)]
    assert len(m.all_weights) == 4 and len(m.all_weights[0]) == 4


@pytest.mark.parametrize("make", [lambda: nn.LSTM(16, 64, 2), lambda: nn.GRUCell(8, 64), lambda: nn.RNN(5, 64)])
def test_default_init_is_uniform_one_over_sqrt_hidden(make):
    sj.manual_seed(0)
    bound = 1 / math.sqrt(64)
    for p in make().parameters():
        a = p.detach().numpy()
        assert a.min() >= -bound and a.max() <= bound
        if a.size > 500:
            assert abs(a.std() - bound / math.sqrt(3)) < 0.1 * bound  # the std of U(−b, b)


def test_output_and_state_shapes():
    x = sj.randn(7, 3, 5)
    out, (h, c) = nn.LSTM(5, 4, num_layers=3, bidirectional=True)(x)
    assert out.shape == (7, 3, 8) and h.shape == (6, 3, 4) and c.shape == (6, 3, 4)
    out, h = nn.GRU(5, 4, batch_first=True)(sj.randn(3, 7, 5))
    assert out.shape == (3, 7, 4) and h.shape == (1, 3, 4)
    out, h = nn.RNN(5, 4, num_layers=2)(sj.randn(7, 5))  # unbatched
    assert out.shape == (7, 4) and h.shape == (2, 4)
    h1, c1 = nn.LSTMCell(5, 4)(sj.randn(5))
    assert h1.shape == (4,) and c1.shape == (4,)


def test_last_output_is_final_state():
    m = nn.LSTM(3, 4, batch_first=True, bidirectional=True)
    out, (h, _) = m(sj.randn(2, 6, 3))
    np.testing.assert_array_equal(out.detach().numpy()[:, -1, :4], h.detach().numpy()[0])
    np.testing.assert_array_equal(out.detach().numpy()[:, 0, 4:], h.detach().numpy()[1])


def test_initial_state_is_used_and_carries_over():
    """Running a sequence in two halves with the state carried equals running it whole."""
    m = nn.GRU(3, 4, num_layers=2)
    x = sj.randn(10, 2, 3)
    whole, h_whole = m(x)
    first, h = m(x[:4])
    second, h2 = m(x[4:], h)
    np.testing.assert_allclose(second.detach().numpy(), whole.detach().numpy()[4:], atol=1e-6)
    np.testing.assert_allclose(h2.detach().numpy(), h_whole.detach().numpy(), atol=1e-6)


def test_dropout_between_layers():
    sj.manual_seed(1)
    m = nn.LSTM(3, 8, num_layers=2, dropout=0.5)
    x = sj.randn(5, 2, 3)
    a, b = m(x)[0].detach().numpy(), m(x)[0].detach().numpy()
    assert not np.allclose(a, b), "training mode: dropout draws a new mask each call"
    m.eval()
    c, d = m(x)[0].detach().numpy(), m(x)[0].detach().numpy()
    np.testing.assert_array_equal(c, d)
    ref = nn.LSTM(3, 8, num_layers=2)
    ref.load_state_dict(m.state_dict())
    np.testing.assert_allclose(c, ref(x)[0].detach().numpy(), atol=1e-6)  # eval = no dropout
    one = nn.LSTM(3, 8, dropout=0.5)  # a single layer: nothing to drop between
    np.testing.assert_array_equal(one(x)[0].detach().numpy(), one(x)[0].detach().numpy())


def test_clear_errors():
    m = nn.LSTM(5, 4, num_layers=2)
    with pytest.raises(RuntimeError, match="LSTM: input.size\\(-1\\) must be equal to input_size. Expected 5, got 6"):
        m(sj.randn(3, 2, 6))
    with pytest.raises(RuntimeError, match=r"expected h_0 of size \(2, 2, 4\), got \(1, 2, 4\)"):
        m(sj.randn(3, 2, 5), (sj.zeros(1, 2, 4), sj.zeros(2, 2, 4)))
    with pytest.raises(TypeError, match="tuple"):
        m(sj.randn(3, 2, 5), sj.zeros(2, 2, 4))
    with pytest.raises(RuntimeError, match="float64 but the parameters are float32"):
        m(sj.randn(3, 2, 5, dtype=sj.float64))
    with pytest.raises(ValueError, match="empty"):
        m(sj.randn(0, 2, 5))
    with pytest.raises(ValueError, match="2-D .* or 3-D"):
        m(sj.randn(5))
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="dropout"):
        nn.GRU(3, 4, dropout=1.5)
    with pytest.raises(ValueError, match="only supported for LSTM"):
        nn.RNNBase("GRU", 3, 4, proj_size=2)
    with pytest.raises(NotImplementedError, match="proj_size"):  # LSTM has it, but not with packed sequences
        lstm = nn.LSTM(3, 4, proj_size=2)
        lstm(nn.utils.rnn.pack_sequence([sj.randn(2, 3)]))
    with pytest.raises(RuntimeError, match="GRUCell: expected a hidden state of shape"):
        nn.GRUCell(3, 4)(sj.randn(2, 3), sj.randn(3, 4))


def test_repr_like_pytorch():
    assert repr(nn.LSTM(28, 128, batch_first=True)) == "LSTM(28, 128, batch_first=True)"
    assert repr(nn.GRU(3, 4, num_layers=2, dropout=0.1, bidirectional=True)) == \
        "GRU(3, 4, num_layers=2, dropout=0.1, bidirectional=True)"
    assert repr(nn.RNN(3, 4, nonlinearity="relu")) == "RNN(3, 4, nonlinearity='relu')"
    assert repr(nn.Embedding(10, 3, padding_idx=0)) == "Embedding(10, 3, padding_idx=0)"
    assert repr(nn.LSTMCell(3, 4, bias=False)) == "LSTMCell(3, 4, bias=False)"


def test_save_and_load_round_trip(tmp_path):
    m = nn.LSTM(3, 4, num_layers=2)
    sj.save(m.state_dict(), tmp_path / "lstm.safetensors")
    m2 = nn.LSTM(3, 4, num_layers=2)
    m2.load_state_dict(sj.load(tmp_path / "lstm.safetensors"))
    x = sj.randn(4, 2, 3)
    np.testing.assert_array_equal(m(x)[0].detach().numpy(), m2(x)[0].detach().numpy())


def test_embedding_init_and_from_pretrained():
    sj.manual_seed(0)
    e = nn.Embedding(1000, 16)
    w = e.weight.detach().numpy()
    assert abs(w.mean()) < 0.02 and abs(w.std() - 1) < 0.02  # N(0, 1) as in PyTorch
    pre = nn.Embedding.from_pretrained(sj.tensor([[1.0, 2.0], [3.0, 4.0]]))
    assert not pre.weight.requires_grad
    np.testing.assert_array_equal(pre(sj.tensor([1, 0])).numpy(), [[3, 4], [1, 2]])
    with pytest.raises(ValueError, match="padding_idx"):
        nn.Embedding(3, 2, padding_idx=3)


def test_sequence_classifier_trains_on_a_toy_task():
    """Which of two patterns a sequence follows: the LSTM classifier learns it in a few steps."""
    from shenjing.lm import SequenceClassifier

    sj.manual_seed(0)
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 64)
    t = np.linspace(0, 3, 12)
    x = np.stack([np.sin(t * (1 + k)) for k in y])[:, :, None] + 0.1 * rng.standard_normal((64, 12, 1))
    model = SequenceClassifier(input_size=1, hidden=16, num_classes=2)
    opt = sj.optim.Adam(model.parameters(), lr=0.02)
    xs, ys = sj.tensor(x.astype(np.float32)), sj.tensor(y)
    for _ in range(60):
        loss = sj.nn.functional.cross_entropy(model(xs), ys)
        opt.zero_grad()
        loss.backward()
        opt.step()
    acc = (model(xs).argmax(-1).numpy() == y).mean()
    assert acc > 0.95


def test_sine_demo_beats_the_naive_guess(tmp_path):
    """The first RNN demo: one step ahead it beats 'next = current', and its figure is drawn."""
    from shenjing.demos import sine_rnn

    r = sine_rnn.run(steps=120, plot=str(tmp_path / "sine.png"), verbose=False)
    assert r["mse"] < 0.6 * r["baseline_mse"]
    assert r["free_run_mse"] < 0.5  # the free-running wave stays a wave (a flat line scores 0.5)
    assert (tmp_path / "sine.png").stat().st_size > 10_000
