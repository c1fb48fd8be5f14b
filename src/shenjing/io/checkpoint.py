"""Safe checkpoints: one safetensors file, a JSON skeleton, a SHA-256, no pickle.

``save(obj, path)`` accepts a nested structure of ``dict`` / ``list`` / ``tuple`` / ``str`` /
``int`` / ``float`` / ``bool`` / ``None`` / NumPy arrays / NumPy scalars / shenjing Tensors and
writes **one** ``.safetensors`` file:

* every array is stored as a safetensors tensor under a flat key built from its path in the
  structure (``model/fc1.weight``, ``optimizer/state/0/exp_avg``);
* the rest of the structure is JSON, stored in the safetensors header's ``__metadata__`` under
  ``shenjing.structure``, with a placeholder ``{"$": "tensor", "key": ...}`` where each array
  was; tuples, non-string dict keys and non-finite floats are tagged the same way, so they
  round-trip exactly;
* ``shenjing.sha256`` is a SHA-256 over the format version, that JSON text and every tensor's
  name, dtype, shape and bytes; together with a strict check of the header layout, any change
  to any byte of the file is detected.

``load(path)`` checks all of that before it returns anything and raises :class:`CheckpointError`
(a ``ValueError``) naming the file and the problem for any file that is not an intact shenjing
checkpoint.  Nothing in a file is ever executed: there is no pickle in this format (a pickle
file is recognised and refused unread) and safetensors can only hold plain numbers.

The file is written through :mod:`shenjing.io.atomic`, so a crash during ``save`` leaves the
previous checkpoint in place.  See ``docs/checkpoints.md``.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import struct
import sys
from collections.abc import Callable
from typing import IO, Any

import numpy as np

from shenjing.io.atomic import atomic_write_bytes

__all__ = ["CheckpointError", "FORMAT", "FORMAT_VERSION", "save", "load"]

PathLike = str | os.PathLike[str]

FORMAT = "shenjing.checkpoint"
FORMAT_VERSION = 1

_KEY_FORMAT = "shenjing.format"
_KEY_VERSION = "shenjing.version"
_KEY_STRUCTURE = "shenjing.structure"
_KEY_SHA256 = "shenjing.sha256"
_METADATA_KEYS = frozenset({_KEY_FORMAT, _KEY_VERSION, _KEY_STRUCTURE, _KEY_SHA256})

# NumPy dtype -> safetensors dtype code: exactly the dtypes a shenjing Tensor can have.
# Everything else (object, str, datetime, complex, uint16+, float128, structured ...) is refused.
_DTYPE_CODES: dict[np.dtype[Any], str] = {
    np.dtype(np.float16): "F16",
    np.dtype(np.float32): "F32",
    np.dtype(np.float64): "F64",
    np.dtype(np.int8): "I8",
    np.dtype(np.int16): "I16",
    np.dtype(np.int32): "I32",
    np.dtype(np.int64): "I64",
    np.dtype(np.uint8): "U8",
    np.dtype(np.bool_): "BOOL",
}
_CODE_ITEMSIZE = {code: dt.itemsize for dt, code in _DTYPE_CODES.items()}

_MAX_HEADER = 100_000_000  # the same ceiling the safetensors library applies
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_RESERVED_TENSOR_NAME = "__metadata__"


class CheckpointError(ValueError):
    """A checkpoint could not be written or read; the message names the file and the problem.

    ``path`` is the file (or ``None`` for an unnamed stream) and ``problem`` the bare reason.
    """

    def __init__(self, path: str | None, problem: str) -> None:
        self.path = path
        self.problem = problem
        where = path if path is not None else "<stream>"
        super().__init__(f"{where}: {problem}")


# --------------------------------------------------------------------------------------------
# helpers shared by save and load
# --------------------------------------------------------------------------------------------


def _describe(path: PathLike | IO[bytes]) -> str | None:
    if isinstance(path, str | os.PathLike):
        return os.fspath(path)
    name = getattr(path, "name", None)
    return name if isinstance(name, str) else None


def _digest(version: int, structure: str, tensors: dict[str, np.ndarray]) -> str:
    """SHA-256 over the version, the structure JSON and every tensor, in a fixed order.

    Every variable-length field is length-prefixed, so no two different inputs hash the same
    byte stream.
    """
    h = hashlib.sha256()

    def put(b: bytes) -> None:
        h.update(struct.pack("<Q", len(b)))
        h.update(b)

    put(FORMAT.encode())
    put(str(version).encode())
    put(structure.encode("utf-8", "surrogatepass"))
    h.update(struct.pack("<Q", len(tensors)))
    for name in sorted(tensors):
        arr = tensors[name]
        put(name.encode("utf-8", "surrogatepass"))
        put(_DTYPE_CODES[arr.dtype].encode())
        put(json.dumps(list(arr.shape)).encode())
        h.update(struct.pack("<Q", arr.nbytes))
        h.update(arr.reshape(-1).view(np.uint8))
    return h.hexdigest()


def _is_tensor(obj: Any) -> bool:
    """A shenjing Tensor, or anything that looks like one (class named Tensor, ``.data``)."""
    return any(c.__name__ == "Tensor" for c in type(obj).__mro__) and hasattr(obj, "data")


def _tensor_array(obj: Any) -> Any:
    data = obj.data
    if not isinstance(data, np.ndarray) and hasattr(data, "get"):  # a CuPy array
        data = data.get()
    return data


# --------------------------------------------------------------------------------------------
# save
# --------------------------------------------------------------------------------------------


class _Encoder:
    """Turns a Python structure into (JSON-able skeleton, {name: little-endian C array})."""

    def __init__(self, where: str | None, require_finite: bool) -> None:
        self.where = where
        self.require_finite = require_finite
        self.tensors: dict[str, np.ndarray] = {}
        self.memo: dict[int, str] = {}  # id(original array or Tensor) -> tensor name
        self.keep_alive: list[Any] = []  # so that the ids in memo stay unique
        self.active: set[int] = set()  # containers on the current path (cycle check)

    def fail(self, path: list[str], problem: str) -> CheckpointError:
        at = "/".join(path) or "<root>"
        return CheckpointError(self.where, f"cannot save {at}: {problem}")

    def name_for(self, path: list[str]) -> str:
        base = "/".join(path) or "_"
        name, n = base, 1
        while name in self.tensors or name == _RESERVED_TENSOR_NAME:
            n += 1
            name = f"{base}#{n}"
        return name

    def array(self, obj: Any, arr: Any, path: list[str]) -> str:
        """Store one array (once per object) and return its tensor name."""
        name = self.memo.get(id(obj))
        if name is not None:
            return name
        if not isinstance(arr, np.ndarray):
            raise self.fail(path, f"its data is a {type(arr).__name__}, not a NumPy array")
        if arr.dtype.hasobject:
            raise self.fail(path, "object arrays cannot be saved (they would need pickle)")
        native = arr.dtype.newbyteorder("=")
        if native not in _DTYPE_CODES:
            raise self.fail(path, f"dtype {arr.dtype} is not supported")
        if arr.dtype.byteorder == ">" or (arr.dtype.byteorder == "=" and sys.byteorder == "big"):
            arr = arr.astype(native.newbyteorder("<"))
        if not arr.flags.c_contiguous:
            arr = arr.copy(order="C")
        arr = arr.view(native) if arr.dtype != native else arr
        if self.require_finite and arr.dtype.kind == "f" and not np.isfinite(arr).all():
            raise self.fail(path, "contains NaN or infinity (require_finite=True)")
        name = self.name_for(path)
        self.tensors[name] = arr
        self.memo[id(obj)] = name
        self.keep_alive.append(obj)
        return name

    def key(self, k: Any, path: list[str]) -> Any:
        if isinstance(k, str | bool | int | float) or k is None:
            return self.encode(k, path)
        if isinstance(k, tuple):
            return {"$": "tuple", "items": [self.key(x, path) for x in k]}
        raise self.fail(path, f"dict key {k!r} of type {type(k).__name__} is not supported")

    def encode(self, obj: Any, path: list[str]) -> Any:
        if isinstance(obj, np.ndarray):
            return {"$": "tensor", "key": self.array(obj, obj, path)}
        if _is_tensor(obj):
            out: dict[str, Any] = {"$": "tensor", "key": self.array(obj, _tensor_array(obj), path)}
            if getattr(obj, "requires_grad", False) is True:
                out["grad"] = True
            return out
        if isinstance(obj, str):
            return str(obj)
        if isinstance(obj, np.generic):
            arr = np.asarray(obj)
            self.keep_alive.append(arr)
            return {"$": "scalar", "key": self.array(arr, arr, path)}
        if obj is None or isinstance(obj, bool):
            return obj
        if isinstance(obj, int):
            return int(obj)
        if isinstance(obj, float):
            if math.isfinite(obj):
                return float(obj)
            return {"$": "float", "value": repr(float(obj))}  # 'nan', 'inf' or '-inf'
        if isinstance(obj, dict | list | tuple):
            if id(obj) in self.active:
                raise self.fail(path, "the structure contains a reference cycle")
            self.active.add(id(obj))
            try:
                return self.container(obj, path)
            finally:
                self.active.discard(id(obj))
        raise self.fail(
            path,
            f"objects of type {type(obj).__name__} are not supported "
            "(use dict, list, tuple, str, int, float, bool, None, arrays and Tensors)",
        )

    def container(self, obj: dict[Any, Any] | list[Any] | tuple[Any, ...],
                  path: list[str]) -> Any:
        if isinstance(obj, dict):
            if all(isinstance(k, str) and k != "$" for k in obj):
                return {k: self.encode(v, [*path, k]) for k, v in obj.items()}
            return {
                "$": "dict",
                "items": [[self.key(k, path), self.encode(v, [*path, str(k)])]
                          for k, v in obj.items()],
            }
        items = [self.encode(v, [*path, str(i)]) for i, v in enumerate(obj)]
        return items if isinstance(obj, list) else {"$": "tuple", "items": items}


def save(obj: Any, path: PathLike | IO[bytes], *, require_finite: bool = False) -> None:
    """Write ``obj`` to ``path`` as one safetensors checkpoint, atomically.

    ``obj`` is any nesting of ``dict`` (keys: ``str``, ``int``, ``float``, ``bool``, ``None`` or
    tuples of those), ``list``, ``tuple``, ``str``, ``int``, ``float`` (``nan`` and ``inf``
    included), ``bool``, ``None``, NumPy arrays, NumPy scalars and shenjing Tensors.  Arrays of
    dtype float16/32/64, int8/16/32/64, uint8 and bool (the dtypes of shenjing) are stored
    bit-exactly, whatever their memory layout or byte order.  Tuples come back as tuples and
    dict order is kept; ``dict`` subclasses (``OrderedDict``) come back as plain ``dict``.  An
    array or Tensor that appears several times in ``obj`` is stored once and comes back as one
    object.

    ``path`` is a file name (written through a temporary file and :func:`os.replace`, so a
    crash leaves the old file intact) or a binary file object (written in place).

    With ``require_finite=True`` a floating-point array holding NaN or infinity is refused
    before anything is written: the error names its key and the old file is left untouched.
    (Plain Python floats, such as a logged loss, are not checked.)

    Raises :class:`CheckpointError` for anything that cannot be saved (object arrays,
    unsupported types or dtypes, reference cycles, non-finite weights).
    """
    where = _describe(path)
    encoder = _Encoder(where, require_finite)
    try:
        skeleton = encoder.encode(obj, [])
    except RecursionError:
        raise CheckpointError(where, "cannot save: the structure is nested too deeply") from None
    structure = json.dumps(skeleton, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    metadata = {
        _KEY_FORMAT: FORMAT,
        _KEY_VERSION: str(FORMAT_VERSION),
        _KEY_STRUCTURE: structure,
        _KEY_SHA256: _digest(FORMAT_VERSION, structure, encoder.tensors),
    }
    try:
        import safetensors.numpy
    except ImportError as e:  # pragma: no cover - safetensors is a declared dependency
        raise CheckpointError(where, "saving needs the 'safetensors' package "
                                     "(pip install safetensors)") from e
    try:
        blob = safetensors.numpy.save(encoder.tensors, metadata=metadata)
    except Exception as e:  # the library's own error type varies between versions
        raise CheckpointError(where, f"safetensors could not serialise the tensors: {e}") from e
    if isinstance(path, str | os.PathLike):
        atomic_write_bytes(path, blob)
    else:
        path.write(blob)


# --------------------------------------------------------------------------------------------
# load
# --------------------------------------------------------------------------------------------


def _read(path: PathLike | IO[bytes], where: str | None) -> bytes:
    if not isinstance(path, str | os.PathLike):
        data = path.read()
        if not isinstance(data, bytes | bytearray):
            raise CheckpointError(where, "the file object must be opened in binary mode")
        return bytes(data)
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        raise CheckpointError(where, "no such file") from None
    except IsADirectoryError:
        raise CheckpointError(where, "is a folder, not a checkpoint file") from None
    except OSError as e:
        raise CheckpointError(where, f"cannot read the file: {e.strerror or e}") from e


def _sniff(data: bytes, where: str | None) -> None:
    """Refuse, with a helpful message, files that are recognisably something else."""
    if len(data) >= 2 and data[0] == 0x80 and 2 <= data[1] <= 5:
        raise CheckpointError(where, "this is a Python pickle file; shenjing never unpickles "
                                     "(loading a pickle can run arbitrary code)")
    if data.startswith(b"\x93NUMPY"):
        raise CheckpointError(where, "this is a NumPy .npy file, not a shenjing checkpoint")
    if data.startswith(b"PK\x03\x04"):
        raise CheckpointError(where, "this is a zip archive (a NumPy .npz or a PyTorch .pt "
                                     "file?), not a shenjing checkpoint")
    if len(data) < 8:
        raise CheckpointError(where, f"the file is only {len(data)} bytes long: empty, truncated "
                                     "or not a checkpoint")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise ValueError("duplicate key")
    return out


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _strict_json(text: str) -> Any:
    return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)


def _parse_header(data: bytes, where: str | None) -> dict[str, str]:
    """Check the safetensors framing byte by byte; return the ``__metadata__`` mapping.

    The safetensors library checks most of this too, but not everything that matters for
    "every changed byte is noticed" (e.g. whitespace in the header's padding), and its errors
    do not say what is wrong in words we can pass on.
    """
    (n,) = struct.unpack("<Q", data[:8])
    if n > len(data) - 8:
        raise CheckpointError(where, f"truncated or not a safetensors file: the header claims "
                                     f"{n} bytes but only {len(data) - 8} follow")
    if n > _MAX_HEADER:
        raise CheckpointError(where, f"header of {n} bytes is implausibly large")
    raw = data[8:8 + n]
    if not raw.startswith(b"{"):
        raise CheckpointError(where, "not a safetensors file (the header is not a JSON object)")
    try:
        text = raw.decode("utf-8")
        body = text.rstrip(" ")
        # safetensors writes compact JSON padded with spaces; any other whitespace outside
        # strings means the bytes were changed, even where the JSON would still parse.
        if any(c in " \t\r\n" for c in _JSON_STRING.sub("", body)):
            raise ValueError("unexpected whitespace")
        header = _strict_json(body)
    except (ValueError, RecursionError) as e:
        raise CheckpointError(where, f"the safetensors header is corrupt ({e})") from None
    if not isinstance(header, dict):
        raise CheckpointError(where, "the safetensors header is corrupt (not a JSON object)")
    metadata = header.pop(_RESERVED_TENSOR_NAME, None)
    if not isinstance(metadata, dict):
        raise CheckpointError(where, "no shenjing metadata: not a shenjing checkpoint (a plain "
                                     "safetensors file, or a damaged header)")

    # The tensor table: known dtypes, sizes that match, data laid end to end with no gaps,
    # overlaps or trailing bytes.
    spans: list[tuple[int, int]] = []
    for name, info in header.items():
        try:
            dtype, shape, (begin, end) = info["dtype"], info["shape"], info["data_offsets"]
            if set(info) != {"dtype", "shape", "data_offsets"} or dtype not in _CODE_ITEMSIZE:
                raise ValueError
            ints = [*shape, begin, end]
            if not isinstance(shape, list) or any(
                    type(v) is not int or v < 0 for v in ints):
                raise ValueError
            if end - begin != math.prod(shape) * _CODE_ITEMSIZE[dtype]:
                raise ValueError
        except (TypeError, ValueError, KeyError):
            raise CheckpointError(where, f"the safetensors header entry for tensor {name!r} is "
                                         "corrupt or has an unsupported dtype") from None
        spans.append((begin, end))
    spans.sort()
    pos = 0
    for begin, end in spans:
        if begin != pos:
            raise CheckpointError(where, "the tensor data offsets are corrupt")
        pos = end
    if pos != len(data) - 8 - n:
        raise CheckpointError(where, f"truncated or corrupt: the header describes {pos} bytes "
                                     f"of tensor data but the file holds {len(data) - 8 - n}")
    return metadata


class _Decoder:
    def __init__(self, where: str | None, tensors: dict[str, np.ndarray],
                 convert: Callable[[str, np.ndarray, bool], Any]) -> None:
        self.where = where
        self.tensors = tensors
        self.convert = convert
        self.made: dict[str, Any] = {}
        self.used: set[str] = set()

    def bad(self, problem: str) -> CheckpointError:
        return CheckpointError(self.where, f"the structure metadata is malformed: {problem}")

    def tensor(self, node: dict[str, Any], scalar: bool) -> Any:
        name = node.get("key")
        if not isinstance(name, str) or name not in self.tensors:
            raise self.bad(f"it refers to a tensor {name!r} that is not in the file")
        self.used.add(name)
        if scalar:
            return self.tensors[name][()]
        if name not in self.made:
            self.made[name] = self.convert(name, self.tensors[name], node.get("grad") is True)
        return self.made[name]

    def decode(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self.decode(v) for v in node]
        if not isinstance(node, dict):
            return node
        if "$" not in node:
            return {k: self.decode(v) for k, v in node.items()}
        kind = node["$"]
        if kind == "tensor":
            return self.tensor(node, scalar=False)
        if kind == "scalar":
            return self.tensor(node, scalar=True)
        if kind == "float":
            value = node.get("value")
            if value not in ("nan", "inf", "-inf"):
                raise self.bad(f"bad float {value!r}")
            return float(value)
        items = node.get("items")
        if kind == "tuple" and isinstance(items, list):
            return tuple(self.decode(v) for v in items)
        if kind == "dict" and isinstance(items, list):
            out = {}
            for pair in items:
                if not (isinstance(pair, list) and len(pair) == 2):
                    raise self.bad("a dict entry is not a [key, value] pair")
                key = self.decode(pair[0])
                try:
                    out[key] = self.decode(pair[1])
                except TypeError:
                    raise self.bad(f"unhashable dict key {key!r}") from None
            return out
        raise self.bad(f"unknown tag {kind!r}")


def _tensor_factory() -> Callable[[np.ndarray], Any] | None:
    """``shenjing.from_numpy`` once the Tensor core exists, else ``None`` (plain NumPy)."""
    try:
        import shenjing.tensor as tensor_module
    except ModuleNotFoundError as e:
        if e.name in ("shenjing.tensor", "shenjing"):
            return None
        raise
    import shenjing

    factory = getattr(shenjing, "from_numpy", None)
    if factory is None:
        try:
            from shenjing.creation import from_numpy as factory
        except ImportError:
            factory = tensor_module.Tensor
    return factory


def load(
    path: PathLike | IO[bytes],
    map: Callable[[str, Any], Any] | str | None = None,
    *,
    numpy: bool = False,
) -> Any:
    """Read a checkpoint written by :func:`save` and return the structure it holds.

    Everything is verified first (framing, header, format version, SHA-256 over the structure
    and every tensor); any problem raises :class:`CheckpointError` naming the file.  Nothing in
    the file is executed, and a pickle file is refused without being unpickled.

    Arrays come back as shenjing Tensors (made with ``shenjing.from_numpy``; their
    ``requires_grad`` as saved) or, with ``numpy=True`` or before the Tensor core exists, as
    writable NumPy arrays.  NumPy scalars come back as NumPy scalars, tuples as tuples,
    ``nan``/``inf`` floats as such.

    ``map`` post-processes every array, like PyTorch's ``map_location``: a callable
    ``map(key, value)`` whose result replaces ``value`` (the Tensor or array stored under
    ``key``), or a device name, passed to ``value.to(device)`` (``"cpu"`` is always accepted).
    """
    where = _describe(path)
    data = _read(path, where)
    _sniff(data, where)
    metadata = _parse_header(data, where)

    if set(metadata) != _METADATA_KEYS or not all(isinstance(v, str)
                                                   for v in metadata.values()):
        missing = sorted(_METADATA_KEYS - set(metadata))
        extra = sorted(set(metadata) - _METADATA_KEYS)
        raise CheckpointError(where, "not a shenjing checkpoint, or its metadata is damaged "
                                     f"(missing: {missing}, unexpected: {extra})")
    if metadata[_KEY_FORMAT] != FORMAT:
        raise CheckpointError(where, f"not a shenjing checkpoint (format "
                                     f"{metadata[_KEY_FORMAT]!r})")
    if metadata[_KEY_VERSION] != str(FORMAT_VERSION):
        raise CheckpointError(where, f"unknown checkpoint format version "
                                     f"{metadata[_KEY_VERSION]!r}; this shenjing reads version "
                                     f"{FORMAT_VERSION} (a newer shenjing may read it)")

    try:
        import safetensors.numpy
    except ImportError as e:  # pragma: no cover - safetensors is a declared dependency
        raise CheckpointError(where, "loading needs the 'safetensors' package "
                                     "(pip install safetensors)") from e
    try:
        tensors = safetensors.numpy.load(data)
    except Exception as e:  # SafetensorError, or whatever a future version raises
        raise CheckpointError(where, f"safetensors rejected the file: {e}") from e
    if any(arr.dtype not in _DTYPE_CODES for arr in tensors.values()):
        raise CheckpointError(where, "a tensor has an unsupported dtype")

    structure = metadata[_KEY_STRUCTURE]
    if _digest(FORMAT_VERSION, structure, tensors) != metadata[_KEY_SHA256]:
        raise CheckpointError(where, "SHA-256 mismatch: the file is corrupt or was modified")

    try:
        skeleton = _strict_json(structure)
    except (ValueError, RecursionError) as e:
        raise CheckpointError(where, f"the structure metadata is not valid JSON ({e})") from None

    factory = None if numpy else _tensor_factory()
    if map is not None and not callable(map) and not isinstance(map, str):
        raise TypeError(f"map must be a callable, a device name or None, not {map!r}")

    def convert(name: str, arr: np.ndarray, grad: bool) -> Any:
        if not arr.flags.writeable:
            arr = arr.copy()
        value: Any = arr
        if factory is not None:
            value = factory(arr)
            if grad:
                if hasattr(value, "requires_grad_"):
                    value.requires_grad_(True)
                else:
                    value.requires_grad = True
        if callable(map):
            return map(name, value)
        if isinstance(map, str):
            if hasattr(value, "to"):
                return value.to(map)
            if map != "cpu":
                raise CheckpointError(where, f"cannot map NumPy arrays to device {map!r}")
        return value

    decoder = _Decoder(where, tensors, convert)
    try:
        result = decoder.decode(skeleton)
    except RecursionError:
        raise decoder.bad("nested too deeply") from None
    unused = set(tensors) - decoder.used
    if unused:
        raise decoder.bad(f"tensors {sorted(unused)[:5]} are not referenced")
    return result
