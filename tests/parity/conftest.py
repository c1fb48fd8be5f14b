"""The parity harness: run one computation in shenjing and in PyTorch, compare values and grads.

torch is imported unconditionally: a machine without it fails these tests, it never skips them.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import shenjing as sj


def _inputs(args):
    sj_args, th_args, leaves = [], [], []
    for a in args:
        if hasattr(a, "const_array"):  # a Const of the test module: a tensor without grad
            sj_args.append(sj.tensor(a.const_array))
            th_args.append(torch.tensor(a.const_array))
        elif isinstance(a, np.ndarray):
            grad = a.dtype.kind == "f"
            s, t = sj.tensor(a, requires_grad=grad), torch.tensor(a, requires_grad=grad)
            sj_args.append(s)
            th_args.append(t)
            if grad:
                leaves.append((s, t))
        else:
            sj_args.append(a)
            th_args.append(a)
    return sj_args, th_args, leaves


def _outputs(out):
    if isinstance(out, tuple | list):
        return list(out)
    return [out]


def check_parity(sj_fn, th_fn, *args, atol: float = 1e-10, rtol: float = 1e-7, backward: bool = True,
                 seed: int = 0):
    """Compare ``sj_fn(*args)`` with ``th_fn(*args)``: every output's value and dtype, then the
    gradient of every float input under a random upstream gradient (float64 unless the arrays say
    otherwise).  Plain ndarrays of floats require grad; an object with a ``const_array`` attribute
    becomes a tensor without grad in both (targets, masks, weights)."""
    sj_args, th_args, leaves = _inputs(args)
    s_outs, t_outs = _outputs(sj_fn(*sj_args)), _outputs(th_fn(*th_args))
    assert len(s_outs) == len(t_outs), f"{len(s_outs)} outputs, torch gives {len(t_outs)}"
    rng = np.random.default_rng(seed)
    s_loss, t_loss = None, None
    for s, t in zip(s_outs, t_outs):
        assert isinstance(s, sj.Tensor), f"expected a shenjing Tensor, got {type(s).__name__}"
        assert tuple(s.shape) == tuple(t.shape), f"shape {s.shape} vs torch {tuple(t.shape)}"
        assert s.dtype.name == str(t.dtype).removeprefix("torch."), f"dtype {s.dtype} vs {t.dtype}"
        np.testing.assert_allclose(s.detach().numpy(), t.detach().numpy(), atol=atol, rtol=rtol,
                                   err_msg="forward values differ")
        assert s.requires_grad == t.requires_grad, "requires_grad of an output differs"
        if backward and t.requires_grad:
            g = rng.standard_normal(tuple(t.shape))
            ds = (s * sj.tensor(g, dtype=s.dtype)).sum()
            dt = (t * torch.tensor(g, dtype=t.dtype)).sum()
            s_loss = ds if s_loss is None else s_loss + ds
            t_loss = dt if t_loss is None else t_loss + dt
    if not backward or t_loss is None:
        return s_outs
    s_loss.backward()
    t_loss.backward()
    for i, (s, t) in enumerate(leaves):
        if t.grad is None:
            assert s.grad is None or not np.any(s.grad.numpy()), f"input {i}: torch has no grad"
            continue
        assert s.grad is not None, f"input {i}: no gradient reached it"
        assert s.grad.shape == tuple(t.grad.shape), f"input {i}: grad shape {s.grad.shape}"
        np.testing.assert_allclose(s.grad.numpy(), t.grad.numpy(), atol=atol, rtol=rtol,
                                   err_msg=f"gradient of input {i} differs")
    return s_outs


@pytest.fixture
def parity():
    return check_parity
