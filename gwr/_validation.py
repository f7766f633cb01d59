"""Checks at the public boundary: what was expected and what came."""

from __future__ import annotations

import math
import numbers
import sys

import numpy as np

INT32_MAX = 2**31 - 1  # neuron indices, edge ages and max_age are int32 in the kernels


class InvalidParameterError(ValueError, TypeError):
    """A parameter of an estimator (or of a method) has a bad type or value.

    Subclasses both ValueError and TypeError, as scikit-learn's does, so that code
    expecting either keeps working. ``parameter`` is the estimator's own name of
    the parameter, ``value`` what it was given; the message reads
    ``"<parameter> must be <allowed>, got <value>"``.
    """

    def __init__(self, parameter: str, value, allowed: str, detail: str | None = None):
        self.parameter = parameter
        self.value = value
        self.allowed = allowed
        self.detail = detail
        message = f"{parameter} must be {allowed}, got {_shown(value)}"
        super().__init__(f"{message} ({detail})" if detail else message)

    def __reduce__(self):
        # rebuilt from its fields (the default would pass the message alone), so
        # that it crosses process boundaries (joblib, multiprocessing) intact
        return type(self), (self.parameter, self.value, self.allowed, self.detail)


class NotFittedError(ValueError, AttributeError):
    """The estimator was used before it was trained (scikit-learn's meaning)."""


def check_is_fitted(estimator) -> None:
    """Raise :class:`NotFittedError` unless ``estimator`` is trained, as its
    ``__sklearn_is_fitted__`` says (scikit-learn's protocol)."""
    if not estimator.__sklearn_is_fitted__():
        raise NotFittedError(
            f"this {type(estimator).__name__} is not trained yet; call fit or partial_fit first"
        )


