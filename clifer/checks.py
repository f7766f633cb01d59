"""Checks of settings where they are read: each error names the field, the value it got
and what is allowed, so that a bad config file or option stops a command before any work.

The field names are given as the user writes them (``learner.episode_epochs``,
``objective.metric``); callers that nest settings prefix the errors of the inner ones
with :func:`prefixed`.
"""

from __future__ import annotations

import contextlib
import difflib
import math
import numbers
from collections.abc import Iterable, Iterator
from typing import Any


def whole(value: Any, name: str, minimum: int = 1) -> int:
    """``value`` as an int, if it is a whole number (not a bool) at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}, got {value!r}")
    return int(value)


def number(
    value: Any,
    name: str,
    low: float | None = None,
    high: float | None = None,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """``value`` as a float, if it is a finite real number (not a bool) within the bounds
    (``low_open``/``high_open``: the bound itself is excluded)."""
    if low is not None and high is not None:
        allowed = f"in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
    elif low is not None:
        allowed = f"{'>' if low_open else '>='} {low}"
    elif high is not None:
        allowed = f"{'<' if high_open else '<='} {high}"
    else:
        allowed = "finite"
    message = f"{name} must be a number {allowed}, got {value!r}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(message)
    v = float(value)
    if low is not None and (v < low or (low_open and v == low)):
        raise ValueError(message)
    if high is not None and (v > high or (high_open and v == high)):
        raise ValueError(message)
    return v


def one_of(value: Any, name: str, choices: Iterable[Any]) -> Any:
    """``value``, if it is one of ``choices``."""
    choices = list(choices)
    if isinstance(value, bool) or value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")
    return value


def flag(value: Any, name: str) -> bool:
    """``value``, if it is True or False."""
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be true or false, got {value!r}")
    return value


def table(value: Any, name: str) -> dict:
    """``value``, if it is a table (a dict with string keys)."""
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise ValueError(f"{name} must be a table of settings, got {value!r}")
    return value


def known_keys(keys: Iterable[str], known: Iterable[str], owner: str, what: str = "fields") -> None:
    """An error naming the keys of ``keys`` not in ``known``, each with the nearest known
    one: "``owner`` has no ``what`` [...]"."""
    known = sorted(known)
    unknown = sorted(set(keys) - set(known))
    if not unknown:
        return
    hints = []
    for key in unknown:
        near = difflib.get_close_matches(key, known, n=1)
        if near:
            hints.append(f"{key!r}: did you mean {near[0]!r}?")
    hint = f" ({'; '.join(hints)})" if hints else ""
    raise ValueError(f"{owner} has no {what} {unknown}{hint}; known: {known}")


@contextlib.contextmanager
def prefixed(prefix: str) -> Iterator[None]:
    """Re-raise a ValueError from inside with ``prefix`` before its message (the field's
    path: ``learner.`` for the learner's settings)."""
    try:
        yield
    except ValueError as error:
        raise ValueError(f"{prefix}{error}") from error
