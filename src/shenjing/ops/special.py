"""The error function erf, vectorised in NumPy (NumPy has none): a Taylor series near 0 and a
continued fraction for the tails, accurate to about 1e-14 in float64."""

from __future__ import annotations

import math

import numpy as np


def erf(x: np.ndarray) -> np.ndarray:
    x64 = np.asarray(x, dtype=np.float64)
    ax = np.abs(x64)
    out = np.empty_like(x64)
    small = ax < 2.5
    if small.any():
        xs = x64[small]
        x2 = xs * xs
        term = xs.copy()
        total = xs.copy()
        for n in range(1, 60):  # erf x = 2/√π Σ (−1)ⁿ x²ⁿ⁺¹ / (n! (2n+1))
            term = term * (-x2) / n
            total += term / (2 * n + 1)
        out[small] = total * (2.0 / math.sqrt(math.pi))
    big = ~small
    if big.any():
        xb = ax[big]
        f = xb.copy()
        for k in range(80, 0, -1):  # erfc x = e^(−x²)/√π · 1/(x + ½/(x + 1/(x + 3/2/(x + …))))
            f = xb + (k / 2.0) / f
        erfc = np.exp(-xb * xb) / (math.sqrt(math.pi) * f)
        out[big] = np.sign(x64[big]) * (1.0 - erfc)
    return out.astype(np.result_type(x, np.float32)) if np.asarray(x).dtype != np.float64 else out