def _shown(value) -> str:
    """A value as a message shows it: strings quoted, arrays by their shape."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, (np.ndarray, list, tuple)):
        try:
            return f"{type(value).__name__} of shape {np.shape(value)}"
        except ValueError:  # ragged nested lists
            return f"a ragged {type(value).__name__}"
    return str(value)


def max_magnitude(n_features: int) -> float:
    """The largest ``|value|`` that inputs and weights of ``n_features`` features may have.

    Every weight is a convex combination of inputs seen (an insertion takes
    ``0.5 * (W_b + C)``, an update ``W += rate * (C - W)`` with ``rate <= 1``, a
    context level blends two levels of a winner's weights), so no ``|w|`` exceeds
    the largest ``|x|`` given (up to a few units of rounding). With every
    ``|value| <= M = sqrt(DBL_MAX / D) / 4``, a squared distance of one context
    level is at most ``D (2M)^2 = DBL_MAX / 4``, and the batched search's
    ``||x||^2 + 2 |x.w| + ||w||^2`` at most ``4 D M^2``, the same: both stay finite
    in float64. The context depth does not enter: each level's distance is
    summed over the D features alone, and the levels are weighted by
    coefficients that sum to 1.
    """
    return math.sqrt(sys.float_info.max / n_features) / 4.0


def check_magnitude(peak: float, n_features: int, what: str) -> None:
    """Refuse a largest magnitude ``peak`` too large for distances in float64
    (see :func:`max_magnitude`); ``what`` names the data in the message."""
    limit = max_magnitude(n_features)
    if peak > limit:
        raise ValueError(
            f"{what} holds values too large for the distances to the neurons to be "
            f"represented in float64: the largest magnitude is {peak:.6g}, the limit for "
            f"{n_features} features is {limit:.6g} (sqrt(DBL_MAX / n_features) / 4); "
            "rescale or standardise the data"
        )


def check_features(
    X, n_features: int | None = None, *, name: str = "X", owner: str = "the network"
) -> np.ndarray:
    """A finite, non-empty 2-D float64 array, with ``n_features`` columns if given
    (the number ``owner``, named in the message, was trained with), whose values
    are within :func:`max_magnitude` for its number of features."""
    if isinstance(X, (str, bytes)):
        raise TypeError(f"{name} must be a 2-D array of numbers, got {type(X).__name__}")
    if type(X).__module__.startswith("scipy.sparse"):
        raise TypeError(
            f"{name} is a sparse {type(X).__name__}: sparse input is not supported, "
            "pass a dense array (X.toarray())"
        )
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
        hint = (
            f". Reshape your data with {name}.reshape(1, -1) for a single sample"
            if arr.ndim == 1
            else ""
        )
        raise ValueError(f"{name} must be 2-D (n_samples, n_features), got shape {arr.shape}{hint}")
    if arr.shape[0] == 0:
        raise ValueError(
            f"{name} is empty: {name} has 0 sample(s) (shape={arr.shape}) while a minimum "
            "of 1 is required."
        )
    if arr.shape[1] == 0:
        raise ValueError(
            f"{name} has 0 feature(s) (shape={arr.shape}) while a minimum of 1 is required."
        )
    if n_features is not None and arr.shape[1] != n_features:
        raise ValueError(
            f"{name} has {arr.shape[1]} features, but {owner} is expecting {n_features} "
            "features as input (the number it was trained with)"
        )
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    hi, lo = float(arr.max()), float(arr.min())  # NaN if any value is NaN
    if not (math.isfinite(hi) and math.isfinite(lo)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(
            f"{name} must be finite (no NaN or inf): found {arr[tuple(bad)]} at row {bad[0]}, "
            f"column {bad[1]}"
        )
    check_magnitude(max(hi, -lo), arr.shape[1], name)
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
            raise ValueError(
                f"{name} must hold whole-number class ids, got continuous values {arr[:5]}..."
            )
    out = arr.astype(np.int64)
    if (out < -1).any():
        raise ValueError(f"{name} must hold class ids >= 0, or -1 for unlabelled; got {out.min()}")
    return out


def check_classes(classes, *, name: str = "classes") -> int:
    """Class ids >= 0 (None: none); returns how many label columns they need."""
    if classes is None:
        return 0
    arr = np.asarray(classes)
    ids = check_labels(arr, arr.shape[0] if arr.ndim else -1, name=name)
    if ids.size and ids.min() < 0:
        raise ValueError(f"{name} must hold class ids >= 0, got {ids.min()}")
    return int(ids.max()) + 1 if ids.size else 0


def check_stream_starts(starts, n_samples: int, *, name: str = "stream_starts") -> np.ndarray:
    """One bool per sample (True: the sample starts a new input stream), as numpy
    bools; None: no sample does."""
    if starts is None:
        return np.zeros(n_samples, np.bool_)
    arr = np.asarray(starts)
    if arr.dtype != np.bool_:
        raise TypeError(f"{name} must hold True or False, got dtype {arr.dtype}")
    if arr.shape != (n_samples,):
        raise ValueError(
            f"{name} must have one entry per sample, shape ({n_samples},), got shape {arr.shape}"
        )
    return np.ascontiguousarray(arr)


def check_positive_int(value, name: str, minimum: int = 1, maximum: int | None = None) -> int:
    """An integer (not a bool) within ``[minimum, maximum]``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidParameterError(name, value, "an integer")
    if value < minimum:
        raise InvalidParameterError(name, value, f">= {minimum}")
    if maximum is not None and value > maximum:
        raise InvalidParameterError(name, value, f"<= {maximum}")
    return int(value)


def check_number(
    value, name: str, low: float | None = None, high: float | None = None, low_open: bool = False
) -> float:
    """A finite real number (not a bool) within ``[low, high]`` (``(low, high]`` if
    ``low_open``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidParameterError(name, value, "a number")
    v = float(value)
    if not math.isfinite(v):
        raise InvalidParameterError(name, value, "finite")
    if low is not None and (v < low or (low_open and v == low)):
        raise InvalidParameterError(name, value, f"{'>' if low_open else '>='} {low}")
    if high is not None and v > high:
        raise InvalidParameterError(name, value, f"<= {high}")
    return v


def check_bool(value, name: str) -> bool:
    """True or False (numpy's bool too)."""
    if not isinstance(value, (bool, np.bool_)):
        raise InvalidParameterError(name, value, "True or False")
    return bool(value)


def check_choice(value, name: str, choices: tuple) -> None:
    """One of ``choices`` (compared with ``==``, strings only)."""
    if not isinstance(value, str) or value not in choices:
        raise InvalidParameterError(name, value, f"one of {choices}")


def check_random_state(value, name: str = "random_state") -> None:
    """Something ``numpy.random.default_rng`` accepts: None, an int >= 0, a
    SeedSequence, BitGenerator or Generator (the Generator is not consumed)."""
    if isinstance(value, bool):
        raise InvalidParameterError(name, value, "None, an int >= 0 or a numpy Generator")
    if value is None or isinstance(value, np.random.Generator):
        return
    if isinstance(value, numbers.Integral) and value >= 0:
        return
    try:
        np.random.default_rng(value)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(name, value, "None, an int >= 0 or a numpy Generator") from exc
