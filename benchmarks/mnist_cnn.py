"""Seconds per training epoch of LeNet-5 (zoo ``lenet``) on MNIST: shenjing vs the identical PyTorch
model — same initial weights, same batches in the same order, same optimizer, same thread count — in
one process.  Target: ratio shenjing/PyTorch <= 2.5 (aim 2.0).

The two run interleaved, chunk by chunk (``--chunk`` steps of one, then of the other), so machine
noise hits both alike; an epoch's time is the sum of its chunks.  Also printed: peak memory of
each (measured in a fresh child process per library, so one library's allocations do not hide the
other's), the FLOPs of one epoch (the GEMM work of every conv and linear layer, forward and
backward) and the GFLOP/s each reaches against this machine's float32 matrix-product peak.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/mnist_cnn.py [--batch 64] [--epochs 1]
    BENCH_THREADS=1 python benchmarks/mnist_cnn.py --steps 200      # a quicker partial epoch
    python benchmarks/mnist_cnn.py --profile 100                     # where one step's time goes
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

from _common import THREADS, header, np, settle

import shenjing as sj

# ----------------------------------------------------------------------------- models and data
SHARED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data")
if os.path.isdir(os.path.join(SHARED, "mnist")):
    os.environ.setdefault("SHENJING_DATA", os.path.abspath(SHARED))


def load_mnist() -> tuple[np.ndarray, np.ndarray, str]:
    ds = sj.data.MNIST(train=True, root=None, download=False)
    x = ((ds.data.astype(np.float32) / 255.0 - 0.1307) / 0.3081)[:, None]
    return x, ds.targets.astype(np.int64), ds.source


def torch_lenet(sj_model):
    """The same layers in PyTorch, with the shenjing model's initial weights copied in."""
    import torch

    nn = torch.nn
    m = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                      nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                      nn.Linear(84, 10))
    m.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in sj_model.state_dict().items()})
    return m


class Runner:
    """One library's training loop over a fixed sequence of batches, runnable a chunk at a time."""

    def __init__(self, lib: str, x: np.ndarray, y: np.ndarray, order: np.ndarray, batch: int, lr: float) -> None:
        self.lib, self.x, self.y, self.order, self.batch = lib, x, y, order, batch
        self.pos, self.seconds, self.loss = 0, 0.0, float("nan")
        sj.manual_seed(0)
        model = sj.zoo.get_model("lenet")
        if lib == "shenjing":
            self.model = model
            self.opt = sj.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
            self.loss_fn = sj.nn.CrossEntropyLoss()
            self.wrap = sj.from_numpy
        else:
            import torch

            self.model = torch_lenet(model)
            self.opt = torch.optim.SGD(self.model.parameters(), lr=lr, momentum=0.9)
            self.loss_fn = torch.nn.CrossEntropyLoss()
            self.wrap = torch.from_numpy

    @property
    def steps(self) -> int:
        return len(self.order) // self.batch

    def run(self, n: int) -> None:
        """Train the next ``n`` steps; adds their wall time to ``seconds``."""
        settle()
        t = time.perf_counter()
        for _ in range(n):
            idx = self.order[self.pos * self.batch:(self.pos + 1) * self.batch]
            xb, yb = self.wrap(self.x[idx]), self.wrap(self.y[idx])
            self.opt.zero_grad()
            loss = self.loss_fn(self.model(xb), yb)
            loss.backward()
            self.opt.step()
            self.pos = (self.pos + 1) % self.steps
        self.loss = float(loss.item())
        self.seconds += time.perf_counter() - t


# ----------------------------------------------------------------------------- FLOPs and peak
def lenet_flops_per_sample() -> float:
    """Multiply-adds × 2 of every GEMM in one training step, per sample: forward, ∂W and ∂x
    (no ∂x for the first layer, whose input is data)."""
    layers = [  # (output positions, out channels, fan-in, input needs a gradient)
        (28 * 28, 6, 1 * 25, False), (10 * 10, 16, 6 * 25, True), (1, 120, 400, True), (1, 84, 120, True),
        (1, 10, 84, True),
    ]
    total = 0.0
    for pos, out, fan_in, grad_in in layers:
        fwd = 2.0 * pos * out * fan_in
        total += fwd * (3 if grad_in else 2)
    return total


def matmul_peak(n: int = 2048, repeat: int = 5) -> tuple[float, float]:
    """Best float32 n×n matrix-product GFLOP/s of NumPy and of PyTorch on this machine and thread count."""
    import torch

    a = np.random.default_rng(0).standard_normal((n, n)).astype(np.float32)
    ta = torch.from_numpy(a)
    best = {"numpy": 0.0, "torch": 0.0}
    for name, fn in (("numpy", lambda: a @ a), ("torch", lambda: ta @ ta)):
        fn()
        for _ in range(repeat):
            t = time.perf_counter()
            fn()
            best[name] = max(best[name], 2 * n**3 / (time.perf_counter() - t) / 1e9)
    return best["numpy"], best["torch"]


