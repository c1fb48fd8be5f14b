"""Transforms: exact values, single sample = batch, seeding and state."""

from __future__ import annotations

import numpy as np
import pytest

import shenjing as sj
from shenjing.data import transforms as T
from shenjing.data.transforms import _rotate


@pytest.fixture
def images() -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, size=(6, 28, 28), dtype=np.uint8)


def test_to_float_scales_uint8_only(images):
    out = T.ToFloat()(images[0])
    assert out.dtype == np.float32 and out.shape == (28, 28)
    assert np.array_equal(out, images[0].astype(np.float32) * np.float32(1 / 255))
    assert out.max() <= 1.0
    f = np.array([[2.5]], dtype=np.float64)
    assert T.ToFloat()(f).dtype == np.float32 and T.ToFloat()(f)[0, 0] == 2.5


def test_to_tensor_adds_a_channel_axis(images):
    one = T.ToTensor()(images[0])
    assert isinstance(one, sj.Tensor) and one.shape == (1, 28, 28) and one.dtype == sj.float32
    batch = T.ToTensor().batch(images)
    assert isinstance(batch, np.ndarray) and batch.shape == (6, 1, 28, 28)
    assert np.array_equal(batch[0], one.numpy())
    rgb = np.zeros((5, 4, 3), np.uint8)
    assert T.ToTensor()(rgb).shape == (3, 5, 4)
    with pytest.raises(ValueError):
        T.ToTensor()(np.zeros(4))


def test_normalize_scalar_and_per_channel(images):
    x = T.ToFloat()(images[0])
    out = T.Normalize()(x)
    assert np.allclose(out, (x - 0.1307) / 0.3081)
    assert out.dtype == np.float32
    batch = np.ones((2, 3, 2, 2), np.float32)
    per = T.Normalize([0.0, 0.5, 1.0], [1.0, 0.5, 2.0]).batch(batch)
    assert np.allclose(per[:, 0], 1.0) and np.allclose(per[:, 1], 1.0)
    assert np.allclose(per[:, 2], 0.0)
    with pytest.raises(ValueError, match="std"):
        T.Normalize(0.0, 0.0)


def test_flatten_sample_and_batch(images):
    assert T.Flatten()(images[0]).shape == (784,)
    assert T.Flatten().batch(images).shape == (6, 784)


def test_tensor_in_tensor_out(images):
    t = sj.tensor(images[0].astype(np.float32))
    out = T.Compose([T.Normalize(), T.Flatten()])(t)
    assert isinstance(out, sj.Tensor) and out.shape == (784,)


def test_random_shift_moves_whole_pixels_with_zero_fill():
    img = np.zeros((1, 9, 9), np.uint8)
    img[0, 4, 4] = 200
    shift = T.RandomShift(3, seed=0)
    for _ in range(20):
        out = shift.batch(img)
        ys, xs = np.nonzero(out[0])
        assert len(ys) == 1 and out[0, ys[0], xs[0]] == 200  # moved, not blurred
        assert abs(ys[0] - 4) <= 3 and abs(xs[0] - 4) <= 3
        assert out.dtype == np.uint8
    edge = np.full((1, 5, 5), 7, np.uint8)
    outs = [T.RandomShift(2, seed=s).batch(edge) for s in range(10)]
    assert any((o == 0).any() for o in outs)  # uncovered pixels are filled with 0
    assert np.array_equal(T.RandomShift(0, seed=1).batch(edge), edge)


def test_random_shift_draws_every_offset():
    shift = T.RandomShift(1, seed=5)
    img = np.zeros((400, 3, 3), np.float32)
    img[:, 1, 1] = 1
    out = shift.batch(img)
    pos = {tuple(np.argwhere(o)[0]) for o in out}
    assert pos == {(y, x) for y in range(3) for x in range(3)}


def test_random_transforms_single_calls_equal_one_batch(images):
    for make in (lambda: T.RandomShift(2, seed=4), lambda: T.RandomRotation(15, seed=4)):
        a, b = make(), make()
        batch = a.batch(images)
        singles = np.stack([b(im) for im in images])
        assert np.array_equal(batch, singles)


def test_random_rotation_zero_is_identity_and_small_angles_keep_the_ink(images):
    assert np.array_equal(T.RandomRotation(0, seed=1).batch(images), images)
    digit = np.zeros((1, 28, 28), np.float32)
    digit[0, 8:20, 12:16] = 1.0  # a bar in the middle
    out = T.RandomRotation(10, seed=2).batch(np.repeat(digit, 8, axis=0))
    assert out.shape == (8, 28, 28) and out.dtype == np.float32
    assert np.allclose(out.sum(axis=(1, 2)), digit.sum(), rtol=0.03)
    assert not np.array_equal(out[0], out[1])


def test_rotate_by_a_quarter_turn_matches_rot90():
    img = np.arange(25, dtype=np.float32).reshape(1, 1, 5, 5)
    out = _rotate(img, np.array([np.pi / 2]), fill=0.0)
    assert np.allclose(out[0, 0], np.rot90(img[0, 0]), atol=1e-4)  # anticlockwise


def test_seeds_states_and_the_global_generator(images):
    a = T.RandomRotation(10, seed=9)
    state = a.state_dict()
    first = a.batch(images)
    a.load_state_dict(state)
    assert np.array_equal(a.batch(images), first)
    assert not np.array_equal(T.RandomRotation(10, seed=10).batch(images), first)
    sj.manual_seed(1)
    b = T.RandomShift(2).batch(images)
    sj.manual_seed(1)
    c = T.RandomShift(2).batch(images)
    assert np.array_equal(b, c)
    comp = T.Compose([T.RandomShift(1, seed=0), T.ToFloat(), T.RandomRotation(5, seed=1)])
    st = comp.state_dict()
    assert set(st) == {"0", "2"}
    x = comp.batch(images)
    comp.load_state_dict(st)
    assert np.array_equal(comp.batch(images), x)
    with pytest.raises(ValueError, match="not both"):
        T.RandomShift(1, seed=1, generator=sj.Generator())
    with pytest.raises(ValueError):
        T.RandomRotation(-1)
    with pytest.raises(ValueError):
        T.RandomShift(1.5)


def test_supports_batch():
    assert T.supports_batch(None)
    assert T.supports_batch(T.Compose([T.ToFloat(), T.Flatten()]))
    assert not T.supports_batch(T.Compose([T.ToFloat(), T.Lambda(lambda x: x)]))
    assert T.supports_batch(T.Lambda(lambda x: x, batch_fn=lambda x: x))
    assert not T.supports_batch(lambda x: x)
    with pytest.raises(TypeError, match="batched"):
        T.Compose([T.Lambda(lambda x: x)]).batch(np.zeros((1, 2, 2)))
    assert "Normalize" in repr(T.Compose([T.Normalize()]))
