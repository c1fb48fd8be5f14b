"""One epoch of MNIST (60,000 images, batch 128) for the 784-256-128-10 ReLU MLP with Adam,
shenjing vs PyTorch in the same run, same thread count, data already in memory.
Also: `import` time and memory of each, and peak training memory (each in a fresh subprocess).

A third contender, the same epoch written by hand in NumPy, shows what NumPy alone costs here.

Targets: epoch ratio shenjing/PyTorch <= 1.0 (aim 0.85); import shenjing <= 0.3 s and <= 60 MiB;
peak training memory <= 0.6x PyTorch's.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/mnist_mlp.py

BENCH_ROUNDS (default 5) sets how many epochs each runs; BENCH_THREADS the thread count.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from _common import THREADS, header, np, settle

BATCH = 128
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))


def load_mnist() -> tuple[np.ndarray, np.ndarray]:
    from shenjing.data import MNIST

    ds = MNIST(train=True)
    x = ((ds.data.reshape(len(ds), -1).astype(np.float32) / 255.0) - 0.1307) / 0.3081
    return x, ds.targets.astype(np.int64)


def epoch_shenjing(x: np.ndarray, y: np.ndarray, seed: int = 0) -> float:
    import shenjing as sj

    sj.manual_seed(seed)
    model = sj.nn.Sequential(sj.nn.Linear(784, 256), sj.nn.ReLU(), sj.nn.Linear(256, 128), sj.nn.ReLU(),
                             sj.nn.Linear(128, 10))
    opt = sj.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = sj.nn.CrossEntropyLoss()
    order = np.random.default_rng(seed).permutation(len(x))
    t = time.perf_counter()
    for i in range(0, len(x), BATCH):
        idx = order[i:i + BATCH]
        xb, yb = sj.from_numpy(x[idx]), sj.from_numpy(y[idx])
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
    return time.perf_counter() - t


def epoch_numpy(x: np.ndarray, y: np.ndarray, seed: int = 0) -> float:
    """The same epoch written by hand in NumPy, no framework: what NumPy alone costs here.

    Backprop and Adam spelled out with in-place updates and one scratch array per weight; the
    products in the order ``Linear`` uses them.
    """
    rng = np.random.default_rng(seed)
    sizes = [784, 256, 128, 10]
    ws = [rng.uniform(-1, 1, (o, i)).astype(np.float32) / np.float32(np.sqrt(i)) for i, o in zip(sizes, sizes[1:])]
    bs = [np.zeros(o, np.float32) for o in sizes[1:]]
    params = ws + bs
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    tmp = [np.empty_like(p) for p in params]
    order = np.random.default_rng(seed).permutation(len(x))
    b1, b2, lr, eps = 0.9, 0.999, 1e-3, 1e-8
    t = time.perf_counter()
    for step, i in enumerate(range(0, len(x), BATCH), start=1):
        idx = order[i:i + BATCH]
        xb, yb = x[idx], y[idx]
        h1 = (ws[0] @ xb.T).T
        h1 += bs[0]
        np.maximum(h1, 0, out=h1)
        h2 = h1 @ ws[1].T
        h2 += bs[1]
        np.maximum(h2, 0, out=h2)
        z = h2 @ ws[2].T
        z += bs[2]
        z -= z.max(axis=1, keepdims=True)  # softmax − one-hot, over the batch: ∂L/∂z
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        z[np.arange(len(yb)), yb] -= 1
        z /= len(yb)
        g2 = z @ ws[2]
        g2 *= h2 > 0
        g1 = (ws[1].T @ g2.T).T
        g1 *= h1 > 0
        grads = [g1.T @ xb, g2.T @ h1, z.T @ h2, g1.sum(0), g2.sum(0), z.sum(0)]
        root = np.sqrt(1 - b2**step)
        c, e = lr * root / (1 - b1**step), eps * root
        for p, g, mp, vp, tp in zip(params, grads, m, v, tmp):
            mp -= g
            mp *= b1
            mp += g
            vp *= b2
            np.multiply(g, g, out=tp)
            tp *= 1 - b2
            vp += tp
            np.sqrt(vp, out=tp)
            tp += e
            np.divide(mp, tp, out=tp)
            tp *= c
            p -= tp
    return time.perf_counter() - t


def epoch_torch(x: np.ndarray, y: np.ndarray, seed: int = 0) -> float:
    import torch

    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128),
                                torch.nn.ReLU(), torch.nn.Linear(128, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    order = np.random.default_rng(seed).permutation(len(x))
    t = time.perf_counter()
    for i in range(0, len(x), BATCH):
        idx = order[i:i + BATCH]
        xb, yb = torch.from_numpy(x[idx]), torch.from_numpy(y[idx])
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
    return time.perf_counter() - t


def _rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _reset_peak() -> None:
    """Linux: writing 5 to clear_refs resets the peak resident size (VmHWM) to the current one."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def _peak_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def child(mode: str) -> None:
    """Run in a fresh interpreter: one training epoch's peak memory above the loaded data."""
    x, y = load_mnist()
    if mode == "train-torch":
        import torch

        torch.set_num_threads(THREADS)
    else:
        import shenjing  # noqa: F401
    base = _rss_mib()
    _reset_peak()
    (epoch_torch if mode == "train-torch" else epoch_shenjing)(x, y)
    print(json.dumps({"peak_mib": _peak_mib() - base}))


