"""What the command lines of :mod:`clifer.experiment` and :mod:`clifer.tune` share: the
options that say how cells run, and the way errors reach the user."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable


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
