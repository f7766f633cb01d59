"""Saving and loading networks: one ``.npz`` file, read with ``allow_pickle=False``.

The file holds a JSON header (``header``: format name and version, the kind of
object, parameters, counters) and, for each network in it, its arrays under a
prefix (``episodic.W``, ...; no prefix for a single network). Everything a
network needs to continue training exactly where it stopped is in it: weights,
habituation, labels, the adjacency and temporal-synapse lists with their slot
layout, the stream's previous winner and context.

Loading trusts nothing in the file: the header's schema and every array (dtype,
shape, values, and the consistency of the adjacency and temporal lists and of
the counters) are checked before a network exists, so that a damaged or
tampered file is a ValueError naming the network, the array and the problem,
never a network that crashes the compiled kernels later.
"""

from __future__ import annotations

import json
import math
import numbers
import zipfile
from pathlib import Path

import numpy as np

from . import _kernels as K
from ._state import NetworkState
from ._validation import INT32_MAX, InvalidParameterError, max_magnitude

FORMAT = "gwr-toolkit"
FORMAT_VERSION = 1
_ROW_ARRAYS = ("W", "h", "L", "nbr", "age", "deg", "tidx", "tcnt", "tdeg")
_FLOAT_ARRAYS = ("W", "h", "L", "ctx_prev")
_INT_ARRAYS = ("nbr", "age", "deg", "tidx", "tcnt", "tdeg", "counters")
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_INT32_MIN = -(2**31)


def _jsonable_params(params: dict) -> dict:
    """Parameters as JSON values; an ``init`` array or a Generator seed is not kept
    (both only matter before training starts)."""
    out = {}
    for name, value in params.items():
        if isinstance(value, (bool, np.bool_)):
            out[name] = bool(value)
        elif isinstance(value, numbers.Integral):
            out[name] = int(value)
        elif isinstance(value, numbers.Real):
            out[name] = float(value)
        elif value is None or isinstance(value, str):
            out[name] = value
        elif name == "init":
            out[name] = "random"
        elif name == "random_state":
            out[name] = None
        else:
            raise TypeError(f"parameter {name}={value!r} cannot be saved")
    return out


def _key(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def save_networks(path, networks: dict, kind: str, params: dict | None = None) -> None:
    """Write trained networks (``{prefix: GammaGWR}``) and the owner's parameters."""
    arrays = {}
    nets = {}
    for prefix, net in networks.items():
        state = net.network_state()
        n = state.n_slots
        for name in _ROW_ARRAYS:
            arrays[_key(prefix, name)] = getattr(state, name)[:n]
        arrays[_key(prefix, "ctx_prev")] = state.ctx_prev
        arrays[_key(prefix, "counters")] = state.counters
        nets[prefix] = {
            "params": _jsonable_params(net.get_params()),
            "n_features": int(net.n_features_in_),
            "quantization_error": getattr(net, "quantization_error_", np.zeros(0)).tolist(),
        }
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "kind": kind,
        "params": _jsonable_params(params or {}),
        "networks": nets,
    }
    arrays["header"] = np.array(json.dumps(header))
    with open(Path(path), "wb") as f:
        np.savez(f, **arrays)


