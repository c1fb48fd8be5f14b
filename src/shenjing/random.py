"""Random numbers: one global generator (``manual_seed``) and ``Generator`` objects, both
NumPy PCG64 underneath, so the same seed gives the same run."""

from __future__ import annotations

import numpy as np


class Generator:
    """A source of random numbers with its own state, like ``torch.Generator``."""

    def __init__(self, device: str = "cpu") -> None:
        self._seed = 0
        self.rng = np.random.default_rng(0)

    def manual_seed(self, seed: int) -> Generator:
        if not isinstance(seed, int | np.integer):
            raise TypeError(f"manual_seed expects an int, got {type(seed).__name__}")
        self._seed = int(seed)
        self.rng = np.random.default_rng(int(seed) & 0xFFFF_FFFF_FFFF_FFFF)
        return self

    def initial_seed(self) -> int:
        return self._seed

    def seed(self) -> int:
        s = int(np.random.SeedSequence().entropy) & 0x7FFF_FFFF_FFFF_FFFF
        self.manual_seed(s)
        return s

    def get_state(self) -> dict:
        """The generator's state as plain JSON-able data."""
        st = self.rng.bit_generator.state
        return {"bit_generator": st["bit_generator"], "state": {k: int(v) for k, v in st["state"].items()},
                "has_uint32": int(st["has_uint32"]), "uinteger": int(st["uinteger"]), "seed": self._seed}

    def set_state(self, state: dict) -> None:
        if state.get("bit_generator") != "PCG64":
            raise ValueError(f"set_state: expected a PCG64 state, got {state.get('bit_generator')!r}")
        self.rng.bit_generator.state = {
            "bit_generator": "PCG64", "state": dict(state["state"]),
            "has_uint32": state["has_uint32"], "uinteger": state["uinteger"],
        }
        self._seed = state.get("seed", self._seed)


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the global generator (and so every layer's initialisation, dropout, shuffling)."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state() -> dict:
    return default_generator.get_state()


def set_rng_state(state: dict) -> None:
    default_generator.set_state(state)


def get_rng(generator: Generator | None = None) -> np.random.Generator:
    return (generator or default_generator).rng
