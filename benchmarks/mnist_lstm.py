"""Sequential MNIST: seconds per epoch of an LSTM (28 steps x 28 pixels, hidden 128) + Linear head
with Adam, shenjing vs PyTorch's ``nn.LSTM`` (a fused oneDNN kernel) in the same run, on the same
data, batch order and thread count.  Target: ratio shenjing/PyTorch <= 2.0 (aim 1.5).

The epoch is cut into slices and the two frameworks take turns slice by slice (alternating who
goes first), so machine noise hits both alike; each epoch time is the sum of its slices, and the
ratio of the medians of the per-slice ratios is printed too.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/mnist_lstm.py [--batches N] [--slices K]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from _common import THREADS, header, np, settle

BATCH = 128
HIDDEN = 128


def load_mnist() -> tuple[np.ndarray, np.ndarray]:
    from shenjing.data import MNIST

    ds = MNIST(train=True)
    x = ((ds.data.astype(np.float32) / 255.0) - 0.1307) / 0.3081  # (N, 28, 28): 28 rows = 28 steps
    return x, ds.targets.astype(np.int64)


class ShenjingRun:
    def __init__(self, seed: int = 0) -> None:
        import shenjing as sj

        self.sj = sj
        sj.manual_seed(seed)
        self.lstm = sj.nn.LSTM(28, HIDDEN, batch_first=True)
        self.head = sj.nn.Linear(HIDDEN, 10)
        self.opt = sj.optim.Adam(list(self.lstm.parameters()) + list(self.head.parameters()), lr=1e-3)
        self.loss_fn = sj.nn.CrossEntropyLoss()

    def step(self, xb: np.ndarray, yb: np.ndarray) -> float:
        sj = self.sj
        _, (h, _) = self.lstm(sj.from_numpy(xb))
        loss = self.loss_fn(self.head(h[-1]), sj.from_numpy(yb))
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return float(loss.item())


class TorchRun:
    def __init__(self, seed: int = 0) -> None:
        import torch

        self.torch = torch
        torch.manual_seed(seed)
        self.lstm = torch.nn.LSTM(28, HIDDEN, batch_first=True)
        self.head = torch.nn.Linear(HIDDEN, 10)
        self.opt = torch.optim.Adam(list(self.lstm.parameters()) + list(self.head.parameters()), lr=1e-3)
        self.loss_fn = torch.nn.CrossEntropyLoss()

    def step(self, xb: np.ndarray, yb: np.ndarray) -> float:
        torch = self.torch
        _, (h, _) = self.lstm(torch.from_numpy(xb))
        loss = self.loss_fn(self.head(h[-1]), torch.from_numpy(yb))
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return float(loss.item())


def run_slice(runner, x: np.ndarray, y: np.ndarray, batches: list[np.ndarray]) -> tuple[float, float]:
    settle()
    t = time.perf_counter()
    loss = 0.0
    for idx in batches:
        loss = runner.step(x[idx], y[idx])
    return time.perf_counter() - t, loss


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--batches", type=int, default=0, help="batches to time (default: one full epoch)")
    ap.add_argument("--slices", type=int, default=8, help="turns each framework takes (default 8)")
    args = ap.parse_args()

    header(f"mnist_lstm: LSTM(28, {HIDDEN}) + Linear(…, 10), sequential MNIST, batch {BATCH}, Adam")
    print("load average before: {:.2f} {:.2f} {:.2f} (two-thread timings on a busy machine mean little)"
          .format(*os.getloadavg()))
    x, y = load_mnist()
    order = np.random.default_rng(0).permutation(len(x))
    all_batches = [order[i:i + BATCH] for i in range(0, len(x), BATCH)]
    per_epoch = len(all_batches)
    batches = all_batches[: args.batches] if args.batches else all_batches
    runs = {"shenjing": ShenjingRun(), "PyTorch": TorchRun()}
    for r in runs.values():  # warm up: allocators, BLAS threads, oneDNN primitives
        run_slice(r, x, y, all_batches[:3])
    k = max(1, min(args.slices, len(batches)))
    slices = [list(s) for s in np.array_split(np.arange(len(batches)), k)]
    total = {name: 0.0 for name in runs}
    ratios = []
    last = {}
    for i, s in enumerate(slices):
        names = list(runs) if i % 2 == 0 else list(runs)[::-1]
        took = {}
        for name in names:
            took[name], last[name] = run_slice(runs[name], x, y, [batches[j] for j in s])
            total[name] += took[name]
        ratios.append(took["shenjing"] / took["PyTorch"])
    scale = per_epoch / len(batches)
    print(f"timed {len(batches)} of {per_epoch} batches per epoch in {k} alternating slices, threads {THREADS}")
    print(f"{'':10} {'s/epoch':>9} {'ms/batch':>9} {'last loss':>10}")
    for name in runs:
        print(f"{name:10} {total[name] * scale:>9.2f} {total[name] / len(batches) * 1e3:>9.2f} {last[name]:>10.4f}")
    print(f"ratio shenjing/PyTorch: {total['shenjing'] / total['PyTorch']:.2f} (epoch sums), "
          f"{statistics.median(ratios):.2f} (median of per-slice ratios)   target <= 2.0, aim 1.5")
    print("per-slice ratios: " + " ".join(f"{r:.2f}" for r in ratios))
    print("load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