# ----------------------------------------------------------------------------- memory (child process)
def _status_kb(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def child_memory(lib: str, batch: int, steps: int) -> dict:
    """Peak RSS, its growth over the RSS before the first step (what training itself needs), and for
    shenjing tracemalloc's peak of NumPy allocations, over ``steps`` steps on random data.

    Peak RSS is the kernel's high-water mark VmHWM (``ru_maxrss`` would carry the parent's peak
    across fork + exec), reset just before training via /proc/self/clear_refs."""
    import tracemalloc

    rng = np.random.default_rng(0)  # memory does not depend on the pixel values: no data set to load
    x = rng.standard_normal((batch * steps, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, batch * steps)
    r = Runner(lib, x, y, np.arange(len(x)), batch, lr=0.01)
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
            f.write("5")  # reset VmHWM to the current RSS
    except OSError:
        pass
    base = _status_kb("VmRSS")
    tracemalloc.start()
    r.run(steps)
    _, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    peak = _status_kb("VmHWM")
    return {"rss_peak_mb": peak / 1024, "rss_growth_mb": (peak - base) / 1024, "traced_peak_mb": traced / 2**20}


def memory(lib: str, batch: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", lib, "--batch", str(batch)], capture_output=True,
                         text=True, env=dict(os.environ), check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------------- profile of one step
def profile(x: np.ndarray, y: np.ndarray, batch: int, steps: int) -> None:
    """Milliseconds per step spent in each op, forward and backward, for both libraries.

    With one thread the clock is the process's CPU time, which a busy machine disturbs less."""
    import collections

    clock = time.process_time if THREADS == 1 else time.perf_counter

    from shenjing.autograd.function import Function

    order = np.random.default_rng(0).permutation(len(x))
    r = Runner("shenjing", x, y, order, batch, lr=0.01)
    r.run(2)  # first: the steps import every op class that is to be patched
    spent: dict = collections.defaultdict(float)
    patched = []

    def subclasses(c):
        for k in c.__subclasses__():
            yield k
            yield from subclasses(k)

    for cls in {c for c in subclasses(Function) if "forward" in c.__dict__ or "backward" in c.__dict__}:
        fwd, bwd = cls.forward, cls.backward

        def timed_fwd(self, *a, _f=fwd, _c=cls, **k):
            t = clock()
            out = _f(self, *a, **k)
            self._prof_key = (_c.__name__, tuple(getattr(a[0], "shape", ())))
            spent[self._prof_key + ("forward",)] += clock() - t
            return out

        def timed_bwd(self, g, _b=bwd):
            t = clock()
            out = _b(self, g)
            spent[self._prof_key + ("backward",)] += clock() - t
            return out

        patched.append((cls, fwd, bwd))
        cls.forward, cls.backward = timed_fwd, timed_bwd
    r.run(10)
    spent.clear()
    t0 = clock()
    r.run(steps)
    total = (clock() - t0) / steps * 1e3
    for cls, fwd, bwd in patched:
        cls.forward, cls.backward = fwd, bwd
    kind = "CPU" if THREADS == 1 else "wall"
    print(f"shenjing: {total:.2f} ms per step ({kind} time); per op (ms per step, % of the step):")
    for (name, shape, phase), sec in sorted(spent.items(), key=lambda kv: -kv[1]):
        ms = sec / steps * 1e3
        if ms >= 0.02:
            print(f"  {name:14} {phase:8} {str(shape):18} {ms:7.3f}  {100 * ms / total:5.1f}%")
    ops = sum(spent.values()) / steps * 1e3
    print(f"  {'(the rest: Python, autograd bookkeeping, optimizer, batch copy)':52} {total - ops:7.3f}  "
          f"{100 * (total - ops) / total:5.1f}%")

    import torch
    from torch.profiler import ProfilerActivity
    from torch.profiler import profile as tprofile

    r = Runner("torch", x, y, order, batch, lr=0.01)
    r.run(10)
    r.seconds = 0.0
    with tprofile(activities=[ProfilerActivity.CPU]) as prof:
        r.run(steps)
    print(f"PyTorch: {r.seconds / steps * 1e3:.2f} ms per step (with its profiler on); top ops by self time:")
    table = prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=14)
    print("\n".join("  " + line for line in table.splitlines()))
    del torch


# ----------------------------------------------------------------------------- main
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--epochs", type=int, default=1, help="epochs to time (after a warm-up of --warmup steps)")
    ap.add_argument("--steps", type=int, default=None, help="time only this many steps per epoch (extrapolated)")
    ap.add_argument("--chunk", type=int, default=50, help="steps of one library before switching to the other")
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--lr", type=float, default=0.01)
    ap.add_argument("--parallel-passes", action="store_true",
                    help="also split shenjing's im2col/col2im/pooling over the batch in BENCH_THREADS threads "
                         "(SHENJING_NUM_THREADS)")
    ap.add_argument("--profile", type=int, default=0, metavar="STEPS",
                    help="instead: time each op over STEPS steps, for shenjing and (its profiler) PyTorch")
    ap.add_argument("--child", choices=["shenjing", "torch"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.parallel_passes:
        os.environ["SHENJING_NUM_THREADS"] = str(THREADS)  # read at each call; children inherit it
    if args.child:
        if args.child == "torch":
            import torch

            torch.set_num_threads(THREADS)
        print(json.dumps(child_memory(args.child, args.batch, steps=30)))
        return

    header(f"mnist_cnn: LeNet-5 training epoch on MNIST, batch {args.batch}, SGD momentum 0.9")
    from shenjing.ops.conv import num_workers

    print(f"shenjing's memory passes (im2col, col2im, pooling): {num_workers()} thread(s)")
    x, y, source = load_mnist()
    print(f"data: {len(x)} MNIST training images from {source}")
    load_before = os.getloadavg()[0]
    if args.profile:
        profile(x, y, args.batch, args.profile)
        return
    order = np.random.default_rng(0).permutation(len(x))
    runners = {lib: Runner(lib, x, y, order, args.batch, args.lr) for lib in ("shenjing", "torch")}
    steps_per_epoch = len(x) // args.batch
    timed = steps_per_epoch if args.steps is None else min(args.steps, steps_per_epoch)
    for r in runners.values():
        r.run(args.warmup)
        r.seconds = 0.0
    chunk_ratios = []
    done = 0
    total = timed * args.epochs
    while done < total:
        n = min(args.chunk, total - done)
        before = {k: r.seconds for k, r in runners.items()}
        for r in runners.values():
            r.run(n)
        chunk_ratios.append((runners["shenjing"].seconds - before["shenjing"])
                            / (runners["torch"].seconds - before["torch"]))
        done += n
    scale = steps_per_epoch / (timed * args.epochs)
    epoch_s = {k: r.seconds * scale for k, r in runners.items()}
    flops = lenet_flops_per_sample() * steps_per_epoch * args.batch
    peak_np, peak_torch = matmul_peak()
    mem = {lib: memory(lib, args.batch) for lib in runners}

    print(f"timed {timed * args.epochs} steps of {steps_per_epoch} per epoch"
          + (" (extrapolated to a full epoch)" if scale != 1 else ""))
    print(f"float32 matmul peak (2048x2048, {THREADS} threads): NumPy {peak_np:.1f} GFLOP/s, "
          f"PyTorch {peak_torch:.1f} GFLOP/s")
    print(f"FLOPs of one epoch (conv + linear GEMMs, forward and backward): {flops / 1e9:.1f} GFLOP")
    print(f"{'':10} {'s/epoch':>8} {'GFLOP/s':>8} {'% peak':>7} {'peak RSS MB':>12} {'RSS growth MB':>14} "
          f"{'traced MB':>10} {'final loss':>10}")
    for lib, r in runners.items():
        gf = flops / epoch_s[lib] / 1e9
        pk = peak_np if lib == "shenjing" else peak_torch
        m = mem[lib]
        traced = f"{m['traced_peak_mb']:.1f}" if lib == "shenjing" else "-"
        print(f"{lib:10} {epoch_s[lib]:8.2f} {gf:8.2f} {100 * gf / pk:6.1f}% {m['rss_peak_mb']:12.1f} "
              f"{m['rss_growth_mb']:14.1f} {traced:>10} {r.loss:10.4f}")
    load = max(load_before, os.getloadavg()[0])
    print(f"machine load (1-min average) before/after: {load_before:.2f}/{os.getloadavg()[0]:.2f}"
          + (f" -- other processes were running: with {THREADS} threads each, BLAS/OpenMP threads wait for "
             "one another and both timings inflate, not alike" if load > 0.7 and THREADS > 1 else ""))
    ratio = epoch_s["shenjing"] / epoch_s["torch"]
    lo, med, hi = np.percentile(chunk_ratios, [10, 50, 90])
    print(f"ratio shenjing/PyTorch: {ratio:.2f}  (per-chunk ratios: median {med:.2f}, 10-90% {lo:.2f}-{hi:.2f}; "
          f"target <= 2.5, aim 2.0)")


if __name__ == "__main__":
    main()
