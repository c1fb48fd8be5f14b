"""parameters_to_vector / vector_to_parameters against torch.nn.utils."""

import numpy as np
import pytest
import torch

import shenjing as sj
from shenjing.nn.utils import parameters_to_vector, vector_to_parameters

SHAPES = [(3, 4), (4,), (2, 3, 2), ()]


def _params(lib, seed=0):
    rng = np.random.default_rng(seed)
    return [lib.tensor(rng.standard_normal(s), requires_grad=True) for s in SHAPES]


def test_parameters_to_vector_values_and_grad():
    ps, pt = _params(sj), _params(torch)
    vs, vt = parameters_to_vector(ps), torch.nn.utils.parameters_to_vector(pt)
    assert tuple(vs.shape) == tuple(vt.shape) == (12 + 4 + 12 + 1,)
    np.testing.assert_array_equal(vs.data, vt.detach().numpy())
    c = np.random.default_rng(1).standard_normal(vs.shape)
    (vs * sj.tensor(c)).sum().backward()
    (vt * torch.tensor(c)).sum().backward()
    for a, b in zip(ps, pt):
        np.testing.assert_array_equal(a.grad.data, b.grad.numpy())


def test_module_round_trip():
    sj.manual_seed(0)
    torch.manual_seed(0)
    ms, mt = sj.nn.Linear(3, 2), torch.nn.Linear(3, 2)
    with torch.no_grad():
        for a, b in zip(ms.parameters(), mt.parameters()):
            b.copy_(torch.tensor(a.data))
    vec = np.arange(8, dtype=np.float32) * 0.5
    vector_to_parameters(sj.tensor(vec), ms.parameters())
    torch.nn.utils.vector_to_parameters(torch.tensor(vec), mt.parameters())
    for a, b in zip(ms.parameters(), mt.parameters()):
        np.testing.assert_array_equal(a.data, b.detach().numpy())
        assert tuple(a.shape) == tuple(b.shape) and a.requires_grad and a.is_leaf
    np.testing.assert_array_equal(parameters_to_vector(ms.parameters()).data, vec)
    x = np.random.default_rng(2).standard_normal((5, 3)).astype(np.float32)
    np.testing.assert_allclose(ms(sj.tensor(x)).data, mt(torch.tensor(x)).detach().numpy(), rtol=1e-6)


def test_vector_to_parameters_longer_vector_and_generator():
    ps = [sj.zeros(2, 2), sj.zeros(3)]
    vector_to_parameters(sj.arange(10.0), (p for p in ps))  # extra entries ignored, as in torch
    np.testing.assert_array_equal(ps[0].data, [[0, 1], [2, 3]])
    np.testing.assert_array_equal(ps[1].data, [4, 5, 6])


def test_errors():
    for lib in (sj.nn.utils, torch.nn.utils):
        with pytest.raises(TypeError, match="expected torch.Tensor, but got: list"):
            lib.vector_to_parameters([1.0, 2.0], [])
    with pytest.raises(ValueError, match="expected a non-empty list of Tensors"):
        torch.nn.utils.parameters_to_vector([])
    with pytest.raises(ValueError, match="expected a non-empty list of Tensors"):
        parameters_to_vector([])
    with pytest.raises(RuntimeError, match=r"shape '\[3\]' is invalid for input of size 2"):
        torch.nn.utils.vector_to_parameters(torch.ones(2), [torch.ones(3)])
    with pytest.raises(RuntimeError, match=r"shape '\[3\]' is invalid for input of size 2"):
        vector_to_parameters(sj.ones(2), [sj.ones(3)])