def read_header(path) -> tuple[dict, dict]:
    """The header and arrays of a saved file, checked for format and version."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no saved network at {path}")
    try:
        data = np.load(path, allow_pickle=False)
        if not isinstance(data, np.lib.npyio.NpzFile):
            raise ValueError("a single array, not an .npz archive")
        with data:
            arrays = {name: data[name] for name in data.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise ValueError(f"{path} is not a saved gwr network (.npz expected): {exc}") from exc
    if "header" not in arrays:
        raise ValueError(f"{path} is an .npz file but not a saved gwr network: it has no header")
    for name, value in arrays.items():
        if not isinstance(value, np.ndarray):  # numpy hands over other members as bytes
            raise ValueError(f"{path}: the member {name!r} is not a numpy array")
    try:
        header = json.loads(str(arrays.pop("header")))
    except (json.JSONDecodeError, RecursionError) as exc:  # nesting too deep: RecursionError
        raise ValueError(f"{path}: the header is not valid JSON: {exc}") from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ValueError(f"{path} is not a saved gwr network (format {FORMAT!r} expected)")
    version = header.get("format_version")
    if version != FORMAT_VERSION:
        raise ValueError(
            f"{path} has format version {version}; this gwr-toolkit reads version {FORMAT_VERSION}"
        )
    return header, arrays


# -- checks of a loaded file ------------------------------------------------------


def _label(prefix: str) -> str:
    return f"the saved network {prefix!r}" if prefix else "the saved network"


def _brief(value, limit: int = 80) -> str:
    """``repr(value)``, cut short: a message must not quote a whole damaged header."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _is_finite_number(value) -> bool:
    """A JSON number (not a bool) that is a finite float64."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:  # an int beyond float64
        return False


def checked_params(cls, params, where: str):
    """``cls(**params)`` with every parameter checked (``check_params``): unknown
    names and bad values are a ValueError naming ``where``."""
    if not isinstance(params, dict):
        raise ValueError(f"{where}: the parameters must be a JSON object, got {_brief(params)}")
    valid = list(cls().get_params())
    unknown = sorted(set(params) - set(valid))
    if unknown:
        raise ValueError(
            f"{where}: unknown parameters {unknown} for {cls.__name__} (valid: {valid})"
        )
    try:
        return cls(**params).check_params()
    except InvalidParameterError as exc:
        raise ValueError(f"{where}: parameter {exc}") from exc


def _typed(arrays: dict, prefix: str, name: str, where: str) -> np.ndarray:
    """Array ``name`` of the network as float64 or int32 (int64 for the counters),
    refused if it is missing, of another kind, or its integers do not fit."""
    key = _key(prefix, name)
    if key not in arrays:
        raise ValueError(f"{where} lacks the array {key!r}")
    a = arrays[key]
    if name in _FLOAT_ARRAYS:
        if a.dtype.kind != "f":
            raise ValueError(f"{where}: {name} must hold floats, got dtype {a.dtype}")
        with np.errstate(over="ignore"):  # long doubles beyond float64: inf, refused later
            return a.astype(np.float64)
    if a.dtype.kind not in "iu":
        raise ValueError(f"{where}: {name} must hold integers, got dtype {a.dtype}")
    if name == "counters":
        low, high, dtype = _INT64_MIN, _INT64_MAX, np.int64
    else:
        low, high, dtype = _INT32_MIN, INT32_MAX, np.int32
    if a.size and (int(a.min()) < low or int(a.max()) > high):
        bad = int(a.min()) if int(a.min()) < low else int(a.max())
        raise ValueError(
            f"{where}: {name} holds {bad}, outside the {np.dtype(dtype).name} range [{low}, {high}]"
        )
    return a.astype(dtype)


def _first(mask: np.ndarray) -> tuple:
    """The index of the first True entry of ``mask`` (as a tuple)."""
    return tuple(int(i) for i in np.argwhere(mask)[0])


def _shape_error(where: str, name: str, expected: str, a: np.ndarray) -> ValueError:
    return ValueError(f"{where}: {name} must have shape {expected}, got {a.shape}")


def _check_lists(where, idx_name, idx, deg_name, deg, n, payload_name, payload, min_payload):
    """Per-row lists ``idx[i, :deg[i]]`` (neuron indices) with their payloads.

    Inside a row's degree: indices in [0, n), not the row's own neuron, no
    duplicate, payloads >= ``min_payload``; beyond it: -1. Returns the (row,
    index, payload) triples of the entries.
    """
    width = idx.shape[1]
    if width < 1:
        raise ValueError(
            f"{where}: {idx_name} has width 0 (no slot per neuron); at least 1 is needed"
        )
    if deg.size and (deg.min() < 0 or deg.max() > width):
        i = _first((deg < 0) | (deg > width))[0]
        raise ValueError(f"{where}: {deg_name}[{i}] = {deg[i]} is not within [0, {width}]")
    inside = np.arange(width)[None, :] < deg[:, None]
    rows = np.broadcast_to(np.arange(n)[:, None], idx.shape)
    bad = inside & ((idx < 0) | (idx >= n))
    if bad.any():
        i, k = _first(bad)
        raise ValueError(
            f"{where}: {idx_name}[{i}, {k}] = {idx[i, k]} is not a neuron index in [0, {n})"
        )
    bad = inside & (idx == rows)
    if bad.any():
        i, k = _first(bad)
        raise ValueError(f"{where}: {idx_name}[{i}, {k}] links neuron {i} to itself")
    bad = ~inside & (idx != -1)
    if bad.any():
        i, k = _first(bad)
        raise ValueError(
            f"{where}: {idx_name}[{i}, {k}] = {idx[i, k]} lies beyond {deg_name}[{i}] = "
            f"{deg[i]} and must be -1"
        )
    r, c, pay = rows[inside].astype(np.int64), idx[inside].astype(np.int64), payload[inside]
    keys = r * n + c
    unique, counts = np.unique(keys, return_counts=True)
    if (counts > 1).any():
        key = int(unique[np.argmax(counts > 1)])
        raise ValueError(
            f"{where}: {idx_name} lists neuron {key % n} more than once in row {key // n}"
        )
    bad = inside & (payload < min_payload)
    if bad.any():
        i, k = _first(bad)
        raise ValueError(
            f"{where}: {payload_name}[{i}, {k}] = {payload[i, k]} must be >= {min_payload}"
        )
    return r, c, pay


def _check_symmetric(where: str, r: np.ndarray, c: np.ndarray, ages: np.ndarray, n: int) -> None:
    """Every edge i-j stored in both rows, with equal ages."""
    forward = r * n + c
    backward = c * n + r
    missing = ~np.isin(forward, backward)
    if missing.any():
        i, j = int(r[missing][0]), int(c[missing][0])
        raise ValueError(
            f"{where}: nbr holds the edge {i}-{j} in row {i} but not in row {j} "
            "(every edge is stored in both rows)"
        )
    f_order, b_order = np.argsort(forward), np.argsort(backward)
    differ = ages[f_order] != ages[b_order]
    if differ.any():
        k = f_order[np.argmax(differ)]
        i, j = int(r[k]), int(c[k])
        raise ValueError(
            f"{where}: age differs between the two copies of the edge {i}-{j} "
            f"({ages[k]} in row {i}, {ages[b_order][np.argmax(differ)]} in row {j})"
        )


def _check_floats(where: str, name: str, a: np.ndarray, limit: float | None) -> None:
    if not np.isfinite(a).all():
        index = _first(~np.isfinite(a))
        raise ValueError(f"{where}: {name}{list(index)} = {a[index]} is not finite")
    if limit is not None and a.size and np.abs(a).max() > limit:
        index = _first(np.abs(a) > limit)
        raise ValueError(
            f"{where}: {name}{list(index)} = {a[index]:.6g} is beyond the largest magnitude "
            f"{limit:.6g} for distances in float64 (sqrt(DBL_MAX / n_features) / 4)"
        )


def checked_arrays(arrays: dict, prefix: str, where: str, net, n_features: int) -> dict:
    """The arrays of one saved network, every one checked (see the module's
    docstring), as the state's dtypes; ``net`` holds the checked parameters."""
    a = {name: _typed(arrays, prefix, name, where) for name in _FLOAT_ARRAYS + _INT_ARRAYS}
    depth = int(net.n_context) + 1
    W = a["W"]
    expected = f"(n_neurons, {depth}, {n_features}) (n_context={net.n_context})"
    if W.ndim != 3 or W.shape[1:] != (depth, n_features):
        raise _shape_error(where, "W", expected, W)
    n = W.shape[0]
    if n < 2:
        raise ValueError(f"{where}: W holds {n} neuron(s); a network has at least 2")
    # n > max_neurons is no damage: set_params can lower max_neurons after training
    # (the network then inserts no neuron until it has fewer)
    for name in ("h", "deg", "tdeg"):
        if a[name].shape != (n,):
            raise _shape_error(where, name, f"({n},)", a[name])
    for name, partner in (("L", None), ("nbr", "age"), ("tidx", "tcnt")):
        if a[name].ndim != 2 or a[name].shape[0] != n:
            raise _shape_error(where, name, f"({n}, width)", a[name])
        if partner and a[partner].shape != a[name].shape:
            raise _shape_error(where, partner, f"{a[name].shape}, as {name}", a[partner])
    if a["ctx_prev"].shape != (depth, n_features):
        raise _shape_error(where, "ctx_prev", f"({depth}, {n_features})", a["ctx_prev"])
    if a["counters"].shape != (K.N_COUNTERS,):
        raise _shape_error(where, "counters", f"({K.N_COUNTERS},)", a["counters"])

    limit = max_magnitude(n_features)
    _check_floats(where, "W", W, limit)
    _check_floats(where, "ctx_prev", a["ctx_prev"], limit)
    _check_floats(where, "h", a["h"], None)
    _check_floats(where, "L", a["L"], None)
    h = a["h"]
    if ((h < 0.0) | (h > 1.0)).any():
        i = _first((h < 0.0) | (h > 1.0))[0]
        raise ValueError(f"{where}: h[{i}] = {h[i]} is not a habituation within [0, 1]")
    if (a["L"] < 0.0).any():
        i, c = _first(a["L"] < 0.0)
        raise ValueError(f"{where}: L[{i}, {c}] = {a['L'][i, c]} is a negative label count")

    r, c, ages = _check_lists(where, "nbr", a["nbr"], "deg", a["deg"], n, "age", a["age"], 0)
    _check_symmetric(where, r, c, ages, n)
    _check_lists(where, "tidx", a["tidx"], "tdeg", a["tdeg"], n, "tcnt", a["tcnt"], 1)

    counters = a["counters"]
    names = {
        K.N_SLOTS: "N_SLOTS",
        K.N_LIVE: "N_LIVE",
        K.PREV: "PREV",
        K.EPOCH: "EPOCH",
        K.POS: "POS",
        K.N_REMOVED: "N_REMOVED",
        K.N_INSERTED: "N_INSERTED",
        K.HAS_CONTEXT: "HAS_CONTEXT",
    }
    rules = {
        K.N_SLOTS: (n, n, f"{n}, the number of neurons"),
        K.N_LIVE: (n, n, f"{n}, the number of neurons"),
        K.N_REMOVED: (0, 0, "0 (a saved network is compacted)"),
        K.PREV: (-1, n - 1, f"a neuron index in [0, {n}) or -1"),
        K.HAS_CONTEXT: (0, 1, "0 or 1"),
    }
    for i in range(K.N_COUNTERS):
        low, high, text = rules.get(i, (0, _INT64_MAX, ">= 0"))
        if not low <= counters[i] <= high:
            raise ValueError(f"{where}: counters[{i}] ({names[i]}) = {counters[i]} must be {text}")
    return a


