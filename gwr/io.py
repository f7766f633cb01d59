"""Saving and loading networks: one ``.npz`` file, read with ``allow_pickle=False``.

The file holds a JSON header (``header``: format name and version, the kind of
object, parameters, counters) and, for each network in it, its arrays under a
prefix (``episodic.W``, ...; no prefix for a single network). Everything a
network needs to continue training exactly where it stopped is in it: weights,
habituation, labels, the adjacency and temporal-synapse lists with their slot
layout, the stream's previous winner and context.
"""

from __future__ import annotations

import json
import numbers
import zipfile
from pathlib import Path

import numpy as np

from . import _kernels as K
from ._state import NetworkState

FORMAT = "gwr-toolkit"
FORMAT_VERSION = 1
_ROW_ARRAYS = ("W", "h", "L", "nbr", "age", "deg", "tidx", "tcnt", "tdeg")


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
        state = net._check_fitted()
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
    try:
        header = json.loads(str(arrays.pop("header")))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: the header is not valid JSON: {exc}") from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ValueError(f"{path} is not a saved gwr network (format {FORMAT!r} expected)")
    version = header.get("format_version")
    if version != FORMAT_VERSION:
        raise ValueError(
            f"{path} has format version {version}; this gwr-toolkit reads version {FORMAT_VERSION}"
        )
    return header, arrays


def _restore(net, arrays: dict, prefix: str, info: dict) -> None:
    try:
        rows = {name: arrays[_key(prefix, name)] for name in _ROW_ARRAYS}
        ctx_prev = arrays[_key(prefix, "ctx_prev")]
        counters = arrays[_key(prefix, "counters")]
    except KeyError as exc:
        raise ValueError(f"the saved network {prefix or '(main)'} lacks the array {exc}") from exc
    n = rows["W"].shape[0]
    n_features = int(info["n_features"])
    depth = int(net.n_context) + 1
    ok = (
        rows["W"].shape == (n, depth, n_features)
        and all(a.shape[0] == n for a in rows.values())
        and counters.shape == (K.N_COUNTERS,)
        and int(counters[K.N_SLOTS]) == n
        and ctx_prev.shape == (depth, n_features)
    )
    if not ok:
        raise ValueError(f"the saved network {prefix or '(main)'} has inconsistent array shapes")
    state = NetworkState(n_features, int(net.n_context), max(2 * n, 16), rows["L"].shape[1])
    state.nbr = np.full((state.capacity, rows["nbr"].shape[1]), -1, np.int32)
    state.age = np.zeros_like(state.nbr)
    state.tidx = np.full((state.capacity, rows["tidx"].shape[1]), -1, np.int32)
    state.tcnt = np.zeros_like(state.tidx)
    for name, a in rows.items():
        getattr(state, name)[:n] = a
    state.W32[:n] = state.W[:n]
    state.alive[:n] = 1
    state.ctx_prev[:] = ctx_prev
    state.counters[:] = counters
    net._state = state
    net.n_features_in_ = n_features
    net.quantization_error_ = np.asarray(info.get("quantization_error", []), float)


def load_networks(path, kind: str) -> tuple[dict, dict]:
    """Networks saved by :func:`save_networks` as ``kind``, by prefix, and the
    owner's saved parameters (one read of the file)."""
    from .network import GammaGWR

    header, arrays = read_header(path)
    if header.get("kind") != kind:
        raise ValueError(f"{path} holds a {header.get('kind')}, not a {kind}")
    nets = {}
    for prefix, info in header["networks"].items():
        net = GammaGWR(**info["params"])
        _restore(net, arrays, prefix, info)
        nets[prefix] = net
    return nets, header.get("params", {})
