"""What the command lines of :mod:`clifer.experiment`, :mod:`clifer.tune` and
:mod:`clifer.personal` share: the options that say how cells run, ``--verbose``
(TensorFlow's start-up messages, :mod:`facedata._quiet`), and the way errors and an
interruption (Ctrl-C) reach the user."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

from facedata._quiet import parse_args
from facedata.argtypes import positive_int

#: The exit status of a command stopped by Ctrl-C (128 + SIGINT, as a shell reports it).
INTERRUPTED = 130


class Interrupted(Exception):
    """A command stopped by Ctrl-C after keeping what it had done; the message says
    what is kept (e.g. "7 of 30 cells kept in results/x"). :func:`run_command` prints
    it in one line with the way to resume, and exits with status 130."""


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


@contextlib.contextmanager
def interrupted_once():
    """The first Ctrl-C raises KeyboardInterrupt as usual; later ones are ignored
    until the block ends, so that stopping the workers and counting what is kept
    (which leaves no semaphore or worker behind) is not itself cut short. Outside
    the main thread, nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def first(signum, frame):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, first)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def run_command(parser: argparse.ArgumentParser, run: Callable[[argparse.Namespace], int],
                argv: list[str] | None) -> int:
    """Parse ``argv`` (with ``--verbose``: without it, TensorFlow's start-up messages
    are kept off stderr) and call ``run``; bad input (a ValueError, a missing file, a
    folder that cannot be written) is one line on stderr and exit status 2; Ctrl-C is
    one line (:class:`Interrupted`'s, or "interrupted") and exit status 130."""
    args = parse_args(parser, argv)
    try:
        with interrupted_once():
            return run(args)
    except Interrupted as stop:
        print(f"interrupted: {stop}; run the same command to resume", file=sys.stderr)
        return INTERRUPTED
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return INTERRUPTED
    except (ValueError, FileNotFoundError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
