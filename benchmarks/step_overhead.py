"""Forward + backward + SGD step of a 784-256-128-10 MLP at batch 1, 32 and 256: shenjing vs
PyTorch in the same process, same thread count.  Target: ratio shenjing/PyTorch <= 1.0.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/step_overhead.py
"""

from __future__ import annotations

from _common import header, interleaved, np

import shenjing as sj


def main() -> None:

    header("step_overhead: MLP 784-256-128-10, forward + backward + SGD step")
    print(f"{'batch':>6} {'shenjing µs':>12} {'PyTorch µs':>12} {'ratio':>7}")
    for batch in (1, 32, 256):
        r = bench(batch)
        print(f"{batch:>6} {r['sj'] * 1e6:>12.1f} {r['t'] * 1e6:>12.1f} {r['sj'] / r['t']:>7.2f}")


def bench(batch: int) -> dict:
    """Median seconds per step of each framework at this batch size."""
    import torch

    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, 784)).astype(np.float32)
    y = rng.integers(0, 10, batch)

    sj.manual_seed(0)
    m_sj = sj.nn.Sequential(sj.nn.Linear(784, 256), sj.nn.ReLU(), sj.nn.Linear(256, 128), sj.nn.ReLU(),
                            sj.nn.Linear(128, 10))
    opt_sj = sj.optim.SGD(m_sj.parameters(), lr=0.01, momentum=0.9)
    loss_sj = sj.nn.CrossEntropyLoss()
    xs, ys = sj.from_numpy(x), sj.from_numpy(y)

    m_t = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128),
                              torch.nn.ReLU(), torch.nn.Linear(128, 10))
    opt_t = torch.optim.SGD(m_t.parameters(), lr=0.01, momentum=0.9)
    loss_t = torch.nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def step_sj():
        opt_sj.zero_grad()
        loss_sj(m_sj(xs), ys).backward()
        opt_sj.step()

    def step_t():
        opt_t.zero_grad()
        loss_t(m_t(xt), yt).backward()
        opt_t.step()

    number = {1: 300, 32: 100, 256: 20}[batch]
    interleaved({"sj": step_sj, "t": step_t}, repeat=2, number=number)  # warm up
    return interleaved({"sj": step_sj, "t": step_t}, repeat=7, number=number)


if __name__ == "__main__":
    main()
