"""What the command lines of :mod:`clifer.experiment` and :mod:`clifer.tune` share: the
options that say how cells run, and the way errors reach the user."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any


def positive_int(text: str) -> int:
    """An argparse type: a whole number >= 1 (checked before any work)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {text!r}")
    return value


def positive_float(text: str) -> float:
    """An argparse type: a finite number > 0."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number > 0, got {text!r}")
    return value


def loader_option(text: str) -> tuple[str, Any]:
    """An argparse type for ``--loader KEY=VALUE``: a loader option and its value (an int
    or a number when it reads as one, else the text)."""
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or not key.isidentifier():
        raise argparse.ArgumentTypeError(f"must be KEY=VALUE (e.g. faces=whole), got {text!r}")
    value = value.strip()
    for kind in (int, float):
        try:
            return key, kind(value)
        except ValueError:
            pass
    return key, value


def add_loader_option(parser: argparse.ArgumentParser) -> None:
    """``--loader KEY=VALUE``, repeatable: options of a real dataset's loader."""
    parser.add_argument("--loader", type=loader_option, action="append", metavar="KEY=VALUE",
                        help="an option of the dataset's loader, e.g. faces=whole for face "
                        "crops in the own layout, detector=haar (repeatable)")


def add_running_options(parser: argparse.ArgumentParser) -> None:
    """``--jobs``, ``--scheduler`` and ``--quiet``: how the cells run (not what they compute)."""
    parser.add_argument("--jobs", type=positive_int, default=1, help="local worker processes")
    parser.add_argument("--scheduler", help="a Dask scheduler address (tcp://host:8786)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run_command(parser: argparse.ArgumentParser, run: Callable[[argparse.Namespace], int],
                argv: list[str] | None) -> int:
    """Parse ``argv`` and call ``run``; bad input (a ValueError, a missing file, a folder
    that cannot be written) is one line on stderr and exit status 2."""
    args = parser.parse_args(argv)
    try:
        return run(args)
    except (ValueError, FileNotFoundError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
