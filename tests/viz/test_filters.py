"""Filters and feature maps: the functions, and `shenjing viz filters|features` on a real checkpoint."""

from __future__ import annotations

import numpy as np
import pytest

import shenjing as sj
from shenjing import zoo
from shenjing.cli import main
from shenjing.viz import filters as vf


def _png(path) -> bool:
    return path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_feature_maps_are_the_conv_outputs(rng):
    sj.manual_seed(0)
    model = zoo.get_model("lenet")
    image = rng.standard_normal((28, 28)).astype(np.float32)
    maps = vf.feature_maps(model, image)
    assert [name for name, _ in maps] == ["0", "3"]
    assert maps[0][1].shape == (6, 28, 28) and maps[1][1].shape == (16, 10, 10)
    expected = model[0](sj.tensor(image[None, None])).detach().numpy()[0]
    np.testing.assert_allclose(maps[0][1], expected, rtol=1e-6)
    assert model.training and not model[0]._forward_hooks  # mode restored, hooks removed
    with pytest.raises(ValueError, match="no Conv2d"):
        vf.feature_maps(zoo.get_model("mlp"), image)


def test_plot_functions_write_pngs(tmp_path, rng):
    model = zoo.get_model("cnn", width=4)
    out = vf.plot_filters(model, tmp_path / "f.png")
    assert _png(out)
    assert vf.first_conv_weight(model).shape == (4, 1, 5, 5)
    files = vf.plot_feature_maps(model, rng.standard_normal((1, 28, 28)), tmp_path / "maps", max_maps=3)
    assert [p.name for p in files] == ["0_0.png", "1_4.png", "2_8.png"] and all(_png(p) for p in files)
    assert _png(vf.plot_filters(rng.standard_normal((3, 2, 3, 3)), tmp_path / "w.png", lang="zh"))


def test_viz_cli_on_a_checkpoint(tmp_path, capsys):
    from shenjing.train import Trainer

    sj.manual_seed(0)
    model = zoo.get_model("lenet")
    trainer = Trainer(model, sj.optim.SGD(model.parameters(), lr=0.1), quiet=True, model_name="lenet",
                      model_config=zoo.model_config("lenet"), run_info={"settings": {"dataset": "mnist"}})
    run = tmp_path / "run"
    assert trainer.save_checkpoint(run / "best", kind="best")
    assert main(["viz", "filters", "--checkpoint", str(run), "--out", str(tmp_path / "filters.png")]) == 0
    assert _png(tmp_path / "filters.png")
    assert main(["viz", "features", "--checkpoint", str(run), "--image", "test:3", "--out",
                 str(tmp_path / "maps")]) == 0
    assert sorted(p.name for p in (tmp_path / "maps").iterdir()) == ["0_0.png", "1_3.png"]
    out = capsys.readouterr().out
    assert "filters.png" in out and "1_3.png" in out
    assert main(["--lang", "zh", "viz", "features", "--checkpoint", str(run), "--image", "test:99999",
                 "--out", str(tmp_path / "m2")]) == 2
    err = capsys.readouterr().err
    assert "99999" in err and "10000" in err and "错误" in err
