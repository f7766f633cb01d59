"""Running the cells of an experiment: serially, on local processes (joblib), or on a Dask
cluster (joblib's dask backend), each completed cell stored as soon as it arrives.

A cell is one (subject, class order, condition). Cells whose results are already in
the store are skipped. A cell that fails is reported and the others go on: what
completed is kept either way.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import time
import traceback
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pandas as pd

from facedata.commandline import follow_parent

from .conditions import CONDITIONS
from .learners import LearnerSettings
from .orders import Order, order_name
from .protocol import SubjectFeatures, run_cell
from .store import ResultStore


@dataclass(frozen=True)
class Cell:
    """One unit of work: a subject under a class order and a condition."""

    subject: str
    order: Order
    condition: str

    @property
    def key(self) -> tuple[str, str, str]:
        return self.subject, order_name(self.order), self.condition


@dataclass(frozen=True)
class CellOutcome:
    cell: Cell
    table: pd.DataFrame | None
    error: str | None
    seconds: float


def imagination_model(path: str | os.PathLike | None = None):
    """The imagination model in the file ``path`` (None: the shipped real-face model,
    for real people), loaded once per process."""
    if path is None:
        from imagination.pretrained import REAL_MODEL, pretrained_path

        path = pretrained_path(REAL_MODEL)
    return _loaded_model(os.path.realpath(path))


@functools.cache
def _loaded_model(path: str):
    """The model in the file ``path`` (a real path), loaded once per process."""
    from imagination import load

    return load(path, compile=False)


@functools.cache
def warm_up_memories(n_features: int) -> None:
    """Load (or compile) the memories' jitted kernels once per process, on a throw-away
    Growing Dual Memory with replay, so that no cell's measured time includes it: the
    first use in a process costs a second or more (docs/benchmarks.md, "The memories'
    first use"). The kernels are compiled per array type, not size: once per process is
    enough (the call is cached per feature count, and cells of a run share one)."""
    import numpy as np

    from gwr import GrowingDualMemory

    x = np.random.default_rng(0).normal(size=(12, n_features))
    memory = GrowingDualMemory(random_state=0)
    memory.partial_fit(x, np.arange(12) % 2, epochs=2)
    memory.replay(epochs=1)
    memory.predict(x, memory="episodic")
    memory.predict(x, memory="semantic")


def _run(
    cell: Cell, data: SubjectFeatures, settings: LearnerSettings, imagination: str | None, seed: int
) -> CellOutcome:
    """Run one cell; an exception becomes the outcome's error text."""
    start = time.perf_counter()
    try:
        condition = CONDITIONS[cell.condition]
        if condition.learner == "gdm":
            warm_up_memories(data.train_features.shape[1])
        model = imagination_model(imagination) if condition.imagination else None
        table = run_cell(data, cell.order, condition, settings, model, seed)
        return CellOutcome(cell, table, None, time.perf_counter() - start)
    except Exception as error:  # reported by the caller; the other cells go on
        text = f"{type(error).__name__}: {error}\n{traceback.format_exc(limit=3)}"
        return CellOutcome(cell, None, text, time.perf_counter() - start)


def plan(
    subjects: Iterable[str],
    orders: Iterable[Order],
    conditions: Iterable[str],
    store: ResultStore | None = None,
) -> tuple[list[Cell], list[Cell]]:
    """All cells, in a fixed order, split into (to run, already done)."""
    cells = [Cell(s, o, c) for s in subjects for o in orders for c in conditions]
    if store is None:
        return cells, []
    finished = {c: store.done(*c.key) for c in cells}  # once: a damaged file is set aside
    return [c for c in cells if not finished[c]], [c for c in cells if finished[c]]


def _worker_start() -> None:
    """The first thing a local worker process does: Ctrl-C is left to the command,
    which stops the workers itself (a worker stopped by it mid-cell would leave the
    command a broken pool to clean up), and TensorFlow is as quiet as the command."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    follow_parent()


@contextlib.contextmanager
def _backend(jobs: int, scheduler: str | None):
    """joblib's backend: Dask's for a scheduler address, else local processes."""
    import joblib

    if scheduler is None:
        with joblib.parallel_config(backend="loky", n_jobs=jobs, initializer=_worker_start):
            yield
        return
    try:
        from dask.distributed import Client
    except ImportError as error:
        raise ImportError(
            "--scheduler needs dask.distributed: pip install 'dask[distributed]'"
        ) from error
    with Client(scheduler), joblib.parallel_config(backend="dask"):
        yield


def _stop(results) -> None:
    """Close joblib's generator of results: the cells still running are cancelled and
    the local workers stopped (joblib's warning that they were cancelled is not shown:
    the caller stopped on purpose). Nothing happens to a generator that is done."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        results.close()


def _shut_down_local_workers() -> None:
    """Stop loky's reusable worker processes and free their queues now (their
    semaphores included), rather than leave it to the interpreter's exit."""
    from joblib.externals.loky import reusable_executor

    executor = getattr(reusable_executor, "_executor", None)
    if executor is not None:
        executor.shutdown(wait=True, kill_workers=True)


def run_cells(
    cells: list[Cell],
    data: dict[str, SubjectFeatures],
    settings: LearnerSettings,
    *,
    imagination: str | None = None,
    seed: int = 0,
    jobs: int = 1,
    scheduler: str | None = None,
    store: ResultStore | None = None,
) -> Iterator[CellOutcome]:
    """Run ``cells``, yielding each outcome as it completes (stored first, if a store is given).

    ``jobs == 1`` without a scheduler runs in this process, in order; otherwise the
    cells go to joblib workers (``jobs`` local processes, or the Dask cluster at
    ``scheduler``) and arrive in completion order.
    """

    def finish(outcome: CellOutcome) -> CellOutcome:
        if store is not None and outcome.table is not None:
            store.write(*outcome.cell.key, outcome.table)
        return outcome

    if jobs == 1 and scheduler is None:
        for cell in cells:
            yield finish(_run(cell, data[cell.subject], settings, imagination, seed))
        return
    import joblib

    with _backend(jobs, scheduler):
        results = joblib.Parallel(return_as="generator_unordered")(
            joblib.delayed(_run)(cell, data[cell.subject], settings, imagination, seed)
            for cell in cells
        )
        try:
            for outcome in results:
                yield finish(outcome)
        except BaseException:  # Ctrl-C, or the caller stopped early (GeneratorExit)
            _stop(results)
            if scheduler is None:
                _shut_down_local_workers()
            raise
