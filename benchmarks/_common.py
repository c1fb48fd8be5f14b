"""Shared set-up for the benchmarks: same thread count for NumPy and PyTorch, fair timing."""

from __future__ import annotations

import os
import statistics
import sys
import time

THREADS = int(os.environ.get("BENCH_THREADS", "2"))
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(THREADS)  # must happen before NumPy or PyTorch load BLAS

import numpy as np  # noqa: E402


def header(title: str) -> None:
    import torch

    torch.set_num_threads(THREADS)
    blas = "?"
    try:
        from threadpoolctl import threadpool_info

        blas = ", ".join(f"{i['internal_api']} {i.get('architecture', '')} x{i['num_threads']}"
                         for i in threadpool_info())
    except ImportError:
        pass
    env = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ}
    print(f"== {title}")
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, torch {torch.__version__}, "
          f"threads {THREADS} (numpy BLAS: {blas})")
    print("OPENBLAS_CORETYPE/L2_SIZE: " + (f"set {env} (slows NumPy; run with "
          "`env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE`)" if env else "unset for this run"))


def timeit(fn, repeat: int, number: int) -> float:
    """Median over ``repeat`` rounds of the mean seconds per call over ``number`` calls."""
    rounds = []
    for _ in range(repeat):
        t = time.perf_counter()
        for _ in range(number):
            fn()
        rounds.append((time.perf_counter() - t) / number)
    return statistics.median(rounds)


SETTLE_S = 0.3


def settle() -> None:
    """Sleep until idle worker threads stop spinning.

    After a BLAS call OpenBLAS's threads spin-wait for about 0.1 s, and PyTorch's OpenMP threads
    for a while too; timing one framework while the other's threads still spin on the same cores
    slows it down.  Every timed round starts after this pause.
    """
    time.sleep(SETTLE_S)


def interleaved(fns: dict, repeat: int, number: int) -> dict:
    """Time several functions round-robin so machine noise hits them alike; median per function.

    Each round starts after ``settle()``, so no function pays for the previous one's threads.
    """
    rounds: dict = {k: [] for k in fns}
    for _ in range(repeat):
        for k, fn in fns.items():
            settle()
            t = time.perf_counter()
            for _ in range(number):
                fn()
            rounds[k].append((time.perf_counter() - t) / number)
    return {k: statistics.median(v) for k, v in rounds.items()}
