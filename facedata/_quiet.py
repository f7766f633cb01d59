"""TensorFlow's start-up messages kept off the command lines' stderr; ``--verbose`` keeps them.

Every command line of the project (``python -m facedata``, ``imagination.train``,
``imagination.evaluate``, ``clifer.experiment``, ``clifer.tune``, ``clifer.personal``)
parses its arguments with :func:`parse_args`, which adds ``--verbose`` and, without it,
calls :func:`quiet_tensorflow` before anything imports TensorFlow. It lives here, at
the bottom of the packages (facedata imports neither imagination nor clifer), so
that all three can use it.

What TensorFlow 2.21 writes on a CPU-only machine, and what keeps each line off:

- ``WARNING: All log messages before absl::InitializeLog() is called are written to
  STDERR``, then ``I0000 ... port.cc] oneDNN custom operations are on ...`` and
  ``I0000 ... cudart_stub.cc] Could not find cuda drivers ...``, twice (two of
  TensorFlow's libraries carry their own copy of absl): logged while the libraries
  load, before TensorFlow reads ``TF_CPP_MIN_LOG_LEVEL``, so no setting silences them
  (measured: ``TF_CPP_MIN_LOG_LEVEL=3``, ``GLOG_minloglevel``, ``GRPC_VERBOSITY`` and
  ``ABSL_MIN_LOG_LEVEL`` all leave them; TensorFlow's issue #100442 is open). The
  import of ``tensorflow`` runs with the process's stderr (file descriptor 2)
  captured, and what was written is then written back without these lines.
- ``I0000 ... cpu_feature_guard.cc] This TensorFlow binary is optimized ...`` (and
  its second line): an information line logged after the level is read:
  ``TF_CPP_MIN_LOG_LEVEL=2`` (set unless the user set it) drops it, and with it
  TensorFlow's later information and warning lines (errors are kept).
- ``E0000 ... cuda_platform.cc] failed call to cuInit ...``: an *error* line from
  probing for a GPU on a machine without one, at the first use of a device. Only
  ``TF_CPP_MIN_LOG_LEVEL=3`` drops it, which would drop TensorFlow's real errors too,
  and ``CUDA_VISIBLE_DEVICES`` would hide a GPU a user has; so the probe
  (``tf.config.list_physical_devices()``) is made inside the captured import, where
  the complaints of TensorFlow's ``cuda*.cc`` files are dropped.
  ``TF_ENABLE_ONEDNN_OPTS=0`` is not used: it changes the arithmetic, not the messages.

Anything else written meanwhile (the project's own warnings, a real error, a
traceback) is written back. Worker processes (joblib's loky workers) inherit the choice
through the environment (:data:`ENVIRONMENT`) and call :func:`follow_parent` first.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.abc
import os
import re
import sys
import tempfile

#: ``"quiet"`` or ``"verbose"``: the command's choice, for its worker processes.
ENVIRONMENT = "CLIFER_TENSORFLOW_START_UP"
LOG_LEVEL = "TF_CPP_MIN_LOG_LEVEL"


def _lines(levels: str, file: str) -> str:
    """TensorFlow's C++ log lines of ``levels`` from ``file``: ``I0000 00:00:1796.2 784
    port.cc:153] ...`` (absl's format, TensorFlow 2.18 on) or ``2025-09-17
    14:44:05.157831: I external/.../cudart_stub.cc:32] ...`` (older)."""
    return (
        rf"[{levels}]\d{{4}} [\d:.]+ +\d+ {file}:\d+\] "
        rf"|\d{{4}}-\d\d-\d\d [\d:.]+: [{levels}] (?:\S*/)?{file}:\d+\] "
    )


#: What :func:`start_up_lines_dropped` drops: TensorFlow's information lines, its
#: complaints (warnings, errors) that there is no GPU, from its ``cuda*.cc`` files,
#: absl's notice before them and the second line of the CPU-features notice.
START_UP_LINE = re.compile(
    _lines("I", r"\S+")
    + "|"
    + _lines("WE", r"cuda\w*\.cc")
    + r"|WARNING: All log messages before absl::InitializeLog\(\) is called"
    + r"|To enable the following instructions: .*rebuild TensorFlow"
)
_LEVEL_SET: list[bool] = []  # whether quiet_tensorflow set TF_CPP_MIN_LOG_LEVEL


def quiet_wanted() -> bool:
    """False when the command was given ``--verbose`` (or its parent process was)."""
    return os.environ.get(ENVIRONMENT) != "verbose"


@contextlib.contextmanager
def start_up_lines_dropped():
    """Capture what the process writes to its stderr (file descriptor 2, where
    TensorFlow's C++ code writes) meanwhile; afterwards write it back without
    TensorFlow's start-up lines (:data:`START_UP_LINE`: its information lines, its
    complaints that there is no GPU, absl's notice about them). Other warnings and
    errors are kept. Does nothing after ``--verbose``."""
    if not quiet_wanted():
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            lines = sink.read().decode(errors="replace").splitlines(keepends=True)
            kept = "".join(line for line in lines if not START_UP_LINE.match(line))
            if kept:
                sys.stderr.write(kept)
                sys.stderr.flush()


class _QuietLoader(importlib.abc.Loader):
    """TensorFlow's own loader, its module run inside :func:`start_up_lines_dropped`
    and followed by the GPU probe."""

    def __init__(self, loader) -> None:
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module) -> None:
        with start_up_lines_dropped():
            self._loader.exec_module(module)
            try:  # the GPU probe (cuInit), while captured; a failure shows later if real
                module.config.list_physical_devices()
            except Exception:
                pass
        module.__loader__ = self._loader
        if getattr(module, "__spec__", None) is not None:
            module.__spec__.loader = self._loader

    def __getattr__(self, name: str):
        return getattr(self._loader, name)


class _TensorFlowFinder(importlib.abc.MetaPathFinder):
    """Finds ``tensorflow`` as the path finder does, with :class:`_QuietLoader`."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "tensorflow":
            return None
        _remove_finder()  # once: the search below and any later import are ordinary
        for finder in list(sys.meta_path):
            find = getattr(finder, "find_spec", None)
            spec = find(fullname, path, target) if find is not None else None
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _QuietLoader(spec.loader)
                return spec
        return None


def _remove_finder() -> None:
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _TensorFlowFinder)]


