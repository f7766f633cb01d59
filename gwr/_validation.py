"""Checks at the public boundary: what was expected and what came."""

from __future__ import annotations

import numbers

import numpy as np


def check_features(X, n_features: int | None = None, *, name: str = "X") -> np.ndarray:
    """A finite, non-empty 2-D float64 array, with ``n_features`` columns if given."""
    if isinstance(X, (str, bytes)):
        raise TypeError(f"{name} must be a 2-D array of numbers, got {type(X).__name__}")
    try:
        arr = np.asarray(X)
    except Exception as exc:  # ragged nested lists and the like
        raise ValueError(f"{name} must be a 2-D array of numbers: {exc}") from exc
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise TypeError(f"{name} must hold numbers, got an array of dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if arr.ndim != 2:
        hint = " (use X.reshape(1, -1) for a single sample)" if arr.ndim == 1 else ""
        raise ValueError(f"{name} must be 2-D (n_samples, n_features), got shape {arr.shape}{hint}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty: got 0 samples, shape {arr.shape}")
    if arr.shape[1] == 0:
        raise ValueError(f"{name} has 0 features, shape {arr.shape}")
    if n_features is not None and arr.shape[1] != n_features:
        raise ValueError(
            f"{name} has {arr.shape[1]} features, but this network was trained with "
            f"{n_features} features"
        )
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    if not np.isfinite(arr).all():
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(
            f"{name} must be finite: found {arr[tuple(bad)]} at row {bad[0]}, column {bad[1]}"
        )
    return arr


def check_labels(y, n_samples: int, *, name: str = "y") -> np.ndarray:
    """Integer labels >= -1 (-1: unlabelled), one per sample, as int64."""
    if y is None:
        return np.full(n_samples, -1, np.int64)
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    if arr.shape[0] != n_samples:
        raise ValueError(f"{name} has {arr.shape[0]} labels but X has {n_samples} samples")
    if arr.dtype == np.bool_ or not (
        np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)
    ):
        raise TypeError(
            f"{name} must hold integer class ids (-1 for unlabelled), got dtype {arr.dtype}"
        )
    if np.issubdtype(arr.dtype, np.floating):
        if not np.isfinite(arr).all() or (arr != np.round(arr)).any():
            raise ValueError(f"{name} must hold whole-number class ids, got {arr[:5]}...")
    out = arr.astype(np.int64)
    if (out < -1).any():
        raise ValueError(f"{name} must hold class ids >= 0, or -1 for unlabelled; got {out.min()}")
    return out


def check_positive_int(value, name: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def check_number(
    value, name: str, low: float | None = None, high: float | None = None, low_open: bool = False
) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r}")
    v = float(value)
    if not np.isfinite(v):
        raise ValueError(f"{name} must be finite, got {value}")
    if low is not None and (v < low or (low_open and v == low)):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low}, got {value}")
    if high is not None and v > high:
        raise ValueError(f"{name} must be <= {high}, got {value}")
    return v
