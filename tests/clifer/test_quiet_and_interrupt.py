"""The command lines start without TensorFlow's start-up noise unless ``--verbose``, and
Ctrl-C stops a run in one line, status 130, keeping what was done (no leaked
semaphore, no worker left), so that the same command resumes it."""

import argparse
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from clifer_cases import clustered_subject

from clifer.learners import LearnerSettings
from clifer.orders import DEFAULT_ORDER, REFERENCE_ORDERS
from clifer.runner import plan, run_cells
from facedata._quiet import ENVIRONMENT, LOG_LEVEL, START_UP_LINE
from facedata.commandline import INTERRUPTED, Interrupted, run_command

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _as_it_was(monkeypatch):
    """What run_command sets for the command's workers is undone after each test."""
    monkeypatch.delenv(ENVIRONMENT, raising=False)
    monkeypatch.delenv(LOG_LEVEL, raising=False)
    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))


def _env() -> dict[str, str]:
    """This environment without the settings an earlier test may have left."""
    return {k: v for k, v in os.environ.items() if k not in (ENVIRONMENT, LOG_LEVEL)}


def _noise(text: str) -> list[str]:
    return [line for line in text.splitlines() if START_UP_LINE.match(line)]


def test_an_interruption_with_what_is_kept_is_one_line_and_status_130(capsys):
    def run(args):
        raise Interrupted("3 of 8 cells kept in results/x")

    assert run_command(argparse.ArgumentParser(), run, []) == INTERRUPTED == 130
    assert capsys.readouterr().err == (
        "interrupted: 3 of 8 cells kept in results/x; run the same command to resume\n"
    )


def test_an_interruption_elsewhere_is_one_line_and_status_130(capsys):
    def run(args):
        raise KeyboardInterrupt

    assert run_command(argparse.ArgumentParser(), run, []) == 130
    assert capsys.readouterr().err == "interrupted\n"


def test_ctrl_c_is_caught_once_then_ignored_while_stopping(capsys):
    """A second Ctrl-C while the command stops its workers does not cut that short."""

    def run(args):
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)  # interrupted at once
        except KeyboardInterrupt:
            os.kill(os.getpid(), signal.SIGINT)  # ignored
            time.sleep(0.2)
            raise Interrupted("nothing kept") from None
        return 0

    previous = signal.getsignal(signal.SIGINT)
    assert run_command(argparse.ArgumentParser(), run, []) == 130
    assert signal.getsignal(signal.SIGINT) is previous
    assert capsys.readouterr().err.startswith("interrupted: nothing kept;")


def test_cells_stopped_early_stop_the_workers_without_a_warning(recwarn):
    """What Ctrl-C in the cells loop does: the cells still running are cancelled, the
    worker processes stopped at once (joblib's "tasks cancelled" warning not shown)."""
    data = {name: clustered_subject(name, i) for i, name in enumerate(["S01", "S02"])}
    cells, _ = plan(data, [DEFAULT_ORDER, REFERENCE_ORDERS[1]], ["gdm", "gdm+replay"])
    outcomes = run_cells(cells, data, LearnerSettings(episode_epochs=3), jobs=2)
    first = next(outcomes)
    assert first.error is None and multiprocessing.active_children()
    outcomes.close()
    assert multiprocessing.active_children() == []
    assert [str(w.message) for w in recwarn] == []


@pytest.mark.slow
def test_a_command_that_imports_tensorflow_starts_quiet_unless_verbose(tmp_path):
    """Loading the shipped model imports TensorFlow and meets the GPU probe; the
    command then stops on an empty folder (status 2): stderr is that error alone.
    With --verbose TensorFlow's lines are there as TensorFlow writes them."""
    command = [
        sys.executable,
        "-m",
        "imagination.evaluate",
        "--model",
        "cpu",
        "--dataset",
        "own",
        "--root",
        str(tmp_path),
    ]
    quiet = subprocess.run(
        command, capture_output=True, text=True, cwd=ROOT, env=_env(), timeout=300
    )
    assert quiet.returncode == 2, quiet.stderr
    assert "imagination model: cpu" in quiet.stdout
    assert quiet.stderr.startswith("error: own:") and _noise(quiet.stderr) == []
    verbose = subprocess.run(
        [*command, "--verbose"], capture_output=True, text=True, cwd=ROOT, env=_env(), timeout=300
    )
    assert verbose.returncode == 2
    assert "error: own:" in verbose.stderr
    assert _noise(verbose.stderr), "TensorFlow 2.21 on Linux writes start-up lines"


def _wait_for(condition, process, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert process.poll() is None, "the run ended before it could be interrupted"
        assert time.monotonic() < deadline, "no cell was written in time"
        time.sleep(0.05)


def _group_gone(pgid: int, seconds: float = 30) -> bool:
    """Whether every process of the group (the command, its workers, joblib's resource
    tracker) has exited within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.slow
def test_ctrl_c_keeps_the_cells_done_and_the_same_command_resumes(tmp_path):
    results = tmp_path / "results"
    command = [
        sys.executable,
        "-m",
        "clifer.experiment",
        "--subjects",
        "3",
        "--conditions",
        "gdm,clifer",
        "--no-baselines",
        "--quiet",
        "--jobs",
        "2",
        "--results",
        str(results),
        "--run",
        "x",
    ]
    cells = results / "x" / "cells"
    with open(tmp_path / "err", "w") as err, open(tmp_path / "out", "w") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=_env(), stdout=out, stderr=err, start_new_session=True
        )  # its own group, as in a terminal
        try:
            _wait_for(lambda: any(cells.glob("*.csv")), process, 600)
            os.killpg(process.pid, signal.SIGINT)  # Ctrl-C: the command and its workers
            assert process.wait(timeout=120) == 130
            assert _group_gone(process.pid), "a worker or the resource tracker was left"
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
    stderr = (tmp_path / "err").read_text()
    assert "leaked" not in stderr and "Traceback" not in stderr, stderr
    assert "resource_tracker" not in stderr and _noise(stderr) == [], stderr
    lines = [line for line in stderr.splitlines() if line.startswith("interrupted")]
    assert len(lines) == 1, stderr
    found = re.fullmatch(
        r"interrupted: (\d) of 6 cells kept in (.+); run the same command "
        r"to resume",
        lines[0],
    )
    assert found and Path(found[2]) == results / "x", lines[0]
    kept = {p.name: p.read_bytes() for p in cells.glob("*.csv")}
    assert 1 <= int(found[1]) == len(kept) < 6

    again = subprocess.run(
        command, cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=900
    )
    assert again.returncode == 0, again.stderr
    assert f"{6 - len(kept)} cells to run, {len(kept)} done before" in again.stdout
    assert _noise(again.stderr) == [] and "leaked" not in again.stderr
    assert len(list(cells.glob("*.csv"))) == 6
    assert all((cells / name).read_bytes() == body for name, body in kept.items())
