"""The options the command lines of :mod:`clifer.experiment` and :mod:`clifer.tune`
share: how cells run (``--jobs``, ``--scheduler``, ``--quiet``), a real dataset's
loader options (``--loader KEY=VALUE``) and the imagination model (``--imagination``).
Parsing, errors and Ctrl-C are those of every command of the project
(:func:`facedata.commandline.run_command`)."""

from __future__ import annotations

import argparse
from typing import Any

from facedata.commandline import KeyValues, positive_int


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
    """``--loader KEY=VALUE``, repeatable: options of a real dataset's loader (a dict,
    added to the configuration's ``loader`` table)."""
    parser.add_argument(
        "--loader",
        type=loader_option,
        action=KeyValues,
        metavar="KEY=VALUE",
        help="an option of the dataset's loader, e.g. faces=whole for face crops in the own "
        "layout, detector=haar (repeatable)",
    )


def add_imagination_option(parser: argparse.ArgumentParser) -> None:
    """``--imagination``: the imagination model the cells run (it sets the experiment's
    ``imagination`` field; not given, the configuration's value stands)."""
    parser.add_argument(
        "--imagination",
        help="a .keras imagination model (default: the "
        "shipped cpu model for the synthetic faces, real for real datasets)",
    )


def add_running_options(parser: argparse.ArgumentParser) -> None:
    """``--jobs``, ``--scheduler`` and ``--quiet``: how the cells run (not what they compute)."""
    parser.add_argument("--jobs", type=positive_int, default=1, help="local worker processes")
    parser.add_argument("--scheduler", help="a Dask scheduler address (tcp://host:8786)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
