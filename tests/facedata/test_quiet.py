"""facedata._quiet: which lines count as TensorFlow's start-up noise, the capture that
drops them and keeps the rest, and ``--verbose`` on a command and its sub-commands."""

import argparse
import os
import sys

import pytest

from facedata import _quiet
from facedata._quiet import START_UP_LINE, add_verbose_option, start_up_lines_dropped

# what TensorFlow 2.21 writes on stderr on a CPU-only machine, from its import to the
# first use of a device (and, below, the older format of the same lines)
NOISE = [
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    "I0000 00:00:1796154346.457688   12837 port.cc:153] oneDNN custom operations are on. "
    "You may see slightly different numerical results",
    "I0000 00:00:1796154346.458191   12837 cudart_stub.cc:31] Could not find cuda drivers on "
    "your machine, GPU will not be used.",
    "I0000 00:00:1796154346.550970   12837 cpu_feature_guard.cc:227] This TensorFlow binary "
    "is optimized to use available CPU instructions in performance-critical operations.",
    "To enable the following instructions: AVX2 AVX512F FMA, in other operations, rebuild "
    "TensorFlow with the appropriate compiler flags.",
    "E0000 00:00:1796154352.713462   12837 cuda_platform.cc:52] failed call to cuInit: "
    "INTERNAL: CUDA error: Failed call to cuInit: UNKNOWN ERROR (303)",
    "2025-09-17 14:44:05.157831: I external/local_xla/xla/tsl/cuda/cudart_stub.cc:32] Could "
    "not find cuda drivers on your machine, GPU will not be used.",
    "2025-09-17 14:44:05.176998: E external/local_xla/xla/stream_executor/cuda/cuda_fft.cc:"
    "467] Unable to register cuFFT factory",
]
KEPT = [
    "E0000 00:00:1796154352.713462   12837 op_kernel.cc:1857] OP_REQUIRES failed",
    "W0000 00:00:1796154352.713462   12837 cpu_allocator_impl.cc:83] Allocation exceeds 10%",
    "clifer/experiment.py:12: UserWarning: the project's own warning",
    "Traceback (most recent call last):",
    "error: no such file",
    "interrupted: 1 of 6 cells kept in results/x; run the same command to resume",
]


@pytest.mark.parametrize("line", NOISE)
def test_start_up_lines_are_recognised(line):
    assert START_UP_LINE.match(line)


@pytest.mark.parametrize("line", KEPT)
def test_errors_warnings_and_the_projects_lines_are_not(line):
    assert not START_UP_LINE.match(line)


def test_the_capture_drops_start_up_lines_and_writes_back_the_rest(capfd, monkeypatch):
    monkeypatch.delenv(_quiet.ENVIRONMENT, raising=False)
    lines = [NOISE[0], KEPT[0], NOISE[1], KEPT[1], NOISE[4], KEPT[2]]
    with start_up_lines_dropped():
        os.write(2, ("\n".join(lines) + "\n").encode())  # file descriptor 2, as C++ code
    assert capfd.readouterr().err.splitlines() == KEPT[:3]


def test_after_verbose_the_capture_keeps_everything(capfd, monkeypatch):
    monkeypatch.setenv(_quiet.ENVIRONMENT, "verbose")
    with start_up_lines_dropped():
        os.write(2, (NOISE[1] + "\n").encode())
    assert capfd.readouterr().err.splitlines() == [NOISE[1]]


def test_an_exception_inside_the_capture_still_reaches_stderr(capfd, monkeypatch):
    monkeypatch.delenv(_quiet.ENVIRONMENT, raising=False)
    with pytest.raises(KeyboardInterrupt), start_up_lines_dropped():
        os.write(2, f"{NOISE[0]}\nsomething real\n".encode())
        raise KeyboardInterrupt
    assert capfd.readouterr().err == "something real\n"


def test_verbose_on_a_command_and_on_each_sub_command():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("one")
    sub.add_parser("two").add_argument("--x")
    add_verbose_option(parser)
    add_verbose_option(parser)  # once only
    assert parser.parse_args(["one"]).verbose is False
    assert parser.parse_args(["--verbose", "one"]).verbose is True
    assert parser.parse_args(["two", "--verbose", "--x", "1"]).verbose is True


def test_quiet_and_verbose_set_what_worker_processes_follow(monkeypatch):
    monkeypatch.delenv(_quiet.ENVIRONMENT, raising=False)
    monkeypatch.delenv(_quiet.LOG_LEVEL, raising=False)
    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))
    parser = argparse.ArgumentParser()
    _quiet.parse_args(parser, [])
    assert os.environ[_quiet.ENVIRONMENT] == "quiet" and os.environ[_quiet.LOG_LEVEL] == "2"
    _quiet.parse_args(parser, ["--verbose"])
    assert os.environ[_quiet.ENVIRONMENT] == "verbose" and _quiet.LOG_LEVEL not in os.environ
    assert not _quiet.quiet_wanted()
    assert not any(isinstance(f, _quiet._TensorFlowFinder) for f in sys.meta_path)
    monkeypatch.setenv(_quiet.LOG_LEVEL, "0")  # the user's own level is kept
    _quiet.parse_args(parser, [])
    assert os.environ[_quiet.LOG_LEVEL] == "0"
