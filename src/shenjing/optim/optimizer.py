"""``Optimizer``: the base of every update rule — parameter groups, per-parameter state, checkpoints.

An optimizer holds ``param_groups`` (a list of dicts: ``"params"`` plus the hyper-parameters of
that group, e.g. ``"lr"``) and ``state`` (a dict from each parameter to its running quantities,
such as a momentum buffer).  Subclasses implement ``step()``, which reads ``p.grad`` and updates
``p.data`` in place; the gradient array itself is never written to (it may be shared between
tensors by the autograd engine, or be the array a user passed to ``backward``).

``state_dict()`` has PyTorch's layout, built only from numbers, strings, lists and NumPy arrays,
so :mod:`shenjing.io.checkpoint` can store it in safetensors + JSON without pickle::

    {"state": {0: {"step": 3, "exp_avg": ndarray, ...}, ...},     # keyed by parameter index
     "param_groups": [{"lr": 0.001, "betas": [0.9, 0.999], ..., "params": [0, 1]}, ...]}

Parameters are numbered in the order they appear, group after group, exactly as in PyTorch.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..autograd import enable_grad
from ..autograd.function import _Inplace
from ..tensor import Tensor

__all__ = ["Optimizer"]

StateDict = dict[str, Any]


class Optimizer:
    """Base class: holds ``param_groups``, ``defaults`` and per-parameter ``state``.

    ``params`` is an iterable of tensors, of ``(name, tensor)`` pairs (``named_parameters()``), or
    of dicts ``{"params": [...], "lr": ...}`` whose missing options take ``defaults``.
    """

    #: keys a subclass keeps as arrays of the parameter's shape in ``state[p]``
    _array_state: tuple[str, ...] = ()
    #: keys a subclass keeps as plain numbers in ``state[p]``
    _scalar_state: tuple[str, ...] = ("step",)

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                f"dicts, but got {type(params).__name__}"
            )
        if isinstance(params, set | frozenset):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the "
                "ordering of tensors in sets changes between runs; use a list instead"
            )
        self.defaults: dict[str, Any] = dict(defaults)
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self._scratch: dict[int, np.ndarray] = {}
        self.param_groups: list[dict[str, Any]] = []
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ------------------------------------------------------------------ groups
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own options (e.g. unfreezing layers while training)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        group = dict(param_group)
        params = group.get("params")
        if params is None:
            raise ValueError("param_group must have a 'params' entry")
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set | frozenset):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the "
                "ordering of tensors in sets changes between runs; use a list instead"
            )
        else:
            params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        params = [p[1] if isinstance(p, tuple) else p for p in params]
        if names:
            if len(names) != len(params):
                raise ValueError(
                    "all optimizer params should be with/without names. Some param names are missing"
                )
            group["param_names"] = names
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"optimizer can only optimize Tensors, but one of the params is "
                    f"{type(p).__module__}.{type(p).__name__}"
                )
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        if len({id(p) for p in params}) != len(params):
            raise ValueError("a parameter group contains the same parameter more than once")
        group["params"] = params
        for key, default in self.defaults.items():
            group.setdefault(key, default)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    # ------------------------------------------------------------------ steps
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients: ``p.grad = None`` (default), or a fresh array of zeros.

        The zeros are a new array rather than an in-place fill, because a gradient array may be
        shared with another tensor that must keep its values.
        """
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if g.grad_fn is not None:
                        g.detach_()
                    g.requires_grad = False
                    g.data = np.zeros_like(g.data)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns ``closure()``'s loss if given."""
        raise NotImplementedError

    @staticmethod
    def _evaluate(closure: Callable[[], Any] | None) -> Any:
        if closure is None:
            return None
        with enable_grad():
            return closure()

    # ------------------------------------------------------------------ checkpoints
    def state_dict(self) -> StateDict:
        """A snapshot ``{"state": {index: {...}}, "param_groups": [...]}`` of plain data.

        Arrays are copies, so the snapshot does not change as training goes on.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: _plain(v) for k, v in group.items() if k != "params"}
            ids = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            packed["params"] = ids
            groups.append(packed)
        state: dict[int, dict[str, Any]] = {}
        for p, st in self.state.items():
            if id(p) in index and st:
                state[index[id(p)]] = {
                    k: v.copy() if isinstance(v, np.ndarray) else _plain(v) for k, v in st.items()
                }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: StateDict) -> None:
        """Restore a ``state_dict()``; everything is checked before anything changes.

        Raises ``ValueError`` naming the mismatch: the number of groups, a group's size, a
        missing option, an unknown parameter index or state key, or an array of the wrong shape.
        """
        if not isinstance(state_dict, dict):
            raise TypeError(f"state_dict must be a dict, got {type(state_dict).__name__}")
        missing = [k for k in ("state", "param_groups") if k not in state_dict]
        if missing:
            raise ValueError(f"optimizer state_dict lacks {', '.join(repr(k) for k in missing)}")
        saved_groups = state_dict["param_groups"]
        saved_state = state_dict["state"]
        if not isinstance(saved_groups, list | tuple) or not isinstance(saved_state, dict):
            raise ValueError("optimizer state_dict: 'param_groups' must be a list, 'state' a dict")
        name = type(self).__name__
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: loaded state dict has {len(saved_groups)} parameter "
                f"groups, but the optimizer has {len(self.param_groups)}"
            )
        id_map: dict[Any, tuple[Tensor, int]] = {}
        new_groups = []
        for gi, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if not isinstance(saved, dict) or "params" not in saved:
                raise ValueError(f"{name}.load_state_dict: parameter group {gi} has no 'params'")
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: parameter group {gi} of the loaded state dict has "
                    f"{len(saved['params'])} parameters, but the optimizer's group {gi} has "
                    f"{len(group['params'])}"
                )
            lacking = [k for k in self.defaults if k not in saved]
            if lacking:
                raise ValueError(
                    f"{name}.load_state_dict: parameter group {gi} lacks the option(s) "
                    f"{', '.join(map(repr, lacking))} (was it saved from another optimizer?)"
                )
            for saved_id, p in zip(saved["params"], group["params"]):
                id_map[_index_key(saved_id)] = (p, gi)
            new = {}
            for k, v in saved.items():
                if k == "params":
                    continue
                current = group.get(k, self.defaults.get(k))
                new[k] = tuple(v) if isinstance(current, tuple) and isinstance(v, list) else v
            new["params"] = group["params"]
            new_groups.append(new)

        new_state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        for key, entries in saved_state.items():
            where = id_map.get(_index_key(key))
            if where is None:
                raise ValueError(
                    f"{name}.load_state_dict: state for parameter index {key!r}, which no "
                    "parameter group lists"
                )
            p, gi = where
            if not isinstance(entries, dict):
                raise ValueError(f"{name}.load_state_dict: state of parameter {key} is not a dict")
            st: dict[str, Any] = {}
            for k, v in entries.items():
                st[k] = self._load_state_value(p, key, gi, k, v)
            new_state[p] = st

        self.param_groups[:] = new_groups
        self.state = new_state

    def _load_state_value(self, p: Tensor, index: Any, gi: int, key: str, value: Any) -> Any:
        name = type(self).__name__
        where = f"{name}.load_state_dict: state of parameter {index} (group {gi})"
        if key in self._scalar_state:
            arr = np.asarray(value.data if isinstance(value, Tensor) else value)
            if arr.size != 1 or arr.dtype.kind not in "iuf":
                raise ValueError(f"{where}: {key!r} must be a number, got {value!r}")
            v = arr.item()
            return int(v) if float(v).is_integer() else float(v)
        if key in self._array_state:
            arr = value.data if isinstance(value, Tensor) else value
            if not isinstance(arr, np.ndarray):
                raise ValueError(f"{where}: {key!r} must be an array, got {type(value).__name__}")
            if arr.shape != p.data.shape:
                raise ValueError(
                    f"{where}: {key!r} has shape {arr.shape}, but the parameter has shape "
                    f"{p.data.shape}"
                )
            dtype = p.data.dtype if p.data.dtype.kind == "f" else arr.dtype
            return np.array(arr, dtype=dtype, copy=True)
        raise ValueError(
            f"{where}: unknown state entry {key!r}; {name} keeps "
            f"{', '.join(map(repr, self._scalar_state + self._array_state))}"
        )

    # ------------------------------------------------------------------ display
    def __repr__(self) -> str:
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)

    @staticmethod
    def _with_grad(group: dict[str, Any]):
        """(p, w, ∇) for each parameter of ``group`` that has a gradient, as NumPy arrays.

        The caller updates w in place: the parameter's version counter records it, so a graph
        that saved the old weights refuses to backpropagate through them (as in PyTorch).
        """
        _Inplace.count += 1
        for p in group["params"]:
            grad = p.grad
            if grad is not None:
                p._version += 1
                yield p, p.data, grad.data

    def __reduce__(self):  # pragma: no cover - no pickle anywhere in shenjing
        raise TypeError("optimizers are not picklable; save optimizer.state_dict() instead")

    @staticmethod
    def _direction(g: np.ndarray, w: np.ndarray, wd: float, maximize: bool, out: np.ndarray | None = None):
        """d = ±∇ + λw, what an update follows: written into ``out`` (or a new array), or ∇ itself
        when there is neither L2 decay nor ``maximize`` (the gradient is never written to)."""
        if wd != 0:
            d = np.multiply(w, wd, out=out)
            return (np.subtract if maximize else np.add)(d, g, out=d)
        if maximize:
            return np.negative(g, out=out)
        return g

    def scratch_like(self, w: np.ndarray) -> np.ndarray:
        """A work array shaped like ``w``, kept between steps (not part of the state): allocating a
        fresh one each step makes the kernel map and zero new pages every time."""
        buf = self._scratch.get(id(w))
        if buf is None or buf.shape != w.shape or buf.dtype != w.dtype:
            buf = self._scratch[id(w)] = np.empty_like(w)
        return buf


def check_adam_hyperparameters(lr: float, eps: float, betas: tuple[float, float], weight_decay: float) -> None:
    """PyTorch's checks (and messages) for the Adam family's hyper-parameters."""
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    for i in (0, 1):
        if not 0.0 <= betas[i] < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {betas[i]}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


def _plain(value: Any) -> Any:
    """Hyper-parameters as JSON-friendly data: tuples become lists, NumPy scalars numbers."""
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Tensor):
        return value.data.copy()
    return value


def _index_key(key: Any) -> Any:
    """Parameter indices come back from JSON as ints or (in some formats) as strings."""
    if isinstance(key, str) and key.lstrip("-").isdigit():
        return int(key)
    if isinstance(key, np.integer):
        return int(key)
    return key
