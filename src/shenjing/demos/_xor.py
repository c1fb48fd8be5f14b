"""XOR by a two-layer network trained with back-propagation (shared by ``history`` and
``perceptron``)."""

from __future__ import annotations

from typing import Any

import numpy as np

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
XOR_Y = np.array([[0], [1], [1], [0]], dtype=np.float32)


def train_xor(hidden: int = 2, epochs: int = 2000, lr: float = 2.0, seed: int = 0) -> dict[str, Any]:
    """Train 2 → ``hidden`` → 1 sigmoid units on the four XOR points by full-batch gradient descent
    on the squared error. Returns the model, the loss curve, the four outputs and ``solved``
    (every output on the right side of 0.5)."""
    import shenjing as sj
    from shenjing import nn, optim
    from shenjing.nn import functional as F

    sj.manual_seed(seed)
    model = nn.Sequential(nn.Linear(2, hidden), nn.Sigmoid(), nn.Linear(hidden, 1), nn.Sigmoid())
    opt = optim.SGD(model.parameters(), lr=lr)
    X, Y = sj.tensor(XOR_X), sj.tensor(XOR_Y)
    losses = []
    for _ in range(epochs):
        opt.zero_grad()
        loss = F.mse_loss(model(X), Y)
        loss.backward()
        opt.step()
        losses.append(float(loss.item()))
    with sj.no_grad():
        out = model(X).numpy().reshape(-1)
    solved = bool(np.all((out > 0.5) == (XOR_Y.reshape(-1) > 0.5)))
    return {"model": model, "losses": losses, "outputs": out.tolist(), "solved": solved,
            "hidden": hidden, "epochs": epochs, "lr": lr, "seed": seed}


def predict_grid(model: Any, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """The model's output on the grid ``xs × ys`` (shape (len(ys), len(xs)))."""
    import shenjing as sj

    gx, gy = np.meshgrid(xs, ys)
    pts = np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)
    with sj.no_grad():
        return model(sj.tensor(pts)).numpy().reshape(gx.shape)
