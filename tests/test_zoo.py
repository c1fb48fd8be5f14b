"""The model zoo: the default MLP, its options, and the registry."""

from __future__ import annotations

import json

import numpy as np
import pytest

import shenjing as sj
from shenjing import nn, zoo


def _n_params(model: nn.Module) -> int:
    return sum(int(p.data.size) for p in model.parameters())


def test_default_mlp_is_784_256_128_10_relu():
    m = zoo.get_model("mlp")
    linears = [l for l in m.modules() if isinstance(l, nn.Linear)]
    assert [(l.in_features, l.out_features) for l in linears] == [(784, 256), (256, 128),
                                                                   (128, 10)]
    assert sum(isinstance(l, nn.ReLU) for l in m.modules()) == 2
    assert _n_params(m) == 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10
    for shape in ((5, 784), (5, 28, 28), (5, 1, 28, 28)):
        assert m(sj.zeros(*shape)).shape == (5, 10)


def test_mlp_options():
    m = zoo.get_model("mlp", hidden=[64], activation="tanh", num_classes=3, dropout=0.2)
    assert any(isinstance(l, nn.Tanh) for l in m.modules())
    assert any(isinstance(l, nn.Dropout) for l in m.modules())
    assert m(sj.zeros(2, 784)).shape == (2, 3)
    deep = zoo.get_model("mlp", hidden=32, depth=4)
    assert sum(isinstance(l, nn.Linear) for l in deep.modules()) == 5
    with pytest.raises(ValueError, match="activation"):
        zoo.get_model("mlp", activation="swishy")
    with pytest.raises(ValueError, match="depth"):
        zoo.get_model("mlp", hidden=[3, 4], depth=3)
    with pytest.raises(ValueError, match="positive"):
        zoo.get_model("mlp", hidden=[0])


def test_same_seed_same_weights():
    sj.manual_seed(3)
    a = zoo.get_model("mlp").state_dict()
    sj.manual_seed(3)
    b = zoo.get_model("mlp").state_dict()
    assert all(np.array_equal(a[k].numpy(), b[k].numpy()) for k in a)


def test_registry_and_config():
    assert "mlp" in zoo.list_models()
    cfg = zoo.model_config("mlp", hidden=(32, 16))
    assert cfg["hidden"] == [32, 16] and cfg["in_features"] == 784
    assert json.loads(json.dumps(cfg)) == cfg  # a checkpoint can store it
    rebuilt = zoo.get_model("mlp", **cfg)
    assert _n_params(rebuilt) == _n_params(zoo.get_model("mlp", hidden=[32, 16]))
    with pytest.raises(KeyError, match="known models: .*mlp"):
        zoo.get_model("nope")
    with pytest.raises(ValueError, match="no option"):
        zoo.get_model("mlp", widht=3)
    with pytest.raises(ValueError, match="already registered"):
        zoo.register("mlp")(lambda: nn.Identity())
    assert zoo.model_spec("mlp").description


def test_registering_is_one_line():
    name = "tiny-test-model"
    try:
        @zoo.register(name, "a test model")
        def tiny(width: int = 2) -> nn.Module:
            return nn.Linear(width, 1)

        assert name in zoo.list_models()
        assert zoo.get_model(name, width=3).in_features == 3
        assert zoo.model_spec(name).defaults() == {"width": 2}
    finally:
        zoo._REGISTRY.pop(name, None)
