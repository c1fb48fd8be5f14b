"""A first recurrent network: predict the next value of a noisy sine wave.

The RNN reads the wave one value at a time, hₜ = tanh(W_ih xₜ + b_ih + W_hh hₜ₋₁ + b_hh), and a
linear read-out predicts the next value, x̂ₜ₊₁ = w·hₜ + b.  Trained by backpropagation through time
on windows of the wave, it beats the naive guess "the next value equals this one", and, fed its
own predictions, it keeps drawing the wave on its own (free running).
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from .. import i18n
from ..i18n import t
from ._common import Printer

DESCRIPTION = "demo.sine-rnn.desc"

MESSAGES_EN = {
    "demo.sine-rnn.desc": "a first RNN: predict the next value of a noisy sine wave (plot of prediction vs truth)",
    "demo.sine-rnn.title": "Recurrent network: predicting a noisy sine wave",
    "demo.sine-rnn.setup": "Wave: x(t) = sin(2π t / {period}) + noise (σ = {noise}); {n_train} training values, "
                           "{n_test} test values. Model: {cell}(1, {hidden}) + Linear({hidden}, 1), "
                           "trained on windows of {window} steps with Adam.",
    "demo.sine-rnn.rule": "At each step: h_t = tanh(W_ih x_t + b_ih + W_hh h_(t-1) + b_hh), prediction = w·h_t + b.",
    "demo.sine-rnn.train": "step {step:>4}: training MSE {loss:.4f}",
    "demo.sine-rnn.result": "Test, one step ahead: RNN MSE {mse:.4f}; the guess 'next = current' gives "
                            "{baseline:.4f}; the noise alone is {floor:.4f}.",
    "demo.sine-rnn.free": "Free running (the RNN fed its own predictions for {n} steps): MSE against the "
                          "clean wave {mse:.4f}.",
    "demo.sine-rnn.arg.cell": "recurrent cell",
    "demo.sine-rnn.arg.hidden": "hidden units",
    "demo.sine-rnn.arg.noise": "standard deviation of the noise",
    "demo.sine-rnn.arg.seed": "random seed",
    "fig.sine-rnn.title": "Next value of a noisy sine wave",
    "fig.sine-rnn.noisy": "noisy wave (input)",
    "fig.sine-rnn.clean": "clean wave",
    "fig.sine-rnn.pred": "RNN, one step ahead",
    "fig.sine-rnn.free": "RNN, free running",
    "fig.sine-rnn.time": "time step t",
}
MESSAGES_ZH = {
    "demo.sine-rnn.desc": "第一个循环网络：预测带噪正弦波的下一个值（画出预测与真值）",
    "demo.sine-rnn.title": "循环神经网络：预测带噪声的正弦波",
    "demo.sine-rnn.setup": "波形：x(t) = sin(2π t / {period}) + 噪声（σ = {noise}）；训练 {n_train} 个值，测试 "
                           "{n_test} 个值。模型：{cell}(1, {hidden}) + Linear({hidden}, 1)，用 Adam 在长 {window} "
                           "步的窗口上训练。",
    "demo.sine-rnn.rule": "每一步：h_t = tanh(W_ih x_t + b_ih + W_hh h_(t-1) + b_hh)，预测 = w·h_t + b。",
    "demo.sine-rnn.train": "第 {step:>4} 步：训练均方误差 {loss:.4f}",
    "demo.sine-rnn.result": "测试，预测下一步：RNN 的均方误差 {mse:.4f}；“下一个等于当前值”的猜法为 {baseline:.4f}；"
                            "噪声本身为 {floor:.4f}。",
    "demo.sine-rnn.free": "自由运行（把 RNN 自己的预测喂回去 {n} 步）：与无噪声波形的均方误差 {mse:.4f}。",
    "demo.sine-rnn.arg.cell": "循环单元",
    "demo.sine-rnn.arg.hidden": "隐藏单元数",
    "demo.sine-rnn.arg.noise": "噪声的标准差",
    "demo.sine-rnn.arg.seed": "随机种子",
    "fig.sine-rnn.title": "带噪正弦波的下一个值",
    "fig.sine-rnn.noisy": "带噪波形（输入）",
    "fig.sine-rnn.clean": "无噪声波形",
    "fig.sine-rnn.pred": "RNN 预测下一步",
    "fig.sine-rnn.free": "RNN 自由运行",
    "fig.sine-rnn.time": "时间步 t",
}
i18n.register("en", MESSAGES_EN)
i18n.register("zh", MESSAGES_ZH)

PERIOD = 25.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command-line options of this demo."""
    parser.add_argument("--cell", choices=("rnn", "lstm", "gru"), default="rnn", help=t("demo.sine-rnn.arg.cell"))
    parser.add_argument("--hidden", type=int, default=24, help=t("demo.sine-rnn.arg.hidden"))
    parser.add_argument("--steps", type=int, default=300, help=t("demo.arg.steps"))
    parser.add_argument("--noise", type=float, default=0.1, help=t("demo.sine-rnn.arg.noise"))
    parser.add_argument("--seed", type=int, default=0, help=t("demo.sine-rnn.arg.seed"))


