"""What every command line of the project shares: argparse types, the way a flag
overrides a configuration's field, and :func:`run_command`, the one way a command
parses its arguments and reports bad input and Ctrl-C.

The commands (``python -m facedata``, ``imagination.train``, ``imagination.evaluate``,
``clifer.experiment``, ``clifer.tune``, ``clifer.personal``, and their entry points
``facedata``, ``imagination-train``, ... of ``pyproject.toml``) all end in::

    def main(argv=None):
        return run_command(build_parser(), run, argv)

so that they behave alike: ``--verbose`` (without it TensorFlow's start-up lines are
kept off stderr, :mod:`facedata._quiet`); bad input is one line ``error: ...`` on
stderr and exit status 2; Ctrl-C is one line and exit status 130. It lives at the
bottom of the packages (facedata imports neither imagination nor clifer) so that all
three can use it.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import signal
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ._quiet import follow_parent as follow_parent  # for worker processes of a command
from ._quiet import parse_args

#: The exit status of a command stopped by Ctrl-C (128 + SIGINT, as a shell reports it).
INTERRUPTED = 130
#: The exit status of a command refused for bad input (argparse's own for a bad option).
BAD_INPUT = 2
#: The errors that mean bad input (a value, a type, a file or folder that is missing or
#: cannot be written): reported in one line, without a traceback. A video that cannot
#: be read (:class:`facedata.video.VideoError`) is one too.
INPUT_ERRORS: tuple[type[BaseException], ...] = (ValueError, TypeError, OSError)


class Interrupted(Exception):
    """A command stopped by Ctrl-C after keeping what it had done; the message says
    what is kept (e.g. "7 of 30 cells kept in results/x"). :func:`run_command` prints
    it in one line with the way to resume, and exits with status 130."""


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


def prog(script: str, module: str) -> str:
    """The name a command's usage line shows: ``script`` when it was started by its
    entry point (``clifer-experiment``), else ``python -m module``."""
    return script if Path(sys.argv[0]).name == script else f"python -m {module}"


def _input_errors() -> tuple[type[BaseException], ...]:
    """:data:`INPUT_ERRORS`, and VideoError once the video module is loaded (it imports
    OpenCV; a command that never loaded it cannot have raised it)."""
    video = sys.modules.get("facedata.video")
    return INPUT_ERRORS + ((video.VideoError,) if video is not None else ())


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


def run_command(
    parser: argparse.ArgumentParser,
    run: Callable[[argparse.Namespace], int],
    argv: list[str] | None = None,
) -> int:
    """Parse ``argv`` (with ``--verbose``: without it, TensorFlow's start-up messages
    are kept off stderr) and return ``run(args)``'s exit status. Bad input
    (:data:`INPUT_ERRORS`, a video that cannot be read) is one line ``error: ...`` on
    stderr and exit status 2; Ctrl-C is one line (:class:`Interrupted`'s, or
    "interrupted") and exit status 130. A bad option is argparse's own message and
    SystemExit(2)."""
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
    except Exception as error:
        if not isinstance(error, _input_errors()):
            raise
        print(f"error: {error}", file=sys.stderr)
        return BAD_INPUT


def flag_values(args: argparse.Namespace, fields: Mapping[str, str]) -> dict[str, Any]:
    """``{field: value}`` of each flag of ``fields`` (``{flag: field}``, the flag as
    argparse names it: ``batch_size`` for ``--batch-size``) that was given: a flag left
    at None means "the configuration's value"."""
    return {
        field: getattr(args, flag)
        for flag, field in fields.items()
        if getattr(args, flag) is not None
    }


def with_values(config: Any, values: Mapping[str, Any]) -> Any:
    """``config`` (a dataclass, or a dict) with ``values`` (``{field: value}``) set, in one
    call of the configuration's own ``replace`` if it has one, else of
    :func:`dataclasses.replace` (so that it is checked once, with all of them). A dotted
    field (``objective.metric``) sets a field of a nested dataclass or dict; a dict value
    given for a dict field is merged into it (a repeatable ``KEY=VALUE`` option adds to
    the configuration's table rather than replacing it). Without values, ``config``
    itself."""
    if not values:
        return config
    own: dict[str, Any] = {}
    nested: dict[str, dict[str, Any]] = {}
    for name, value in values.items():
        head, dot, rest = name.partition(".")
        if dot:
            nested.setdefault(head, {})[rest] = value
        else:
            own[name] = value
    current = dict(config) if isinstance(config, dict) else None
    for name, value in list(own.items()):
        old = current.get(name) if current is not None else getattr(config, name, None)
        if isinstance(value, dict) and isinstance(old, dict):
            own[name] = {**old, **value}
    for head, inner in nested.items():
        old = current.get(head, {}) if current is not None else getattr(config, head)
        own[head] = with_values({} if old is None else old, inner)
    if current is not None:
        return {**current, **own}
    replace = getattr(config, "replace", None)  # the configuration's own rules, if it has them
    return replace(**own) if callable(replace) else dataclasses.replace(config, **own)


def with_flags(
    config: Any, args: argparse.Namespace, fields: Mapping[str, str], **values: Any
) -> Any:
    """``config`` with the flags of ``fields`` that were given (:func:`flag_values`)
    set on their fields (:func:`with_values`), and ``values`` where no flag sets the
    field."""
    return with_values(config, {**values, **flag_values(args, fields)})


class KeyValues(argparse.Action):
    """A repeatable ``--option KEY=VALUE`` whose ``type`` gives ``(key, value)`` pairs:
    the option's value is the dict of them (later keys win), None when not given."""

    def __call__(self, parser, namespace, values, option_string=None):
        key, value = values
        setattr(namespace, self.dest, {**(getattr(namespace, self.dest) or {}), key: value})
