"""Why ``ops.matmul._gemm`` sometimes asks BLAS for (bᵀ aᵀ)ᵀ instead of a @ b.

The two give the same numbers; only the order in which BLAS walks memory differs.  For each
product of the MNIST MLP's step (784-256-128-10; batch 128 unless given) this prints the median time of both
forms, round-robin, which one ``_gemm`` picks, and PyTorch's time for the same product (its own
BLAS, timed after NumPy's threads have gone quiet).

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/gemm_layout.py [batch ...]
"""

from __future__ import annotations

import sys

from _common import THREADS, interleaved, np, settle

from shenjing.ops.matmul import _gemm


def main(batch: int) -> None:
    import torch

    torch.set_num_threads(THREADS)
    print(f"== gemm_layout: a @ b vs (bᵀ aᵀ)ᵀ, float32, batch {batch}, {THREADS} threads")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, 784), dtype=np.float32)
    w1 = rng.standard_normal((256, 784), dtype=np.float32)
    g1 = rng.standard_normal((batch, 256), dtype=np.float32)
    w2 = rng.standard_normal((128, 256), dtype=np.float32)
    g2 = rng.standard_normal((batch, 128), dtype=np.float32)
    cases = {
        "forward  x W1ᵀ  (Bx784 · 784x256)": (x, w1.T),
        "backward g W1   (Bx256 · 256x784)": (g1, w1),
        "backward g W2   (Bx128 · 128x256)": (g2, w2),
        "forward  h W2ᵀ  (Bx256 · 256x128)": (g1, w2.T),
    }
    for name, (a, b) in cases.items():
        forms = {"a@b": lambda a=a, b=b: a @ b, "(bT aT)T": lambda a=a, b=b: (b.T @ a.T).T}
        t = interleaved(forms, repeat=15, number=50)
        picked = "a@b" if _gemm(a, b).flags.c_contiguous else "(bT aT)T"
        ta, tb = torch.from_numpy(a), torch.from_numpy(b)
        settle()
        t_torch = interleaved({"torch": lambda ta=ta, tb=tb: ta @ tb}, repeat=15, number=50)["torch"]
        print(f"{name}: a@b {t['a@b'] * 1e6:6.0f} us   (bT aT)T {t['(bT aT)T'] * 1e6:6.0f} us   "
              f"ratio {t['(bT aT)T'] / t['a@b']:.2f}   _gemm uses {picked:8}   "
              f"PyTorch {t_torch * 1e6:6.0f} us")


if __name__ == "__main__":
    for b in map(int, sys.argv[1:] or ["128"]):
        main(b)
