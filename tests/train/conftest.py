"""Fixtures of the training tests: where the real MNIST lives (a missing copy is a failure)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

#: The full MNIST of this machine: $SHENJING_DATA, else ../shared/data next to the repository.
DEFAULT_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


def data_root() -> Path:
    env = os.environ.get("SHENJING_DATA")
    return Path(env.split(os.pathsep)[0]) if env else DEFAULT_DATA


@pytest.fixture(scope="session")
def mnist_data():
    """The real MNIST (train, test) as loaded by shenjing.data, never the bundled sample."""
    from shenjing.data import MNIST

    root = data_root()
    old = os.environ.get("SHENJING_MNIST_MIRRORS")
    os.environ["SHENJING_MNIST_MIRRORS"] = ""  # never the network
    try:
        train = MNIST(root, train=True, download=False)
        test = MNIST(root, train=False, download=False)
    finally:
        if old is None:
            del os.environ["SHENJING_MNIST_MIRRORS"]
        else:
            os.environ["SHENJING_MNIST_MIRRORS"] = old
    assert not train.is_sample and len(train) == 60000, (
        f"the full MNIST was not found under {root}; set SHENJING_DATA to the folder that holds "
        "mnist/ (this test needs the real data)")
    assert len(test) == 10000
    return train, test
