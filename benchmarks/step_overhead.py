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

    # Cycle through many random batches: one batch repeated drives the gradients and momentum
    # towards zero, into subnormal floats that make every update 10x slower in both frameworks.
    rng = np.random.default_rng(0)
    xs_np = [rng.standard_normal((batch, 784)).astype(np.float32) for _ in range(64)]
    ys_np = [rng.integers(0, 10, batch) for _ in range(64)]

    sj.manual_seed(0)
    m_sj = sj.nn.Sequential(sj.nn.Linear(784, 256), sj.nn.ReLU(), sj.nn.Linear(256, 128), sj.nn.ReLU(),
                            sj.nn.Linear(128, 10))
    opt_sj = sj.optim.SGD(m_sj.parameters(), lr=1e-3, momentum=0.9)
    loss_sj = sj.nn.CrossEntropyLoss()
    data_sj = [(sj.from_numpy(x), sj.from_numpy(y)) for x, y in zip(xs_np, ys_np)]

    m_t = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128),
                              torch.nn.ReLU(), torch.nn.Linear(128, 10))
    opt_t = torch.optim.SGD(m_t.parameters(), lr=1e-3, momentum=0.9)
    loss_t = torch.nn.CrossEntropyLoss()
    m_sj.load_state_dict({k: v.numpy() for k, v in m_t.state_dict().items()})  # same start, same path
    data_t = [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in zip(xs_np, ys_np)]
    it_sj, it_t = iter(()), iter(())

    def next_sj():
        nonlocal it_sj
        try:
            return next(it_sj)
        except StopIteration:
            it_sj = iter(data_sj)
            return next(it_sj)

    def next_t():
        nonlocal it_t
        try:
            return next(it_t)
        except StopIteration:
            it_t = iter(data_t)
            return next(it_t)

    def step_sj():
        xs, ys = next_sj()
        opt_sj.zero_grad()
        loss_sj(m_sj(xs), ys).backward()
        opt_sj.step()

    def step_t():
        xt, yt = next_t()
        opt_t.zero_grad()
        loss_t(m_t(xt), yt).backward()
        opt_t.step()

    number = {1: 300, 32: 100, 256: 20}[batch]
    interleaved({"sj": step_sj, "t": step_t}, repeat=2, number=number)  # warm up
    result = interleaved({"sj": step_sj, "t": step_t}, repeat=7, number=number)
    with sj.no_grad():
        finite = all(np.isfinite(p.data).all() for p in m_sj.parameters())
    if not finite:
        print(f"WARNING: training diverged at batch {batch}; timings of non-finite arithmetic are not representative")
    return result


if __name__ == "__main__":
    main()
