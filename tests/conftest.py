"""Fixtures shared by the core tests."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    """A fresh, fixed-seed NumPy generator for test data."""
    return np.random.default_rng(20240601)


@pytest.fixture
def check_grad():
    """``check_grad(fn, *inputs)``: float ndarrays become float64 leaves that require grad, the rest
    pass through; asserts ``shenjing.autograd.gradcheck`` and returns the leaves."""
    import shenjing as sj
    from shenjing.autograd import gradcheck

    def check(fn, *inputs, **kw):
        args = [sj.tensor(a, dtype=sj.float64, requires_grad=True)
                if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a for a in inputs]
        assert gradcheck(fn, args, **kw)
        return args

    return check
