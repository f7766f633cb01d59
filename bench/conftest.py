"""Shared pieces of the performance checks.

Run them with ``pytest bench --benchmark-only`` (``make bench``) from the
repository root. The repository's pytest configuration imports test modules with
``--import-mode=importlib``, so the helper modules of this folder are loaded by
path here and handed to the tests as fixtures.

Every check measures its target as a ratio of two timings taken in the same
run (the machines are shared and noisy), records its figures in
``benchmark.extra_info``, and lists them after the run (terminal summary, and
``.benchmarks/gwr-figures.json``).
"""

from __future__ import annotations

import importlib.util
import json
import os
import platform
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).parent
FIGURES_FILE = HERE.parent / ".benchmarks" / "gwr-figures.json"

_figures: dict[str, dict] = {}


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"gwr_bench_{name}", HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def reference_gwr():
    """The module ``bench/reference_gwr.py`` (the plain-numpy baseline)."""
    return _load("reference_gwr")


def best_times(functions: dict, repeats: int) -> dict:
    """Best wall time of each function over ``repeats`` rounds, run round-robin
    so that a noisy spell of the machine hits every function alike."""
    best = dict.fromkeys(functions, float("inf"))
    for _ in range(repeats):
        for name, fn in functions.items():
            t0 = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t0)
    return best


class Recorder:
    """Puts a check's figures into ``benchmark.extra_info`` and the run summary."""

    def __call__(self, benchmark, name: str, *, target: str, holds: bool, **figures):
        figures = {k: (round(v, 6) if isinstance(v, float) else v) for k, v in figures.items()}
        entry = {"target": target, "holds": bool(holds), **figures}
        if benchmark is not None:
            benchmark.extra_info.update(entry)
        _figures[name] = entry
        return entry


@pytest.fixture(scope="session", name="best_times")
def best_times_fixture():
    """The function :func:`best_times`."""
    return best_times


@pytest.fixture(scope="session")
def record():
    return Recorder()


def pytest_terminal_summary(terminalreporter):
    if not _figures:
        return
    tr = terminalreporter
    tr.section("gwr performance figures")
    for name, entry in sorted(_figures.items()):
        verdict = "holds" if entry["holds"] else "MISSED"
        tr.write_line(f"{name}: {entry['target']} -> {verdict}")
        for key, value in entry.items():
            if key not in ("target", "holds"):
                tr.write_line(f"    {key} = {value}")
    FIGURES_FILE.parent.mkdir(exist_ok=True)
    import numba
    import numpy

    meta = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "numba": numba.__version__,
    }
    report = {"meta": meta, "figures": dict(sorted(_figures.items()))}
    FIGURES_FILE.write_text(json.dumps(report, indent=2))
    tr.write_line(f"figures written to {FIGURES_FILE}")


def search_args(W, alive, C, alphas) -> tuple:
    """Arguments of ``gwr._kernels.best_two`` as the training loop passes them:
    the float64 weights, their float32 search copy and the work buffers."""
    from gwr import _kernels as K

    return (
        W,
        W.astype(np.float32),
        alive,
        W.shape[0],
        C,
        np.empty(C.shape, np.float32),
        alphas,
        alphas.astype(np.float32),
        np.empty(K.N_CANDIDATES, np.int64),
        np.empty(K.N_CANDIDATES, np.float32),
    )


@pytest.fixture(scope="session", name="search_args")
def search_args_fixture():
    return search_args
