"""conv2d / conv1d: float64 gradchecks, output shapes, and errors that name the layer and the shapes."""

from __future__ import annotations

import numpy as np
import pytest

import shenjing as sj
import shenjing.nn.functional as F


@pytest.mark.parametrize("kw,groups", [
    (dict(stride=1, padding=1), 1), (dict(stride=2, padding=(1, 0), dilation=(1, 2)), 2),
    (dict(stride=(1, 3), padding="same"), 4), (dict(stride=1, padding="valid", dilation=2), 1),
], ids=["plain", "strided-grouped-dilated", "depthwise-same", "valid-dilated"])
def test_conv2d_gradcheck(check_grad, rng, kw, groups):
    x, w, b = rng.standard_normal((2, 4, 6, 7)), rng.standard_normal((4, 4 // groups, 3, 2)), rng.standard_normal(4)
    if kw.get("padding") == "same" and kw.get("stride") != 1:
        kw = dict(kw, stride=1)
    check_grad(lambda x, w, b: F.conv2d(x, w, b, groups=groups, **kw), x, w, b)


def test_conv1d_gradcheck(check_grad, rng):
    x, w = rng.standard_normal((2, 3, 9)), rng.standard_normal((2, 3, 3))
    check_grad(lambda x, w: F.conv1d(x, w, stride=2, padding=1, dilation=2), x, w)


def test_conv2d_matches_the_definition(rng):
    """y[n,o,i,j] = b[o] + Σ W[o,c,u,v] x[n,c,s·i+d·u−p, s·j+d·v−p], written out with loops."""
    x, w, b = rng.standard_normal((2, 3, 7, 8)), rng.standard_normal((4, 3, 3, 2)), rng.standard_normal(4)
    s, d, p = 2, 2, 1
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    out = F.conv2d(sj.tensor(x), sj.tensor(w), sj.tensor(b), stride=s, padding=p, dilation=d).numpy()
    ref = np.zeros(out.shape)
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            patch = xp[:, :, s * i:s * i + d * 3:d, s * j:s * j + d * 2:d]
            ref[:, :, i, j] = np.einsum("ncuv,ocuv->no", patch, w) + b
    np.testing.assert_allclose(out, ref, atol=1e-12)


def test_conv2d_output_is_channels_last_in_memory_and_float32_stays_float32(rng):
    x = sj.tensor(rng.standard_normal((2, 3, 8, 8)).astype(np.float32))
    w = sj.tensor(rng.standard_normal((5, 3, 3, 3)).astype(np.float32))
    y = F.conv2d(x, w)
    assert y.dtype == sj.float32 and y.shape == (2, 5, 6, 6)
    assert y.data.strides[1] == 4  # channels innermost: the GEMM's (N·OH·OW, O) result, no transpose


def test_conv2d_no_grad_saves_nothing(rng):
    x, w = sj.randn(1, 2, 5, 5), sj.randn(3, 2, 3, 3, requires_grad=True)
    with sj.no_grad():
        y = F.conv2d(x, w)
    assert y.grad_fn is None and not y.requires_grad


@pytest.mark.parametrize("call,match", [
    (lambda: F.conv2d(sj.zeros(28, 28), sj.zeros(6, 1, 5, 5)), r"conv2d: expected a 3-D .* or 4-D .* \(28, 28\)"),
    (lambda: F.conv2d(sj.zeros(8, 3, 28, 28), sj.zeros(6, 1, 5, 5)),
     r"weight of shape \(6, 1, 5, 5\) with groups=1 expects an input with 1 channels, but the input of shape "
     r"\(8, 3, 28, 28\) has 3"),
    (lambda: F.conv2d(sj.zeros(1, 4, 5, 5), sj.zeros(3, 2, 3, 3), groups=2), r"out_channels=3 .* groups=2"),
    (lambda: F.conv2d(sj.zeros(1, 1, 5, 5), sj.zeros(2, 1, 3, 3), sj.zeros(3)), r"bias of shape \(3,\)"),
    (lambda: F.conv2d(sj.zeros(1, 1, 2, 2), sj.zeros(2, 1, 3, 3)), r"smaller than the dilated kernel"),
    (lambda: F.conv2d(sj.zeros(1, 1, 5, 5), sj.zeros(2, 1, 3, 3), stride=2, padding="same"),
     r"padding='same' is not supported for strided"),
    (lambda: F.conv2d(sj.zeros(1, 1, 5, 5), sj.zeros(2, 1, 3, 3), padding="full"), r"invalid padding string"),
    (lambda: F.conv2d(sj.zeros(1, 1, 5, 5, dtype=sj.float64), sj.zeros(2, 1, 3, 3)), r"dtype .* should be the same"),
    (lambda: F.conv1d(sj.zeros(2, 3, 4, 5), sj.zeros(2, 3, 3)), r"conv1d: expected a 2-D .* or 3-D"),
])
def test_conv_errors(call, match):
    with pytest.raises((RuntimeError, ValueError), match=match):
        call()


def test_batch_parallel_passes_give_the_same_numbers(rng, monkeypatch):
    """im2col, col2im and 2x2 max-pooling split over the batch in SHENJING_NUM_THREADS threads:
    the same numbers, bit for bit, as in one thread — also when the batch does not split evenly."""
    x = rng.standard_normal((7, 3, 48, 48)).astype(np.float32)
    w = rng.standard_normal((16, 3, 3, 3)).astype(np.float32)
    w1 = rng.standard_normal((4, 1, 5, 5)).astype(np.float32)
    results = []
    for threads in ("1", "3"):
        monkeypatch.setenv("SHENJING_NUM_THREADS", threads)
        xs, ws, w1s = (sj.tensor(a, requires_grad=True) for a in (x, w, w1))
        y = F.max_pool2d(F.conv2d(xs, ws, padding=1), 2)
        z = F.conv2d(xs[:, :1], w1s, padding=2)
        ((y * y).sum() + z.sum()).backward()
        results.append([a.detach().numpy().copy() for a in (y, z, xs.grad, ws.grad, w1s.grad)])
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)