IMPORT_CODE = """
import json, os, time
def rss():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20
before = rss(); t = time.perf_counter()
import {name}
print(json.dumps({{"seconds": time.perf_counter() - t, "mib": rss() - before}}))
"""


def measure_import(name: str) -> dict:
    """Import time and memory in a bare interpreter (NumPy's own import counts for shenjing)."""
    out = subprocess.run([sys.executable, "-c", IMPORT_CODE.format(name=name)], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout)


def run_child(mode: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", mode], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    header(f"mnist_mlp: one epoch, MLP 784-256-128-10, Adam, batch {BATCH}")
    x, y = load_mnist()
    if len(x) != 60000:
        print(f"WARNING: only {len(x)} training images found; set SHENJING_DATA to the folder holding mnist/")
    epochs = {"shenjing": epoch_shenjing, "torch": epoch_torch, "numpy": epoch_numpy}
    times: dict = {name: [] for name in epochs}
    for i in range(ROUNDS):  # alternate, each first in turn, so machine noise hits all alike
        names = list(epochs)[i % 3:] + list(epochs)[:i % 3]
        for name in names:
            settle()
            times[name].append(epochs[name](x, y))
    s, t, n = min(times["shenjing"]), min(times["torch"]), min(times["numpy"])
    per_round = sorted(a / b for a, b in zip(times["shenjing"], times["torch"]))
    print(f"seconds per epoch: shenjing {s:.2f}  PyTorch {t:.2f}  ratio {s / t:.2f}  (best of {ROUNDS} each)")
    print("per-round ratios, sorted: " + " ".join(f"{r:.2f}" for r in per_round)
          + f"  (median {per_round[len(per_round) // 2]:.2f})")
    print(f"hand-written NumPy, no framework: {n:.2f} s, ratio to PyTorch {n / t:.2f}")
    imp = {name: min((measure_import(name) for _ in range(5)), key=lambda r: r["seconds"])
           for name in ("shenjing", "torch")}
    print(f"import: shenjing {imp['shenjing']['seconds']:.2f} s, {imp['shenjing']['mib']:.0f} MiB;  "
          f"PyTorch {imp['torch']['seconds']:.2f} s, {imp['torch']['mib']:.0f} MiB")
    mem = {name: run_child(f"train-{name}")["peak_mib"] for name in ("shenjing", "torch")}
    print(f"peak training memory above the loaded data: shenjing {mem['shenjing']:.0f} MiB, "
          f"PyTorch {mem['torch']:.0f} MiB, ratio {mem['shenjing'] / max(mem['torch'], 1e-9):.2f}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
    else:
        main()