def quiet_tensorflow() -> None:
    """Keep TensorFlow's start-up lines off stderr in this process and in the worker
    processes it starts: ``TF_CPP_MIN_LOG_LEVEL=2`` unless set, and TensorFlow's
    import (whenever it comes) captured as the module's docstring says. Nothing more
    can be done once TensorFlow is imported."""
    os.environ[ENVIRONMENT] = "quiet"
    if LOG_LEVEL not in os.environ:
        os.environ[LOG_LEVEL] = "2"
        _LEVEL_SET.append(True)
    if "tensorflow" not in sys.modules and not any(
        isinstance(f, _TensorFlowFinder) for f in sys.meta_path
    ):
        sys.meta_path.insert(0, _TensorFlowFinder())


def verbose_tensorflow() -> None:
    """TensorFlow's messages as TensorFlow writes them (``--verbose``), here and in
    worker processes (the log level is left as the user set it)."""
    os.environ[ENVIRONMENT] = "verbose"
    if _LEVEL_SET:  # set by quiet_tensorflow earlier in this process, not by the user
        os.environ.pop(LOG_LEVEL, None)
        _LEVEL_SET.clear()
    _remove_finder()


def follow_parent() -> None:
    """In a worker process: quiet TensorFlow unless the command that started it was
    given ``--verbose`` (the choice comes through the environment)."""
    if quiet_wanted():
        quiet_tensorflow()


def add_verbose_option(parser: argparse.ArgumentParser) -> None:
    """``--verbose`` on ``parser`` and on each of its sub-commands (once)."""
    if "--verbose" not in parser._option_string_actions:
        parser.add_argument(
            "--verbose",
            action="store_true",
            help="keep TensorFlow's start-up messages (its log lines, the GPU probe) on stderr",
        )
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                if "--verbose" not in sub._option_string_actions:
                    sub.add_argument(
                        "--verbose",
                        action="store_true",
                        default=argparse.SUPPRESS,
                        help="keep TensorFlow's start-up messages on stderr",
                    )


def parse_args(
    parser: argparse.ArgumentParser, argv: list[str] | None = None
) -> argparse.Namespace:
    """``parser.parse_args(argv)`` with ``--verbose`` added; TensorFlow quiet unless it
    was given (call it before anything imports TensorFlow)."""
    add_verbose_option(parser)
    args = parser.parse_args(argv)
    if args.verbose:
        verbose_tensorflow()
    else:
        quiet_tensorflow()
    return args