def wave(n: int, noise: float, rng: np.random.Generator, start: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(noisy, clean) values of the sine wave at t = start … start + n − 1, float32."""
    clean = np.sin(2 * np.pi * np.arange(start, start + n) / PERIOD).astype(np.float32)
    return (clean + noise * rng.standard_normal(n)).astype(np.float32), clean


def run(
    *,
    cell: str = "rnn",
    hidden: int = 24,
    steps: int = 300,
    noise: float = 0.1,
    seed: int = 0,
    lang: str | None = None,
    plot: str | None = None,
    verbose: bool = True,
) -> dict[str, Any]:
    """Train the RNN on the wave, then predict the test part one step ahead and free running."""
    import shenjing as sj
    from shenjing import nn

    from ..lm.models import make_rnn

    out = Printer(lang, verbose)
    out.title("demo.sine-rnn.title")
    rng = np.random.default_rng(seed)
    sj.manual_seed(seed)
    n_train, n_test, window, batch = 400, 150, 40, 16
    train, _ = wave(n_train, noise, rng)
    test, test_clean = wave(n_test, noise, rng, start=n_train)
    out("demo.sine-rnn.setup", period=int(PERIOD), noise=noise, n_train=n_train, n_test=n_test,
        cell=cell.upper() if cell != "rnn" else "RNN", hidden=hidden, window=window)
    out("demo.sine-rnn.rule")

    rnn = make_rnn(cell, 1, hidden)
    head = nn.Linear(hidden, 1)
    params = list(rnn.parameters()) + list(head.parameters())
    opt = sj.optim.Adam(params, lr=0.01)

    def predict(x: np.ndarray, state: Any = None) -> tuple[Any, Any]:
        seq, state = rnn(sj.tensor(x[..., None]), state)
        return head(seq)[..., 0], state

    losses = []
    for step in range(1, steps + 1):
        starts = rng.integers(0, n_train - window - 1, size=batch)
        xb = np.stack([train[s: s + window] for s in starts])
        yb = np.stack([train[s + 1: s + window + 1] for s in starts])
        pred, _ = predict(xb)
        loss = ((pred - sj.tensor(yb)) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        sj.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        losses.append(float(loss.item()))
        if step % max(1, steps // 5) == 0 or step == 1:
            out("demo.sine-rnn.train", step=step, loss=losses[-1])

    with sj.no_grad():
        _, state = predict(train[None, :])  # warm the state up on the training wave
        one_step, _ = predict(test[None, :-1], state)
        one_step = one_step.numpy()[0]
        # free running: from the state after the first half of the test part, feed predictions back
        half = n_test // 2
        y, st = predict(test[None, :half], state)
        value = y.numpy()[0, -1:]
        free = []
        for _ in range(n_test - half):
            free.append(float(value[0]))
            y, st = predict(value[None, :], st)
            value = y.numpy()[0]
    free = np.array(free, dtype=np.float32)
    target = test[1:]
    mse = float(np.mean((one_step - target) ** 2))
    baseline = float(np.mean((test[:-1] - target) ** 2))
    floor = float(noise**2)
    free_mse = float(np.mean((free - test_clean[half:]) ** 2))
    out("demo.sine-rnn.result", mse=mse, baseline=baseline, floor=floor)
    out("demo.sine-rnn.free", n=len(free), mse=free_mse)
    result = {"mse": mse, "baseline_mse": baseline, "noise_mse": floor, "free_run_mse": free_mse,
              "losses": losses, "prediction": one_step, "free_run": free, "test": test, "plot": plot}
    if plot:
        _draw(result, test_clean, n_train, half, plot, out.lang)
        out("demo.saved", path=plot)
    return result


def _draw(r: dict[str, Any], clean: np.ndarray, n_train: int, half: int, path: str, lang: str) -> None:
    from ..viz.lecture import figure_lang, new_figure, save_figure

    fl = figure_lang(lang)
    fig = new_figure(10, 4.2, lang)
    ax = fig.subplots()
    ts = np.arange(n_train, n_train + len(r["test"]))
    ax.plot(ts, r["test"], ".", color="#999999", ms=4, label=t("fig.sine-rnn.noisy", fl))
    ax.plot(ts, clean, "-", color="black", lw=0.8, label=t("fig.sine-rnn.clean", fl))
    ax.plot(ts[1:], r["prediction"], "-", color="#1f77b4", lw=1.4, label=t("fig.sine-rnn.pred", fl))
    ax.plot(ts[half:], r["free_run"], "--", color="#d62728", lw=1.6, label=t("fig.sine-rnn.free", fl))
    ax.axvline(ts[half], color="#d62728", lw=0.6, alpha=0.5)
    ax.set_xlabel(t("fig.sine-rnn.time", fl))
    ax.set_title(t("fig.sine-rnn.title", fl))
    ax.legend(fontsize=8, loc="lower left", ncol=2)
    save_figure(fig, path)