def _restore(net, a: dict, n_features: int, quantization_error: list) -> None:
    """Give ``net`` the state held by the checked arrays ``a``."""
    n = a["W"].shape[0]
    state = NetworkState(n_features, int(net.n_context), max(2 * n, 16), a["L"].shape[1])
    state.nbr = np.full((state.capacity, a["nbr"].shape[1]), -1, np.int32)
    state.age = np.zeros_like(state.nbr)
    state.tidx = np.full((state.capacity, a["tidx"].shape[1]), -1, np.int32)
    state.tcnt = np.zeros_like(state.tidx)
    for name in _ROW_ARRAYS:
        getattr(state, name)[:n] = a[name]
    state.sync_search_copy(0, n)
    state.alive[:n] = 1
    state.ctx_prev[:] = a["ctx_prev"]
    state.counters[:] = a["counters"]
    net.set_network_state(state, n_features, quantization_error)


def load_networks(path, kind: str, prefixes: tuple[str, ...] = ("",)) -> tuple[dict, dict]:
    """Networks saved by :func:`save_networks` as ``kind`` under exactly the
    given prefixes, by prefix, and the owner's saved parameters (unchecked, a
    JSON object) in one read of the file. Everything is checked before a network
    is built; any problem is a ValueError."""
    from .network import GammaGWR

    header, arrays = read_header(path)
    if header.get("kind") != kind:
        raise ValueError(f"{path} holds a {header.get('kind')}, not a {kind}")
    networks = header.get("networks")
    if not isinstance(networks, dict):
        raise ValueError(
            f"{path}: the header's networks must be a JSON object, got {_brief(networks)}"
        )
    if set(networks) != set(prefixes):
        raise ValueError(
            f"{path}: a saved {kind} holds the networks {sorted(prefixes)}, "
            f"this file {sorted(networks)}"
        )
    owner_params = header.get("params", {})
    if not isinstance(owner_params, dict):
        raise ValueError(
            f"{path}: the header's params must be a JSON object, got {_brief(owner_params)}"
        )
    checked = {}
    for prefix in prefixes:
        where = f"{path}: {_label(prefix)}"
        info = networks[prefix]
        if not isinstance(info, dict):
            raise ValueError(f"{where}: its header entry must be a JSON object, got {_brief(info)}")
        n_features = info.get("n_features")
        if isinstance(n_features, bool) or not isinstance(n_features, int) or n_features < 1:
            raise ValueError(
                f"{where}: n_features must be a positive integer, got {_brief(n_features)}"
            )
        qerr = info.get("quantization_error")
        if not isinstance(qerr, list) or not all(_is_finite_number(v) for v in qerr):
            raise ValueError(
                f"{where}: quantization_error must be a list of finite numbers, got {_brief(qerr)}"
            )
        net = checked_params(GammaGWR, info.get("params"), where)
        checked[prefix] = net, checked_arrays(arrays, prefix, where, net, n_features), qerr
    nets = {}
    for prefix, (net, a, qerr) in checked.items():
        _restore(net, a, a["W"].shape[2], qerr)
        nets[prefix] = net
    return nets, owner_params
