"""Safe checkpoints: exact round trips, every corruption refused, crashes never corrupt."""

from __future__ import annotations

import io
import json
import os
import pickle
import random
import signal
import struct
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import safetensors.numpy

import shenjing.io.checkpoint as ckpt
from shenjing.io import CheckpointError, load, save

SRC = str(Path(ckpt.__file__).resolve().parents[2])

DTYPES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]


def _tensor_class() -> type | None:
    try:
        from shenjing.tensor import Tensor
    except ModuleNotFoundError:
        return None
    return Tensor


def _random_array(dtype: str, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Arbitrary bit patterns (NaNs with payloads, infinities, subnormals) for every dtype."""
    dt = np.dtype(dtype)
    n = int(np.prod(shape))
    if dt == np.bool_:
        return rng.integers(0, 2, size=shape).astype(bool)
    raw = rng.integers(0, 256, size=n * dt.itemsize, dtype=np.uint8)
    return raw.view(dt).reshape(shape)


def _same_bits(a: Any, b: np.ndarray) -> bool:
    a = np.asarray(a.data if hasattr(a, "data") and not isinstance(a, np.ndarray) else a)
    return (a.dtype == b.dtype and a.shape == b.shape
            and a.tobytes() == np.ascontiguousarray(b).tobytes())


def _small_checkpoint() -> dict[str, Any]:
    rng = np.random.default_rng(0)
    return {
        "model": {"fc1.weight": rng.standard_normal((4, 3)).astype(np.float32),
                  "fc1.bias": np.zeros(4, np.float32)},
        "optimizer": {"state": {0: {"step": 3, "exp_avg": np.ones((4, 3), np.float64)}},
                      "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999)}]},
        "epoch": 7, "history": [0.5, float("nan")], "name": "lenet",
    }


def _craft(path: Path, structure: str, tensors: dict[str, np.ndarray], *,
           version: str = "1", digest: str | None = None, extra: dict[str, str] | None = None
           ) -> None:
    """Write a safetensors file by hand, with a correct digest unless told otherwise."""
    if digest is None:
        digest = ckpt._digest(int(version) if version.isdigit() else 0, structure, tensors)
    meta = {"shenjing.format": ckpt.FORMAT, "shenjing.version": version,
            "shenjing.structure": structure, "shenjing.sha256": digest, **(extra or {})}
    path.write_bytes(safetensors.numpy.save(tensors, metadata=meta))


# ---------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("dtype", DTYPES)
def test_every_dtype_round_trips_bit_exactly(tmp_path: Path, dtype: str) -> None:
    rng = np.random.default_rng(1)
    base = _random_array(dtype, (5, 6), rng)
    arrays = {
        "matrix": base,
        "scalar0d": _random_array(dtype, (), rng),
        "empty": _random_array(dtype, (0, 3), rng),
        "empty1": _random_array(dtype, (0,), rng),
        "transposed": base.T,                       # Fortran order
        "strided": base[::2, 1::3],                 # non-contiguous view
        "negative": base[::-1],                     # negative strides
        "big_endian": base.astype(base.dtype.newbyteorder(">")),
    }
    path = tmp_path / "x.safetensors"
    save(arrays, path)
    out = load(path, numpy=True)
    assert list(out) == list(arrays)
    for k, a in arrays.items():
        assert isinstance(out[k], np.ndarray)
        assert out[k].dtype == a.dtype.newbyteorder("=")
        assert out[k].shape == a.shape
        native = a.astype(a.dtype.newbyteorder("="))
        assert out[k].tobytes() == native.tobytes(), k
        assert out[k].flags.writeable


def test_load_returns_tensors_by_default(tmp_path: Path) -> None:
    Tensor = _tensor_class()
    w = np.arange(6, dtype=np.float32).reshape(2, 3)
    save({"w": w}, tmp_path / "m")
    out = load(tmp_path / "m")
    if Tensor is None:
        assert isinstance(out["w"], np.ndarray)
    else:
        assert isinstance(out["w"], Tensor)
        assert _same_bits(out["w"], w)
        out["w"].data[0, 0] = 42.0  # the result owns writable memory
    assert isinstance(load(tmp_path / "m", numpy=True)["w"], np.ndarray)


def test_tensors_are_saved_and_keep_requires_grad(tmp_path: Path) -> None:
    Tensor = _tensor_class()
    if Tensor is None:
        pytest.skip("shenjing.tensor not there yet")
    w = Tensor(np.arange(4, dtype=np.float32), requires_grad=True)
    b = Tensor(np.arange(3, dtype=np.int64))
    save({"w": w, "b": b}, tmp_path / "t")
    out = load(tmp_path / "t")
    assert out["w"].requires_grad and not out["b"].requires_grad
    assert _same_bits(out["w"], w.data) and _same_bits(out["b"], b.data)


def test_duck_typed_tensor(tmp_path: Path) -> None:
    class Tensor:  # what the brief promised: any class named Tensor with a NumPy .data
        def __init__(self, data: np.ndarray) -> None:
            self.data = data

    class Parameter(Tensor):
        pass

    save({"a": Tensor(np.ones(2, np.int8)), "p": Parameter(np.zeros(2, np.float16))},
         tmp_path / "d")
    out = load(tmp_path / "d", numpy=True)
    assert _same_bits(out["a"], np.ones(2, np.int8))
    assert _same_bits(out["p"], np.zeros(2, np.float16))


def test_nested_structure_round_trips(tmp_path: Path) -> None:
    obj = {
        "ints": [0, -1, 2**70, True, False, None],
        "floats": [0.1, -0.0, 1e308, 5e-324, float("inf"), float("-inf"), float("nan")],
        "strings": ["", "神经网络", "quote\" back\\slash", "\x00ctl\n", "\ud800 lone surrogate",
                    "$"],
        "tuple": (1, (2, (3,)), [4], ()),
        "int_keys": {0: "a", -5: "b", 10**20: "c"},
        "odd_keys": {(1, "x"): 1, None: 2, True: 3, 1.5: 4, "s": 5},
        "dollar": {"$": "tensor", "key": "not a placeholder"},
        "empty": [{}, [], ()],
        "scalars": [np.float32(1.5), np.int64(-3), np.bool_(True), np.float16(np.nan)],
        "deep": [[[[[[{"x": [np.arange(3)]}]]]]]],
    }
    save(obj, tmp_path / "n")
    out = load(tmp_path / "n", numpy=True)
    deep = out.pop("deep")
    exp_deep = obj.pop("deep")
    assert _same_bits(deep[0][0][0][0][0][0]["x"][0], exp_deep[0][0][0][0][0][0]["x"][0])
    scalars, exp_scalars = out.pop("scalars"), obj.pop("scalars")
    for got, exp in zip(scalars, exp_scalars, strict=True):
        assert type(got) is type(exp) and got.tobytes() == exp.tobytes()
    floats, exp_floats = out.pop("floats"), obj.pop("floats")
    assert [struct.pack("<d", f) for f in floats[:-1]] == [
        struct.pack("<d", f) for f in exp_floats[:-1]]
    assert np.isnan(floats[-1]) and type(floats[-1]) is float
    assert out == obj
    assert type(out["tuple"]) is tuple and type(out["tuple"][1][1]) is tuple
    assert list(out["odd_keys"]) == list(obj["odd_keys"])  # order kept


def test_dict_order_and_root_values(tmp_path: Path) -> None:
    keys = [f"k{i}" for i in range(50)]
    random.Random(0).shuffle(keys)
    save({k: np.full(1, i) for i, k in enumerate(keys)}, tmp_path / "o")
    assert list(load(tmp_path / "o", numpy=True)) == keys
    for root in (np.arange(3.0), 5, "text", None, [np.zeros(1)], float("inf")):
        save(root, tmp_path / "r")
        got = load(tmp_path / "r", numpy=True)
        if isinstance(root, np.ndarray):
            assert _same_bits(got, root)
        elif isinstance(root, list):
            assert _same_bits(got[0], root[0])
        else:
            assert got == root


def test_shared_and_colliding_names(tmp_path: Path) -> None:
    shared = np.arange(4.0)
    obj = {"a/b": np.ones(1), "a": {"b": np.zeros(1)}, "__metadata__": np.full(1, 2.0),
           "tied": [shared, shared]}
    save(obj, tmp_path / "s")
    out = load(tmp_path / "s", numpy=True)
    assert _same_bits(out["a/b"], np.ones(1)) and _same_bits(out["a"]["b"], np.zeros(1))
    assert _same_bits(out["__metadata__"], np.full(1, 2.0))
    assert out["tied"][0] is out["tied"][1]  # stored once, one object again
    names = set(safetensors.numpy.load((tmp_path / "s").read_bytes()))
    assert len(names) == 4 and "a/b" in names and "tied/0" in names


def test_flat_key_names(tmp_path: Path) -> None:
    save(_small_checkpoint(), tmp_path / "k")
    names = set(safetensors.numpy.load((tmp_path / "k").read_bytes()))
    assert names == {"model/fc1.weight", "model/fc1.bias", "optimizer/state/0/exp_avg"}


def test_map_and_file_objects(tmp_path: Path) -> None:
    buf = io.BytesIO()
    save({"w": np.arange(3, dtype=np.int16)}, buf)
    buf.seek(0)
    seen: list[str] = []

    def to_list(key: str, value: Any) -> list[int]:
        seen.append(key)
        return np.asarray(value.data if hasattr(value, "requires_grad") else value).tolist()

    assert load(buf, map=to_list) == {"w": [0, 1, 2]} and seen == ["w"]
    buf.seek(0)
    assert _same_bits(load(buf, map="cpu", numpy=True)["w"], np.arange(3, dtype=np.int16))
    with pytest.raises(TypeError):
        load(io.BytesIO(buf.getvalue()), map=3)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- refusals at save


@pytest.mark.parametrize("bad, words", [
    (np.array([1, "a"], dtype=object), "object arrays"),
    ({"x": [np.array([None])]}, "x/0"),
    (np.array(["str"]), "not supported"),
    (np.zeros(2, np.complex128), "not supported"),
    ({1, 2}, "set"),
    ({"f": lambda: 0}, "function"),
    ({"k": b"bytes"}, "bytes"),
    ({}, None),  # an empty dict is fine: sanity check of the harness
])
def test_save_refuses_unsupported(tmp_path: Path, bad: Any, words: str | None) -> None:
    path = tmp_path / "c"
    path.write_bytes(b"previous")
    if words is None:
        save(bad, path)
        return
    with pytest.raises(CheckpointError, match=words) as e:
        save(bad, path)
    assert str(path) in str(e.value)
    assert path.read_bytes() == b"previous"


def test_save_refuses_cycles_and_non_str_containers_as_keys(tmp_path: Path) -> None:
    loop: list[Any] = [1]
    loop.append(loop)
    with pytest.raises(CheckpointError, match="cycle"):
        save(loop, tmp_path / "c")
    with pytest.raises(CheckpointError, match="dict key"):
        save({frozenset(): 1}, tmp_path / "c")
    assert not (tmp_path / "c").exists()


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_require_finite_leaves_old_file_byte_identical(tmp_path: Path, bad: float) -> None:
    path = tmp_path / "best.safetensors"
    save(_small_checkpoint(), path)
    before = path.read_bytes()
    weights = _small_checkpoint()
    weights["model"]["fc2.weight"] = np.ones((2, 2), np.float16)
    weights["model"]["fc2.weight"][1, 0] = bad
    weights["model"]["fc3.weight"] = np.full(2, np.nan, np.float32)
    with pytest.raises(CheckpointError, match="model/fc2.weight") as e:
        save(weights, path, require_finite=True)
    assert "fc3" not in str(e.value)  # the *first* non-finite key
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["best.safetensors"]
    save(weights, path)  # without the guard NaN is just data
    assert np.isnan(load(path, numpy=True)["model"]["fc3.weight"]).all()


# ---------------------------------------------------------------------------- refusals at load


def _expect_error(path: Path, *words: str) -> CheckpointError:
    with pytest.raises(CheckpointError) as e:
        load(path)
    msg = str(e.value)
    assert str(path) in msg, msg
    for w in words:
        assert w in msg, msg
    return e.value


def test_missing_empty_and_folder(tmp_path: Path) -> None:
    _expect_error(tmp_path / "nope", "no such file")
    (tmp_path / "empty").write_bytes(b"")
    _expect_error(tmp_path / "empty", "0 bytes")
    _expect_error(tmp_path, "folder")


def test_wrong_magic_and_foreign_formats(tmp_path: Path) -> None:
    cases = {
        "png": b"\x89PNG\r\n\x1a\n" + bytes(100),
        "text": b"hello, this is not a checkpoint at all",
        "npz": b"PK\x03\x04" + bytes(60),
        "huge_header": struct.pack("<Q", 2**63) + b"{}",
        "not_object": struct.pack("<Q", 2) + b"[]",
    }
    for name, blob in cases.items():
        (tmp_path / name).write_bytes(blob)
        _expect_error(tmp_path / name)
    _expect_error(tmp_path / "npz", "zip")
    plain = tmp_path / "plain.safetensors"  # a valid safetensors file, but not ours
    plain.write_bytes(safetensors.numpy.save({"w": np.ones(2)}))
    _expect_error(plain, "not a shenjing checkpoint")


def test_crafted_pickle_is_refused_and_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self) -> tuple[Any, ...]:
            return (open, (str(marker), "w"))

    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        bad = tmp_path / f"model{protocol}.pt"
        bad.write_bytes(pickle.dumps({"state_dict": Exploit()}, protocol=protocol))
        _expect_error(bad, "pickle")
    bad0 = tmp_path / "model0.pt"
    bad0.write_bytes(pickle.dumps(Exploit(), protocol=0))
    _expect_error(bad0)
    assert not marker.exists()


def test_npy_with_object_array_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self) -> tuple[Any, ...]:
            return (open, (str(marker), "w"))

    # A .npy file holding an object array is a pickle behind an .npy header; build one by hand.
    header = repr({"descr": "|O", "fortran_order": False, "shape": (1,)}).encode()
    header += b" " * (-(10 + len(header) + 1) % 64) + b"\n"
    blob = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header
    blob += pickle.dumps(np.array([Exploit()], dtype=object), protocol=2)
    path = tmp_path / "weights.npy"
    path.write_bytes(blob)
    _expect_error(path, ".npy")
    assert not marker.exists()


def test_truncation_at_many_offsets(tmp_path: Path) -> None:
    path = tmp_path / "c.safetensors"
    save(_small_checkpoint(), path)
    blob = path.read_bytes()
    n_header = struct.unpack("<Q", blob[:8])[0]
    cuts = set(range(0, len(blob), 7)) | {1, 7, 8, 9, 8 + n_header - 1, 8 + n_header,
                                          8 + n_header + 1, len(blob) - 1}
    bad = tmp_path / "cut"
    for cut in sorted(cuts):
        bad.write_bytes(blob[:cut])
        _expect_error(bad)
    bad.write_bytes(blob + b"\x00")  # and a trailing byte too much
    _expect_error(bad)


def _corrupt(path: Path, blob: bytes, pos: int, xor: int) -> None:
    b = bytearray(blob)
    b[pos] ^= xor
    path.write_bytes(bytes(b))


def test_random_byte_flips_are_all_detected(tmp_path: Path) -> None:
    path = tmp_path / "c.safetensors"
    save(_small_checkpoint(), path)
    blob = path.read_bytes()
    rng = np.random.default_rng(12345)
    bad = tmp_path / "flipped"
    for _ in range(200):
        pos = int(rng.integers(0, len(blob)))
        _corrupt(bad, blob, pos, int(rng.integers(1, 256)))
        _expect_error(bad)


def test_every_single_byte_flip_is_detected(tmp_path: Path) -> None:
    # Exhaustive over positions for the flips most likely to slip through a parser:
    # the lowest bit (digit +-1) and 0x20 (case, space <-> NUL, '\x00' <-> ' ').
    path = tmp_path / "c.safetensors"
    save({"w": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.zeros(2, np.int8),
          "meta": {"lr": 0.1, "name": "abc"}}, path)
    blob = path.read_bytes()
    bad = tmp_path / "flipped"
    for xor in (0x01, 0x20):
        for pos in range(len(blob)):
            _corrupt(bad, blob, pos, xor)
            _expect_error(bad)


def test_whitespace_in_header_padding_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "c.safetensors"
    save({"w": np.ones(3, np.float32)}, path)
    blob = bytearray(path.read_bytes())
    n = struct.unpack("<Q", blob[:8])[0]
    end = 8 + n
    if blob[end - 1:end] != b" ":  # make sure there is padding to play with
        save({"w": np.ones(3, np.float32), "x": 1}, path)
        blob = bytearray(path.read_bytes())
        n = struct.unpack("<Q", blob[:8])[0]
        end = 8 + n
    assert blob[end - 1:end] == b" "
    for ws in b"\t\n\r":
        blob[end - 1] = ws  # still valid JSON, but not the bytes that were written
        (tmp_path / "ws").write_bytes(bytes(blob))
        _expect_error(tmp_path / "ws", "corrupt")


def test_hash_mismatch_version_and_bad_json(tmp_path: Path) -> None:
    w = {"w": np.arange(3, dtype=np.float32)}
    good = '{"w":{"$":"tensor","key":"w"}}'
    p = tmp_path / "c"

    _craft(p, good, w)
    assert _same_bits(load(p, numpy=True)["w"], w["w"])  # the crafting helper is right

    _craft(p, good, {"w": np.array([0, 1, 3], np.float32)}, digest=ckpt._digest(1, good, w))
    _expect_error(p, "SHA-256")
    _craft(p, good.replace("w", "w "), w, digest=ckpt._digest(1, good, w))
    _expect_error(p, "SHA-256")
    _craft(p, good, w, version="2")
    _expect_error(p, "version '2'")
    _craft(p, good, w, version="one")
    _expect_error(p, "version")
    _craft(p, good, w, extra={"note": "hi"})
    _expect_error(p, "unexpected")
    _craft(p, '{"w":{"$":"tensor","key":"w"}', w)
    _expect_error(p, "not valid JSON")
    _craft(p, '{"w":NaN}', w)
    _expect_error(p, "not valid JSON")
    _craft(p, '{"w":{"$":"tensor","key":"v"}}', w)
    _expect_error(p, "not in the file")
    _craft(p, '{"x":1}', w)
    _expect_error(p, "not referenced")
    _craft(p, '{"w":{"$":"tensor","key":"w"},"f":{"$":"float","value":"1.0"}}', w)
    _expect_error(p, "bad float")
    _craft(p, '{"w":{"$":"tensor","key":"w"},"f":{"$":"exec","items":[]}}', w)
    _expect_error(p, "unknown tag")
    _craft(p, '{"w":{"$":"tensor","key":"w"},"d":{"$":"dict","items":[[[1],2]]}}', w)
    _expect_error(p, "unhashable")
    _craft(p, "[" * 100_000 + "]" * 100_000, w)
    _expect_error(p)


def test_unsupported_tensor_dtype_in_file(tmp_path: Path) -> None:
    p = tmp_path / "c"
    t = {"w": np.arange(3, dtype=np.uint32)}
    meta = {"shenjing.format": ckpt.FORMAT, "shenjing.version": "1",
            "shenjing.structure": '{"w":{"$":"tensor","key":"w"}}', "shenjing.sha256": "0" * 64}
    p.write_bytes(safetensors.numpy.save(t, metadata=meta))
    _expect_error(p, "dtype")


def test_safetensors_errors_are_wrapped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "c"
    save({"w": np.ones(2)}, p)

    def broken(data: bytes) -> dict[str, np.ndarray]:
        raise safetensors.SafetensorError("simulated library failure")

    monkeypatch.setattr(safetensors.numpy, "load", broken)
    _expect_error(p, "simulated library failure")


# ---------------------------------------------------------------------------- crash safety

_CHILD = textwrap.dedent("""
    import sys
    sys.path.insert(0, sys.argv[3])
    import numpy as np
    from shenjing.io.checkpoint import save
    path, step = sys.argv[1], int(sys.argv[2])
    w = np.empty(1_500_000, np.float64)
    print("ready", flush=True)
    while True:
        step += 1
        w.fill(step)
        save({"step": step, "w": w, "tail": [step] * 10}, path)
""")


def _check_consistent(path: Path) -> int:
    out = load(path, numpy=True)
    step = out["step"]
    assert out["tail"] == [step] * 10
    assert out["w"].shape == (1_500_000,) and (out["w"] == step).all()
    return step


@pytest.mark.skipif(os.name != "posix", reason="needs SIGKILL")
def test_sigkill_during_save_never_corrupts(tmp_path: Path) -> None:
    path = tmp_path / "run.safetensors"
    save({"step": 0, "w": np.zeros(1_500_000), "tail": [0] * 10}, path)
    script = tmp_path / "child.py"
    script.write_text(_CHILD)
    rng = random.Random(2024)
    last = 0
    for round_ in range(8):
        child = subprocess.Popen(
            [sys.executable, str(script), str(path), str(round_ * 1_000_000), SRC],
            stdout=subprocess.PIPE, text=True)
        try:
            assert child.stdout is not None and child.stdout.readline() == "ready\n"
            time.sleep(rng.uniform(0.02, 0.35))
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
            if child.stdout is not None:
                child.stdout.close()
        step = _check_consistent(path)  # old or new, never torn
        assert step >= last
        last = step
        for name in os.listdir(tmp_path):  # leftovers are hidden temp files, never the target
            assert name in (path.name, script.name) or (
                name.startswith(f".{path.name}.") and name.endswith(".tmp")), name
    assert last > 0  # the children did get some saves done
    save({"step": -1, "w": np.ones(1_500_000) * -1, "tail": [-1] * 10}, path)
    assert sorted(os.listdir(tmp_path)) == sorted([path.name, script.name])  # temps swept
    assert _check_consistent(path) == -1


def test_saved_file_is_plain_json_and_safetensors(tmp_path: Path) -> None:
    # The format is documented: anyone can read it with the stock safetensors library.
    p = tmp_path / "c"
    save(_small_checkpoint(), p)
    blob = p.read_bytes()
    n = struct.unpack("<Q", blob[:8])[0]
    header = json.loads(blob[8:8 + n])
    meta = header["__metadata__"]
    assert meta["shenjing.format"] == "shenjing.checkpoint" and meta["shenjing.version"] == "1"
    skeleton = json.loads(meta["shenjing.structure"])
    assert skeleton["epoch"] == 7
    assert skeleton["model"]["fc1.weight"] == {"$": "tensor", "key": "model/fc1.weight"}
    assert b"pickle" not in blob and b"\x80\x04" not in blob[:2]
